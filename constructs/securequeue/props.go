package securequeue

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
)

// Defaults and limits, from the SQS and Lambda developer guides unless noted.
const (
	// DefaultConsumerTimeout is HardenedFunction's default timeout, the
	// consumer the queue is sized for when none is given.
	DefaultConsumerTimeout = 30 * time.Second
	// MaxConsumerTimeout is Lambda's longest timeout (900 s).
	MaxConsumerTimeout = 900 * time.Second
	// VisibilityFactor is AWS's recommendation for a Lambda consumer: a
	// visibility timeout of at least six times the function's timeout, plus
	// the batching window ("Configuring a queue to use with Lambda", Lambda
	// developer guide), so that a batch retried after throttling is not
	// delivered again while it is still being processed.
	VisibilityFactor = 6
	// MaxVisibilityTimeout is SQS's limit (12 hours).
	MaxVisibilityTimeout = 12 * time.Hour
	// DefaultRetention is SQS's own default, made explicit: 4 days.
	DefaultRetention = 4 * 24 * time.Hour
	// MinRetention and MaxRetention are SQS's limits (60 s, 14 days).
	MinRetention = 60 * time.Second
	MaxRetention = 14 * 24 * time.Hour
	// DeadLetterRetention is how long failed messages wait in the
	// construct's dead-letter queue: SQS's maximum, to leave time to
	// investigate and redrive. SQS keeps a message's original enqueue time
	// when it moves it to a dead-letter queue, so a queue's own retention
	// must be shorter than its dead-letter queue's.
	DeadLetterRetention = MaxRetention
	// DefaultMaxReceiveCount is how many receives a message gets before SQS
	// moves it to the dead-letter queue. The Lambda developer guide asks for
	// at least 5, so that a throttled batch is not dead-lettered early.
	DefaultMaxReceiveCount = 5
	// MinMaxReceiveCount and MaxMaxReceiveCount bound MaxReceiveCount: at
	// least once, at most 100 receives (SQS allows 1000; a message that
	// fails 100 times is poison and retrying it for days only delays the
	// alarm).
	MinMaxReceiveCount = 1
	MaxMaxReceiveCount = 100
	// MaxBatchWindow is the longest batching window of an SQS event source
	// mapping (300 s).
	MaxBatchWindow = 300 * time.Second
	// DefaultOldestMessageAge raises the age alarm: a message waiting 15
	// minutes means the consumer is down, throttled or failing.
	DefaultOldestMessageAge = 15 * time.Minute
	// DefaultRemovalPolicy keeps the queues and the key on delete and
	// replacement, and lets CloudFormation delete them when the stack's
	// first create fails (RetainExceptOnCreate), so a failed first deploy
	// can be retried.
	DefaultRemovalPolicy = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
)

// Props configures a SecureQueue. A nil *Props, and every zero-valued field,
// means the default documented on the field.
type Props struct {
	// QueueName is the queue's name (the dead-letter queue is named
	// "<QueueName>-dlq"). The name must be known in advance: the
	// dead-letter queue's redrive allow-policy names the queue's ARN, which
	// a generated name would make a circular reference.
	//
	// Default: a name unique in the App, derived from the construct path
	// (awscdk.Names_UniqueResourceName, at most 70 characters).
	QueueName string

	// ConsumerTimeout is the timeout of the function (or other consumer)
	// that processes the queue's messages, 1 s–900 s. The visibility
	// timeout is checked against it; AddConsumer checks that the function
	// really has at most this timeout.
	//
	// Default: 30 s (DefaultConsumerTimeout, HardenedFunction's default).
	ConsumerTimeout time.Duration

	// ConsumerBatchWindow is the consumer's batching window (an event
	// source mapping's MaximumBatchingWindowInSeconds), 0–300 s. AWS adds
	// it to the visibility timeout a Lambda consumer needs.
	//
	// Default: 0 (no batching window).
	ConsumerBatchWindow time.Duration

	// VisibilityTimeout is how long a received message stays hidden, at
	// least VisibilityFactor × ConsumerTimeout + ConsumerBatchWindow and at
	// most 12 hours.
	//
	// Default: 6 × ConsumerTimeout + ConsumerBatchWindow (3 minutes for the
	// default consumer).
	VisibilityTimeout time.Duration

	// RetentionPeriod is how long the queue keeps a message, 60 s to
	// (but excluding) 14 days: it must be shorter than the dead-letter
	// queue's 14 days, because SQS keeps a message's original enqueue time
	// when it dead-letters it.
	//
	// Default: 4 days (DefaultRetention).
	RetentionPeriod time.Duration

	// MaxReceiveCount is how many times a message may be received before
	// SQS moves it to the dead-letter queue, 1–100.
	//
	// Default: 5 (DefaultMaxReceiveCount, the Lambda guide's minimum).
	MaxReceiveCount int

	// DeadLetterQueue receives the messages that were received
	// MaxReceiveCount times. It must be encrypted with a customer-managed
	// key (its EncryptionMasterKey set: an awssqs.Queue created with
	// QueueEncryption_KMS, or one imported with Queue_FromQueueAttributes
	// and KeyArn); its retention must exceed RetentionPeriod and its policy
	// should deny insecure transport (the caller's queue, the caller's
	// policy). The construct sets no redrive allow-policy on it and creates
	// no depth alarm for it.
	//
	// Default: a dead-letter queue owned by the construct: encrypted with
	// the construct's key, TLS-only, 14 days' retention, a redrive
	// allow-policy that admits only this queue, and a depth alarm.
	DeadLetterQueue awssqs.IQueue

	// EncryptionKey encrypts the queue and the construct's dead-letter
	// queue (SSE-KMS).
	//
	// Default: a new customer-managed key with rotation on, owned by the
	// construct.
	EncryptionKey awskms.IKey

	// RemovalPolicy applies to the queues and the construct's key.
	//
	// Default: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	// (DefaultRemovalPolicy). Use RemovalPolicy_DESTROY only in dev stacks.
	RemovalPolicy awscdk.RemovalPolicy

	// AlarmTopic receives the queue's alarms (alarm and OK actions): messages
	// in the dead-letter queue and the age of the oldest message.
	//
	// Default: none, and then no alarms are created (a warning says so).
	AlarmTopic awssns.ITopic

	// Alarms sets the alarm thresholds; zero fields take their defaults.
	//
	// Default: the thresholds documented on AlarmThresholds.
	Alarms AlarmThresholds
}

// AlarmThresholds are the thresholds of a SecureQueue's alarms, each
// evaluated over one 5-minute period.
type AlarmThresholds struct {
	// DeadLetterMessages is the number of visible messages in the
	// dead-letter queue that raises the alarm (Maximum over 5 minutes).
	// Default: 1 (any poison message).
	DeadLetterMessages int
	// OldestMessageAge raises the alarm when the oldest message in the
	// queue has waited this long (ApproximateAgeOfOldestMessage, Maximum).
	// It must be shorter than RetentionPeriod, or the alarm would fire only
	// after messages expire.
	// Default: 15 minutes (DefaultOldestMessageAge).
	OldestMessageAge time.Duration
}
