// Command crossstack is a worked example of grants across stacks: a
// HardenedFunction in the App stack reads reports from a SecureBucket owned by
// the Storage stack and writes an index to a DynamoDB table in its own stack.
// The grants live with the function (in the App stack), so the App stack
// depends on the Storage stack and never the reverse.
//
//	cdk synth -c account=123456789012
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

func main() { validate.Main(run) }

func run() error {
	app := awscdk.NewApp(nil)
	nag.Apply(app, nag.Options{Reports: true})
	account := "111111111111" // placeholder: -c account=…
	if v, ok := app.Node().TryGetContext(jsii.String("account")).(string); ok && v != "" {
		account = v
	}
	env := &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")}

	storage := awscdk.NewStack(app, jsii.String("ReportsStorage"), &awscdk.StackProps{Env: env})
	reports := securebucket.New(storage, "Reports", nil)

	service := awscdk.NewStack(app, jsii.String("ReportsIndexer"), &awscdk.StackProps{Env: env})
	key := kmskey.New(service, "IndexKey", "Encryption of the report index", awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	index := awsdynamodb.NewTable(service, jsii.String("Index"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("key"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:    awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	// A resource you create yourself is yours to justify to cdk-nag.
	nag.SuppressDefault(index, "NIST.800.53.R5-DynamoDBInBackupPlan",
		"Point-in-time recovery is on (restorable to any second of the last 35 days); an AWS Backup plan is the "+
			"account's backup policy, not this example's.")

	indexer := hardenedfunction.New(service, "Indexer", &hardenedfunction.Props{
		Entry: "examples/crossstack/handler", // relative to the Go module root
		Environment: map[string]string{
			"REPORTS_BUCKET": *reports.Bucket.BucketName(),
			"INDEX_TABLE":    *index.TableName(),
		},
	})
	// One call each: explicit actions, Sid-named statements, the keys used
	// only through S3 and DynamoDB.
	grant.BucketRead(indexer, reports.Bucket)
	grant.TableActions(indexer, index, "dynamodb:PutItem")

	app.Synth(nil)
	return nil
}
