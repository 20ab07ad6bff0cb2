package fargateservice_test

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
	"github.com/groundwork-cdk/groundwork/grant"
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
	// initImage is a stand-in digest (tests never pull it).
	initImage = "public.ecr.aws/docker/library/busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111"
	// ecrInitImage is an init image in another ECR repository.
	ecrInitImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tools/chown@sha256:2222222222222222222222222222222222222222222222222222222222222222"
)

// visited records the construct paths the test aspect saw.
var visited []string

// recordAspect is an aspect applied to a FargateService: it proves that
// Aspects_Of accepts the construct and reaches its children.
type recordAspect struct{}

func (*recordAspect) Visit(node constructs.IConstruct) {
	visited = append(visited, *node.Node().Path())
}

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
		InitImage:                 initImage,
	})
	svc.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOrders"),
		Actions:   jsii.Strings("dynamodb:PutItem"),
		Resources: jsii.Strings(ordersTable),
	}))

	// Edge: the WAF tuned (more groups, a group and two rules counting, a
	// 1-minute rate limit, two years of WAF logs, a custom blocked alarm) and
	// plain HTTP to the targets, opted out with a reason.
	edge := testkit.NewStack(app, "Edge")
	fargateservice.New(edge, "Api", &fargateservice.Props{
		Vpc:         newVpc(edge),
		Image:       ecrImage,
		Certificate: cert(edge),
		AlarmTopic:  awssns.Topic_FromTopicArn(edge, jsii.String("Alarms"), jsii.String(alarmTopicArn)),
		Alarms:      fargateservice.AlarmThresholds{WafBlockedRequests: 500},
		Waf: fargateservice.WafOptions{
			ManagedRuleGroups: []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAnonymousIpList"},
			CountRuleGroups:   []string{"AWSManagedRulesAnonymousIpList"},
			CountRules:        map[string][]string{"AWSManagedRulesCommonRuleSet": {"SizeRestrictions_BODY", "NoUserAgent_HEADER"}},
			RateLimit:         300,
			RateLimitWindow:   time.Minute,
			LogRetention:      awslogs.RetentionDays_TWO_YEARS,
		},
		TargetProtocol:  fargateservice.TargetProtocolHTTP,
		PlainHttpReason: "the legacy image cannot serve TLS yet (TICKET-42)",
	})

	// NoWaf: an internet-facing service whose WAF is switched off.
	noWaf := testkit.NewStack(app, "NoWaf")
	fargateservice.New(noWaf, "Api", &fargateservice.Props{
		Vpc: newVpc(noWaf), Image: ecrImage, Certificate: cert(noWaf),
		AlarmTopic: awssns.Topic_FromTopicArn(noWaf, jsii.String("Alarms"), jsii.String(alarmTopicArn)),
		Waf:        fargateservice.WafOptions{Disable: true},
	})

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

	// Fixed: a worker with a fixed count of 3 (no autoscaling), an init
	// image from another ECR repository and three writable paths.
	fixed := testkit.NewStack(app, "Fixed")
	fargateservice.New(fixed, "Batch", &fargateservice.Props{
		Vpc:           newVpc(fixed),
		Image:         ecrImage,
		Worker:        true,
		DesiredCount:  3,
		MaxCapacity:   3,
		User:          "1000",
		WritablePaths: []string{"/tmp", "/var/run/app", "/home/app/.cache"},
		InitImage:     ecrInitImage,
		AlarmTopic:    awssns.Topic_FromTopicArn(fixed, jsii.String("Alarms"), jsii.String(alarmTopicArn)),
	})

	// Agnostic: a web service in an environment-agnostic stack (no account,
	// no region): the Region is known only at deploy time.
	agnostic := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
	fargateservice.New(agnostic, "Api", &fargateservice.Props{
		Vpc:   newAgnosticVpc(agnostic),
		Image: digestImage,
		Certificate: awscertificatemanager.Certificate_FromCertificateArn(agnostic, jsii.String("Cert"),
			awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:acm:${AWS::Region}:${AWS::AccountId}:certificate/11111111-2222-3333-4444-555555555555"), nil)),
		AlarmTopic: awssns.Topic_FromTopicArn(agnostic, jsii.String("Alarms"),
			awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alarms"), nil)),
	})

	// Constructs: the service used where CDK takes a construct.
	cs := testkit.NewStack(app, "Constructs")
	before := ssmParam(cs, "Before")
	svc2 := fargateservice.New(cs, "Svc", &fargateservice.Props{
		Vpc: newVpc(cs), Image: ecrImage, Worker: true,
		AlarmTopic: awssns.Topic_FromTopicArn(cs, jsii.String("Alarms"), jsii.String(alarmTopicArn)),
	})
	awscdk.Tags_Of(svc2).Add(jsii.String("Team"), jsii.String("payments"), nil)
	awscdk.Aspects_Of(svc2).Add(&recordAspect{}, nil)
	awscdk.Annotations_Of(svc2).AddInfo(jsii.String("annotated through the service"))
	svc2.Node().AddDependency(before)
	after := ssmParam(cs, "After")
	after.Node().AddDependency(svc2)
	ssmParam(svc2, "Child")
	stackOf = *awscdk.Stack_Of(svc2).StackName()
	var g grant.Grantee = svc2
	g.GrantPolicy().AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("SendJobs"), Actions: jsii.Strings("sqs:SendMessage"),
		Resources: jsii.Strings("arn:aws:sqs:eu-west-1:123456789012:jobs"),
	}))
	svc2.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("ReadOrders"), Actions: jsii.Strings("dynamodb:GetItem"), Resources: jsii.Strings(ordersTable),
	}))
	samePolicy = g.GrantPolicy() == svc2.GrantPolicy()
	return app
})

// Recorded while the App is built.
var (
	stackOf    string
	samePolicy bool
)

func stack(t *testing.T, name string) *testkit.Stack { return synth.Stack(t, name) }

func cert(scope constructs.Construct) awscertificatemanager.ICertificate {
	return awscertificatemanager.Certificate_FromCertificateArn(scope, jsii.String("Cert"), jsii.String(certArn))
}

// ssmParam is a small resource to depend on and to nest.
func ssmParam(scope constructs.Construct, id string) awsssm.StringParameter {
	return awsssm.NewStringParameter(scope, jsii.String(id), &awsssm.StringParameterProps{StringValue: jsii.String(id)})
}

// newAgnosticVpc is newVpc for an environment-agnostic stack: two AZs from
// Fn::GetAZs, no literal Region.
func newAgnosticVpc(scope constructs.Construct) awsec2.IVpc {
	vpc := awsec2.NewVpc(scope, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:                       jsii.Number(2),
		RestrictDefaultSecurityGroup: jsii.Bool(false),
		NatGateways:                  jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
		},
	})
	suppressVpc(vpc)
	return vpc
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
	suppressVpc(vpc)
	return vpc
}

func suppressVpc(vpc awsec2.Vpc) {
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
}
