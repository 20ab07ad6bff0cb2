// Command webservice is a worked example: a web service on Fargate behind an
// HTTPS load balancer, in a three-tier VPC, that writes uploads to a secure
// bucket. Every construct runs on its defaults; the one grant is the library's
// way (the service's task role gets s3:PutObject on this bucket only, and the
// bucket key through S3 only).
//
//	cdk synth -c account=123456789012 -c certificateArn=arn:aws:acm:eu-west-1:123456789012:certificate/…
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Placeholders: override them with -c before a real deploy.
const (
	defaultAccount     = "111111111111"
	defaultCertificate = "arn:aws:acm:eu-west-1:111111111111:certificate/11111111-2222-3333-4444-555555555555"
	defaultImage       = "111111111111.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0"
)

func main() { validate.Main(run) }

func run() error {
	app := awscdk.NewApp(nil)
	nag.Apply(app, nag.Options{Reports: true})

	region, azs := "eu-west-1", []string{"eu-west-1a", "eu-west-1b"}
	stack := awscdk.NewStack(app, jsii.String("WebService"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(context(app, "account", defaultAccount)), Region: jsii.String(region)},
	})
	// Synthesis stays offline: the AZs are given, never looked up.
	threetiervpc.PinAvailabilityZones(stack, azs...)

	network := threetiervpc.New(stack, "Network", &threetiervpc.Props{AvailabilityZones: azs, NatGateways: 1})
	uploads := securebucket.New(stack, "Uploads", nil)
	web := fargateservice.New(stack, "Web", &fargateservice.Props{
		Vpc:   network.Vpc,
		Image: context(app, "image", defaultImage),
		Certificate: awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Certificate"),
			jsii.String(context(app, "certificateArn", defaultCertificate))),
		Environment: map[string]string{"UPLOADS_BUCKET": *uploads.Bucket.BucketName()},
	})
	uploads.GrantWrite(web)

	// Tags on the constructs themselves reach every resource they own.
	awscdk.Tags_Of(app).Add(jsii.String("Project"), jsii.String("webservice-example"), nil)
	awscdk.Tags_Of(web).Add(jsii.String("Component"), jsii.String("web"), nil)

	app.Synth(nil)
	return nil
}

// context reads a -c value, or def.
func context(app awscdk.App, key, def string) string {
	if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
		return v
	}
	return def
}
