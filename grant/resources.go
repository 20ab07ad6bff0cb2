package grant

import (
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/validate"
)

func itoa(i int) string { return strconv.Itoa(i) }

// Actions each function grants, explicit (never the L2 grants' wildcards).
var (
	// BucketListActions apply to the bucket itself.
	bucketListActions = []string{"s3:ListBucket"}
	// Object actions apply to <bucket-arn>/*.
	bucketReadObjectActions  = []string{"s3:GetObject"}
	bucketWriteObjectActions = []string{"s3:PutObject"}

	tableReadActions  = []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}
	tableWriteActions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}

	queueSendActions    = []string{"sqs:SendMessage"}
	queueConsumeActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}

	topicPublishActions = []string{"sns:Publish"}

	secretReadActions = []string{"secretsmanager:GetSecretValue"}
)

// objectsReason is the AwsSolutions-IAM5 suppression reason for <bucket-arn>/*.
const objectsReason = "S3 object actions (s3:GetObject, s3:PutObject) apply to object keys, which the workload " +
	"chooses at run time, so they are granted on the objects of this one bucket (<bucket-arn>/*), the narrowest " +
	"resource S3 offers for them; the statement lists its actions explicitly and grants nothing else."

// BucketRead lets to read objects of b and list it: s3:GetObject on
// <bucket-arn>/* and s3:ListBucket on the bucket (two statements, each on the
// resource its action applies to). With a customer-managed key, it adds
// kms:Decrypt through S3 for the bucket's encryption context.
//
// The object-level resource gets an AwsSolutions-IAM5 suppression on the
// grantee's policy, scoped to exactly that finding. It panics with a
// *validate.Error when to or b is nil.
func BucketRead(to Grantee, b awss3.IBucket) {
	check("BucketRead", to, "bucket", b)
	apply(to, bucketStatements(to, b, "Read"))
}

// BucketWrite lets to write objects to b: s3:PutObject on <bucket-arn>/*. With
// a customer-managed key it adds kms:GenerateDataKey and kms:Decrypt (the
// latter for multipart uploads) through S3 for the bucket's encryption
// context. It panics with a *validate.Error when to or b is nil.
func BucketWrite(to Grantee, b awss3.IBucket) {
	check("BucketWrite", to, "bucket", b)
	apply(to, bucketStatements(to, b, "Write"))
}

// BucketReadWrite is BucketRead and BucketWrite. It panics with a
// *validate.Error when to or b is nil.
func BucketReadWrite(to Grantee, b awss3.IBucket) {
	check("BucketReadWrite", to, "bucket", b)
	apply(to, append(bucketStatements(to, b, "Read"), bucketStatements(to, b, "Write")...))
}

func bucketStatements(to Grantee, b awss3.IBucket, verb string) []statement {
	id := uid(b)
	arn, objects := *b.BucketArn(), *b.ArnForObjects(jsii.String("*"))
	var out []statement
	if verb == "Read" {
		out = append(out,
			statement{Statement: iamx.Statement{Sid: "ListBucket" + id, Actions: bucketListActions, Resources: []string{arn}}},
			statement{Statement: iamx.Statement{Sid: "ReadObjects" + id, Actions: bucketReadObjectActions, Resources: []string{objects}},
				wildcard: objectsReason})
	} else {
		out = append(out, statement{Statement: iamx.Statement{Sid: "WriteObjects" + id, Actions: bucketWriteObjectActions,
			Resources: []string{objects}}, wildcard: objectsReason})
	}
	if key := b.EncryptionKey(); key != nil {
		// The bucket ARN is the context with S3 Bucket Keys, an object ARN without.
		out = append(out, keyStatement(to, "s3", verb, verb+"ObjectsKey"+id, key, arn, objects))
	}
	return out
}

// TableRead lets to read items of t: dynamodb:GetItem, BatchGetItem and Query
// on the table (not its indexes: grant those with the role's own statements
// when a query needs one). With a customer-managed key it adds kms:Decrypt
// through DynamoDB for the table's encryption context. It panics with a
// *validate.Error when to or t is nil.
func TableRead(to Grantee, t awsdynamodb.ITable) {
	check("TableRead", to, "table", t)
	apply(to, tableStatements(to, t, "ReadTable", tableReadActions))
}

// TableWrite lets to write items of t: dynamodb:PutItem, UpdateItem,
// DeleteItem and BatchWriteItem, plus kms:Decrypt like TableRead. It panics
// with a *validate.Error when to or t is nil.
func TableWrite(to Grantee, t awsdynamodb.ITable) {
	check("TableWrite", to, "table", t)
	apply(to, tableStatements(to, t, "WriteTable", tableWriteActions))
}

var dynamodbAction = regexp.MustCompile(`^dynamodb:[A-Za-z]+$`)

// TableActions grants exactly the given DynamoDB actions on t, e.g.
// "dynamodb:GetItem", "dynamodb:PutItem", plus kms:Decrypt like TableRead. The
// statement's Sid names the actions, so several calls with different actions
// add several statements.
//
// It panics with a *validate.Error when to or t is nil, no action is given,
// or an action is not an explicit dynamodb: action (no wildcard).
func TableActions(to Grantee, t awsdynamodb.ITable, actions ...string) {
	var errs []error
	if len(actions) == 0 {
		errs = append(errs, validate.Fail("actions", actions, "TableActions grants explicit DynamoDB actions and none were given",
			`list them, e.g. "dynamodb:GetItem", "dynamodb:PutItem"`))
	}
	for i, a := range actions {
		field := "actions[" + itoa(i) + "]"
		switch svc := service(a); {
		case svc != "dynamodb":
			errs = append(errs, validate.Fail(field, a, "TableActions grants dynamodb: actions on a table",
				"for "+svc+" use "+replacement(svc)))
		case !dynamodbAction.MatchString(a):
			errs = append(errs, validate.Fail(field, a,
				"TableActions grants explicit actions (the guidance: never use * in Action)",
				`list each action, e.g. "dynamodb:GetItem", "dynamodb:Query"`))
		}
	}
	check("TableActions", to, "table", t, errs...)
	actions = dedupe(actions)
	apply(to, tableStatements(to, t, "Table"+actionNames(actions), actions))
}

func tableStatements(to Grantee, t awsdynamodb.ITable, sid string, actions []string) []statement {
	id := uid(t)
	out := []statement{{Statement: iamx.Statement{Sid: sid + id, Actions: actions, Resources: []string{*t.TableArn()}}}}
	if key := t.EncryptionKey(); key != nil {
		// Reads and writes need the same kms:Decrypt: one statement per table.
		out = append(out, keyStatement(to, "dynamodb", "Read", "TableKey"+id, key, *t.TableName()))
	}
	return out
}

// QueueSend lets to send messages to q: sqs:SendMessage. With a
// customer-managed key it adds kms:GenerateDataKey and kms:Decrypt through SQS
// for the queue's encryption context. It panics with a *validate.Error when
// to or q is nil.
func QueueSend(to Grantee, q awssqs.IQueue) {
	check("QueueSend", to, "queue", q)
	apply(to, queueStatements(to, q, "Send", queueSendActions))
}

// QueueConsume lets to receive and delete messages of q:
// sqs:ReceiveMessage, DeleteMessage, ChangeMessageVisibility and
// GetQueueAttributes. With a customer-managed key it adds kms:Decrypt through
// SQS for the queue's encryption context. It panics with a *validate.Error
// when to or q is nil.
func QueueConsume(to Grantee, q awssqs.IQueue) {
	check("QueueConsume", to, "queue", q)
	apply(to, queueStatements(to, q, "Consume", queueConsumeActions))
}

func queueStatements(to Grantee, q awssqs.IQueue, verb string, actions []string) []statement {
	id := uid(q)
	out := []statement{{Statement: iamx.Statement{Sid: verb + "Queue" + id, Actions: actions, Resources: []string{*q.QueueArn()}}}}
	if key := q.EncryptionMasterKey(); key != nil {
		out = append(out, keyStatement(to, "sqs", verb, verb+"QueueKey"+id, key, *q.QueueArn()))
	}
	return out
}

// TopicPublish lets to publish to t: sns:Publish. With a customer-managed key
// it adds kms:GenerateDataKey and kms:Decrypt through SNS for the topic's
// encryption context. It panics with a *validate.Error when to or t is nil.
func TopicPublish(to Grantee, t awssns.ITopic) {
	check("TopicPublish", to, "topic", t)
	id := uid(t)
	out := []statement{{Statement: iamx.Statement{Sid: "PublishTopic" + id, Actions: topicPublishActions,
		Resources: []string{*t.TopicArn()}}}}
	if key := t.MasterKey(); key != nil {
		out = append(out, keyStatement(to, "sns", "Publish", "PublishTopicKey"+id, key, *t.TopicArn()))
	}
	apply(to, out)
}

// SecretRead lets to read the value of s: secretsmanager:GetSecretValue. A
// secret imported by name (no full ARN) is granted as "<partial-arn>-??????",
// the six characters Secrets Manager appends. With a customer-managed key it
// adds kms:Decrypt through Secrets Manager for the secret's encryption
// context. It panics with a *validate.Error when to or s is nil.
func SecretRead(to Grantee, s awssecretsmanager.ISecret) {
	check("SecretRead", to, "secret", s)
	id := uid(s)
	arn := s.SecretFullArn()
	if arn == nil {
		// A partial ARN: Secrets Manager appends a hyphen and six random characters.
		arn = jsii.String(*s.SecretArn() + "-??????")
	}
	out := []statement{{Statement: iamx.Statement{Sid: "ReadSecret" + id, Actions: secretReadActions, Resources: []string{*arn}}}}
	if key := s.EncryptionKey(); key != nil {
		out = append(out, keyStatement(to, "secretsmanager", "Read", "ReadSecretKey"+id, key, *arn))
	}
	apply(to, out)
}
