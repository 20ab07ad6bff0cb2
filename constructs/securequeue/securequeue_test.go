package securequeue_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/boundary"
	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/constructs/securequeue"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// hello is a test handler, relative to the module root.
const hello = "./constructs/hardenedfunction/testdata/hello"

const topicArn = "arn:aws:sns:eu-west-1:123456789012:alarms"

// ruleArn is the EventBridge rule the Custom scenario lets send.
const ruleArn = "arn:aws:events:eu-west-1:123456789012:rule/orders/route"

// facts are gathered while the scenarios are built (jsii on this goroutine).
var facts = map[string]bool{}

var workerQueueID string

func newStack(app awscdk.App, name string) awscdk.Stack {
	st := testkit.NewStack(app, name)
	boundary.Attach(st, ceiling)
	return st
}

// ceiling is what the scenarios' roles hold: a consumer function and the
// service that sends to the queue.
var ceiling = boundary.Ceiling{Actions: []string{
	"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
	"kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage",
	"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
}}

var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	for _, tag := range audit.RequiredTags {
		awscdk.Tags_Of(app).Add(jsii.String(tag), jsii.String("test"), nil)
	}
	nag.Apply(app, nag.Options{})

	defaults := newStack(app, "Defaults")
	topic := awssns.Topic_FromTopicArn(defaults, jsii.String("Alarms"), jsii.String(topicArn))
	securequeue.New(defaults, "Orders", &securequeue.Props{AlarmTopic: topic})

	// No alarm topic: no alarms, a warning.
	securequeue.New(newStack(app, "NoTopic"), "Quiet", nil)

	custom := newStack(app, "Custom")
	key := kmskey.New(custom, "SharedKey", "a caller's key", awscdk.RemovalPolicy_DESTROY)
	dlq := awssqs.NewQueue(custom, jsii.String("TheirDLQ"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_KMS, EncryptionMasterKey: key, RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	dlq.AddToResourcePolicy(iamx.DenyInsecureTransport("sqs:*", *dlq.QueueArn()).Build())
	nag.SuppressDefault(dlq, "AwsSolutions-SQS3", "test: a caller's dead-letter queue")
	nag.SuppressDefault(dlq, "Serverless-SQSRedrivePolicy", "test: a caller's dead-letter queue")
	ctopic := awssns.Topic_FromTopicArn(custom, jsii.String("Alarms"), jsii.String(topicArn))
	cq := securequeue.New(custom, "Invoices", &securequeue.Props{
		QueueName: "acme-invoices", ConsumerTimeout: 60 * time.Second, ConsumerBatchWindow: 5 * time.Second,
		RetentionPeriod: 2 * 24 * time.Hour, MaxReceiveCount: 3, DeadLetterQueue: dlq, EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY, AlarmTopic: ctopic,
		Alarms: securequeue.AlarmThresholds{OldestMessageAge: time.Hour},
	})
	rc := 5
	worker := hardenedfunction.New(custom, "Worker", &hardenedfunction.Props{Entry: hello, Timeout: 60 * time.Second,
		ReservedConcurrency: &rc, AlarmTopic: ctopic})
	cq.AddConsumer(worker, &securequeue.ConsumerProps{BatchSize: 5, MaxConcurrency: 4})
	cq.AllowServiceSend("AllowOrdersRule", "events.amazonaws.com", ruleArn)
	producer := iamx.NewServiceRole(custom, "Producer", iamx.RoleProps{Service: "lambda.amazonaws.com", Description: "a producer"})
	cq.GrantSend(grant.Role(producer))
	cq.GrantSend(grant.Role(producer)) // repeated: adds nothing
	workerQueueID = *awscdk.Names_UniqueId(cq.Queue)
	facts["VisibilityTimeout is 6 × 60 s + 5 s"] = cq.VisibilityTimeout() == 365*time.Second
	facts["MaxReceiveCount is the given 3"] = cq.MaxReceiveCount() == 3
	facts["DeadLetterQueue is the given queue"] = *cq.DeadLetterQueue.Node().Path() == *dlq.Node().Path()

	buildConstructScenario(newStack(app, "Construct"))

	agnostic := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
	securequeue.New(agnostic, "Orders", nil)
	return app
})

func buildConstructScenario(st awscdk.Stack) {
	before := securequeue.New(st, "Before", nil)
	q := securequeue.New(st, "Q", nil)
	q.Node().AddDependency(before)
	awscdk.Tags_Of(q).Add(jsii.String("CostCenter"), jsii.String("orders-42"), nil)
	child := constructs.NewConstruct(q, jsii.String("Child"))
	awscdk.NewCfnOutput(child, jsii.String("QueueUrl"), &awscdk.CfnOutputProps{Value: q.Queue.QueueUrl()})
	facts["ToString is the path"] = *q.ToString() == "Construct/Q"
	facts["child path under the queue"] = *child.Node().Path() == "Construct/Q/Child"
	facts["Stack_Of is the stack"] = *awscdk.Stack_Of(q).StackName() == "Construct"
}

func stack(t *testing.T, name string) *testkit.Stack { return synth.Stack(t, name) }

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFacts(t *testing.T) {
	stack(t, "Defaults") // synthesize (the facts are gathered while building)
	for name, ok := range facts {
		t.Run(name, func(t *testing.T) {
			if !ok {
				t.Error("does not hold")
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	s := stack(t, "Defaults")
	queueID, dlqID := s.LogicalID(t, "Orders/Queue"), s.LogicalID(t, "Orders/DeadLetterQueue")
	defaultsQueueName, _ := s.Resource(t, queueID)["Properties"].(map[string]any)["QueueName"].(string)
	t.Run("queue name derived from the path", func(t *testing.T) {
		if !strings.HasPrefix(defaultsQueueName, "DefaultsOrders") {
			t.Errorf("QueueName %q, want DefaultsOrders…", defaultsQueueName)
		}
	})
	queueArn := func(name string) string { return "arn:aws:sqs:eu-west-1:123456789012:" + name }
	tests := []struct {
		name string
		id   string
		want map[string]any
	}{
		{"queue: SSE-KMS with the construct's key, 4 days, visibility 6 × 30 s, dead-letter after 5 receives", queueID, map[string]any{
			"Type": "AWS::SQS::Queue",
			"Properties": map[string]any{
				"QueueName":              defaultsQueueName,
				"KmsMasterKeyId":         s.Arn(t, "Orders/Key"),
				"MessageRetentionPeriod": float64(4 * 24 * 3600),
				"VisibilityTimeout":      float64(180),
				"RedrivePolicy":          map[string]any{"deadLetterTargetArn": s.Arn(t, "Orders/DeadLetterQueue"), "maxReceiveCount": float64(5)},
			},
			"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
		}},
		{"dead-letter queue: same key, 14 days, redrive allowed from this queue only", dlqID, map[string]any{
			"Type": "AWS::SQS::Queue",
			"Properties": map[string]any{
				"QueueName":              defaultsQueueName + "-dlq",
				"KmsMasterKeyId":         s.Arn(t, "Orders/Key"),
				"MessageRetentionPeriod": float64(14 * 24 * 3600),
				"RedriveAllowPolicy":     map[string]any{"redrivePermission": "byQueue", "sourceQueueArns": []any{queueArn(defaultsQueueName)}},
			},
			"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
		}},
		{"key: rotation on, retained", s.LogicalID(t, "Orders/Key"), map[string]any{
			"Type": "AWS::KMS::Key", "Properties": map[string]any{"EnableKeyRotation": true},
			"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Resource(t, tc.id)
			tmpl := assertions.Template_FromJSON(&map[string]any{"Resources": map[string]any{tc.id: got}}, nil)
			testkit.Must(t, func() { tmpl.HasResource(jsii.String(tc.want["Type"].(string)), assertions.Match_ObjectLike(&tc.want)) })
		})
	}
	t.Run("no RedriveAllowPolicy on the queue itself, no dead-letter queue on the dead-letter queue", func(t *testing.T) {
		props := s.Resource(t, dlqID)["Properties"].(map[string]any)
		if _, ok := props["RedrivePolicy"]; ok {
			t.Error("the dead-letter queue has a RedrivePolicy")
		}
	})
	for _, path := range []string{"Orders/Queue", "Orders/DeadLetterQueue"} {
		t.Run("TLS-only policy on "+path, func(t *testing.T) {
			s.HasResourceProperties(t, "AWS::SQS::QueuePolicy", map[string]any{
				"Queues": []any{s.Ref(t, path)},
				"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
					"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
					"Action": "sqs:*", "Resource": s.Arn(t, path),
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				}}},
			})
		})
	}
	t.Run("alarm on dead-letter depth ≥ 1, to the topic", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible", "Statistic": "Maximum", "Period": float64(300),
			"Dimensions":         []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{dlqID, "QueueName"}}}},
			"Threshold":          float64(1),
			"ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"AlarmActions":       []any{topicArn}, "OKActions": []any{topicArn},
		})
	})
	t.Run("alarm on the oldest message ≥ 15 minutes, to the topic", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage", "Statistic": "Maximum",
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{queueID, "QueueName"}}}},
			"Threshold":  float64(900), "AlarmActions": []any{topicArn},
		})
	})
	t.Run("two queues, one key, two alarms", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::SQS::Queue", 2)
		s.ResourceCountIs(t, "AWS::KMS::Key", 1)
		s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 2)
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
	t.Run("audit clean", func(t *testing.T) {
		for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: true, Account: "123456789012"}) {
			t.Error(f)
		}
	})
}

func TestNoTopic(t *testing.T) {
	s := stack(t, "NoTopic")
	s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 0)
	for _, m := range s.Messages {
		if m.Level == "warning" && strings.Contains(m.Text, "no AlarmTopic") {
			return
		}
	}
	t.Errorf("no warning about the missing alarm topic: %v", s.Messages)
}

func TestCustom(t *testing.T) {
	s := stack(t, "Custom")
	queueID := s.LogicalID(t, "Invoices/Queue")
	t.Run("queue with the given name, key, retention, receive count and their dead-letter queue", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::SQS::Queue", map[string]any{
			"QueueName": "acme-invoices", "KmsMasterKeyId": s.Arn(t, "SharedKey"),
			"MessageRetentionPeriod": float64(2 * 24 * 3600), "VisibilityTimeout": float64(365),
			"RedrivePolicy": map[string]any{"deadLetterTargetArn": s.Arn(t, "TheirDLQ"), "maxReceiveCount": float64(3)},
		})
		if got := s.Resource(t, queueID)["DeletionPolicy"]; got != "Delete" {
			t.Errorf("DeletionPolicy %v, want Delete", got)
		}
	})
	t.Run("no queue or key of its own beside the given ones, no dead-letter alarm for their queue", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::SQS::Queue", 3) // theirs, the queue, the worker's async DLQ
		if strings.Contains(string(s.JSON), "Invoices/DeadLetterQueue") || strings.Contains(string(s.JSON), "\"InvoicesKey") {
			t.Error("the construct created its own dead-letter queue or key")
		}
		s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
			"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": float64(3600),
		})
	})
	t.Run("event source mapping: partial batch responses, bounded concurrency, batching window", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::Lambda::EventSourceMapping", map[string]any{
			"FunctionName":                   s.Arn(t, "Worker/Function"),
			"EventSourceArn":                 s.Arn(t, "Invoices/Queue"),
			"BatchSize":                      float64(5),
			"MaximumBatchingWindowInSeconds": float64(5),
			"FunctionResponseTypes":          []any{"ReportBatchItemFailures"},
			"ScalingConfig":                  map[string]any{"MaximumConcurrency": float64(4)},
			"Enabled":                        true,
		})
		deps, _ := s.Resource(t, s.LogicalID(t, "Invoices/ConsumerWorker"))["DependsOn"].([]any)
		if !slices.Contains(deps, any(s.LogicalID(t, "Worker/RolePolicy"))) {
			t.Errorf("the mapping DependsOn %v, want the worker's policy (Lambda checks it at creation)", deps)
		}
	})
	t.Run("the consumer's exact grant: four SQS actions on the queue, kms:Decrypt via SQS for its context", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Sid": "ConsumeQueue" + workerQueueID, "Effect": "Allow",
					"Action":   []any{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
					"Resource": s.Arn(t, "Invoices/Queue")},
				map[string]any{"Sid": "ConsumeQueueKey" + workerQueueID, "Effect": "Allow", "Action": "kms:Decrypt",
					"Resource": s.Arn(t, "SharedKey"),
					"Condition": map[string]any{"StringEquals": map[string]any{
						"kms:ViaService":                    "sqs.eu-west-1.amazonaws.com",
						"kms:EncryptionContext:aws:sqs:arn": s.Arn(t, "Invoices/Queue"),
					}}},
			})},
			"Roles": []any{s.Ref(t, "Worker/Role")},
		})
	})
	t.Run("GrantSend: sqs:SendMessage, kms:GenerateDataKey and kms:Decrypt via SQS, once", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Sid": "SendQueue" + workerQueueID, "Effect": "Allow", "Action": "sqs:SendMessage",
					"Resource": s.Arn(t, "Invoices/Queue")},
				map[string]any{"Sid": "SendQueueKey" + workerQueueID, "Effect": "Allow",
					"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": s.Arn(t, "SharedKey"),
					"Condition": map[string]any{"StringEquals": map[string]any{
						"kms:ViaService":                    "sqs.eu-west-1.amazonaws.com",
						"kms:EncryptionContext:aws:sqs:arn": s.Arn(t, "Invoices/Queue"),
					}}},
			}},
			"Roles": []any{s.Ref(t, "Producer")},
		})
	})
	sourceConditions := map[string]any{
		"ArnEquals":    map[string]any{"aws:SourceArn": ruleArn},
		"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
	}
	t.Run("AllowServiceSend: the queue policy admits EventBridge for the one rule", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::SQS::QueuePolicy", map[string]any{
			"Queues": []any{map[string]any{"Ref": queueID}},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Sid": "AllowOrdersRule", "Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Action": "sqs:SendMessage", "Resource": s.Arn(t, "Invoices/Queue"), "Condition": sourceConditions,
			}})},
		})
	})
	t.Run("AllowServiceSend: the key policy lets EventBridge encrypt for the one rule", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::KMS::Key", map[string]any{
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Sid": "AllowOrdersRule", "Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": "*", "Condition": sourceConditions,
			}})},
		})
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
	t.Run("audit clean", func(t *testing.T) {
		for _, f := range audit.Check(s.Name, s.Template, audit.Options{Account: "123456789012"}) {
			t.Error(f)
		}
	})
}

func TestIsAConstruct(t *testing.T) {
	s := stack(t, "Construct")
	t.Run("Tags_Of tags the queue's resources and only them", func(t *testing.T) {
		for _, path := range []string{"Q/Queue", "Q/DeadLetterQueue", "Q/Key"} {
			props, _ := s.Resource(t, s.LogicalID(t, path))["Properties"].(map[string]any)
			if !strings.Contains(toJSON(t, props["Tags"]), `"Key":"CostCenter","Value":"orders-42"`) {
				t.Errorf("%s: tags %s lack CostCenter", path, toJSON(t, props["Tags"]))
			}
		}
		props, _ := s.Resource(t, s.LogicalID(t, "Before/Queue"))["Properties"].(map[string]any)
		if strings.Contains(toJSON(t, props["Tags"]), "CostCenter") {
			t.Error("the tag leaked to a sibling queue")
		}
	})
	t.Run("AddDependency on another construct", func(t *testing.T) {
		deps, _ := s.Resource(t, s.LogicalID(t, "Q/Queue"))["DependsOn"].([]any)
		if !slices.Contains(deps, any(s.LogicalID(t, "Before/Queue"))) {
			t.Errorf("Q/Queue DependsOn %v, want Before/Queue", deps)
		}
	})
	t.Run("as a scope", func(t *testing.T) {
		outputs, _ := s.Template["Outputs"].(map[string]any)
		for id, o := range outputs {
			if strings.HasPrefix(id, "QChildQueueUrl") && toJSON(t, o.(map[string]any)["Value"]) == toJSON(t, s.Ref(t, "Q/Queue")) {
				return
			}
		}
		t.Errorf("no output QChildQueueUrl… with the queue's URL: %v", outputs)
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

func TestEnvironmentAgnostic(t *testing.T) {
	s := stack(t, "Agnostic")
	text := string(s.JSON)
	for _, literal := range []string{"eu-west-1", "123456789012", `"arn:aws:`} {
		if strings.Contains(text, literal) {
			t.Errorf("template holds %q", literal)
		}
	}
	s.HasResourceProperties(t, "AWS::SQS::Queue", map[string]any{
		"RedriveAllowPolicy": map[string]any{"redrivePermission": "byQueue", "sourceQueueArns": []any{map[string]any{"Fn::Join": []any{"", []any{
			"arn:", map[string]any{"Ref": "AWS::Partition"}, ":sqs:", map[string]any{"Ref": "AWS::Region"}, ":",
			map[string]any{"Ref": "AWS::AccountId"}, assertions.Match_StringLikeRegexp(jsii.String("^:AgnosticOrders")),
		}}}}},
	})
}
