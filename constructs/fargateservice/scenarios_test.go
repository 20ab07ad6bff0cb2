package fargateservice_test

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// Fixtures shared by the scenarios and the assertions.
const (
	ecrImage    = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3"
	digestImage = "public.ecr.aws/nginx/nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	certArn     = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
	dbSecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-password-AbCdEf"
	secretKey   = "arn:aws:kms:eu-west-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	paramKey    = "arn:aws:kms:eu-west-1:123456789012:key/ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee"
	ordersTable = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
)

// One App, one synth for the whole package: each scenario is its own stack.
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	// Web: a web service with every default.
	web := testkit.NewStack(app, "Web")
	fargateservice.New(web, "Api", &fargateservice.Props{
		Vpc:         newVpc(web),
		Image:       ecrImage,
		Certificate: cert(web),
		AlarmTopic:  awssns.Topic_FromTopicArn(web, jsii.String("Alarms"), jsii.String(alarmTopicArn)),
	})

	// Custom: secrets, plain configuration, task permissions, an internal
	// ALB, ARM64, a bigger task, a custom health check, dev settings.
	custom := testkit.NewStack(app, "Custom")
	secret := awssecretsmanager.Secret_FromSecretAttributes(custom, jsii.String("DbPassword"), &awssecretsmanager.SecretAttributes{
		SecretCompleteArn: jsii.String(dbSecretArn),
		EncryptionKey:     awskms.Key_FromKeyArn(custom, jsii.String("SecretKey"), jsii.String(secretKey)),
	})
	param := awsssm.StringParameter_FromSecureStringParameterAttributes(custom, jsii.String("ApiKey"), &awsssm.SecureStringParameterAttributes{
		ParameterName: jsii.String("/prod/api-key"),
	})
	svc := fargateservice.New(custom, "Api", &fargateservice.Props{
		Vpc:           newVpc(custom),
		Image:         digestImage,
		Certificate:   cert(custom),
		Architecture:  fargateservice.ArchitectureARM64,
		Cpu:           1024,
		MemoryMiB:     3072,
		ContainerPort: 3000,
		User:          "app",
		Environment:   map[string]string{"LOG_LEVEL": "info", "TABLE_NAME": "orders"},
		SecretsManager: map[string]awssecretsmanager.ISecret{
			"DB_PASSWORD": secret,
			// By name: a partial ARN, read as "<arn>-??????".
			"SESSION_SIGNING_KEY": awssecretsmanager.Secret_FromSecretNameV2(custom, jsii.String("Session"), jsii.String("prod/session")),
		},
		Parameters: map[string]awsssm.IParameter{"API_KEY": param},
		SecretKeys: []awskms.IKey{awskms.Key_FromKeyArn(custom, jsii.String("ParamKey"), jsii.String(paramKey))},
		HealthCheck: &fargateservice.HealthCheck{
			Command:     []string{"CMD", "/app", "healthcheck"},
			StartPeriod: 120 * time.Second,
		},
		HealthCheckGracePeriod:  150 * time.Second,
		DesiredCount:            3,
		MinCapacity:             2,
		MaxCapacity:             6,
		RequireHighAvailability: true,
		TaskRoleStatements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadOrders"),
			Actions:   jsii.Strings("dynamodb:GetItem", "dynamodb:Query"),
			Resources: jsii.Strings(ordersTable),
		})},
		Internal:                  true,
		HealthCheckPath:           "/ready",
		AccessLogsPrefix:          "api",
		DisableDeletionProtection: true,
		RemovalPolicy:             awscdk.RemovalPolicy_DESTROY,
		WritablePaths:             []string{"/tmp", "/var/cache/app"},
	})
	svc.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOrders"),
		Actions:   jsii.Strings("dynamodb:PutItem"),
		Resources: jsii.Strings(ordersTable),
	}))

	// Worker: a queue processor on Fargate Spot, built from a local
	// Dockerfile.
	worker := testkit.NewStack(app, "Worker")
	fargateservice.New(worker, "Processor", &fargateservice.Props{
		Vpc:        newVpc(worker),
		ImageAsset: "testdata/app",
		Worker:     true,
		AlarmTopic: awssns.Topic_FromTopicArn(worker, jsii.String("Alarms"), jsii.String(alarmTopicArn)),
		Alarms:     fargateservice.AlarmThresholds{CPUPercent: 95},
		Spot:       true,
	})
	return app
})

func stack(t *testing.T, name string) *testkit.Stack { return synth.Stack(t, name) }

func cert(scope constructs.Construct) awscertificatemanager.ICertificate {
	return awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("Cert"), jsii.String(certArn))
}

// newVpc is a stand-in for the ThreeTierVpc construct: public and
// private-with-egress subnets in three AZs. Its own cdk-nag findings are not
// this package's concern, so they are suppressed here, in the test only.
func newVpc(scope constructs.Construct) awsec2.IVpc {
	vpc := awsec2.NewVpc(scope, jsii.String("Vpc"), &awsec2.VpcProps{
		AvailabilityZones:            jsii.Strings("eu-west-1a", "eu-west-1b", "eu-west-1c"),
		RestrictDefaultSecurityGroup: jsii.Bool(false),
		NatGateways:                  jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
		},
	})
	var suppressions []*cdknag.NagPackSuppression
	for _, rule := range []string{
		"AwsSolutions-VPC7",
		"NIST.800.53.R5-VPCFlowLogsEnabled",
		"NIST.800.53.R5-VPCDefaultSecurityGroupClosed",
		"NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled",
		"NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
	} {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String(rule),
			Reason: jsii.String("Test stand-in for the ThreeTierVpc construct, which owns these controls.")})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(vpc, &suppressions, jsii.Bool(true))
	return vpc
}
