package securequeue_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/constructs/securequeue"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

func TestBadProps(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Bad")
	sqsManaged := awssqs.NewQueue(st, jsii.String("SqsManaged"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_SQS_MANAGED})
	awsManaged := awssqs.NewQueue(st, jsii.String("AwsManaged"), &awssqs.QueueProps{Encryption: awssqs.QueueEncryption_KMS_MANAGED})
	imported := awssqs.Queue_FromQueueArn(st, jsii.String("Imported"), jsii.String("arn:aws:sqs:eu-west-1:123456789012:theirs"))
	tests := []struct {
		name  string
		props securequeue.Props
		want  []string // substrings of the message, in order of appearance
	}{
		{"visibility timeout below 6 × the consumer's", securequeue.Props{ConsumerTimeout: 30 * time.Second, VisibilityTimeout: 90 * time.Second},
			[]string{`securequeue "Bad/Q"`, "VisibilityTimeout = 1m30s", "at least 6 × the function timeout plus the batching window",
				"6 × 30s + 0s = 3m0s", "Configuring a queue to use with Lambda", "raise it to 3m0s or more"}},
		{"visibility timeout ignores the batching window", securequeue.Props{ConsumerTimeout: 10 * time.Second,
			ConsumerBatchWindow: 20 * time.Second, VisibilityTimeout: 60 * time.Second},
			[]string{"VisibilityTimeout = 1m0s", "6 × 10s + 20s = 1m20s", "raise it to 1m20s"}},
		{"visibility timeout above 12 hours", securequeue.Props{VisibilityTimeout: 13 * time.Hour},
			[]string{"VisibilityTimeout = 13h0m0s", "at most 12 hours"}},
		{"consumer timeout above Lambda's 900 s", securequeue.Props{ConsumerTimeout: 901 * time.Second},
			[]string{"ConsumerTimeout = 15m1s", "1 s to 900 s"}},
		{"batching window above 300 s", securequeue.Props{ConsumerBatchWindow: 301 * time.Second},
			[]string{"ConsumerBatchWindow = 5m1s", "0–300 whole seconds"}},
		{"retention below 60 s", securequeue.Props{RetentionPeriod: 59 * time.Second},
			[]string{"RetentionPeriod = 59s", "60 s to 14 days", "e.g. 4 days"}},
		{"retention above 14 days", securequeue.Props{RetentionPeriod: 15 * 24 * time.Hour},
			[]string{"RetentionPeriod = 360h0m0s", "60 s to 14 days"}},
		{"retention equal to the dead-letter queue's", securequeue.Props{RetentionPeriod: 14 * 24 * time.Hour},
			[]string{"RetentionPeriod = 336h0m0s", "shorter than its dead-letter queue's (14 days)", "original enqueue time", "below 14 days"}},
		{"maxReceiveCount negative", securequeue.Props{MaxReceiveCount: -1},
			[]string{"MaxReceiveCount = -1", "after 1 to 100 receives", "5 is the Lambda developer guide's minimum"}},
		{"maxReceiveCount above 100", securequeue.Props{MaxReceiveCount: 101},
			[]string{"MaxReceiveCount = 101", "after 1 to 100 receives"}},
		{"an SQS-managed (SSE-SQS) dead-letter queue", securequeue.Props{DeadLetterQueue: sqsManaged},
			[]string{`DeadLetterQueue = "Bad/SqsManaged"`, "must be encrypted with a customer-managed key", "QueueEncryption_KMS"}},
		{"an aws/sqs-encrypted dead-letter queue", securequeue.Props{DeadLetterQueue: awsManaged},
			[]string{`DeadLetterQueue = "Bad/AwsManaged"`, "must be encrypted with a customer-managed key"}},
		{"an imported dead-letter queue without its key", securequeue.Props{DeadLetterQueue: imported},
			[]string{`DeadLetterQueue = "Bad/Imported"`, "Queue_FromQueueAttributes and KeyArn"}},
		{"age alarm not below the retention", securequeue.Props{RetentionPeriod: time.Hour, Alarms: securequeue.AlarmThresholds{OldestMessageAge: time.Hour}},
			[]string{"Alarms.OldestMessageAge = 1h0m0s", "below RetentionPeriod (1h0m0s)"}},
		{"a snapshot removal policy", securequeue.Props{RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT},
			[]string{`RemovalPolicy = "SNAPSHOT"`, "retained or destroyed"}},
		{"a FIFO name", securequeue.Props{QueueName: "orders.fifo"},
			[]string{`QueueName = "orders.fifo"`, "FIFO queues are not supported"}},
		{"several problems at once", securequeue.Props{VisibilityTimeout: time.Minute, MaxReceiveCount: 1000, RetentionPeriod: time.Second},
			[]string{"VisibilityTimeout = 1m0s", "RetentionPeriod = 1s", "MaxReceiveCount = 1000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, func() { securequeue.New(st, "Q", &tc.props) })
			rest := msg
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("message lacks %q (in order):\n%s", w, msg)
				}
				rest = rest[i+len(w):]
			}
		})
	}
	t.Run("nil scope and empty id", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() { securequeue.New(nil, "", nil) })
		testkit.Contains(t, "message", msg, []string{"scope = <nil>", `id = ""`}...)
	})
	t.Run("a taken id", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() { securequeue.New(st, "SqsManaged", nil) })
		if !strings.Contains(msg, `"Bad/SqsManaged" already exists`) {
			t.Errorf("message:\n%s", msg)
		}
	})
	t.Run("NewDeadLetterQueue without a key", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() { securequeue.NewDeadLetterQueue(st, "Dlq", nil) })
		if !strings.Contains(msg, "Key = <nil>: a dead-letter queue holds business data") {
			t.Errorf("message:\n%s", msg)
		}
	})
	t.Run("AllowServiceSend with an empty source and a bad Sid", func(t *testing.T) {
		key := awskms.NewKey(st, jsii.String("K"), nil)
		q := awssqs.NewQueue(st, jsii.String("Target"), &awssqs.QueueProps{EncryptionMasterKey: key})
		msg := testkit.ValidationError(t, func() { securequeue.AllowServiceSend(q, key, "allow-rule", "events.amazonaws.com", "") })
		testkit.Contains(t, "message", msg, []string{`sourceArn = ""`, `sid = "allow-rule": a Sid is alphanumeric; use "allowrule"`}...)
	})
}

func TestBadConsumer(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "BadConsumer")
	one := 1
	slow := hardenedfunction.New(st, "Slow", &hardenedfunction.Props{Entry: hello, Timeout: 60 * time.Second})
	narrow := hardenedfunction.New(st, "Narrow", &hardenedfunction.Props{Entry: hello, ReservedConcurrency: &one})
	q := securequeue.New(st, "Q", nil) // sized for a 30 s consumer
	tests := []struct {
		name  string
		fn    *hardenedfunction.HardenedFunction
		props *securequeue.ConsumerProps
		want  []string
	}{
		{"a function slower than the queue was sized for", slow, nil,
			[]string{`securequeue.AddConsumer "BadConsumer/Q"`, `fn = "BadConsumer/Slow"`, "timeout (1m0s) exceeds the queue's ConsumerTimeout (30s)",
				"set the queue's ConsumerTimeout to 1m0s"}},
		{"maximum concurrency above the reserved concurrency", narrow, nil,
			[]string{"MaxConcurrency = 2", "must not exceed the function's reserved concurrency (1)"}},
		{"maximum concurrency below Lambda's 2", slow, &securequeue.ConsumerProps{MaxConcurrency: 1},
			[]string{"MaxConcurrency = 1", "2–1000"}},
		{"batch size above 10", narrow, &securequeue.ConsumerProps{BatchSize: 11, MaxConcurrency: 1},
			[]string{"BatchSize = 11", "1–10"}},
		{"no function", nil, nil, []string{"fn = <nil>", "pass the *hardenedfunction.HardenedFunction"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, func() { q.AddConsumer(tc.fn, tc.props) })
			testkit.Contains(t, "message", msg, tc.want...)
		})
	}
}
