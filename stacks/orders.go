package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
)

// OrdersTable is the orders DynamoDB table and its key.
type OrdersTable struct {
	// Table holds the orders, keyed by id.
	Table awsdynamodb.Table
	// Key encrypts Table.
	Key awskms.Key
}

// newOrdersTable creates the orders table: on-demand billing (the guidance's
// choice for unpredictable traffic), point-in-time recovery, SSE with a
// customer-managed key, retained and deletion-protected outside dev.
func newOrdersTable(scope constructs.Construct, cfg Config) *OrdersTable {
	key := kmskey.New(scope, "OrdersKey", "Encryption of the orders table", cfg.RemovalPolicy())
	table := awsdynamodb.NewTable(scope, jsii.String("Orders"), &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:         awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey:      key,
		RemovalPolicy:      cfg.RemovalPolicy(),
		DeletionProtection: jsii.Bool(cfg.TerminationProtection),
	})
	nag.SuppressDefault(table, "NIST.800.53.R5-DynamoDBInBackupPlan",
		"Point-in-time recovery is on (continuous backups, restorable to any second of the last 35 days) and the table is "+
			"retained and deletion-protected outside dev. An AWS Backup plan with a cross-account vault is an organisation-level "+
			"choice that this baseline leaves to the account's backup policy.")
	return &OrdersTable{Table: table, Key: key}
}

// grantTo lets fn use exactly the actions the processorder handler calls:
// PutItem (POST /orders) and GetItem (GET /orders/{id}). grant.TableActions
// adds the table key's kms:Decrypt, only through DynamoDB (kms:ViaService)
// and only for this table's encryption context.
func (o *OrdersTable) grantTo(fn grant.Grantee) {
	grant.TableActions(fn, o.Table, "dynamodb:GetItem", "dynamodb:PutItem")
}
