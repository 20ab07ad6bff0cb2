// Package securequeue provides SecureQueue, an Amazon SQS queue with the
// guidance's event-driven defaults: SSE-KMS with a rotating customer-managed
// key, a queue policy that denies every request not made over TLS, a
// dead-letter queue (itself encrypted and TLS-only, 14 days' retention) after
// a bounded number of receives, a redrive allow-policy on that dead-letter
// queue that admits only this queue, a visibility timeout checked against
// the consumer's timeout (at least 6 × the Lambda timeout plus the batching
// window, as AWS recommends), and alarms on the dead-letter queue's depth and
// on the age of the oldest message.
//
//	q := securequeue.New(stack, "Invoices", &securequeue.Props{ConsumerTimeout: 30 * time.Second, AlarmTopic: topic})
//	q.AddConsumer(worker, &securequeue.ConsumerProps{MaxConcurrency: 2})
//
// A SecureQueue is a genuine construct (Tags_Of, AddDependency and use as a
// scope work on it). Grant access the library's way: q.GrantSend(fn) and
// q.GrantConsume(fn) (grant.QueueSend, grant.QueueConsume: explicit actions,
// the key only through SQS for this queue's encryption context), and
// q.AllowServiceSend for an AWS service such as EventBridge. AddConsumer
// creates the Lambda event source mapping with partial batch responses and
// bounded concurrency, and grants the function exactly what Lambda's poller
// calls.
//
// The construct owns its cdk-nag suppressions; each is on one resource and
// one rule and says why.
package securequeue

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/alarm"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

var queueName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// SecureQueue is a hardened SQS queue with its dead-letter queue. Its fields
// are the escape hatch to the resources it owns.
type SecureQueue struct {
	constructs.Construct

	// Queue is the queue.
	Queue awssqs.Queue
	// DeadLetterQueue receives messages received MaxReceiveCount times: the
	// construct's own, or Props.DeadLetterQueue.
	DeadLetterQueue awssqs.IQueue
	// Key encrypts Queue and the construct's own dead-letter queue.
	Key awskms.IKey
	// Alarms are the dead-letter depth alarm (own dead-letter queue only)
	// and the oldest-message age alarm; empty without Props.AlarmTopic.
	Alarms []awscloudwatch.Alarm

	props resolved
}

// ToString returns the construct path. It is the method jsii needs the
// struct to override to register it as a construct of its own.
func (q *SecureQueue) ToString() *string { return jsii.String(*q.Node().Path()) }

// New creates a SecureQueue. It panics with a *validate.Error, naming the
// construct path, the field, the value, the rule and the fix, when scope is
// nil, id is empty or taken, or props break a rule: ConsumerTimeout outside
// 1–900 s, a VisibilityTimeout below 6 × ConsumerTimeout + the batching
// window or above 12 h, a RetentionPeriod outside 60 s–14 days or not below
// the dead-letter queue's 14 days, MaxReceiveCount outside 1–100, a
// DeadLetterQueue without a customer-managed key, an OldestMessageAge alarm
// not below the retention, or a RemovalPolicy that is not retain or destroy.
func New(scope constructs.Construct, id string, props *Props) *SecureQueue {
	if props == nil {
		props = &Props{}
	}
	path := validate.ChildPath(scope, id)
	scopeErr := validate.Scope(scope, id)
	r, err := props.resolve()
	validate.Check("securequeue", path, errors.Join(scopeErr, err))

	q := &SecureQueue{props: r}
	constructs.NewConstruct_Override(q, scope, jsii.String(id))
	stack := awscdk.Stack_Of(q)

	q.Key = r.EncryptionKey
	if q.Key == nil {
		q.Key = kmskey.New(q, "Key", "Encryption of the queue "+*q.Node().Path()+" and its dead-letter queue", r.RemovalPolicy)
	}
	name := r.QueueName
	if name == "" {
		name = *awscdk.Names_UniqueResourceName(q, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(70)})
	}
	arn := func(n string) string {
		return "arn:" + *stack.Partition() + ":sqs:" + *stack.Region() + ":" + *stack.Account() + ":" + n
	}

	q.DeadLetterQueue = r.DeadLetterQueue
	var own awssqs.Queue
	if q.DeadLetterQueue == nil {
		own = newDeadLetterQueue(q, "DeadLetterQueue", true, &DeadLetterProps{
			QueueName: name + "-dlq", Key: q.Key, RemovalPolicy: r.RemovalPolicy,
			Reason: "This queue is the dead-letter queue of " + *q.Node().Path() + "; a dead-letter queue of a " +
				"dead-letter queue would only move the same poison messages again.",
		})
		// Only this queue may use it as its dead-letter queue (and redrive
		// back to it). The queue's ARN is built from its name: a reference
		// would be circular (the queue's RedrivePolicy names this queue).
		own.Node().DefaultChild().(awssqs.CfnQueue).SetRedriveAllowPolicy(map[string]any{
			"redrivePermission": "byQueue",
			"sourceQueueArns":   []string{arn(name)},
		})
		q.DeadLetterQueue = own
	}
	q.Queue = awssqs.NewQueue(q, jsii.String("Queue"), &awssqs.QueueProps{
		QueueName:           jsii.String(name),
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: q.Key,
		RetentionPeriod:     seconds(r.RetentionPeriod),
		VisibilityTimeout:   seconds(r.VisibilityTimeout),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue: q.DeadLetterQueue, MaxReceiveCount: jsii.Number(float64(r.MaxReceiveCount)),
		},
		RemovalPolicy: r.RemovalPolicy,
	})
	// Set here rather than with EnforceSSL, whose statement has no Sid.
	q.Queue.AddToResourcePolicy(iamx.DenyInsecureTransport("sqs:*", *q.Queue.QueueArn()).Build())
	q.addAlarms(own)
	return q
}

// seconds is d as a CDK Duration.
func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

// isNil is true for a nil interface and for one holding a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return rv.IsNil()
	}
	return false
}

// addAlarms creates the dead-letter depth alarm (for the construct's own
// dead-letter queue) and the oldest-message age alarm, or warns that there
// is no topic.
func (q *SecureQueue) addAlarms(own awssqs.Queue) {
	r := q.props
	if r.AlarmTopic == nil {
		awscdk.Annotations_Of(q).AddWarningV2(jsii.String("groundwork:securequeue:no-alarms"),
			jsii.String("no AlarmTopic: the queue has no alarms on poison messages or a stalled consumer"), nil)
		return
	}
	five := awscdk.Duration_Minutes(jsii.Number(5))
	if own != nil {
		q.Alarms = append(q.Alarms, alarm.New(q, r.AlarmTopic, alarm.Spec{
			ID: "DeadLetterAlarm", Threshold: float64(r.Alarms.DeadLetterMessages),
			Metric: own.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Period: five, Statistic: jsii.String("Maximum")}),
			Description: fmt.Sprintf("%s: %d or more messages failed %d receives and wait in the dead-letter queue. "+
				"Read them, fix the cause, then redrive them to the queue.", *q.Node().Path(), r.Alarms.DeadLetterMessages, r.MaxReceiveCount),
		}))
	}
	q.Alarms = append(q.Alarms, alarm.New(q, r.AlarmTopic, alarm.Spec{
		ID: "OldestMessageAlarm", Threshold: r.Alarms.OldestMessageAge.Seconds(),
		Metric: q.Queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{
			Period: five, Statistic: jsii.String("Maximum")}),
		Description: fmt.Sprintf("%s: the oldest message has waited %s or more (retention %s). The consumer is down, "+
			"throttled or failing: check its errors and throttles.", *q.Node().Path(), r.Alarms.OldestMessageAge, r.RetentionPeriod),
	}))
}

// VisibilityTimeout is the queue's visibility timeout.
func (q *SecureQueue) VisibilityTimeout() time.Duration { return q.props.VisibilityTimeout }

// MaxReceiveCount is how many receives a message gets before it is
// dead-lettered.
func (q *SecureQueue) MaxReceiveCount() int { return q.props.MaxReceiveCount }

// GrantSend lets to send messages to the queue (grant.QueueSend). It panics
// with a *validate.Error when to is nil.
func (q *SecureQueue) GrantSend(to grant.Grantee) { grant.QueueSend(to, q.Queue) }

// GrantConsume lets to receive, delete and change the visibility of the
// queue's messages (grant.QueueConsume). It panics with a *validate.Error
// when to is nil.
func (q *SecureQueue) GrantConsume(to grant.Grantee) { grant.QueueConsume(to, q.Queue) }

// AllowServiceSend lets an AWS service send to the queue on behalf of one
// resource (an EventBridge rule, an SNS topic): see the package function.
func (q *SecureQueue) AllowServiceSend(sid, service, sourceArn string) {
	AllowServiceSend(q.Queue, q.Key, sid, service, sourceArn)
}

// DeadLetterProps configures NewDeadLetterQueue.
type DeadLetterProps struct {
	// QueueName names the queue.
	// Default: a name generated by CloudFormation.
	QueueName string
	// Key encrypts the queue. Required: a dead-letter queue holds business
	// data.
	// Default: none.
	Key awskms.IKey
	// RemovalPolicy applies to the queue.
	// Default: DefaultRemovalPolicy.
	RemovalPolicy awscdk.RemovalPolicy
	// Reason says why the queue has no dead-letter queue of its own; it
	// becomes the reason of the cdk-nag suppressions for that finding.
	// Default: "a dead-letter queue of a dead-letter queue would only move
	// the same messages again".
	Reason string
}

// NewDeadLetterQueue creates a dead-letter queue the guidance's way, for
// SecureQueue and for other services' failure destinations (an EventBridge
// rule target, a pipe's source): SSE-KMS with the given customer-managed
// key, a Sid-named policy that denies every request not made over TLS, and
// 14 days' retention (DeadLetterRetention). It panics with a
// *validate.Error when scope or props.Key is nil or id is taken.
func NewDeadLetterQueue(scope constructs.Construct, id string, props *DeadLetterProps) awssqs.Queue {
	return newDeadLetterQueue(scope, id, false, props)
}

// newDeadLetterQueue is NewDeadLetterQueue; ofQueue says that an SQS queue's
// redrive policy names it, which cdk-nag's AwsSolutions-SQS3 recognises (no
// suppression needed for that rule).
func newDeadLetterQueue(scope constructs.Construct, id string, ofQueue bool, props *DeadLetterProps) awssqs.Queue {
	if props == nil {
		props = &DeadLetterProps{}
	}
	errs := []error{validate.Scope(scope, id)}
	if isNil(props.Key) {
		errs = append(errs, validate.Fail("Key", nil, "a dead-letter queue holds business data and is encrypted with a customer-managed key",
			"pass the key of the queue or service it serves"))
	}
	errs = append(errs, validate.RemovalPolicy(string(props.RemovalPolicy), "SQS queues"))
	validate.Check("securequeue.NewDeadLetterQueue", validate.ChildPath(scope, id), errors.Join(errs...))
	removal := props.RemovalPolicy
	if removal == "" {
		removal = DefaultRemovalPolicy
	}
	qp := &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: props.Key,
		RetentionPeriod:     seconds(DeadLetterRetention),
		RemovalPolicy:       removal,
	}
	if props.QueueName != "" {
		qp.QueueName = jsii.String(props.QueueName)
	}
	if !ofQueue {
		// Marks it as a dead-letter queue (Control Tower CT.SQS.PR.1). Its
		// sources are services (a rule, a pipe), not SQS queues, so byQueue
		// cannot name them; allowAll is SQS's own default made explicit.
		qp.RedriveAllowPolicy = &awssqs.RedriveAllowPolicy{RedrivePermission: awssqs.RedrivePermission_ALLOW_ALL}
	}
	dlq := awssqs.NewQueue(scope, jsii.String(id), qp)
	dlq.AddToResourcePolicy(iamx.DenyInsecureTransport("sqs:*", *dlq.QueueArn()).Build())
	reason := props.Reason
	if reason == "" {
		reason = "This queue is a dead-letter queue; a dead-letter queue of a dead-letter queue would only move the same messages again."
	}
	if !ofQueue {
		nag.SuppressDefault(dlq, "AwsSolutions-SQS3", reason)
	}
	nag.SuppressDefault(dlq, "Serverless-SQSRedrivePolicy", reason)
	return dlq
}

// AllowServiceSend lets an AWS service principal (e.g.
// "events.amazonaws.com") send messages to queue on behalf of one resource
// only: a queue-policy statement allowing sqs:SendMessage, and a key-policy
// statement allowing kms:GenerateDataKey and kms:Decrypt (what a producer of
// an encrypted queue needs, SQS developer guide), both pinned with
// aws:SourceArn (ArnEquals) and aws:SourceAccount — the confused-deputy keys
// EventBridge and SNS document. sid names both statements.
//
// An imported key's policy cannot be changed here; the function then warns
// on the queue. It panics with a *validate.Error when an argument is empty.
func AllowServiceSend(queue awssqs.IQueue, key awskms.IKey, sid, service, sourceArn string) {
	var errs []error
	for _, a := range []struct{ name, value string }{{"sid", sid}, {"service", service}, {"sourceArn", sourceArn}} {
		if a.value == "" {
			errs = append(errs, validate.Fail(a.name, a.value, "a service grant names its Sid, the service principal and the resource it acts for",
				`e.g. AllowServiceSend(q, key, "AllowOrdersRule", "events.amazonaws.com", ruleArn)`))
		}
	}
	if iamx.SidSafe(sid) != sid {
		errs = append(errs, validate.Fail("sid", sid, "a Sid is alphanumeric", "use "+fmt.Sprintf("%q", iamx.SidSafe(sid))))
	}
	path := ""
	if isNil(queue) || isNil(key) {
		errs = append(errs, validate.Fail("queue", nil, "a service grant needs the queue and its key", "pass both"))
	} else {
		path = *queue.Node().Path()
	}
	validate.Check("securequeue.AllowServiceSend", path, errors.Join(errs...))
	stack := awscdk.Stack_Of(queue)
	conditions := map[string]map[string]any{
		"ArnEquals":    {"aws:SourceArn": sourceArn},
		"StringEquals": {"aws:SourceAccount": *stack.Account()},
	}
	principal := []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(service), nil)}
	queue.AddToResourcePolicy(iamx.Statement{
		Sid: sid, Actions: []string{"sqs:SendMessage"}, Resources: []string{*queue.QueueArn()},
		Principals: principal, Conditions: conditions,
	}.Build())
	added := key.AddToResourcePolicy(iamx.Statement{
		Sid: sid, Actions: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resources: []string{"*"},
		Principals: principal, Conditions: conditions,
	}.Build(), jsii.Bool(true))
	if !*added.StatementAdded {
		awscdk.Annotations_Of(queue).AddWarningV2(jsii.String("groundwork:securequeue:imported-key"),
			jsii.String("the queue's key is imported, so its policy cannot be changed here: allow "+service+
				" kms:GenerateDataKey and kms:Decrypt (aws:SourceArn "+sourceArn+"), or its messages are refused"), nil)
	}
}

// ConsumerProps configures AddConsumer.
type ConsumerProps struct {
	// BatchSize is the most messages one invocation receives, 1–10.
	// Default: 10.
	BatchSize int
	// MaxConcurrency caps the concurrent invocations the event source
	// mapping starts (ScalingConfig.MaximumConcurrency, 2–1000), to protect
	// downstream services; it must not exceed the function's reserved
	// concurrency, or the excess is throttled and messages are retried
	// towards the dead-letter queue.
	// Default: 2 (the least Lambda allows).
	MaxConcurrency int
}

// AddConsumer makes fn consume the queue: a Lambda event source mapping
// (AWS::Lambda::EventSourceMapping) with partial batch responses
// (ReportBatchItemFailures: the handler returns the ids of the messages
// that failed, and only those are retried), the queue's batching window
// (Props.ConsumerBatchWindow), a batch size and a maximum concurrency; and
// grant.QueueConsume for fn, which is what Lambda's poller calls with the
// function's role (sqs:ReceiveMessage, DeleteMessage,
// ChangeMessageVisibility, GetQueueAttributes; kms:Decrypt through SQS).
//
// The mapping is created directly rather than with CDK's SqsEventSource,
// which adds a Sid-less grant to the role (refused by grant.GuardRole). It
// depends on the function's policy: Lambda checks the permissions when it
// creates the mapping.
//
// It panics with a *validate.Error when fn is nil, fn's timeout exceeds
// Props.ConsumerTimeout (the visibility timeout was sized for it),
// BatchSize is outside 1–10, or MaxConcurrency is outside 2–1000 or above
// fn's reserved concurrency.
func (q *SecureQueue) AddConsumer(fn *hardenedfunction.HardenedFunction, props *ConsumerProps) awslambda.CfnEventSourceMapping {
	if props == nil {
		props = &ConsumerProps{}
	}
	batch, concurrency := props.BatchSize, props.MaxConcurrency
	if batch == 0 {
		batch = 10
	}
	if concurrency == 0 {
		concurrency = 2
	}
	var errs []error
	if fn == nil {
		errs = append(errs, validate.Fail("fn", nil, "a consumer is a function", "pass the *hardenedfunction.HardenedFunction that processes the messages"))
	} else {
		if t := fn.Function.Timeout(); t != nil {
			timeout := time.Duration(*t.ToSeconds(nil)) * time.Second
			if timeout > q.props.ConsumerTimeout {
				errs = append(errs, validate.Fail("fn", *fn.Node().Path(),
					fmt.Sprintf("the function's timeout (%s) exceeds the queue's ConsumerTimeout (%s), for which the visibility timeout "+
						"(%s) was sized: a message would be delivered again while it is still being processed", timeout,
						q.props.ConsumerTimeout, q.props.VisibilityTimeout),
					fmt.Sprintf("set the queue's ConsumerTimeout to %s", timeout)))
			}
		}
		cfn := fn.Function.Node().DefaultChild().(awslambda.CfnFunction)
		if rc := cfn.ReservedConcurrentExecutions(); rc != nil && float64(concurrency) > *rc {
			errs = append(errs, validate.Fail("MaxConcurrency", concurrency,
				fmt.Sprintf("the mapping's maximum concurrency must not exceed the function's reserved concurrency (%g): the excess "+
					"invocations are throttled and their messages retried towards the dead-letter queue (Lambda developer guide)", *rc),
				"lower MaxConcurrency or raise the function's ReservedConcurrency"))
		}
	}
	if batch < 1 || batch > 10 {
		errs = append(errs, validate.Fail("BatchSize", batch, "a standard queue's batch size is 1–10 here (larger batches need a batching window and make one failure retry more)",
			"set 1–10"))
	}
	if concurrency < 2 || concurrency > 1000 {
		errs = append(errs, validate.Fail("MaxConcurrency", concurrency, "an SQS event source mapping's maximum concurrency is 2–1000 (Lambda)",
			"set 2 or more"))
	}
	validate.Check("securequeue.AddConsumer", *q.Node().Path(), errors.Join(errs...))

	q.GrantConsume(fn)
	id := "Consumer" + iamx.SidSafe(*fn.Node().Id())
	m := awslambda.NewCfnEventSourceMapping(q, jsii.String(id), &awslambda.CfnEventSourceMappingProps{
		FunctionName:                   fn.Function.FunctionArn(),
		EventSourceArn:                 q.Queue.QueueArn(),
		BatchSize:                      jsii.Number(float64(batch)),
		MaximumBatchingWindowInSeconds: jsii.Number(q.props.ConsumerBatchWindow.Seconds()),
		FunctionResponseTypes:          jsii.Strings("ReportBatchItemFailures"),
		ScalingConfig:                  &awslambda.CfnEventSourceMapping_ScalingConfigProperty{MaximumConcurrency: jsii.Number(float64(concurrency))},
		Enabled:                        jsii.Bool(true),
	})
	m.Node().AddDependency(fn.Policy)
	nag.Suppress(m, "Serverless-LambdaEventSourceMappingDestination",
		"An SQS event source mapping takes no on-failure destination (Lambda supports them for stream and Kafka sources): "+
			"a message whose processing fails is retried until it has been received MaxReceiveCount times, then SQS moves it "+
			"to the queue's encrypted dead-letter queue, whose depth raises an alarm.")
	return m
}
