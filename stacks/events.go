package stacks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awspipes"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/constructs/securequeue"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/alarm"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
)

// InvoiceWorkerEntry is the Go package of the invoice worker.
const InvoiceWorkerEntry = "./functions/invoiceworker"

// The order event the outbox publishes; functions/invoiceworker/worker
// checks the same values.
const (
	OrderEventSource     = "groundwork.orders"
	OrderEventDetailType = "OrderPlaced"
)

// Settings of the Events stack.
const (
	// InvoiceWorkerTimeout is the worker's timeout: one batch of ten S3
	// writes takes well under a second; 30 s leaves room for retries.
	InvoiceWorkerTimeout = 30 * time.Second
	// InvoiceWorkerConcurrency is the worker's reserved concurrency, and
	// InvoiceMaxConcurrency the most the event source mapping starts: a
	// bounded load on S3 and KMS whatever the order rate.
	InvoiceWorkerConcurrency = 5
	InvoiceMaxConcurrency    = 2
	// InvoiceBatchSize and InvoiceBatchWindow shape the worker's batches.
	InvoiceBatchSize   = 10
	InvoiceBatchWindow = 5 * time.Second
	// RuleRetryAttempts and RuleMaxEventAge bound EventBridge's retries of
	// a failed delivery to the queue before the event goes to the rule's
	// dead-letter queue (EventBridge's own maxima: 185 attempts, 24 h).
	RuleRetryAttempts = 185
	RuleMaxEventAge   = 24 * time.Hour
	// OutboxRetryAttempts bounds the pipe's retries of a failed batch
	// before the stream records go to the pipe's dead-letter queue. The
	// stream keeps records 24 h; retries are spread over that with backoff.
	OutboxRetryAttempts = 10
	// EventsDeadLetterThreshold is the number of dead-lettered events (rule
	// or outbox) that raises an alarm: any.
	EventsDeadLetterThreshold = 1
)

// EventsStack is Groundwork-<Env>-Events: every stored order becomes an
// OrderPlaced event on an encrypted custom bus (with an archive), a rule
// routes it to the invoice queue, and the invoice worker writes the invoice
// to the Storage stack's invoices bucket.
//
// The outbox is the orders table's stream read by an EventBridge pipe
// (AWS::Pipes::Pipe), not a publish call in the API function: the write of
// the order is the write of its event (DynamoDB appends the stream record
// atomically with the item), so an order is published even when the API
// function fails or times out right after PutItem, and the function needs
// no events:PutEvents permission. A pipe rather than a stream-consumer
// Lambda because it needs no code to own: filtering (INSERT only),
// reshaping (the input template) and retries with a dead-letter queue are
// configuration. Delivery is at least once end to end; the worker is
// idempotent.
type EventsStack struct {
	awscdk.Stack
	// Key encrypts the bus, its archive, the invoice queue and every
	// dead-letter queue of the stack.
	Key awskms.Key
	// Bus is the custom event bus groundwork-<env>-orders.
	Bus awsevents.CfnEventBus
	// Archive keeps the bus's order events for replay.
	Archive awsevents.CfnArchive
	// Outbox is the pipe from the orders table's stream to Bus.
	Outbox awspipes.CfnPipe
	// OutboxRole is the pipe's execution role.
	OutboxRole awsiam.Role
	// OutboxDeadLetterQueue keeps stream records the pipe could not publish.
	OutboxDeadLetterQueue awssqs.Queue
	// Rule routes OrderPlaced to Queue.
	Rule awsevents.CfnRule
	// RuleDeadLetterQueue keeps events the rule could not deliver.
	RuleDeadLetterQueue awssqs.Queue
	// Queue feeds the invoice worker.
	Queue *securequeue.SecureQueue
	// Worker writes invoices.
	Worker *hardenedfunction.HardenedFunction
	// Mapping is the worker's event source mapping on Queue.
	Mapping awslambda.CfnEventSourceMapping
	// Alarms are the stack's own alarms (dead letters, failed deliveries,
	// failed pipe executions); the queue's and the worker's are theirs.
	Alarms []awscloudwatch.Alarm

	names eventNames
}

// eventNames are the fixed names of the stack's EventBridge resources: a key
// policy names them by ARN, and the resources reference the key, so the
// ARNs must be known without a reference.
type eventNames struct {
	bus, rule           string
	busArn, archiveArns string
	ruleArn             string
}

func newEventNames(cfg Config) eventNames {
	prefix := "groundwork-" + cfg.Name
	n := eventNames{bus: prefix + "-orders", rule: "order-placed-to-invoices"}
	arn := func(service, resource string) string {
		return "arn:" + cfg.Partition() + ":" + service + ":" + cfg.Region + ":" + cfg.Account + ":" + resource
	}
	n.busArn = arn("events", "event-bus/"+n.bus)
	n.archiveArns = arn("events", "archive/*")
	n.ruleArn = arn("events", "rule/"+n.bus+"/"+n.rule)
	return n
}

// NewEventsStack creates the Events stack of cfg's environment: the outbox
// reads api's orders table stream, and the worker writes to storage's
// invoices bucket.
func NewEventsStack(app awscdk.App, cfg Config, api *ApiStack, storage *StorageStack) *EventsStack {
	stack := newStack(app, cfg, "Events", "order events, invoice queue and worker")
	e := &EventsStack{Stack: stack, names: newEventNames(cfg)}
	n := e.names
	topic := alarmTopic(stack, cfg)
	sourceArns := []string{n.busArn, n.archiveArns, n.ruleArn}
	e.Key = kmskey.New(stack, "EventsKey", "Encryption of the order events: bus, archive, invoice queue, dead-letter queues",
		cfg.RemovalPolicy(),
		// EventBridge encrypts and decrypts the bus's and the archive's
		// events with the key as itself, pinned to this bus, its rule and this
		// account's archives (aws:SourceArn, aws:SourceAccount). The archive
		// has no fixed name: its create-only SourceArn would make a fixed
		// name fail on replacement ("already exists").
		kmskey.ServiceGrant{
			Sid: "AllowEventBridgeBusAndArchive", Service: "events.amazonaws.com",
			Actions: []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"},
			Conditions: map[string]map[string]any{
				"StringEquals": {"aws:SourceAccount": cfg.Account},
				"ArnLike":      {"aws:SourceArn": sourceArns},
			},
		})

	e.Bus = awsevents.NewCfnEventBus(stack, jsii.String("Bus"), &awsevents.CfnEventBusProps{
		Name:             jsii.String(n.bus),
		Description:      jsii.String("Groundwork " + cfg.Name + ": order events (OrderPlaced)"),
		KmsKeyIdentifier: e.Key.KeyArn(),
	})
	e.Archive = awsevents.NewCfnArchive(stack, jsii.String("Archive"), &awsevents.CfnArchiveProps{
		Description:      jsii.String("Every order event of " + n.bus + ", for replay"),
		SourceArn:        e.Bus.AttrArn(),
		EventPattern:     map[string]any{"source": []string{OrderEventSource}},
		RetentionDays:    jsii.Number(float64(archiveRetentionDays(cfg))),
		KmsKeyIdentifier: e.Key.KeyArn(),
	})

	e.newOutbox(cfg, api)

	e.Queue = securequeue.New(stack, "InvoiceQueue", &securequeue.Props{
		QueueName:           "groundwork-" + cfg.Name + "-invoices",
		ConsumerTimeout:     InvoiceWorkerTimeout,
		ConsumerBatchWindow: InvoiceBatchWindow,
		EncryptionKey:       e.Key,
		RemovalPolicy:       cfg.RemovalPolicy(),
		AlarmTopic:          topic,
	})
	e.newRule(cfg)

	concurrency := InvoiceWorkerConcurrency
	name := "groundwork-" + cfg.Name + "-invoice-worker"
	e.Worker = hardenedfunction.New(stack, "InvoiceWorker", &hardenedfunction.Props{
		Entry:        InvoiceWorkerEntry,
		FunctionName: name,
		LogGroupName: "/aws/lambda/" + name,
		Description:  "Groundwork " + cfg.Name + ": writes the invoice of each OrderPlaced event",
		Timeout:      InvoiceWorkerTimeout,
		Environment: map[string]string{
			"BUCKET_NAME": *storage.Invoices.Bucket.BucketName(),
			"ACCOUNT_ID":  cfg.Account,
		},
		ReservedConcurrency: &concurrency,
		RemovalPolicy:       cfg.RemovalPolicy(),
		AlarmTopic:          topic,
	})
	// s3:PutObject on the bucket's objects, the bucket key through S3.
	grant.BucketWrite(e.Worker, storage.Invoices.Bucket)
	// sqs:ReceiveMessage, DeleteMessage, ChangeMessageVisibility,
	// GetQueueAttributes; kms:Decrypt through SQS.
	e.Mapping = e.Queue.AddConsumer(e.Worker, &securequeue.ConsumerProps{
		BatchSize: InvoiceBatchSize, MaxConcurrency: InvoiceMaxConcurrency,
	})

	e.addAlarms(topic)
	publish(stack, "BusArnParameter", "/groundwork/"+cfg.Name+"/events/bus-arn", *e.Bus.AttrArn(), "ARN of the order events bus")
	publish(stack, "InvoiceQueueUrlParameter", "/groundwork/"+cfg.Name+"/events/invoice-queue-url",
		*e.Queue.Queue.QueueUrl(), "URL of the invoice queue")
	return e
}

// archiveRetentionDays keeps a year of events where data is retained, a
// week in dev.
func archiveRetentionDays(cfg Config) int {
	if cfg.RetainData {
		return 365
	}
	return 7
}

// outboxTemplate renders a stream record's new image as the OrderPlaced
// detail (Pipes input transformation: quoted placeholders for strings, the
// items list inserted as DynamoDB JSON).
const outboxTemplate = `{"orderId": "<$.dynamodb.NewImage.id.S>", "owner": "<$.dynamodb.NewImage.customerId.S>", ` +
	`"currency": "<$.dynamodb.NewImage.currency.S>", "status": "<$.dynamodb.NewImage.status.S>", ` +
	`"createdAt": "<$.dynamodb.NewImage.createdAt.S>", "items": <$.dynamodb.NewImage.items.L>, "streamEventId": "<$.eventID>"}`

// newOutbox creates the pipe from the orders table's stream to the bus, its
// role and its dead-letter queue.
func (e *EventsStack) newOutbox(cfg Config, api *ApiStack) {
	n := e.names
	e.OutboxDeadLetterQueue = securequeue.NewDeadLetterQueue(e.Stack, "OutboxDeadLetterQueue", &securequeue.DeadLetterProps{
		Key: e.Key, RemovalPolicy: cfg.RemovalPolicy(),
		Reason: "This queue is the outbox pipe's dead-letter queue (stream records it could not publish); a dead-letter " +
			"queue of a dead-letter queue would only move the same records again.",
	})
	// The pipe has no fixed name (its create-only Source would make one fail
	// on replacement), so the trust names the account (aws:SourceAccount),
	// not the pipe.
	e.OutboxRole = iamx.NewServiceRole(e.Stack, "OutboxRole", iamx.RoleProps{
		Service:     "pipes.amazonaws.com",
		Description: "Execution role of the orders outbox pipe of " + cfg.Name,
	})
	grant.GuardRole(e.OutboxRole, e.OutboxRole)
	pipe := grant.Role(e.OutboxRole)
	stream := *api.Orders.Table.TableStreamArn()
	// EventBridge Pipes' DynamoDB source permissions (EventBridge user
	// guide, "Event source permissions"): three on the stream, and
	// ListStreams, which takes no resource.
	pipe.GrantPolicy().AddStatements(
		iamx.Statement{Sid: "ReadOrdersStream", Actions: []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"},
			Resources: []string{stream}}.Build(),
		iamx.Statement{Sid: "ListStreams", Actions: []string{"dynamodb:ListStreams"}, Resources: []string{"*"}}.Build(),
		iamx.Statement{Sid: "PublishOrderEvents", Actions: []string{"events:PutEvents"}, Resources: []string{n.busArn}}.Build(),
	)
	nag.Suppress(pipe.GrantPolicy().Node().DefaultChild(), "AwsSolutions-IAM5",
		"dynamodb:ListStreams has no resource-level permissions (Service Authorization Reference) and EventBridge Pipes' "+
			"DynamoDB source requires it; the statement grants nothing else.", "Resource::*")
	// The stream's records are encrypted with the table's key: the pipe
	// decrypts them through DynamoDB only.
	grant.KeyUse(pipe, api.Orders.Key, "dynamodb", "kms:Decrypt")
	grant.QueueSend(pipe, e.OutboxDeadLetterQueue)

	e.Outbox = awspipes.NewCfnPipe(e.Stack, jsii.String("Outbox"), &awspipes.CfnPipeProps{
		Description: jsii.String("Orders outbox: each order stored in the orders table becomes an OrderPlaced event"),
		RoleArn:     e.OutboxRole.RoleArn(),
		Source:      jsii.String(stream),
		SourceParameters: &awspipes.CfnPipe_PipeSourceParametersProperty{
			DynamoDbStreamParameters: &awspipes.CfnPipe_PipeSourceDynamoDBStreamParametersProperty{
				// From the oldest record the stream keeps (24 h), so that
				// orders written before the pipe started are published too.
				StartingPosition:          jsii.String("TRIM_HORIZON"),
				BatchSize:                 jsii.Number(10),
				MaximumRetryAttempts:      jsii.Number(OutboxRetryAttempts),
				MaximumRecordAgeInSeconds: jsii.Number(-1), // until the stream's own 24 h retention
				OnPartialBatchItemFailure: jsii.String("AUTOMATIC_BISECT"),
				DeadLetterConfig:          &awspipes.CfnPipe_DeadLetterConfigProperty{Arn: e.OutboxDeadLetterQueue.QueueArn()},
			},
			FilterCriteria: &awspipes.CfnPipe_FilterCriteriaProperty{Filters: []any{
				&awspipes.CfnPipe_FilterProperty{Pattern: jsii.String(`{"eventName":["INSERT"]}`)},
			}},
		},
		Target: e.Bus.AttrArn(),
		TargetParameters: &awspipes.CfnPipe_PipeTargetParametersProperty{
			EventBridgeEventBusParameters: &awspipes.CfnPipe_PipeTargetEventBridgeEventBusParametersProperty{
				Source: jsii.String(OrderEventSource), DetailType: jsii.String(OrderEventDetailType),
			},
			InputTemplate: jsii.String(outboxTemplate),
		},
	})
	// Pipes checks the role's permissions when it creates the pipe.
	e.Outbox.Node().AddDependency(pipe.GrantPolicy())
}

// newRule routes OrderPlaced events to the invoice queue, with retries and
// the rule's own dead-letter queue.
func (e *EventsStack) newRule(cfg Config) {
	n := e.names
	e.RuleDeadLetterQueue = securequeue.NewDeadLetterQueue(e.Stack, "RuleDeadLetterQueue", &securequeue.DeadLetterProps{
		Key: e.Key, RemovalPolicy: cfg.RemovalPolicy(),
		Reason: "This queue is the OrderPlaced rule's dead-letter queue (events EventBridge could not deliver); a dead-letter " +
			"queue of a dead-letter queue would only move the same events again.",
	})
	pattern, _ := json.Marshal(map[string]any{"source": []string{OrderEventSource}, "detail-type": []string{OrderEventDetailType}})
	var eventPattern map[string]any
	_ = json.Unmarshal(pattern, &eventPattern)
	e.Rule = awsevents.NewCfnRule(e.Stack, jsii.String("OrderPlacedRule"), &awsevents.CfnRuleProps{
		Name:         jsii.String(n.rule),
		Description:  jsii.String("OrderPlaced events to the invoice queue"),
		EventBusName: e.Bus.AttrName(),
		EventPattern: eventPattern,
		State:        jsii.String("ENABLED"),
		Targets: []any{&awsevents.CfnRule_TargetProperty{
			Id:  jsii.String("InvoiceQueue"),
			Arn: e.Queue.Queue.QueueArn(),
			RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
				MaximumRetryAttempts:     jsii.Number(RuleRetryAttempts),
				MaximumEventAgeInSeconds: jsii.Number(RuleMaxEventAge.Seconds()),
			},
			DeadLetterConfig: &awsevents.CfnRule_DeadLetterConfigProperty{Arn: e.RuleDeadLetterQueue.QueueArn()},
		}},
	})
	// EventBridge sends to both queues as itself, for this rule only.
	e.Queue.AllowServiceSend("AllowOrderPlacedRule", "events.amazonaws.com", n.ruleArn)
	securequeue.AllowServiceSend(e.RuleDeadLetterQueue, e.Key, "AllowOrderPlacedRuleDeadLetters", "events.amazonaws.com", n.ruleArn)
}

// addAlarms raises an alarm on any dead-lettered event (rule or outbox), on
// failed rule deliveries and on failed pipe executions.
func (e *EventsStack) addAlarms(topic awssns.ITopic) {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	depth := func(q awssqs.Queue) awscloudwatch.IMetric {
		return q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")})
	}
	n := e.names
	for _, s := range []alarm.Spec{
		{ID: "OutboxDeadLetterAlarm", Metric: depth(e.OutboxDeadLetterQueue), Threshold: EventsDeadLetterThreshold,
			Description: fmt.Sprintf("Orders outbox: %d or more stored orders could not be published (stream records in the pipe's "+
				"dead-letter queue). Publish them again from the message bodies; check the pipe's role and the bus key.", EventsDeadLetterThreshold)},
		{ID: "RuleDeadLetterAlarm", Metric: depth(e.RuleDeadLetterQueue), Threshold: EventsDeadLetterThreshold,
			Description: fmt.Sprintf("OrderPlaced rule: %d or more events could not be delivered to the invoice queue after %d "+
				"attempts (the rule's dead-letter queue). Check the queue policy and key; replay from the archive.", EventsDeadLetterThreshold, RuleRetryAttempts)},
		{ID: "RuleFailedInvocationsAlarm", Threshold: 1,
			Metric:      alarm.Metric("AWS/Events", "FailedInvocations", "Sum", five, map[string]string{"RuleName": n.rule, "EventBusName": n.bus}),
			Description: "OrderPlaced rule: deliveries to the invoice queue are failing permanently (they go to the rule's dead-letter queue)."},
		{ID: "OutboxFailedAlarm", Threshold: 1,
			Metric:      alarm.Metric("AWS/EventBridge/Pipes", "ExecutionFailed", "Sum", five, map[string]string{"PipeName": *e.Outbox.Ref()}),
			Description: "Orders outbox pipe: executions are failing; orders are retried, then dead-lettered."},
	} {
		e.Alarms = append(e.Alarms, alarm.New(e.Stack, topic, s))
	}
}

// DashboardRow graphs events published and delivered, the invoice queue's
// depth and age, and the worker's invocations and errors.
func (e *EventsStack) DashboardRow() Row {
	n := e.names
	rule := map[string]string{"RuleName": n.rule, "EventBusName": n.bus}
	five := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}
	maxOf := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum")}
	q, fn := e.Queue.Queue, e.Worker.Function
	return Row{Title: "Events: order events, invoice queue, invoice worker", Widgets: []awscloudwatch.IWidget{
		graph("Order events published and delivered", []awscloudwatch.IMetric{
			metric("AWS/EventBridge/Pipes", "TargetStageSucceeded", "Sum", "published (outbox)", map[string]string{"PipeName": *e.Outbox.Ref()}),
			metric("AWS/Events", "MatchedEvents", "Sum", "matched (rule)", rule),
			metric("AWS/Events", "FailedInvocations", "Sum", "failed deliveries", rule),
		}, 6),
		graph("Invoice queue depth", []awscloudwatch.IMetric{
			q.MetricApproximateNumberOfMessagesVisible(maxOf), q.MetricApproximateNumberOfMessagesNotVisible(maxOf),
			e.Queue.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(maxOf),
		}, 6),
		graph("Oldest invoice message (s)", []awscloudwatch.IMetric{q.MetricApproximateAgeOfOldestMessage(maxOf)}, 6),
		graph("Worker invocations, errors, throttles", []awscloudwatch.IMetric{
			fn.MetricInvocations(five), fn.MetricErrors(five), fn.MetricThrottles(five)}, 6),
	}}
}
