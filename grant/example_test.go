package grant_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/grant"
)

// A bucket in one stack, read by a role of another: the statements go into
// the role's own policy, in the role's stack, so the role's stack depends on
// the bucket's and never the reverse. A HardenedFunction or a FargateService
// is passed the same way, without grant.Role.
func ExampleBucketRead() {
	app := awscdk.NewApp(nil)
	env := &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}
	storage := awscdk.NewStack(app, jsii.String("Storage"), &awscdk.StackProps{Env: env})
	reports := awscdk.NewStack(app, jsii.String("Reports"), &awscdk.StackProps{Env: env})

	invoices := securebucket.New(storage, "Invoices", nil)
	role := awsiam.NewRole(reports, jsii.String("Builder"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("codebuild.amazonaws.com"), nil)})

	grant.BucketRead(grant.Role(role), invoices.Bucket)
	grant.BucketRead(grant.Role(role), invoices.Bucket) // a repeated grant adds nothing

	policy := grant.Role(role).GrantPolicy()
	fmt.Println(*policy.Node().Path())
	doc := reports.Resolve(policy.Document()).(map[string]any)
	for _, st := range doc["Statement"].([]any) {
		s := st.(map[string]any)
		fmt.Println(s["Sid"], s["Action"])
	}
	// Output:
	// Reports/Builder/GrantPolicy
	// ListBucketStorageInvoicesBucketF42D850D s3:ListBucket
	// ReadObjectsStorageInvoicesBucketF42D850D s3:GetObject
	// ReadObjectsKeyStorageInvoicesBucketF42D850D kms:Decrypt
}
