package securequeue_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/constructs/securequeue"
	"github.com/groundwork-cdk/groundwork/validate"
)

// A queue consumed by a Lambda function: the visibility timeout follows the
// consumer's timeout and batching window, and AddConsumer creates the event
// source mapping with partial batch responses and grants the function
// exactly what Lambda's poller calls.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Billing"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	q := securequeue.New(stack, "Invoices", &securequeue.Props{
		ConsumerTimeout: 20 * time.Second, ConsumerBatchWindow: 5 * time.Second,
	})
	worker := hardenedfunction.New(stack, "Worker", &hardenedfunction.Props{
		Entry: "./constructs/hardenedfunction/testdata/hello", Timeout: 20 * time.Second,
	})
	q.AddConsumer(worker, &securequeue.ConsumerProps{MaxConcurrency: 2})

	fmt.Println(q.VisibilityTimeout(), q.MaxReceiveCount())
	// Output:
	// 2m5s 5
}

// A visibility timeout shorter than the consumer needs is refused with the
// rule and the fix.
func Example_validation() {
	var err error
	func() {
		defer validate.Recover(&err)
		app := awscdk.NewApp(nil)
		stack := awscdk.NewStack(app, jsii.String("Billing"), nil)
		securequeue.New(stack, "Invoices", &securequeue.Props{ConsumerTimeout: time.Minute, VisibilityTimeout: time.Minute})
	}()
	var problem *validate.Problem
	if errors.As(err, &problem) {
		fmt.Println(problem.Field, problem.Value)
	}
	// Output:
	// VisibilityTimeout 1m0s
}
