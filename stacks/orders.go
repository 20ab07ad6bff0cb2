package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/kmskey"
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

// statements are exactly the actions the processorder handler uses: PutItem
// (POST /orders) and GetItem (GET /orders/{id}), plus the key operations
// DynamoDB performs with the caller's permissions on a CMK-encrypted table —
// only through DynamoDB (kms:ViaService), never by calling KMS directly.
func (o *OrdersTable) statements(region string) []iamx.Statement {
	return []iamx.Statement{
		{Sid: "ReadWriteOrders", Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"},
			Resources: []string{*o.Table.TableArn()}},
		{Sid: "UseOrdersKey", Actions: []string{"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"},
			Resources:  []string{*o.Key.KeyArn()},
			Conditions: map[string]map[string]any{"StringEquals": {"kms:ViaService": "dynamodb." + region + ".amazonaws.com"}}},
	}
}
