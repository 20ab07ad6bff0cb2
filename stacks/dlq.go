package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/nag"
)

// serviceDLQ describes a dead-letter queue that an AWS service writes to: the
// alert rules' (EventBridge) and the alarm email subscriptions' (SNS).
type serviceDLQ struct {
	id        string // construct id
	sid       string // Sid of the statement that lets the service send
	service   string // service principal, e.g. "events.amazonaws.com"
	sourceArn string // ARN (ArnLike pattern) of what sends: a rule, a topic
	of        string // whose dead letters, for the cdk-nag reasons: "the alarm email subscriptions"
	key       awskms.IKey
}

// newServiceDLQ creates the queue: encrypted with d.key, messages kept for 14
// days, marked as a dead-letter queue, writable only by d.service on behalf of
// d.sourceArn in this account, and only over TLS.
func newServiceDLQ(stack awscdk.Stack, cfg Config, d serviceDLQ) awssqs.Queue {
	q := awssqs.NewQueue(stack, jsii.String(d.id), &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: d.key,
		RetentionPeriod:     awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:       cfg.RemovalPolicy(),
		// Marks the queue as a dead-letter queue (Control Tower CT.SQS.PR.1).
		// Its sources are not SQS queues (EventBridge, SNS), so byQueue cannot
		// name them; allowAll is SQS's own default made explicit.
		RedriveAllowPolicy: &awssqs.RedriveAllowPolicy{RedrivePermission: awssqs.RedrivePermission_ALLOW_ALL},
	})
	queueArn := *q.QueueArn()
	for _, s := range []iamx.Statement{
		{Sid: d.sid, Actions: []string{"sqs:SendMessage"}, Resources: []string{queueArn},
			Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(d.service), nil)},
			Conditions: map[string]map[string]any{
				"StringEquals": {"aws:SourceAccount": cfg.Account},
				"ArnLike":      {"aws:SourceArn": d.sourceArn},
			}},
		iamx.DenyInsecureTransport("sqs:*", queueArn),
	} {
		q.AddToResourcePolicy(s.Build())
	}
	reason := "This queue is itself the dead-letter queue of " + d.of + "; a DLQ of a DLQ would only move the same messages again."
	nag.SuppressDefault(q, "AwsSolutions-SQS3", reason)
	nag.SuppressDefault(q, "Serverless-SQSRedrivePolicy", reason)
	return q
}
