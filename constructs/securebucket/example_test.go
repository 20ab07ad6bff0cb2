package securebucket_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
)

// A bucket for business data with every default: SSE-KMS with its own
// rotating key, versioning, lifecycle, access logs to a dedicated bucket,
// TLS-only policy, retained on delete and replacement (but not after a failed
// first create). A SecureBucket is a construct like any other: tag it, depend
// on it, use it as a scope.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Billing"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})

	invoices := securebucket.New(stack, "Invoices", nil)
	awscdk.Tags_Of(invoices).Add(jsii.String("DataClass"), jsii.String("confidential"), nil)

	fmt.Println(*invoices.Node().Path())
	fmt.Println(invoices.Key != nil, invoices.AccessLogs != nil)
	// Output:
	// Billing/Invoices
	// true true
}

// Cheaper lifecycle for data read often in its first quarter, and a log
// bucket shared with other buckets.
func Example_lifecycle() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Reports"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	shared := securebucket.New(stack, "Raw", nil)

	reports := securebucket.New(stack, "Reports", &securebucket.Props{
		AccessLogsBucket: shared.AccessLogs,
		Lifecycle: &securebucket.Lifecycle{
			TransitionToInfrequentAccessDays: 90,
			TransitionToGlacierDays:          180,
		},
	})
	fmt.Println(reports.AccessLogs == shared.AccessLogs)
	// Output: true
}
