package hardenedfunction_test

import (
	"debug/elf"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/boundary"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// hello is the test handler, relative to the module root.
const hello = "./constructs/hardenedfunction/testdata/hello"

const (
	apiSecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-key-AbCdEf"
	secretKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

// newStack is a scenario stack as the platform stacks build it: tagged and
// capped by the permissions boundary, so that the audit sees a whole picture.
func newStack(app awscdk.App, name string) awscdk.Stack {
	st := testkit.NewStack(app, name)
	boundary.Attach(st, ceiling)
	return st
}

// ceiling is what a HardenedFunction's role needs at most — its own
// statements, the VPC actions, a secret — plus what the scenarios grant: a
// stack that runs HardenedFunctions starts its permissions boundary from it.
var ceiling = boundary.Ceiling{Actions: []string{
	"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
	"kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage", "secretsmanager:GetSecretValue",
	"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces",
	"ec2:DescribeSubnets", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
	"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
}}

// One App, one synth for the whole package: each scenario is its own stack.
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	for _, tag := range audit.RequiredTags {
		awscdk.Tags_Of(app).Add(jsii.String(tag), jsii.String("test"), nil)
	}
	nag.Apply(app, nag.Options{})

	hardenedfunction.New(newStack(app, "Defaults"), "Hello", &hardenedfunction.Props{Entry: hello})

	vpcStack := newStack(app, "Vpc")
	vpc := awsec2.Vpc_FromVpcAttributes(vpcStack, jsii.String("Network"), &awsec2.VpcAttributes{
		VpcId:                      jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:          jsii.Strings("eu-west-1a", "eu-west-1b"),
		PrivateSubnetIds:           jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
		PrivateSubnetRouteTableIds: jsii.Strings("rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2"),
		PublicSubnetIds:            jsii.Strings("subnet-0ccccccccccccccc3", "subnet-0ddddddddddddddd4"),
		PublicSubnetRouteTableIds:  jsii.Strings("rtb-0ccccccccccccccc3", "rtb-0ccccccccccccccc3"),
	})
	apiSecret := awssecretsmanager.Secret_FromSecretAttributes(vpcStack, jsii.String("ApiSecret"), &awssecretsmanager.SecretAttributes{
		SecretCompleteArn: jsii.String(apiSecretArn),
		EncryptionKey:     awskms.Key_FromKeyArn(vpcStack, jsii.String("ApiSecretKey"), jsii.String(secretKeyArn)),
	})
	dbSecret := awssecretsmanager.Secret_FromSecretNameV2(vpcStack, jsii.String("DbSecret"), jsii.String("prod/db"))
	orders := "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
	fn := hardenedfunction.New(vpcStack, "Orders", &hardenedfunction.Props{
		Entry: hello,
		Vpc:   vpc,
		Environment: map[string]string{
			"TABLE_NAME":   "orders",
			"TABLE_ARN":    orders,
			"ENDPOINT":     "https://api.example.com/v1/orders?region=eu-west-1",
			"BUILD_SHA":    "3f786850e387550fdab836ed7e6dc881de23001b",
			"REQUEST_ID":   "123e4567-e89b-12d3-a456-426614174000",
			"SERVICE_ROLE": "ProcessOrderFunctionConfigurationValue",
		},
		Secrets:    map[string]awssecretsmanager.ISecret{"API_SECRET_ARN": apiSecret, "DB_SECRET_ARN": dbSecret},
		AlarmTopic: awssns.Topic_FromTopicArn(vpcStack, jsii.String("Alarms"), jsii.String(alarmTopicArn)),
		Alarms:     hardenedfunction.AlarmThresholds{DurationPercentOfTimeout: 50},
		Statements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadWriteOrders"),
			Actions:   jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem"),
			Resources: jsii.Strings(orders),
		})},
	})
	hardenedfunction.New(vpcStack, "Open", &hardenedfunction.Props{
		Runtime: "nodejs24.x", Handler: "index.handler",
		Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({});")),
		Vpc:  vpc,
		VpcSubnets: &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{awsec2.Subnet_FromSubnetAttributes(vpcStack, jsii.String("OneSubnet"),
			&awsec2.SubnetAttributes{SubnetId: jsii.String("subnet-0aaaaaaaaaaaaaaa1"),
				AvailabilityZone: jsii.String("eu-west-1a"), RouteTableId: jsii.String("rtb-0aaaaaaaaaaaaaaa1")})}},
		AllowAllOutbound: true,
	})
	fn.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("QueryOrders"),
		Actions:   jsii.Strings("dynamodb:Query"),
		Resources: jsii.Strings(orders),
	}))

	custom := newStack(app, "Custom")
	key := awskms.NewKey(custom, jsii.String("SharedKey"), &awskms.KeyProps{
		EnableKeyRotation: jsii.Bool(true),
		Policy: iamx.Document(iamx.Statement{Sid: "AllowAccountAdministration", Actions: []string{"kms:*"},
			Resources: []string{"*"}, Principals: []awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()}},
			kmskey.DenyCreateGrant()),
	})
	hardenedfunction.New(custom, "Export", &hardenedfunction.Props{
		Entry:               hello,
		FunctionName:        "groundwork-export",
		Description:         "Nightly export",
		MemorySize:          1024,
		Timeout:             600 * time.Second,
		LongTimeoutReason:   "the nightly export scans the whole orders table",
		ReservedConcurrency: new(5),
		RetryAttempts:       new(0),
		MaxEventAge:         time.Hour,
		LogRetention:        awslogs.RetentionDays_ONE_MONTH,
		LogGroupName:        "/groundwork/test/export",
		ApplicationLogLevel: awslambda.ApplicationLogLevel_WARN,
		SystemLogLevel:      awslambda.SystemLogLevel_WARN,
		EncryptionKey:       key,
		RemovalPolicy:       awscdk.RemovalPolicy_DESTROY,
	})

	node := newStack(app, "Node")
	hardenedfunction.New(node, "Webhook", &hardenedfunction.Props{
		Runtime:       "nodejs24.x",
		Handler:       "index.handler",
		Code:          awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({ statusCode: 204 });")),
		EncryptionKey: awskms.Key_FromKeyArn(node, jsii.String("ImportedKey"), jsii.String(secretKeyArn)),
	})

	buildConstructScenario(newStack(app, "Construct"))
	buildAgnosticScenario(app)
	return app
})

func assembly(t *testing.T) *testkit.Assembly { return synth.Assembly(t) }

func stack(t *testing.T, name string) *testkit.Stack { return synth.Stack(t, name) }

type expectation struct {
	name  string
	typ   string
	props map[string]any
}

func check(t *testing.T, s *testkit.Stack, tests []expectation) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { s.HasResourceProperties(t, tc.typ, tc.props) })
	}
}

const alarmTopicArn = "arn:aws:sns:eu-west-1:123456789012:alarms"

func TestAlarms(t *testing.T) {
	s := stack(t, "Vpc")
	fn := s.LogicalID(t, "Orders/Function")
	actions := []any{alarmTopicArn}
	for _, tc := range []struct {
		name  string
		props map[string]any
	}{
		{"errors", map[string]any{"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 300, "Threshold": 1,
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": fn}}}}},
		{"throttles", map[string]any{"Namespace": "AWS/Lambda", "MetricName": "Throttles", "Statistic": "Sum", "Threshold": 1}},
		{"p99 duration at the given share of the 30 s timeout", map[string]any{"Namespace": "AWS/Lambda", "MetricName": "Duration",
			"ExtendedStatistic": "p99", "Threshold": 15000}},
		{"dead-letter messages", map[string]any{"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
			"Statistic": "Maximum", "Threshold": 1,
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, "Orders/DeadLetterQueue"), "QueueName"}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.props["AlarmActions"] = actions
			tc.props["OKActions"] = actions
			tc.props["ComparisonOperator"] = "GreaterThanOrEqualToThreshold"
			tc.props["TreatMissingData"] = "notBreaching"
			s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", tc.props)
		})
	}
	t.Run("no topic, no alarms, a warning", func(t *testing.T) {
		d := stack(t, "Defaults")
		d.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 0)
		d.HasWarning(t, "no AlarmTopic")
	})
}

func TestDefaults(t *testing.T) {
	s := stack(t, "Defaults")
	key := s.Arn(t, "Hello/Key")
	logGroup := s.Ref(t, "Hello/LogGroup")
	logGroupArn := func(suffix ...any) map[string]any {
		return map[string]any{"Fn::Join": []any{"", append([]any{"arn:aws:logs:eu-west-1:123456789012:log-group:", logGroup}, suffix...)}}
	}
	check(t, s, []expectation{
		{"pinned runtime, bootstrap handler, arm64", "AWS::Lambda::Function", map[string]any{
			"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
		}},
		{"512 MB, 30 s", "AWS::Lambda::Function", map[string]any{"MemorySize": 512, "Timeout": 30}},
		{"X-Ray active tracing", "AWS::Lambda::Function", map[string]any{"TracingConfig": map[string]any{"Mode": "Active"}}},
		{"reserved concurrency 100", "AWS::Lambda::Function", map[string]any{"ReservedConcurrentExecutions": 100}},
		{"JSON logs at INFO to its own log group", "AWS::Lambda::Function", map[string]any{
			"LoggingConfig": map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "INFO",
				"SystemLogLevel": "INFO", "LogGroup": logGroup},
		}},
		{"environment encrypted with the construct's key", "AWS::Lambda::Function", map[string]any{"KmsKeyArn": key}},
		{"dead-letter queue", "AWS::Lambda::Function", map[string]any{
			"DeadLetterConfig": map[string]any{"TargetArn": s.Arn(t, "Hello/DeadLetterQueue")}}},
		{"own role, recursive loops stopped, no environment", "AWS::Lambda::Function", map[string]any{
			"Role": s.Arn(t, "Hello/Role"), "RecursiveLoop": "Terminate", "Environment": assertions.Match_Absent(),
			"VpcConfig": assertions.Match_Absent(),
		}},
		{"async: 2 retries, 6 h maximum age", "AWS::Lambda::EventInvokeConfig", map[string]any{
			"FunctionName": s.Ref(t, "Hello/Function"), "Qualifier": "$LATEST",
			"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 21600,
		}},
		{"log group: 14 days, KMS", "AWS::Logs::LogGroup", map[string]any{
			"RetentionInDays": 14, "KmsKeyId": key, "LogGroupName": assertions.Match_Absent()}},
		{"DLQ: KMS, 14 days", "AWS::SQS::Queue", map[string]any{"KmsMasterKeyId": key, "MessageRetentionPeriod": 1209600}},
		{"DLQ policy: TLS only", "AWS::SQS::QueuePolicy", map[string]any{
			"Queues": []any{s.Ref(t, "Hello/DeadLetterQueue")},
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
				"Resource":  s.Arn(t, "Hello/DeadLetterQueue"),
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			}}, "Version": "2012-10-17"},
		}},
		{"key: rotation, account administration and CloudWatch Logs only", "AWS::KMS::Key", map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": map[string]any{"Statement": []any{
				map[string]any{"Sid": "AllowAccountAdministration", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
					"Principal": map[string]any{"AWS": assertions.Match_AnyValue()}},
				assertions.Match_ObjectLike(&map[string]any{"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Action": "kms:CreateGrant"}), // kmskey: CT.KMS.PR.3
				map[string]any{"Sid": "AllowCloudWatchLogs", "Effect": "Allow", "Resource": "*",
					"Action": []any{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
						"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"},
					"Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
					"Condition": map[string]any{"ArnLike": map[string]any{
						"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*"}}},
			}, "Version": "2012-10-17"},
		}},
		{"trust: lambda, pinned to the account with aws:SourceAccount only (no aws:SourceArn)", "AWS::IAM::Role", map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
				},
			}}, "Version": "2012-10-17"},
			"ManagedPolicyArns": assertions.Match_Absent(),
			"Policies":          assertions.Match_Absent(),
		}},
		{"role policy: explicit, Sid-named statements", "AWS::IAM::ManagedPolicy", map[string]any{
			"Roles": []any{s.Ref(t, "Hello/Role")},
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Sid": "WriteFunctionLogs", "Effect": "Allow",
					"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
					"Resource": []any{logGroupArn(":*"), logGroupArn()}},
				map[string]any{"Sid": "WriteXRayTraces", "Effect": "Allow",
					"Action": []any{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "Resource": "*"},
				map[string]any{"Sid": "UseFunctionKeyViaSqs", "Effect": "Allow",
					"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": key,
					"Condition": map[string]any{"StringEquals": map[string]any{
						"kms:ViaService":                    "sqs.eu-west-1.amazonaws.com",
						"kms:EncryptionContext:aws:sqs:arn": s.Arn(t, "Hello/DeadLetterQueue"),
					}}},
				map[string]any{"Sid": "SendToDeadLetterQueue", "Effect": "Allow",
					"Action": "sqs:SendMessage", "Resource": s.Arn(t, "Hello/DeadLetterQueue")},
			}, "Version": "2012-10-17"},
		}},
	})
	t.Run("function waits for its policy", func(t *testing.T) {
		fn := s.Resource(t, s.LogicalID(t, "Hello/Function"))
		deps, _ := fn["DependsOn"].([]any)
		want := s.LogicalID(t, "Hello/RolePolicy")
		for _, d := range deps {
			if d == want {
				return
			}
		}
		t.Errorf("function DependsOn %v, want it to include %s", deps, want)
	})
	t.Run("resource counts: one of each, no Sid-less inline policy", func(t *testing.T) {
		for typ, n := range map[string]int{
			"AWS::Lambda::Function": 1, "AWS::IAM::Role": 1, "AWS::KMS::Key": 1, "AWS::Logs::LogGroup": 1,
			"AWS::SQS::Queue": 1, "AWS::Lambda::EventInvokeConfig": 1, "AWS::IAM::Policy": 0, "AWS::EC2::SecurityGroup": 0,
			"AWS::IAM::ManagedPolicy": 2, // the role's policy and the permissions boundary
		} {
			s.ResourceCountIs(t, typ, n)
		}
	})
	t.Run("retained on delete and replacement, not after a failed first create", func(t *testing.T) {
		for _, typ := range []string{"AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SQS::Queue"} {
			for _, id := range s.Resources(typ) {
				r := s.Resource(t, id)
				if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
					t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want RetainExceptOnCreate, Retain",
						id, r["DeletionPolicy"], r["UpdateReplacePolicy"])
				}
			}
		}
	})
	t.Run("tracing and dead-letter queue on the function, nothing in a default policy", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::IAM::Policy", 0)
		fn := s.Resource(t, s.LogicalID(t, "Hello/Function"))
		if strings.Contains(toJSON(t, fn), "DefaultPolicy") {
			t.Errorf("the function refers to a default policy: %s", toJSON(t, fn["DependsOn"]))
		}
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

// TestBundle checks the asset: a linux/arm64 ELF named bootstrap, built
// locally from the test handler.
func TestBundle(t *testing.T) {
	asm := assembly(t)
	s := asm.Stack(t, "Defaults")
	fn := s.Resource(t, s.LogicalID(t, "Hello/Function"))
	code, _ := fn["Properties"].(map[string]any)["Code"].(map[string]any)
	key, _ := code["S3Key"].(string)
	hash := strings.TrimSuffix(key, ".zip")
	if len(hash) != 64 {
		t.Fatalf("Code.S3Key %q is not <asset-hash>.zip", key)
	}
	path := filepath.Join(asm.Dir, "asset."+hash, "bootstrap")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("bootstrap mode %v is not executable", fi.Mode())
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF binary: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE || f.Class != elf.ELFCLASS64 {
		t.Errorf("bootstrap is %v/%v/%v, want EM_AARCH64 ELFCLASS64 (linux/arm64)", f.Machine, f.Class, f.OSABI)
	}
	if f.Section(".symtab") != nil {
		t.Error("bootstrap has a symbol table; -ldflags=-s should strip it")
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("asset holds %d files, want only bootstrap", len(entries))
	}
	t.Run("same hash for the same handler in another stack", func(t *testing.T) {
		other := asm.Stack(t, "Custom")
		ofn := other.Resource(t, other.LogicalID(t, "Export/Function"))
		okey := ofn["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"]
		if okey != key {
			t.Errorf("Custom's asset %v, Defaults' %v: the same inputs must give the same hash", okey, key)
		}
	})
}

func TestVpc(t *testing.T) {
	s := stack(t, "Vpc")
	sg := map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, "Orders/SecurityGroup"), "GroupId"}}
	check(t, s, []expectation{
		{"private subnets, own security group", "AWS::Lambda::Function", map[string]any{
			"VpcConfig": map[string]any{
				"SubnetIds":        []any{"subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"},
				"SecurityGroupIds": []any{sg},
			},
		}},
		{"security group: only HTTPS out", "AWS::EC2::SecurityGroup", map[string]any{
			"VpcId": "vpc-0123456789abcdef0",
			"SecurityGroupEgress": []any{map[string]any{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp",
				"FromPort": 443, "ToPort": 443, "Description": "HTTPS to AWS APIs and endpoints"}},
			"SecurityGroupIngress": assertions.Match_Absent(),
		}},
		{"environment: plain values and secret ARNs only", "AWS::Lambda::Function", map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
				"TABLE_NAME":     "orders",
				"API_SECRET_ARN": apiSecretArn,
				"DB_SECRET_ARN":  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db",
			})},
		}},
		{"role policy: secrets, secret key via Secrets Manager, ENIs, caller statements", "AWS::IAM::ManagedPolicy", map[string]any{
			"Roles": []any{s.Ref(t, "Orders/Role")},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Sid": "ReadSecretApiSecretArn", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
					"Resource": apiSecretArn},
				map[string]any{"Sid": "DecryptSecretApiSecretArn", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": secretKeyArn,
					"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}},
				map[string]any{"Sid": "ReadSecretDbSecretArn", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
					"Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-??????"},
				map[string]any{"Sid": "CreateVpcNetworkInterfaces", "Effect": "Allow", "Action": "ec2:CreateNetworkInterface",
					"Resource": []any{
						"arn:aws:ec2:eu-west-1:123456789012:network-interface/*",
						"arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0aaaaaaaaaaaaaaa1",
						"arn:aws:ec2:eu-west-1:123456789012:subnet/subnet-0bbbbbbbbbbbbbbb2",
						map[string]any{"Fn::Join": []any{"", []any{"arn:aws:ec2:eu-west-1:123456789012:security-group/", sg}}},
					}},
				map[string]any{"Sid": "ManageVpcNetworkInterfaces", "Effect": "Allow",
					"Resource": "arn:aws:ec2:eu-west-1:123456789012:network-interface/*", "Action": []any{
						"ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"},
					"Condition": map[string]any{"ArnEquals": map[string]any{
						"ec2:Vpc": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0123456789abcdef0"}}},
				map[string]any{"Sid": "DescribeVpcNetwork", "Effect": "Allow", "Resource": "*",
					"Action": []any{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}},
				map[string]any{"Sid": "ReadWriteOrders", "Effect": "Allow", "Action": []any{"dynamodb:GetItem", "dynamodb:PutItem"},
					"Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"},
				map[string]any{"Sid": "QueryOrders", "Effect": "Allow", "Action": "dynamodb:Query",
					"Resource": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"},
			})},
		}},
	})
	t.Run("AllowAllOutbound: any egress, chosen subnet, and a warning", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::EC2::SecurityGroup", map[string]any{
			"GroupDescription": "Lambda function Vpc/Open",
			"SecurityGroupEgress": []any{map[string]any{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1",
				"Description": "Allow all outbound traffic by default"}},
		})
		s.HasResourceProperties(t, "AWS::Lambda::Function", map[string]any{
			"Runtime":   "nodejs24.x",
			"VpcConfig": assertions.Match_ObjectLike(&map[string]any{"SubnetIds": []any{"subnet-0aaaaaaaaaaaaaaa1"}}),
		})
		wantWarning(t, s, "/Vpc/Open", "AllowAllOutbound lets the function connect anywhere")
	})
	t.Run("no NIST LambdaInsideVPC suppression in a VPC", func(t *testing.T) {
		meta, _ := s.Resource(t, s.LogicalID(t, "Orders/Function"))["Metadata"].(map[string]any)
		if strings.Contains(toJSON(t, meta), "LambdaInsideVPC") {
			t.Error("the function in a VPC carries a LambdaInsideVPC suppression")
		}
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

func TestCustomProps(t *testing.T) {
	s := stack(t, "Custom")
	key := s.Arn(t, "SharedKey")
	check(t, s, []expectation{
		{"name, description, sizes", "AWS::Lambda::Function", map[string]any{
			"FunctionName": "groundwork-export", "Description": "Nightly export",
			"MemorySize": 1024, "Timeout": 600, "ReservedConcurrentExecutions": 5, "KmsKeyArn": key,
			"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{"ApplicationLogLevel": "WARN", "SystemLogLevel": "WARN"}),
		}},
		{"trust pinned to the account even for a named function", "AWS::IAM::Role", map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
				}})}, "Version": "2012-10-17"}}},
		{"no retries, 1 h", "AWS::Lambda::EventInvokeConfig", map[string]any{
			"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 3600}},
		{"named log group, one month, given key", "AWS::Logs::LogGroup", map[string]any{
			"LogGroupName": "/groundwork/test/export", "RetentionInDays": 30, "KmsKeyId": key}},
		{"given key admits CloudWatch Logs for exactly that log group", "AWS::KMS::Key", map[string]any{
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "AllowCloudWatchLogsForExport",
				"Condition": map[string]any{"ArnLike": map[string]any{
					"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/groundwork/test/export"}},
			})})},
		}},
	})
	t.Run("no key of its own", func(t *testing.T) { s.ResourceCountIs(t, "AWS::KMS::Key", 1) })
	t.Run("destroyed with the stack", func(t *testing.T) {
		for _, typ := range []string{"AWS::Logs::LogGroup", "AWS::SQS::Queue"} {
			s.HasResource(t, typ, map[string]any{"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"})
		}
	})
	t.Run("warning for the long timeout", func(t *testing.T) { wantWarning(t, s, "/Custom/Export", "the nightly export scans") })
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

func TestOtherRuntime(t *testing.T) {
	s := stack(t, "Node")
	check(t, s, []expectation{
		{"nodejs24.x with the given handler and code", "AWS::Lambda::Function", map[string]any{
			"Runtime": "nodejs24.x", "Handler": "index.handler", "Architectures": []any{"arm64"},
			"Code":      map[string]any{"ZipFile": assertions.Match_StringLikeRegexp(jsii.String("statusCode"))},
			"KmsKeyArn": secretKeyArn,
		}},
	})
	t.Run("warning for the imported key", func(t *testing.T) { wantWarning(t, s, "/Node/Webhook", "EncryptionKey is imported") })
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

// TestSecurityInvariants runs Groundwork's template audit over every
// scenario (with the tags and boundary the platform stacks add).
func TestSecurityInvariants(t *testing.T) {
	asm := assembly(t)
	for name, retain := range map[string]bool{"Defaults": true, "Vpc": true, "Custom": false, "Node": true,
		"Construct": true, "Agnostic": true} {
		t.Run(name, func(t *testing.T) {
			s := asm.Stack(t, name)
			for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: retain}) {
				t.Error(f)
			}
		})
	}
}

// TestSuppressions lists every cdk-nag suppression the construct makes, so
// that a new one is a deliberate change.
func TestSuppressions(t *testing.T) {
	asm := assembly(t)
	want := map[string][]string{
		"Defaults": {"Hello/DeadLetterQueue:Serverless-SQSRedrivePolicy", "Hello/Function/EventInvokeConfig:Serverless-LambdaAsyncFailureDestination",
			"Hello/Function:NIST.800.53.R5-LambdaInsideVPC", "Hello/RolePolicy:AwsSolutions-IAM5"},
		"Vpc": {"Orders/DeadLetterQueue:Serverless-SQSRedrivePolicy", "Orders/Function/EventInvokeConfig:Serverless-LambdaAsyncFailureDestination",
			"Orders/RolePolicy:AwsSolutions-IAM5",
			"Open/DeadLetterQueue:Serverless-SQSRedrivePolicy",
			"Open/Function/EventInvokeConfig:Serverless-LambdaAsyncFailureDestination", "Open/RolePolicy:AwsSolutions-IAM5"},
	}
	for name, rules := range want {
		t.Run(name, func(t *testing.T) {
			s := asm.Stack(t, name)
			got := suppressions(t, s)
			for _, r := range rules {
				if !got[r] {
					t.Errorf("missing suppression %s", r)
				}
				delete(got, r)
			}
			for r := range got {
				if !strings.HasPrefix(r, "PermissionsBoundary:") {
					t.Errorf("unexpected suppression %s", r)
				}
			}
		})
	}
}

// suppressions maps "<construct path>:<rule>" for every suppression in s.
func suppressions(t *testing.T, s *testkit.Stack) map[string]bool {
	t.Helper()
	byID := map[string]string{}
	for path, id := range s.LogicalIDs {
		p := strings.TrimPrefix(path, "/"+s.Name+"/")
		byID[id] = strings.TrimSuffix(p, "/Resource")
	}
	out := map[string]bool{}
	res, _ := s.Template["Resources"].(map[string]any)
	for id, r := range res {
		meta, _ := r.(map[string]any)["Metadata"].(map[string]any)
		cn, _ := meta["cdk_nag"].(map[string]any)
		rules, _ := cn["rules_to_suppress"].([]any)
		for _, rule := range rules {
			rm, _ := rule.(map[string]any)
			reason, _ := rm["reason"].(string)
			if len(reason) < 40 {
				t.Errorf("%s: suppression of %v has a thin reason %q", id, rm["id"], reason)
			}
			out[byID[id]+":"+rm["id"].(string)] = true
		}
	}
	return out
}

func wantWarning(t *testing.T, s *testkit.Stack, pathPrefix, text string) {
	t.Helper()
	for _, m := range s.Messages {
		if m.Level == "warning" && strings.HasPrefix(m.Path, pathPrefix) && strings.Contains(m.Text, text) {
			return
		}
	}
	t.Errorf("no warning on %s containing %q; messages: %v", pathPrefix, text, s.Messages)
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBoundaryCoversEveryGrant checks that every action the roles are granted
// is inside Groundwork's permissions boundary, which would otherwise deny it
// at run time, silently.
func TestBoundaryCoversEveryGrant(t *testing.T) {
	allowed := map[string]bool{}
	for _, a := range ceiling.All() {
		allowed[a] = true
	}
	asm := assembly(t)
	for _, name := range asm.Names() {
		s := asm.Stack(t, name)
		boundaryID := s.LogicalID(t, "PermissionsBoundary")
		for _, id := range s.Resources("AWS::IAM::ManagedPolicy") {
			if id == boundaryID {
				continue
			}
			doc := s.Resource(t, id)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
			for _, st := range doc["Statement"].([]any) {
				var actions []any
				switch a := st.(map[string]any)["Action"].(type) {
				case string:
					actions = []any{a}
				case []any:
					actions = a
				}
				for _, a := range actions {
					if !allowed[a.(string)] {
						t.Errorf("%s/%s grants %v, which the permissions boundary does not allow", name, id, a)
					}
				}
			}
		}
	}
}
