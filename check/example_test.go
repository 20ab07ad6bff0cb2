package check_test

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/check"
	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
)

// Your own app, checked the way Groundwork checks its stacks: the three
// cdk-nag packs and the invariant audit. In main, defer
// validate.ExitOnError() and print the error and exit 1 instead of the
// Println calls.
func Example() {
	dir, _ := os.MkdirTemp("", "check-example-")
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	stack := awscdk.NewStack(app, jsii.String("Billing"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	securebucket.New(stack, "Invoices", nil)

	check.Apply(app)
	report, err := check.Synth(app, &check.Options{RetainStateful: true, Account: "123456789012"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range report.Stacks {
		for _, p := range s.Packs {
			fmt.Printf("%s %s: %d unsuppressed error(s), some checks passed: %v\n", s.Name, p.Pack, p.Errors, p.Compliant > 0)
		}
		fmt.Printf("%s audit: %d finding(s)\n", s.Name, len(s.Audit))
	}
	// Output:
	// Billing AwsSolutions: 0 unsuppressed error(s), some checks passed: true
	// Billing NIST.800.53.R5: 0 unsuppressed error(s), some checks passed: true
	// Billing Serverless: 0 unsuppressed error(s), some checks passed: false
	// Billing audit: 0 finding(s)
}
