// Command sharedbucket is a worked example of several grantees on one
// resource: two HardenedFunctions built from one handler share a SecureBucket,
// the writer with s3:PutObject only and the reader with s3:GetObject and
// s3:ListBucket only. Tags and dependencies are set on the constructs
// themselves, as on any CDK construct.
//
//	cdk synth -c account=123456789012
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
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
	stack := awscdk.NewStack(app, jsii.String("Notes"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")},
	})

	notes := securebucket.New(stack, "Notes", nil)
	newFunction := func(id, mode string) *hardenedfunction.HardenedFunction {
		return hardenedfunction.New(stack, id, &hardenedfunction.Props{
			Entry:       "examples/sharedbucket/handler", // relative to the Go module root
			Environment: map[string]string{"NOTES_BUCKET": *notes.Bucket.BucketName(), "MODE": mode},
		})
	}
	writer := newFunction("Writer", "write")
	reader := newFunction("Reader", "read")
	notes.GrantWrite(writer)
	notes.GrantRead(reader)

	// The constructs are real CDK constructs: tag them, order them.
	awscdk.Tags_Of(writer).Add(jsii.String("Role"), jsii.String("writer"), nil)
	awscdk.Tags_Of(reader).Add(jsii.String("Role"), jsii.String("reader"), nil)
	reader.Node().AddDependency(writer)

	app.Synth(nil)
	return nil
}
