package fargateservice_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
)

// exampleStack returns a stack with an explicit environment and a VPC with
// public and private subnets (use threetiervpc in real code).
func exampleStack(name string) (awscdk.Stack, awsec2.IVpc) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones: jsii.Strings("eu-west-1a", "eu-west-1b"),
	})
	return stack, vpc
}

// The guidance's api-service: an image pinned by version, its database
// password from Secrets Manager, and one table it may read. Everything else
// is the default: 0.5 vCPU / 1 GiB, two tasks in private subnets, an HTTPS
// load balancer with TLS 1.3/1.2, access logs, deletion protection.
func Example() {
	stack, vpc := exampleStack("Shop")
	password := awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("DbPassword"), jsii.String("prod/db-password"))

	api := fargateservice.New(stack, "Api", &fargateservice.Props{
		Vpc:   vpc,
		Image: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3",
		Certificate: awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"),
			jsii.String("arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555")),
		SecretsManager: map[string]awssecretsmanager.ISecret{"DB_PASSWORD": password},
	})
	api.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadOrders"),
		Actions:   jsii.Strings("dynamodb:GetItem", "dynamodb:Query"),
		Resources: jsii.Strings("arn:aws:dynamodb:eu-west-1:123456789012:table/orders"),
	}))

	fmt.Println(*api.Node().Path())
	fmt.Println(api.LoadBalancer != nil, api.HttpsListener != nil, api.AccessLogs != nil)
	// Output:
	// Shop/Api
	// true true true
}

// A queue processor on Fargate Spot: no load balancer, image built from a
// local Dockerfile at deploy time.
func Example_worker() {
	stack, vpc := exampleStack("Jobs")

	worker := fargateservice.New(stack, "Processor", &fargateservice.Props{
		Vpc:          vpc,
		ImageAsset:   "testdata/app",
		Architecture: fargateservice.ArchitectureARM64,
		Worker:       true,
		Spot:         true,
	})

	fmt.Println(worker.LoadBalancer == nil, worker.Service != nil)
	// Output: true true
}
