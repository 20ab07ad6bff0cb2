package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
)

// StorageStack is Groundwork-<Env>-Storage: the guidance's invoices bucket.
type StorageStack struct {
	awscdk.Stack
	// Invoices holds invoice documents (business data: SSE-KMS, versioned).
	Invoices *securebucket.SecureBucket
}

// NewStorageStack creates the Storage stack of cfg's environment. The bucket's
// name and key ARN are published as SSM parameters under
// /groundwork/<env>/storage/ for other apps (the guidance prefers SSM
// parameters to cross-stack exports).
func NewStorageStack(app awscdk.App, cfg Config) *StorageStack {
	stack := newStack(app, cfg, "Storage", "business-data buckets")
	invoices := securebucket.New(stack, "Invoices", &securebucket.Props{
		RemovalPolicy: cfg.RemovalPolicy(),
	})
	publish(stack, "InvoicesBucketName", "/groundwork/"+cfg.Name+"/storage/invoices/bucket-name",
		*invoices.Bucket.BucketName(), "Name of the invoices bucket")
	publish(stack, "InvoicesKeyArn", "/groundwork/"+cfg.Name+"/storage/invoices/key-arn",
		*invoices.Key.KeyArn(), "ARN of the invoices bucket's KMS key")
	return &StorageStack{Stack: stack, Invoices: invoices}
}

// publish writes value to an SSM String parameter.
func publish(scope constructs.Construct, id, name, value, description string) {
	awsssm.NewStringParameter(scope, jsii.String(id), &awsssm.StringParameterProps{
		ParameterName: jsii.String(name),
		StringValue:   jsii.String(value),
		Description:   jsii.String(description),
	})
}

// DashboardRow graphs the invoices bucket's size and object count (S3's daily
// storage metrics).
func (s *StorageStack) DashboardRow() Row {
	bucket := *s.Invoices.Bucket.BucketName()
	daily := func(name, storageType string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/S3"), MetricName: jsii.String(name), Statistic: jsii.String("Average"),
			Period: awscdk.Duration_Days(jsii.Number(1)), Label: jsii.String("invoices"),
			DimensionsMap: &map[string]*string{"BucketName": jsii.String(bucket), "StorageType": jsii.String(storageType)},
		})
	}
	return Row{Title: "Storage: invoices bucket", Widgets: []awscloudwatch.IWidget{
		graph("Bucket size (bytes, Standard)", []awscloudwatch.IMetric{daily("BucketSizeBytes", "StandardStorage")}, 12),
		graph("Objects", []awscloudwatch.IMetric{daily("NumberOfObjects", "AllStorageTypes")}, 12),
	}}
}
