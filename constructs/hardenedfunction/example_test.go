package hardenedfunction_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
)

// A Go handler built from its package, with a table name in the environment,
// its API key passed by ARN, and DynamoDB access granted with a Sid-named
// statement. Everything else is the guidance's default.
func Example() {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Api"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
	})
	apiKey := awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("ApiKey"), jsii.String("prod/api-key"))
	orders := "arn:aws:dynamodb:eu-west-1:111111111111:table/orders"

	fn := hardenedfunction.New(stack, "ProcessOrder", &hardenedfunction.Props{
		Entry:       "./constructs/hardenedfunction/testdata/hello", // relative to the module root
		Environment: map[string]string{"TABLE_NAME": "orders"},
		Secrets:     map[string]awssecretsmanager.ISecret{"API_SECRET_ARN": apiKey},
	})
	fn.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadWriteOrders"),
		Actions:   jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"),
		Resources: jsii.Strings(orders),
	}))

	template := app.Synth(nil).GetStackByName(jsii.String("Api")).Template().(map[string]any)
	for _, r := range template["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::Lambda::Function" {
			continue
		}
		p := res["Properties"].(map[string]any)
		fmt.Println("runtime:", p["Runtime"], p["Architectures"], "handler:", p["Handler"])
		fmt.Println("memory:", p["MemorySize"], "MB, timeout:", p["Timeout"], "s, reserved concurrency:", p["ReservedConcurrentExecutions"])
		fmt.Println("tracing:", p["TracingConfig"].(map[string]any)["Mode"], "log format:", p["LoggingConfig"].(map[string]any)["LogFormat"])
		vars := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		var names []string
		for k := range vars {
			names = append(names, k)
		}
		sort.Strings(names)
		fmt.Println("environment:", names)
	}
	// Output:
	// runtime: provided.al2023 [arm64] handler: bootstrap
	// memory: 512 MB, timeout: 30 s, reserved concurrency: 100
	// tracing: Active log format: JSON
	// environment: [API_SECRET_ARN TABLE_NAME]
}
