package stacks_test

import (
	"debug/elf"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/internal/cost"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// synth builds every environment once for the whole package.
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewValidatedApp(nil)
	stacks.Build(app, stacks.Defaults(), stacks.Options{NagReports: true})
	return app
})

func assembly(t *testing.T) *testkit.Assembly { return synth.Assembly(t) }

// parts are the stacks every environment has.
var parts = []string{"Baseline", "Storage", "Network", "Data", "Api", "Events", "Service", "Observability"}

// forEachStack runs fn for every stack of every environment.
func forEachStack(t *testing.T, fn func(t *testing.T, cfg stacks.Config, s *testkit.Stack)) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		for _, part := range parts {
			name := cfg.StackName(part)
			t.Run(name, func(t *testing.T) { fn(t, cfg, asm.Stack(t, name)) })
		}
	}
}

// TestSchemaValidationIsOn shows that the Apps of this package that make the
// deployed templates run CDK's CloudFormation validation (resource schemas and
// CDK's default rules) as `cdk synth` does, even under make test's
// CDK_VALIDATION=false: the synthesis of every environment reports the
// validator's success, and a property the resource schema does not have fails
// synthesis.
func TestSchemaValidationIsOn(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(assembly(t).Dir, "validation-report.json"))
	if err != nil {
		t.Fatalf("the synthesis of every environment wrote no validation report: %v", err)
	}
	var report struct {
		PluginReports []struct{ PluginName, Conclusion string }
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	ran := false
	for _, p := range report.PluginReports {
		if p.PluginName == "CloudFormation Validate" {
			ran = true
			if p.Conclusion != "success" {
				t.Errorf("CloudFormation Validate concluded %q", p.Conclusion)
			}
		}
	}
	if !ran {
		t.Errorf("the CloudFormation validator did not run on every environment: plugins %+v", report.PluginReports)
	}

	app := testkit.NewValidatedApp(nil)
	bucket := awss3.NewCfnBucket(testkit.NewStack(app, "Schema"), jsii.String("Bucket"), nil)
	bucket.AddPropertyOverride(jsii.String("NoSuchProperty"), jsii.Bool(true))
	if _, err := testkit.Synth(app); err == nil || !strings.Contains(err.Error(), "NoSuchProperty") {
		t.Fatalf("synthesis of a bucket with an unknown property: err = %v, want a schema violation naming NoSuchProperty", err)
	}
}

func TestStackNames(t *testing.T) {
	var want []string
	for _, cfg := range stacks.Defaults() {
		for _, part := range parts {
			want = append(want, cfg.StackName(part))
		}
	}
	sort.Strings(want)
	if got := assembly(t).Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stacks %v, want %v", got, want)
	}
}

func TestNagClean(t *testing.T) {
	forEachStack(t, func(t *testing.T, _ stacks.Config, s *testkit.Stack) { testkit.RequireNagClean(t, s) })
}

// TestSecurityInvariants runs the invariant audit, security and deploy-safety
// rules alike, over every template of every environment.
func TestSecurityInvariants(t *testing.T) {
	forEachStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: cfg.RetainData, Account: cfg.Account}) {
			t.Error(f)
		}
	})
}

// TestConfigChangeReplacesNoNamedResource synthesizes every environment again
// with every setting a deployer overrides changed (owner, alarm addresses,
// budget, JWT issuer and audience, image, certificate) and checks that the
// update replaces no resource that keeps a fixed name: CloudFormation would
// create the replacement first and fail with "already exists".
func TestConfigChangeReplacesNoNamedResource(t *testing.T) {
	before := assembly(t)
	configs := stacks.Defaults()
	for i := range configs {
		c := &configs[i]
		c.Owner = "new-owner@example.com"
		c.AlarmEmails = []string{"oncall@example.com", "new-owner@example.com"}
		c.MonthlyBudgetUSD *= 2
		c.Api.JwtIssuer = "https://issuer.example.com/" + c.Name
		c.Api.JwtAudience = []string{"client-" + c.Name}
		c.Service.Image = c.Account + ".dkr.ecr." + c.Region + ".amazonaws.com/api:2.0.0"
		c.Service.CertificateArn = "arn:aws:acm:" + c.Region + ":" + c.Account + ":certificate/11111111-1111-1111-1111-111111111111"
	}
	// Not validated again (testkit.NewApp): the same resources as the
	// validated synthesis, with other values.
	app := testkit.NewApp(nil)
	stacks.Build(app, configs, stacks.OptionsWithoutNag())
	after, err := testkit.Synth(app)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, name := range before.Names() {
		old, next := before.Stack(t, name), after.Stack(t, name)
		if string(old.JSON) != string(next.JSON) {
			changed++
		}
		for _, f := range audit.CheckUpdate(name, old.Template, next.Template) {
			t.Error(f)
		}
	}
	if changed == 0 {
		t.Fatal("the changed settings changed no template; the test compares nothing")
	}
}

func TestGoldenTemplates(t *testing.T) {
	forEachStack(t, func(t *testing.T, _ stacks.Config, s *testkit.Stack) {
		testkit.Golden(t, s.Name+".template.json", testkit.Normalize(s.Template))
	})
}

// grantedActions lists the Allow actions of identity policies, except the
// boundary itself.
func grantedActions(s *testkit.Stack, boundaryID string) []string {
	var out []string
	resources, _ := s.Template["Resources"].(map[string]any)
	collect := func(doc any) {
		d, _ := doc.(map[string]any)
		st, _ := d["Statement"].([]any)
		for _, e := range st {
			m, _ := e.(map[string]any)
			if m["Effect"] != "Allow" {
				continue
			}
			switch a := m["Action"].(type) {
			case string:
				out = append(out, a)
			case []any:
				for _, x := range a {
					out = append(out, fmt.Sprint(x))
				}
			}
		}
	}
	for id, r := range resources {
		res, _ := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			if id != boundaryID {
				collect(props["PolicyDocument"])
			}
		case "AWS::IAM::Role":
			pols, _ := props["Policies"].([]any)
			for _, p := range pols {
				pm, _ := p.(map[string]any)
				collect(pm["PolicyDocument"])
			}
		}
	}
	return out
}

func TestEnvironmentSettings(t *testing.T) {
	forEachStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		if s.TerminationProtection != cfg.TerminationProtection {
			t.Errorf("termination protection %v, want %v", s.TerminationProtection, cfg.TerminationProtection)
		}
		// Outside dev: kept on delete and replacement, deleted when a failed
		// first create rolls back (so the deploy can be retried).
		wantDelete, wantReplace := "Delete", "Delete"
		if cfg.RetainData {
			wantDelete, wantReplace = "RetainExceptOnCreate", "Retain"
		}
		stateful := 0
		for _, typ := range []string{"AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::DynamoDB::Table",
			"AWS::SecretsManager::Secret", "AWS::SQS::Queue"} {
			for _, id := range s.Resources(typ) {
				stateful++
				r := s.Resource(t, id)
				if r["DeletionPolicy"] != wantDelete || r["UpdateReplacePolicy"] != wantReplace {
					t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v, want %s and %s", id, r["DeletionPolicy"], r["UpdateReplacePolicy"], wantDelete, wantReplace)
				}
			}
		}
		if stateful == 0 {
			t.Error("no stateful resource")
		}
		tagged := 0
		for _, id := range s.Resources("") {
			props, _ := s.Resource(t, id)["Properties"].(map[string]any)
			tags := tagValues(props["Tags"])
			if tags == nil {
				continue
			}
			tagged++
			if tags["Environment"] != cfg.Name || tags["Owner"] != cfg.Owner || tags["Project"] != stacks.Project {
				t.Errorf("%s: tags %v, want Environment=%s Owner=%s Project=%s", id, tags, cfg.Name, cfg.Owner, stacks.Project)
			}
		}
		if tagged == 0 {
			t.Error("no tagged resource")
		}
	})
}

func TestStorageStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Storage"))
		t.Run(s.Name, func(t *testing.T) {
			s.ResourceCountIs(t, "AWS::S3::Bucket", 2) // invoices + its access logs
			s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
				"LoggingConfiguration": map[string]any{
					"DestinationBucketName": s.Ref(t, "Invoices/AccessLogs"),
					"LogFilePrefix":         "Invoices/",
				},
			})
			s.HasResourceProperties(t, "AWS::SSM::Parameter", map[string]any{
				"Name": "/groundwork/" + cfg.Name + "/storage/invoices/bucket-name", "Type": "String",
				"Value": s.Ref(t, "Invoices/Bucket")})
			s.HasResourceProperties(t, "AWS::SSM::Parameter", map[string]any{
				"Name": "/groundwork/" + cfg.Name + "/storage/invoices/key-arn", "Type": "String",
				"Value": s.Arn(t, "Invoices/Key")})
		})
	}
}

// tagValues reads CloudFormation tags in list or map form; nil if absent.
func tagValues(v any) map[string]string {
	out := map[string]string{}
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			m, _ := e.(map[string]any)
			out[fmt.Sprint(m["Key"])] = fmt.Sprint(m["Value"])
		}
	case map[string]any:
		for k, v := range t {
			out[k] = fmt.Sprint(v)
		}
	default:
		return nil
	}
	return out
}

func TestNetworkStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Network"))
		t.Run(s.Name, func(t *testing.T) {
			azs := len(cfg.AvailabilityZones)
			s.ResourceCountIs(t, "AWS::EC2::Subnet", 3*azs)
			s.ResourceCountIs(t, "AWS::EC2::NatGateway", cfg.NatGateways)
			s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", cfg.NatGateways) // port allocation, one per NAT
			interfaces := 0
			for _, id := range s.Resources("AWS::EC2::VPCEndpoint") {
				props, _ := s.Resource(t, id)["Properties"].(map[string]any)
				if props["VpcEndpointType"] == "Interface" {
					interfaces++
				}
			}
			want := 0
			if cfg.InterfaceEndpoints {
				want = 5 // ecr.api, ecr.dkr, secretsmanager, logs, sts
			}
			if interfaces != want {
				t.Errorf("%d interface endpoints, want %d", interfaces, want)
			}
			s.HasResourceProperties(t, "AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.0/16"})
			s.HasResourceProperties(t, "AWS::SSM::Parameter", map[string]any{
				"Name": "/groundwork/" + cfg.Name + "/network/vpc-id", "Type": "String", "Value": s.Ref(t, "Vpc/Vpc")})
			for _, tier := range []string{"Public", "Private", "Isolated"} {
				var ids []any
				for i := range cfg.AvailabilityZones {
					ids = append(ids, s.Ref(t, fmt.Sprintf("Vpc/Vpc/%sSubnet%d/Subnet", tier, i+1)))
				}
				s.HasResourceProperties(t, "AWS::SSM::Parameter", map[string]any{
					"Name": "/groundwork/" + cfg.Name + "/network/" + strings.ToLower(tier) + "-subnet-ids", "Type": "String",
					"Value": map[string]any{"Fn::Join": []any{",", ids}}})
			}
		})
	}
}

func TestObservabilityStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Observability"))
		t.Run(s.Name, func(t *testing.T) {
			s.HasResourceProperties(t, "AWS::SNS::Topic", map[string]any{
				"TopicName":      cfg.AlarmTopicName(),
				"KmsMasterKeyId": s.Arn(t, "AlarmTopicKey"),
			})
			s.HasResourceProperties(t, "AWS::SNS::TopicPolicy", map[string]any{
				"PolicyDocument": map[string]any{"Statement": []any{
					assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowCloudWatchAlarms", "Action": "sns:Publish",
						"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
						"Condition": map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account},
							"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:" + cfg.Region + ":" + cfg.Account + ":alarm:*"},
						}}),
					assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowBudgets", "Action": "sns:Publish",
						"Principal": map[string]any{"Service": "budgets.amazonaws.com"}}),
					assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowEventBridgeAlerts", "Action": "sns:Publish",
						"Principal": map[string]any{"Service": "events.amazonaws.com"},
						"Condition": map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account},
							"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:events:" + cfg.Region + ":" + cfg.Account + ":rule/groundwork-" + cfg.Name + "-alert-*"},
						}}),
					assertions.Match_ObjectLike(&map[string]any{"Sid": "DenyInsecureTransport", "Effect": "Deny",
						"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
				}, "Version": "2012-10-17"},
			})
			s.HasResourceProperties(t, "AWS::SNS::Subscription", map[string]any{
				"Protocol": "email", "Endpoint": cfg.Owner,
				"RedrivePolicy": map[string]any{"deadLetterTargetArn": s.Arn(t, "AlarmDeliveryDLQ")},
			})
			s.HasResourceProperties(t, "AWS::SQS::Queue", map[string]any{
				"RedriveAllowPolicy":     map[string]any{"redrivePermission": "allowAll"}, // a DLQ (CT.SQS.PR.1)
				"MessageRetentionPeriod": 1209600,
			})
			budget := map[string]any{
				"Budget": assertions.Match_ObjectLike(&map[string]any{
					"BudgetName": assertions.Match_Absent(), // replace-only notifications: no fixed name
					"BudgetType": "COST", "TimeUnit": "MONTHLY",
					"BudgetLimit": map[string]any{"Amount": cfg.MonthlyBudgetUSD, "Unit": "USD"},
					"CostFilters": map[string]any{"TagKeyValue": []any{"user:Environment$" + cfg.Name}},
				}),
				"NotificationsWithSubscribers": []any{
					map[string]any{
						"Notification": map[string]any{"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80, "ThresholdType": "PERCENTAGE"},
						"Subscribers": []any{
							map[string]any{"SubscriptionType": "SNS", "Address": s.Ref(t, "AlarmTopic")},
							map[string]any{"SubscriptionType": "EMAIL", "Address": cfg.Owner},
						},
					},
					assertions.Match_ObjectLike(&map[string]any{
						"Notification": map[string]any{"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 100, "ThresholdType": "PERCENTAGE"},
					}),
				},
			}
			s.HasResourceProperties(t, "AWS::Budgets::Budget", budget)
			s.ResourceCountIs(t, "AWS::CloudWatch::Dashboard", 1)
			s.HasResourceProperties(t, "AWS::CloudWatch::Dashboard", map[string]any{"DashboardName": "groundwork-" + cfg.Name})
			body, _ := json.Marshal(s.Resource(t, s.LogicalID(t, "Dashboard"))["Properties"])
			for _, row := range []string{"## Api: orders API", "## Service: api-service on Fargate", "## Network: NAT gateways", "## Storage: invoices bucket"} {
				if !strings.Contains(string(body), row) {
					t.Errorf("dashboard has no row %q", row)
				}
			}
		})
	}
}

// TestAlarmsWiredToTopic checks that every alarm of every stack notifies the
// environment's topic when it fires and when it recovers.
func TestAlarmsWiredToTopic(t *testing.T) {
	forEachStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		for _, id := range s.Resources("AWS::CloudWatch::Alarm") {
			props, _ := s.Resource(t, id)["Properties"].(map[string]any)
			for _, key := range []string{"AlarmActions", "OKActions"} {
				actions, _ := props[key].([]any)
				if len(actions) != 1 || actions[0] != cfg.AlarmTopicArn() {
					t.Errorf("%s: %s = %v, want [%s]", id, key, actions, cfg.AlarmTopicArn())
				}
			}
		}
	})
}

func TestApiStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Api"))
		t.Run(s.Name, func(t *testing.T) {
			table := s.LogicalID(t, "Orders")
			t.Run("function", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::Lambda::Function", map[string]any{
					"Runtime": "provided.al2023", "Handler": "bootstrap", "Architectures": []any{"arm64"},
					"MemorySize": 512, "Timeout": 30, "TracingConfig": map[string]any{"Mode": "Active"},
					"ReservedConcurrentExecutions": cfg.Api.ReservedConcurrency,
					"Environment": map[string]any{"Variables": map[string]any{
						"TABLE_NAME": map[string]any{"Ref": table}, "API_SECRET_ARN": map[string]any{"Ref": s.LogicalID(t, "ApiSecret")},
					}},
					"VpcConfig": assertions.Match_ObjectLike(&map[string]any{
						"SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, "ProcessOrder/SecurityGroup"), "GroupId"}}},
						"SubnetIds":        privateSubnetRefs(cfg),
					}),
				})
			})
			t.Run("the role's only DynamoDB actions are the two the handler calls", func(t *testing.T) {
				var dynamo []string
				for _, act := range grantedActions(s, s.LogicalID(t, "PermissionsBoundary")) {
					if strings.HasPrefix(act, "dynamodb:") {
						dynamo = append(dynamo, act)
					}
				}
				sort.Strings(dynamo)
				if strings.Join(dynamo, ",") != "dynamodb:GetItem,dynamodb:PutItem" {
					t.Errorf("DynamoDB actions granted: %v, want exactly GetItem and PutItem", dynamo)
				}
			})
			t.Run("the role may use exactly the table actions the handler calls", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						// grant.TableActions: Sids name the actions and the table's unique id.
						map[string]any{"Sid": assertions.Match_StringLikeRegexp(jsii.String("^TableGetItemPutItem")), "Effect": "Allow",
							"Action": []any{"dynamodb:GetItem", "dynamodb:PutItem"}, "Resource": s.Arn(t, "Orders")},
						map[string]any{"Sid": assertions.Match_StringLikeRegexp(jsii.String("^TableKey")), "Effect": "Allow",
							"Action": "kms:Decrypt", "Resource": s.Arn(t, "OrdersKey"),
							"Condition": map[string]any{"StringEquals": map[string]any{
								"kms:ViaService": "dynamodb." + cfg.Region + ".amazonaws.com",
								"kms:EncryptionContext:aws:dynamodb:tableName": map[string]any{"Ref": table}}}},
					})},
				})
			})
			t.Run("orders table", func(t *testing.T) {
				wantDelete, wantReplace := "Delete", "Delete"
				if cfg.RetainData {
					wantDelete, wantReplace = "RetainExceptOnCreate", "Retain"
				}
				s.HasResource(t, "AWS::DynamoDB::Table", map[string]any{
					"Properties": map[string]any{
						"BillingMode":                      "PAY_PER_REQUEST",
						"KeySchema":                        []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
						"AttributeDefinitions":             []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
						"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
						"SSESpecification": map[string]any{"SSEEnabled": true, "SSEType": "KMS",
							"KMSMasterKeyId": s.Arn(t, "OrdersKey")},
						"DeletionProtectionEnabled": cfg.TerminationProtection,
						"Tags":                      assertions.Match_AnyValue(),
					},
					"DeletionPolicy": wantDelete, "UpdateReplacePolicy": wantReplace,
				})
			})
			t.Run("HTTP API: two routes, both behind the JWT authorizer", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::ApiGatewayV2::Api", map[string]any{"ProtocolType": "HTTP"})
				s.HasResourceProperties(t, "AWS::ApiGatewayV2::Authorizer", map[string]any{
					"AuthorizerType": "JWT", "IdentitySource": []any{"$request.header.Authorization"},
					"JwtConfiguration": map[string]any{"Issuer": cfg.Api.JwtIssuer, "Audience": []any{cfg.Api.JwtAudience[0]}},
				})
				s.ResourceCountIs(t, "AWS::ApiGatewayV2::Route", 2)
				for _, route := range []string{"POST /orders", "GET /orders/{id}"} {
					s.HasResourceProperties(t, "AWS::ApiGatewayV2::Route", map[string]any{
						"RouteKey": route, "AuthorizationType": "JWT",
						"AuthorizerId": map[string]any{"Ref": s.LogicalID(t, "HttpApi/Jwt")},
					})
				}
			})
			t.Run("stage: throttling and JSON access logs to an encrypted group", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::ApiGatewayV2::Stage", map[string]any{
					"StageName": "$default", "AutoDeploy": true,
					"DefaultRouteSettings": map[string]any{
						"ThrottlingRateLimit": cfg.Api.ThrottleRate, "ThrottlingBurstLimit": cfg.Api.ThrottleBurst},
					"AccessLogSettings": map[string]any{
						"DestinationArn": s.Arn(t, "ApiAccessLogs"),
						"Format":         assertions.Match_StringLikeRegexp(jsii.String(`"requestId":"\$context.requestId"`)),
					},
				})
				s.HasResourceProperties(t, "AWS::Logs::LogGroup", map[string]any{
					"KmsKeyId": s.Arn(t, "ApiAccessLogsKey"), "RetentionInDays": 365})
			})
			t.Run("secret generated by Secrets Manager, encrypted with its own key", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::SecretsManager::Secret", map[string]any{
					"KmsKeyId":             s.Arn(t, "ApiSecretKey"),
					"GenerateSecretString": map[string]any{"PasswordLength": 64, "ExcludePunctuation": true},
				})
			})
			t.Run("alarms: API 5xx and latency, table throttles, and the function's four", func(t *testing.T) {
				s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 3+4)
				s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
					"Namespace": "AWS/ApiGateway", "MetricName": "5xx", "Threshold": stacks.Api5xxThreshold})
				s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
					"Namespace": "AWS/ApiGateway", "MetricName": "Latency", "ExtendedStatistic": "p99",
					"Threshold": stacks.ApiLatencyP99Millis})
				s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
					"Metrics":   assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Expression": "reads + writes"})}),
					"Threshold": stacks.OrdersThrottleThreshold})
			})
		})
	}
}

// TestApiBundle checks that the cloud assembly holds the handler built for
// Lambda: a linux/arm64 executable named bootstrap.
func TestApiBundle(t *testing.T) {
	asm := assembly(t)
	s := asm.Stack(t, "Groundwork-Prod-Api")
	props, _ := s.Resource(t, s.LogicalID(t, "ProcessOrder/Function"))["Properties"].(map[string]any)
	code, _ := props["Code"].(map[string]any)
	key, _ := code["S3Key"].(string) // "<asset hash>.zip", staged as asset.<asset hash>/
	if !strings.HasSuffix(key, ".zip") {
		t.Fatalf("function code is not a zip asset: %v", code)
	}
	f, err := elf.Open(filepath.Join(asm.Dir, "asset."+strings.TrimSuffix(key, ".zip"), "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC || f.OSABI != elf.ELFOSABI_NONE {
		t.Errorf("bootstrap is %v %v %v, want an arm64 Linux executable", f.Machine, f.Type, f.OSABI)
	}
}

func TestPlaceholdersWarned(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		for part, fields := range map[string][]string{
			"Storage": {"Account"}, "Api": {"Api.JwtIssuer", "Api.JwtAudience"},
			"Service": {"Service.Image", "Service.CertificateArn"},
		} {
			s := asm.Stack(t, cfg.StackName(part))
			for _, f := range fields {
				s.HasWarning(t, cfg.Name+": "+f+" is a placeholder")
			}
		}
	}
}

func TestServiceStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Service"))
		t.Run(s.Name, func(t *testing.T) {
			// An autoscaled service carries no DesiredCount (each deploy would
			// reset the running count); the scalable target's minimum is the floor.
			s.HasResourceProperties(t, "AWS::ECS::Service", map[string]any{
				"DesiredCount": assertions.Match_Absent(), "LaunchType": "FARGATE", "PlatformVersion": "1.4.0",
				"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": assertions.Match_ObjectLike(&map[string]any{
					"AssignPublicIp": "DISABLED"})},
			})
			s.HasResourceProperties(t, "AWS::ApplicationAutoScaling::ScalableTarget", map[string]any{
				"MinCapacity": cfg.Service.DesiredCount, "MaxCapacity": cfg.Service.MaxCount})
			s.HasResourceProperties(t, "AWS::ECS::TaskDefinition", map[string]any{
				"ContainerDefinitions": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"Image":                  assertions.Match_AnyValue(),
					"Secrets":                assertions.Match_AnyValue(),
					"ReadonlyRootFilesystem": true,
				})}),
			})
			s.HasResourceProperties(t, "AWS::ElasticLoadBalancingV2::Listener", map[string]any{
				"Protocol": "HTTPS", "Port": 443, "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
				"Certificates": []any{map[string]any{"CertificateArn": cfg.Service.CertificateArn}},
			})
			s.HasResourceProperties(t, "AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{
				"Scheme": "internet-facing",
				"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Key": "deletion_protection.enabled", "Value": fmt.Sprint(cfg.TerminationProtection)},
				}),
			})
			// The service's six and its web ACL's blocked-requests alarm.
			s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 7)
			s.HasResourceProperties(t, "AWS::SSM::Parameter", map[string]any{
				"Name": "/groundwork/" + cfg.Name + "/service/load-balancer-dns", "Type": "String"})
		})
	}
}

// privateSubnetRefs are the weak cross-stack references (Fn::GetStackOutput)
// to the Network stack's private subnets, as a consumer stack renders them.
func privateSubnetRefs(cfg stacks.Config) any {
	var refs []any
	for range cfg.AvailabilityZones {
		refs = append(refs, map[string]any{"Fn::GetStackOutput": map[string]any{
			"StackName":  cfg.StackName("Network"),
			"OutputName": assertions.Match_StringLikeRegexp(jsii.String("PrivateSubnet")),
		}})
	}
	return refs
}

// TestBudgetAboveFixedCost keeps each environment's budget meaningful: the
// fixed cost alone must stay under the 80 % notification, or the alert fires
// every month and teaches people to ignore it.
func TestBudgetAboveFixedCost(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		var fixed float64
		for _, part := range parts {
			s := asm.Stack(t, cfg.StackName(part))
			fixed += cost.Estimate(s.Name, cfg.Region, s.Template).Total
		}
		if limit := 0.8 * float64(cfg.MonthlyBudgetUSD); fixed >= limit {
			t.Errorf("%s: fixed cost $%.2f/month reaches 80 %% of the $%d budget; raise MonthlyBudgetUSD", cfg.Name, fixed, cfg.MonthlyBudgetUSD)
		}
	}
}

// TestEverySuppressionIsUsed keeps the suppressions honest: each one that a
// construct declares must silence a finding that cdk-nag actually reports, or
// it is stale and only hides the next real finding.
func TestEverySuppressionIsUsed(t *testing.T) {
	asm := assembly(t)
	files, err := filepath.Glob(filepath.Join(asm.Dir, "*-NagReport.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no nag reports in %s: %v", asm.Dir, err)
	}
	used := map[string]bool{} // "<rule> <construct path>"
	for _, f := range files {
		file, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		// Rule ID, Resource ID, Compliance, Exception Reason, Rule Level, Rule Info
		rows, err := csv.NewReader(file).ReadAll()
		file.Close()
		if err != nil || len(rows) == 0 || strings.Join(rows[0][:4], ",") != "Rule ID,Resource ID,Compliance,Exception Reason" {
			t.Fatalf("%s: not a cdk-nag CSV report (%v)", f, err)
		}
		for _, row := range rows[1:] {
			rule, resource, compliance, reason := row[0], row[1], row[2], row[3]
			if compliance == "Suppressed" {
				used[rule+" /"+resource] = true
				// A granular finding is reported as "[Resource::*] <reason>".
				if finding, _, ok := strings.Cut(strings.TrimPrefix(reason, "["), "] "); ok && strings.HasPrefix(reason, "[") {
					used[rule+"["+finding+"] /"+resource] = true
				}
			}
		}
	}
	forEachStack(t, func(t *testing.T, _ stacks.Config, s *testkit.Stack) {
		paths := map[string]string{}
		for path, id := range s.LogicalIDs {
			paths[id] = path
		}
		for _, id := range s.Resources("") {
			meta, _ := s.Resource(t, id)["Metadata"].(map[string]any)
			nagMeta, _ := meta["cdk_nag"].(map[string]any)
			rules, _ := nagMeta["rules_to_suppress"].([]any)
			for _, r := range rules {
				rule, _ := r.(map[string]any)["id"].(string)
				appliesTo, _ := r.(map[string]any)["applies_to"].([]any)
				if len(appliesTo) == 0 {
					if !used[rule+" "+paths[id]] {
						t.Errorf("%s (%s) suppresses %s, which cdk-nag does not report there: remove the suppression", id, paths[id], rule)
					}
					continue
				}
				for _, a := range appliesTo {
					finding, ok := a.(string)
					if !ok {
						continue // a regex; matched findings vary
					}
					if !used[rule+"["+finding+"] "+paths[id]] {
						t.Errorf("%s (%s) suppresses %s for %s, which cdk-nag does not report there: remove that entry", id, paths[id], rule, finding)
					}
				}
			}
		}
	})
}
