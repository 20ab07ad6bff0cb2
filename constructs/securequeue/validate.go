package securequeue

import (
	"errors"
	"fmt"
	"time"

	"github.com/groundwork-cdk/groundwork/validate"
)

// resolved are the props with every default applied.
type resolved struct {
	Props
	visibilityFloor time.Duration
}

// resolve applies the defaults and checks every rule, returning all problems
// joined.
func (p *Props) resolve() (resolved, error) {
	r := resolved{Props: *p}
	var errs []error
	if r.ConsumerTimeout == 0 {
		r.ConsumerTimeout = DefaultConsumerTimeout
	}
	switch {
	case r.ConsumerTimeout < time.Second || r.ConsumerTimeout > MaxConsumerTimeout:
		errs = append(errs, validate.Fail("ConsumerTimeout", r.ConsumerTimeout,
			"a Lambda consumer's timeout is 1 s to 900 s (Lambda quotas)",
			"set it to the timeout of the function that consumes the queue"))
	case r.ConsumerTimeout%time.Second != 0:
		errs = append(errs, validate.Fail("ConsumerTimeout", r.ConsumerTimeout,
			"Lambda timeouts are whole seconds", "round it to whole seconds"))
	}
	if r.ConsumerBatchWindow < 0 || r.ConsumerBatchWindow > MaxBatchWindow || r.ConsumerBatchWindow%time.Second != 0 {
		errs = append(errs, validate.Fail("ConsumerBatchWindow", r.ConsumerBatchWindow,
			"an SQS event source mapping's batching window is 0–300 whole seconds (Lambda developer guide)",
			"set 0 (none) or a few seconds, e.g. 5*time.Second"))
	}
	r.visibilityFloor = VisibilityFactor*r.ConsumerTimeout + r.ConsumerBatchWindow
	if r.VisibilityTimeout == 0 {
		r.VisibilityTimeout = r.visibilityFloor
	}
	switch {
	case r.VisibilityTimeout < r.visibilityFloor:
		errs = append(errs, validate.Fail("VisibilityTimeout", r.VisibilityTimeout,
			fmt.Sprintf("a queue consumed by Lambda needs a visibility timeout of at least %d × the function timeout plus the batching window "+
				"(%d × %s + %s = %s; Lambda developer guide, \"Configuring a queue to use with Lambda\"), or a message is delivered "+
				"again while its first delivery is still being processed", VisibilityFactor, VisibilityFactor, r.ConsumerTimeout,
				r.ConsumerBatchWindow, r.visibilityFloor),
			fmt.Sprintf("raise it to %s or more, or leave it zero for that default", r.visibilityFloor)))
	case r.VisibilityTimeout > MaxVisibilityTimeout:
		errs = append(errs, validate.Fail("VisibilityTimeout", r.VisibilityTimeout,
			"SQS's visibility timeout is at most 12 hours", "lower it, or lower ConsumerTimeout"))
	case r.VisibilityTimeout%time.Second != 0:
		errs = append(errs, validate.Fail("VisibilityTimeout", r.VisibilityTimeout,
			"SQS visibility timeouts are whole seconds", "round it to whole seconds"))
	}
	if r.RetentionPeriod == 0 {
		r.RetentionPeriod = DefaultRetention
	}
	switch {
	case r.RetentionPeriod < MinRetention || r.RetentionPeriod > MaxRetention || r.RetentionPeriod%time.Second != 0:
		errs = append(errs, validate.Fail("RetentionPeriod", r.RetentionPeriod,
			"SQS keeps messages 60 s to 14 days, in whole seconds", "set a retention in that range, e.g. 4 days (the default)"))
	case r.RetentionPeriod >= DeadLetterRetention:
		errs = append(errs, validate.Fail("RetentionPeriod", r.RetentionPeriod,
			"a queue's retention must be shorter than its dead-letter queue's (14 days): SQS keeps a message's original enqueue "+
				"time when it dead-letters it, so an equal retention expires poison messages as they arrive (SQS developer guide, dead-letter queues)",
			"set it below 14 days, e.g. 4 days (the default)"))
	}
	if r.MaxReceiveCount == 0 {
		r.MaxReceiveCount = DefaultMaxReceiveCount
	}
	if r.MaxReceiveCount < MinMaxReceiveCount || r.MaxReceiveCount > MaxMaxReceiveCount {
		errs = append(errs, validate.Fail("MaxReceiveCount", r.MaxReceiveCount,
			fmt.Sprintf("a message is dead-lettered after %d to %d receives: at least one delivery, and a bounded number of retries "+
				"so that a poison message reaches the dead-letter queue and its alarm", MinMaxReceiveCount, MaxMaxReceiveCount),
			fmt.Sprintf("set it in that range; %d is the Lambda developer guide's minimum for Lambda consumers", DefaultMaxReceiveCount)))
	}
	if !isNil(r.DeadLetterQueue) && r.DeadLetterQueue.EncryptionMasterKey() == nil {
		errs = append(errs, validate.Fail("DeadLetterQueue", *r.DeadLetterQueue.Node().Path(),
			"the dead-letter queue holds the same business data as the queue and must be encrypted with a customer-managed key "+
				"(the guidance: encryption at rest with customer-managed keys; an SQS-managed or aws/sqs key cannot be scoped by key policy)",
			"create it with Encryption: awssqs.QueueEncryption_KMS and an EncryptionMasterKey, import it with "+
				"awssqs.Queue_FromQueueAttributes and KeyArn, or leave DeadLetterQueue nil for the construct's own"))
	}
	if err := validate.RemovalPolicy(string(r.RemovalPolicy), "SQS queues and KMS keys"); err != nil {
		errs = append(errs, err)
	}
	if r.RemovalPolicy == "" {
		r.RemovalPolicy = DefaultRemovalPolicy
	}
	if r.Alarms.DeadLetterMessages == 0 {
		r.Alarms.DeadLetterMessages = 1
	}
	if r.Alarms.DeadLetterMessages < 0 {
		errs = append(errs, validate.Fail("Alarms.DeadLetterMessages", r.Alarms.DeadLetterMessages,
			"an alarm threshold counts messages and cannot be negative", "set 1 or more, or 0 for the default (1)"))
	}
	if r.Alarms.OldestMessageAge == 0 {
		r.Alarms.OldestMessageAge = DefaultOldestMessageAge
	}
	if r.Alarms.OldestMessageAge < time.Minute || r.Alarms.OldestMessageAge >= r.RetentionPeriod {
		errs = append(errs, validate.Fail("Alarms.OldestMessageAge", r.Alarms.OldestMessageAge,
			fmt.Sprintf("the age alarm must fire before messages expire: at least 1 minute and below RetentionPeriod (%s)", r.RetentionPeriod),
			"set it to how long a message may wait before someone should look, e.g. 15 minutes (the default)"))
	}
	if len(r.QueueName) > 75 {
		errs = append(errs, validate.Fail("QueueName", r.QueueName,
			"SQS queue names are at most 80 characters, and the dead-letter queue appends \"-dlq\"",
			"use a name of at most 75 characters"))
	} else if r.QueueName != "" && !queueName.MatchString(r.QueueName) {
		errs = append(errs, validate.Fail("QueueName", r.QueueName,
			"SQS queue names hold letters, digits, hyphens and underscores (FIFO queues are not supported by this construct)",
			"use only those characters"))
	}
	return r, errors.Join(errs...)
}
