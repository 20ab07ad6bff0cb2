package threetiervpc_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

var threeAZs = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}

// One App, one synth for the whole package: each scenario is its own stack.
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	// Defaults, plus the security-group helpers for a classic ALB -> app -> database chain.
	st := testkit.NewStack(app, "Defaults")
	topic := awssns.Topic_FromTopicArn(st, jsii.String("Alarms"), jsii.String("arn:aws:sns:eu-west-1:123456789012:alarms"))
	v := threetiervpc.New(st, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs, AlarmTopic: topic})
	alb := v.NewSecurityGroup(st, "Alb", threetiervpc.RoleALB)
	svc := v.NewSecurityGroup(st, "App", threetiervpc.RoleApp)
	db := v.NewSecurityGroup(st, "Db", threetiervpc.RoleDatabase)
	v.AllowInternet(alb, 443)
	v.AllowInternet(alb, 80)
	v.AllowFrom(svc, alb, 8080, "")
	v.AllowFrom(db, svc, 5432, "PostgreSQL from the app")

	threetiervpc.New(testkit.NewStack(app, "Endpoints"), "Network", &threetiervpc.Props{
		AvailabilityZones:  threeAZs,
		InterfaceEndpoints: threetiervpc.AllInterfaceEndpoints(),
	})

	threetiervpc.New(testkit.NewStack(app, "Custom"), "Network", &threetiervpc.Props{
		Cidr:               "10.20.0.0/16",
		AvailabilityZones:  threeAZs[:2],
		PublicMask:         24,
		PrivateMask:        22,
		IsolatedMask:       24,
		NatGateways:        1,
		InterfaceEndpoints: []string{threetiervpc.EndpointSecretsManager},
		LogRetention:       awslogs.RetentionDays_TWO_WEEKS,
		RemovalPolicy:      awscdk.RemovalPolicy_DESTROY,
	})

	// A plain CDK VPC proves the nag gate sees the findings this construct answers.
	awsec2.NewVpc(testkit.NewStack(app, "Canary"), jsii.String("Plain"), &awsec2.VpcProps{
		RestrictDefaultSecurityGroup: jsii.Bool(false)})
	return app
})

func stack(t *testing.T, name string) *testkit.Stack { return synth.Stack(t, name) }

// getAtt is {"Fn::GetAtt": [id, attr]} for the resource at path.
func getAtt(t *testing.T, s *testkit.Stack, path, attr string) map[string]any {
	t.Helper()
	return map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, path), attr}}
}

func TestNatAlarms(t *testing.T) {
	s := stack(t, "Defaults")
	s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 3) // one per NAT gateway
	for i := 1; i <= 3; i++ {
		s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
			"Namespace": "AWS/NATGateway", "MetricName": "ErrorPortAllocation", "Statistic": "Sum", "Period": 300,
			"Threshold": 1, "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"TreatMissingData": "notBreaching",
			"Dimensions":       []any{map[string]any{"Name": "NatGatewayId", "Value": s.Ref(t, fmt.Sprintf("Network/Vpc/PublicSubnet%d/NATGateway", i))}},
			"AlarmActions":     []any{"arn:aws:sns:eu-west-1:123456789012:alarms"},
			"OKActions":        []any{"arn:aws:sns:eu-west-1:123456789012:alarms"},
		})
	}
	custom := stack(t, "Custom")
	custom.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 0)
	custom.HasWarning(t, "no AlarmTopic")
}

func TestSubnets(t *testing.T) {
	s := stack(t, "Defaults")
	t.Run("a /16 VPC with DNS for private endpoints", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::EC2::VPC", 1)
		s.HasResourceProperties(t, "AWS::EC2::VPC", map[string]any{
			"CidrBlock": "10.0.0.0/16", "EnableDnsHostnames": true, "EnableDnsSupport": true})
	})
	t.Run("three tiers x three AZs", func(t *testing.T) { s.ResourceCountIs(t, "AWS::EC2::Subnet", 9) })
	tests := []struct {
		path, az, cidr, tier string
	}{
		{"PublicSubnet1", "eu-west-1a", "10.0.0.0/20", "Public"},
		{"PublicSubnet2", "eu-west-1b", "10.0.16.0/20", "Public"},
		{"PublicSubnet3", "eu-west-1c", "10.0.32.0/20", "Public"},
		{"PrivateSubnet1", "eu-west-1a", "10.0.48.0/20", "Private"},
		{"PrivateSubnet2", "eu-west-1b", "10.0.64.0/20", "Private"},
		{"PrivateSubnet3", "eu-west-1c", "10.0.80.0/20", "Private"},
		{"IsolatedSubnet1", "eu-west-1a", "10.0.96.0/20", "Isolated"},
		{"IsolatedSubnet2", "eu-west-1b", "10.0.112.0/20", "Isolated"},
		{"IsolatedSubnet3", "eu-west-1c", "10.0.128.0/20", "Isolated"},
	}
	for _, tc := range tests {
		t.Run(tc.path+" "+tc.cidr+" in "+tc.az, func(t *testing.T) {
			r := s.Resource(t, s.LogicalID(t, "Network/Vpc/"+tc.path+"/Subnet"))
			p := r["Properties"].(map[string]any)
			if p["CidrBlock"] != tc.cidr || p["AvailabilityZone"] != tc.az {
				t.Errorf("CidrBlock %v in %v, want %s in %s", p["CidrBlock"], p["AvailabilityZone"], tc.cidr, tc.az)
			}
			s.HasResourceProperties(t, "AWS::EC2::Subnet", map[string]any{
				"CidrBlock": tc.cidr,
				"Tags":      assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "aws-cdk:subnet-type", "Value": tc.tier}}),
			})
		})
	}
	t.Run("no subnet maps public IPs on launch, public ones included", func(t *testing.T) {
		for _, id := range s.Resources("AWS::EC2::Subnet") {
			if got := s.Resource(t, id)["Properties"].(map[string]any)["MapPublicIpOnLaunch"]; got != false {
				t.Errorf("%s: MapPublicIpOnLaunch %v, want false", id, got)
			}
		}
	})
	t.Run("public subnets route to the internet gateway", func(t *testing.T) {
		for i := 1; i <= 3; i++ {
			s.HasResourceProperties(t, "AWS::EC2::Route", map[string]any{
				"RouteTableId":         s.Ref(t, fmt.Sprintf("Network/Vpc/PublicSubnet%d/RouteTable", i)),
				"DestinationCidrBlock": "0.0.0.0/0",
				"GatewayId":            s.Ref(t, "Network/Vpc/IGW"),
			})
		}
	})
	t.Run("isolated subnets have no route out", func(t *testing.T) {
		isolated := map[string]bool{}
		for i := 1; i <= 3; i++ {
			isolated[s.LogicalID(t, fmt.Sprintf("Network/Vpc/IsolatedSubnet%d/RouteTable", i))] = true
		}
		for _, id := range s.Resources("AWS::EC2::Route") {
			rt, _ := s.Resource(t, id)["Properties"].(map[string]any)["RouteTableId"].(map[string]any)
			if ref, _ := rt["Ref"].(string); isolated[ref] {
				t.Errorf("route %s in isolated route table %s", id, ref)
			}
		}
		s.ResourceCountIs(t, "AWS::EC2::Route", 6) // 3 public to the IGW, 3 private to NAT
	})
}

func TestNatGateways(t *testing.T) {
	tests := []struct {
		stack string
		azs   int
		nats  int
		// natFor[i] is the public subnet whose NAT gateway private subnet i+1 uses.
		natFor []int
	}{
		{"Defaults", 3, 3, []int{1, 2, 3}},
		{"Custom", 2, 1, []int{1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.stack, func(t *testing.T) {
			s := stack(t, tc.stack)
			s.ResourceCountIs(t, "AWS::EC2::NatGateway", tc.nats)
			s.ResourceCountIs(t, "AWS::EC2::EIP", tc.nats)
			for i, pub := range tc.natFor {
				s.HasResourceProperties(t, "AWS::EC2::Route", map[string]any{
					"RouteTableId":         s.Ref(t, fmt.Sprintf("Network/Vpc/PrivateSubnet%d/RouteTable", i+1)),
					"DestinationCidrBlock": "0.0.0.0/0",
					"NatGatewayId":         s.Ref(t, fmt.Sprintf("Network/Vpc/PublicSubnet%d/NATGateway", pub)),
				})
			}
			for i := 1; i <= tc.nats; i++ {
				s.HasResourceProperties(t, "AWS::EC2::NatGateway", map[string]any{
					"SubnetId": s.Ref(t, fmt.Sprintf("Network/Vpc/PublicSubnet%d/Subnet", i))})
			}
		})
	}
}

func TestGatewayEndpoints(t *testing.T) {
	for _, name := range []string{"Defaults", "Custom"} {
		s := stack(t, name)
		azs := 3
		if name == "Custom" {
			azs = 2
		}
		var tables []any
		for _, tier := range []string{"Private", "Isolated"} {
			for i := 1; i <= azs; i++ {
				tables = append(tables, s.Ref(t, fmt.Sprintf("Network/Vpc/%sSubnet%d/RouteTable", tier, i)))
			}
		}
		for _, svc := range []string{"s3", "dynamodb"} {
			t.Run(name+" "+svc+" on every private and isolated route table", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::EC2::VPCEndpoint", map[string]any{
					"VpcEndpointType": "Gateway",
					"ServiceName":     map[string]any{"Fn::Join": []any{"", []any{"com.amazonaws.", map[string]any{"Ref": "AWS::Region"}, "." + svc}}},
					"RouteTableIds":   tables,
					"VpcId":           s.Ref(t, "Network/Vpc"),
				})
			})
		}
	}
	t.Run("no interface endpoints by default", func(t *testing.T) {
		s := stack(t, "Defaults")
		s.ResourceCountIs(t, "AWS::EC2::VPCEndpoint", 2)
		for _, id := range s.Resources("AWS::EC2::SecurityGroup") {
			if strings.Contains(id, "Endpoint") {
				t.Errorf("endpoint security group %s without interface endpoints", id)
			}
		}
	})
}

func TestInterfaceEndpoints(t *testing.T) {
	s := stack(t, "Endpoints")
	s.ResourceCountIs(t, "AWS::EC2::VPCEndpoint", 7)
	private := []any{}
	for i := 1; i <= 3; i++ {
		private = append(private, s.Ref(t, fmt.Sprintf("Network/Vpc/PrivateSubnet%d/Subnet", i)))
	}
	for _, svc := range threetiervpc.AllInterfaceEndpoints() {
		t.Run(svc+": private DNS, one ENI per AZ in the private subnets, endpoint group", func(t *testing.T) {
			s.HasResourceProperties(t, "AWS::EC2::VPCEndpoint", map[string]any{
				"VpcEndpointType":   "Interface",
				"ServiceName":       "com.amazonaws.eu-west-1." + svc,
				"PrivateDnsEnabled": true,
				"SubnetIds":         private,
				"SecurityGroupIds":  []any{getAtt(t, s, "Network/EndpointSecurityGroup", "GroupId")},
			})
		})
	}
	t.Run("endpoint group: TCP 443 from the VPC CIDR only, no egress", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::EC2::SecurityGroup", map[string]any{
			"GroupDescription": "Interface VPC endpoints: Endpoints/Network/EndpointSecurityGroup",
			"SecurityGroupIngress": []any{map[string]any{
				"CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
				"Description": assertions.Match_AnyValue()}},
			"SecurityGroupEgress": []any{map[string]any{
				"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}},
		})
		s.ResourceCountIs(t, "AWS::EC2::SecurityGroupIngress", 0)
	})
	t.Run("a subset", func(t *testing.T) {
		c := stack(t, "Custom")
		c.ResourceCountIs(t, "AWS::EC2::VPCEndpoint", 3)
		c.HasResourceProperties(t, "AWS::EC2::VPCEndpoint", map[string]any{
			"ServiceName": "com.amazonaws.eu-west-1.secretsmanager", "PrivateDnsEnabled": true})
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

func TestFlowLogs(t *testing.T) {
	s := stack(t, "Defaults")
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"all traffic of the VPC to the log group, through the role", "AWS::EC2::FlowLog", map[string]any{
			"ResourceType":             "VPC",
			"ResourceId":               s.Ref(t, "Network/Vpc"),
			"TrafficType":              "ALL",
			"LogDestinationType":       "cloud-watch-logs",
			"LogGroupName":             s.Ref(t, "Network/FlowLogs"),
			"DeliverLogsPermissionArn": s.Arn(t, "Network/FlowLogRole"),
		}},
		{"log group: named, customer-managed key, one year", "AWS::Logs::LogGroup", map[string]any{
			"LogGroupName":    "/Defaults/Network/FlowLogs",
			"KmsKeyId":        s.Arn(t, "Network/Key"),
			"RetentionInDays": 365,
		}},
		{"key: rotation on", "AWS::KMS::Key", map[string]any{"EnableKeyRotation": true}},
		{"key policy: account administration, and CloudWatch Logs for exactly the construct's two log groups", "AWS::KMS::Key", map[string]any{
			"KeyPolicy": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Sid": "AllowAccountAdministration", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
					"Principal": map[string]any{"AWS": "arn:aws:iam::123456789012:root"}},
				map[string]any{"Sid": "AllowCloudWatchLogs", "Effect": "Allow", "Resource": "*",
					"Action": []any{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
						"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"},
					"Principal": map[string]any{"Service": "logs.eu-west-1.amazonaws.com"},
					"Condition": map[string]any{"ArnLike": map[string]any{
						"kms:EncryptionContext:aws:logs:arn": []any{
							"arn:aws:logs:eu-west-1:123456789012:log-group:/Defaults/Network/FlowLogs",
							"arn:aws:logs:eu-west-1:123456789012:log-group:/Defaults/Network/DefaultSecurityGroupCloserLogs"}}}},
				assertions.Match_ObjectLike(&map[string]any{"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Action": "kms:CreateGrant"}), // kmskey: CT.KMS.PR.3
			}},
		}},
		{"flow-log role: trust pinned to the account and to flow logs", "AWS::IAM::Role", map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
					"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"},
				},
			}}},
		}},
		{"flow-log role policy: write to this log group only", "AWS::IAM::ManagedPolicy", map[string]any{
			"Roles": []any{s.Ref(t, "Network/FlowLogRole")},
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Sid": "WriteFlowLogs", "Effect": "Allow",
				"Action":   []any{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"},
				"Resource": s.Arn(t, "Network/FlowLogs"),
			}}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { s.HasResourceProperties(t, tc.typ, tc.props) })
	}
	t.Run("flow log waits for the role's policy", func(t *testing.T) {
		s.HasResource(t, "AWS::EC2::FlowLog", map[string]any{
			"DependsOn": assertions.Match_ArrayWith(&[]any{s.LogicalID(t, "Network/FlowLogRolePolicy")})})
	})
	t.Run("the role is the only one writing: no CDK grant, no PassRole", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::IAM::Policy", 0)
		if strings.Contains(string(s.JSON), "iam:PassRole") {
			t.Error("template grants iam:PassRole")
		}
	})
	t.Run("retained on delete and replacement, not after a failed create, by default", func(t *testing.T) {
		for _, typ := range []string{"AWS::Logs::LogGroup", "AWS::KMS::Key"} {
			for _, id := range s.Resources(typ) {
				r := s.Resource(t, id)
				if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
					t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want RetainExceptOnCreate, Retain", id, r["DeletionPolicy"], r["UpdateReplacePolicy"])
				}
			}
		}
	})
	t.Run("custom retention and removal policy", func(t *testing.T) {
		c := stack(t, "Custom")
		for _, typ := range []string{"AWS::Logs::LogGroup", "AWS::KMS::Key"} {
			for _, id := range c.Resources(typ) {
				if r := c.Resource(t, id); r["DeletionPolicy"] != "Delete" {
					t.Errorf("%s: DeletionPolicy %v, want Delete", id, r["DeletionPolicy"])
				}
			}
		}
		c.HasResourceProperties(t, "AWS::Logs::LogGroup", map[string]any{"RetentionInDays": 14})
	})
}

func TestDefaultSecurityGroupClosed(t *testing.T) {
	s := stack(t, "Defaults")
	t.Run("no CDK RestrictDefaultSecurityGroup custom resource", func(t *testing.T) {
		s.ResourceCountIs(t, "Custom::VpcRestrictDefaultSG", 0)
	})
	tests := []struct {
		id   string
		want []string
	}{
		{"RevokeDefaultIngress", []string{`"action":"revokeSecurityGroupIngress"`, `"service":"EC2"`,
			`"IpProtocol":"-1","UserIdGroupPairs":[{"GroupId":"`, `"UserId":"123456789012"`}},
		{"RevokeDefaultEgress", []string{`"action":"revokeSecurityGroupEgress"`, `"service":"EC2"`,
			`"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]`}},
	}
	defaultSG, _ := json.Marshal(getAtt(t, s, "Network/Vpc", "DefaultSecurityGroup"))
	for _, tc := range tests {
		t.Run(tc.id+" on create and update", func(t *testing.T) {
			r := s.Resource(t, s.LogicalID(t, "Network/"+tc.id+"/Resource/Default"))
			if r["Type"] != "Custom::VpcDefaultSecurityGroupRevoke" {
				t.Errorf("Type %v", r["Type"])
			}
			p := r["Properties"].(map[string]any)
			if p["InstallLatestAwsSdk"] != false {
				t.Errorf("InstallLatestAwsSdk %v, want false", p["InstallLatestAwsSdk"])
			}
			for _, phase := range []string{"Create", "Update"} {
				raw, _ := json.Marshal(p[phase])
				// Fn::Join parts, unescaped, so that the call reads as JSON.
				call := strings.ReplaceAll(string(raw), `\"`, `"`)
				for _, w := range append(tc.want, string(defaultSG)) {
					if !strings.Contains(call, w) {
						t.Errorf("%s lacks %s:\n%s", phase, w, call)
					}
				}
			}
			if p["Delete"] != nil {
				t.Errorf("Delete call %v: deleting the VPC deletes its default group", p["Delete"])
			}
			if deps, _ := r["DependsOn"].([]any); len(deps) != 1 || deps[0] != s.LogicalID(t, "Network/DefaultSecurityGroupCloserPolicy") {
				t.Errorf("DependsOn %v, want the closer's policy", deps)
			}
		})
	}
	t.Run("closer role: trust pinned to Lambda in this account (aws:SourceAccount only, the key Lambda sends)", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::IAM::Role", map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
				},
			}}},
		})
	})
	t.Run("closer policy: revoke on the default group only, logs to its own group", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
			"Roles": []any{s.Ref(t, "Network/DefaultSecurityGroupCloser")},
			"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{
				map[string]any{"Sid": "RevokeDefaultSecurityGroupRules", "Effect": "Allow",
					"Action": []any{"ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"},
					"Resource": map[string]any{"Fn::Join": []any{"", []any{
						"arn:aws:ec2:eu-west-1:123456789012:security-group/",
						getAtt(t, s, "Network/Vpc", "DefaultSecurityGroup")}}}},
				map[string]any{"Sid": "WriteFunctionLogs", "Effect": "Allow",
					"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
					"Resource": s.Arn(t, "Network/DefaultSecurityGroupCloserLogs")},
			}},
		})
	})
	t.Run("the function runs as the closer role and logs to an encrypted group", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::Lambda::Function", 1)
		s.HasResourceProperties(t, "AWS::Lambda::Function", map[string]any{
			"Role":          s.Arn(t, "Network/DefaultSecurityGroupCloser"),
			"LoggingConfig": map[string]any{"LogGroup": s.Ref(t, "Network/DefaultSecurityGroupCloserLogs")},
			"MemorySize":    256,
		})
		s.HasResourceProperties(t, "AWS::Logs::LogGroup", map[string]any{
			"KmsKeyId": s.Arn(t, "Network/Key"), "RetentionInDays": 365})
		s.ResourceCountIs(t, "AWS::IAM::Role", 2) // flow logs and the closer: no CDK-made role
	})
}

func TestSecurityGroupHelpers(t *testing.T) {
	s := stack(t, "Defaults")
	noEgress := []any{map[string]any{
		"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}}
	t.Run("ALB: 443 and 80 from anywhere, nothing else", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::EC2::SecurityGroup", map[string]any{
			"GroupDescription": "Application Load Balancer: Defaults/Alb",
			"VpcId":            s.Ref(t, "Network/Vpc"),
			"SecurityGroupIngress": []any{
				map[string]any{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Description": "HTTPS from the internet"},
				map[string]any{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Description": "HTTP from the internet (redirected to HTTPS)"},
			},
		})
	})
	t.Run("database: no ingress but the app's, no egress at all", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::EC2::SecurityGroup", map[string]any{
			"GroupDescription":     "Database: Defaults/Db",
			"SecurityGroupEgress":  noEgress,
			"SecurityGroupIngress": assertions.Match_Absent(),
		})
	})
	t.Run("app: egress only the explicit rule to the database, the no-traffic rule kept inline", func(t *testing.T) {
		// Without an inline egress rule EC2 would keep its default allow-all egress.
		s.HasResourceProperties(t, "AWS::EC2::SecurityGroup", map[string]any{
			"GroupDescription":     "Application compute: Defaults/App",
			"SecurityGroupEgress":  noEgress,
			"SecurityGroupIngress": assertions.Match_Absent(),
		})
		s.ResourceCountIs(t, "AWS::EC2::SecurityGroupEgress", 2) // ALB -> app, app -> database
		s.ResourceCountIs(t, "AWS::EC2::SecurityGroupIngress", 2)
	})
	rules := []struct {
		name, target, source string
		port                 int
		desc                 string
	}{
		{"app from ALB on 8080", "App", "Alb", 8080, "TCP 8080 from Defaults/Alb to Defaults/App"},
		{"database from app on 5432", "Db", "App", 5432, "PostgreSQL from the app"},
	}
	for _, r := range rules {
		t.Run(r.name+", by security-group id both ways", func(t *testing.T) {
			s.HasResourceProperties(t, "AWS::EC2::SecurityGroupIngress", map[string]any{
				"GroupId":               getAtt(t, s, r.target, "GroupId"),
				"SourceSecurityGroupId": getAtt(t, s, r.source, "GroupId"),
				"IpProtocol":            "tcp", "FromPort": r.port, "ToPort": r.port, "Description": r.desc,
			})
			s.HasResourceProperties(t, "AWS::EC2::SecurityGroupEgress", map[string]any{
				"GroupId":                    getAtt(t, s, r.source, "GroupId"),
				"DestinationSecurityGroupId": getAtt(t, s, r.target, "GroupId"),
				"IpProtocol":                 "tcp", "FromPort": r.port, "ToPort": r.port,
			})
		})
	}
	t.Run("no other internet ingress anywhere", func(t *testing.T) {
		for _, id := range append(s.Resources("AWS::EC2::SecurityGroup"), s.Resources("AWS::EC2::SecurityGroupIngress")...) {
			if id == s.LogicalID(t, "Alb") {
				continue
			}
			raw, _ := json.Marshal(s.Resource(t, id))
			if strings.Contains(string(raw), "0.0.0.0/0") {
				t.Errorf("%s admits 0.0.0.0/0: %s", id, raw)
			}
		}
	})
}

func TestNag(t *testing.T) {
	for _, name := range []string{"Defaults", "Endpoints", "Custom"} {
		t.Run(name+" clean", func(t *testing.T) {
			s := stack(t, name)
			testkit.RequireNagClean(t, s)
			for _, m := range s.Messages {
				if m.Level == "warning" && m.Rule() != "" {
					t.Errorf("unsuppressed cdk-nag warning %s at %s", m.Rule(), m.Path)
				}
			}
		})
	}
	t.Run("the gate sees the findings on a plain VPC", func(t *testing.T) {
		rules := map[string]bool{}
		for _, f := range stack(t, "Canary").NagFindings() {
			rules[f.Rule()] = true
		}
		for _, want := range []string{"AwsSolutions-VPC7", "NIST.800.53.R5-VPCFlowLogsEnabled",
			"NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW", "NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled"} {
			if !rules[want] {
				t.Errorf("want finding %s on a plain VPC, got %v", want, rules)
			}
		}
	})
}

// TestSecurityInvariants runs Groundwork's template audit. Permissions
// boundaries and tags are applied by the stacks, not by constructs; the ALB
// group's internet ingress is accepted once a load balancer uses the group.
func TestSecurityInvariants(t *testing.T) {
	for _, tc := range []struct {
		name   string
		retain bool
	}{{"Defaults", true}, {"Endpoints", true}, {"Custom", false}} {
		t.Run(tc.name, func(t *testing.T) {
			s := stack(t, tc.name)
			for _, f := range audit.Check(tc.name, s.Template, audit.Options{RetainStateful: tc.retain}) {
				switch {
				case f.Rule == audit.RuleBoundary || f.Rule == audit.RuleTags:
				case f.Rule == audit.RuleOpenIngress && f.Resource == s.LogicalID(t, "Alb") && tc.name == "Defaults":
				default:
					t.Error(f)
				}
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	warnings := func(s *testkit.Stack) string {
		var out []string
		for _, m := range s.Messages {
			if m.Level == "warning" && strings.HasPrefix(m.Path, "/"+s.Name+"/Network") {
				out = append(out, m.Text)
			}
		}
		return strings.Join(out, "\n")
	}
	t.Run("none with defaults", func(t *testing.T) {
		if w := warnings(stack(t, "Defaults")); w != "" {
			t.Errorf("unexpected warnings:\n%s", w)
		}
	})
	t.Run("one NAT gateway and short retention weaken the defaults", func(t *testing.T) {
		w := warnings(stack(t, "Custom"))
		for _, want := range []string{"fewer NAT gateways than AZs", "flow logs are kept for less than a year (TWO_WEEKS)"} {
			if !strings.Contains(w, want) {
				t.Errorf("want a warning containing %q, got:\n%s", want, w)
			}
		}
	})
	t.Run("custom CIDR and masks, allocated tier by tier", func(t *testing.T) {
		s := stack(t, "Custom")
		s.HasResourceProperties(t, "AWS::EC2::VPC", map[string]any{"CidrBlock": "10.20.0.0/16"})
		for path, cidr := range map[string]string{
			"PublicSubnet1": "10.20.0.0/24", "PublicSubnet2": "10.20.1.0/24",
			"PrivateSubnet1": "10.20.4.0/22", "PrivateSubnet2": "10.20.8.0/22",
			"IsolatedSubnet1": "10.20.12.0/24", "IsolatedSubnet2": "10.20.13.0/24",
		} {
			p := s.Resource(t, s.LogicalID(t, "Network/Vpc/"+path+"/Subnet"))["Properties"].(map[string]any)
			if p["CidrBlock"] != cidr {
				t.Errorf("%s: CidrBlock %v, want %s", path, p["CidrBlock"], cidr)
			}
		}
	})
}

func TestUnpinnedStackIsRejected(t *testing.T) {
	app := testkit.NewApp(nil)
	st := awscdk.NewStack(app, jsii.String("Unpinned"), &awscdk.StackProps{Env: testkit.TestEnv})
	msg := testkit.ValidationError(t, func() {
		threetiervpc.New(st, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs[:2]})
	})
	for _, want := range []string{`threetiervpc "Unpinned/Network"`, `AvailabilityZones = "eu-west-1a,eu-west-1b"`,
		"would look them up in AWS", `threetiervpc.PinAvailabilityZones(stack, "eu-west-1a", "eu-west-1b")`,
		"availability-zones:account=123456789012:region=eu-west-1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	// The helper answers the lookup.
	pinned := awscdk.NewStack(app, jsii.String("Pinned"), &awscdk.StackProps{Env: testkit.TestEnv})
	threetiervpc.PinAvailabilityZones(pinned, threeAZs...)
	testkit.Must(t, func() { threetiervpc.New(pinned, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs[:2]}) })
}

func TestValidation(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Invalid")
	tests := []struct {
		name  string
		props *threetiervpc.Props
		want  []string
	}{
		{"nil props: no AZs", nil,
			[]string{"AvailabilityZones = \"[]\"", "at least 2 AZs", `list 2 or 3 AZs of the stack's region`}},
		{"fewer than 2 AZs", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a"}},
			[]string{`AvailabilityZones = "[\"eu-west-1a\"]"`, "at least 2 AZs (3 preferred for production)"}},
		{"duplicated AZ", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1a"}},
			[]string{`AvailabilityZones = "eu-west-1a"`, "each AZ may appear once", "list distinct AZs"}},
		{"AZ of another region", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "us-east-1b"}},
			[]string{`AvailabilityZones = "us-east-1b"`, "not in the stack's region eu-west-1", "use AZs of eu-west-1"}},
		{"AZ us-east-1a in an eu-west-1 stack", &threetiervpc.Props{AvailabilityZones: []string{"us-east-1a", "eu-west-1b"}},
			[]string{`AvailabilityZones = "us-east-1a"`, "not in the stack's region eu-west-1", "use AZs of eu-west-1, such as eu-west-1a"}},
		{"AZ letter beyond f", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1z"}},
			[]string{`AvailabilityZones = "eu-west-1z"`, "the region followed by one letter a-f", "EC2 User Guide, Regions and Zones", "use AZs such as eu-west-1a, eu-west-1b"}},
		{"AZ with two letters", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1ab"}},
			[]string{`AvailabilityZones = "eu-west-1ab"`, "the region followed by one letter a-f"}},
		{"region used as an AZ", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1", "eu-west-1b"}},
			[]string{`AvailabilityZones = "eu-west-1"`, "this is the region's name, not an AZ's", "use AZs such as eu-west-1a"}},
		{"uppercase AZ", &threetiervpc.Props{AvailabilityZones: []string{"EU-WEST-1A", "eu-west-1b"}},
			[]string{`AvailabilityZones = "EU-WEST-1A"`, "not in the stack's region eu-west-1"}},
		{"empty AZ", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", ""}},
			[]string{`AvailabilityZones = ""`, "an AZ name cannot be empty", "remove the empty entry"}},
		{"CIDR in loopback", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "127.0.0.0/16"},
			[]string{`Cidr = "127.0.0.0/16"`, "overlaps a range no VPC can use", "Amazon VPC User Guide, VPC CIDR blocks", `use a block of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16`}},
		{"CIDR in link-local", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "169.254.0.0/16"},
			[]string{`Cidr = "169.254.0.0/16"`, "overlaps a range no VPC can use"}},
		{"CIDR in multicast", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "224.0.0.0/16"},
			[]string{`Cidr = "224.0.0.0/16"`, "overlaps a range no VPC can use"}},
		{"CIDR in 0.0.0.0/8", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "0.0.0.0/16"},
			[]string{`Cidr = "0.0.0.0/16"`, "overlaps a range no VPC can use"}},
		{"CIDR /25, too small", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "10.0.0.0/25"},
			[]string{`Cidr = "10.0.0.0/25"`, "/24 here"}},
		{"CIDR not an IPv4 block", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "10.0.0/16"},
			[]string{`Cidr = "10.0.0/16"`, "not an IPv4 CIDR block", `e.g. "10.0.0.0/16"`}},
		{"CIDR IPv6", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "fd00::/56"},
			[]string{`Cidr = "fd00::/56"`, "not an IPv4 CIDR block"}},
		{"CIDR not a network address", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "10.0.1.0/16"},
			[]string{`Cidr = "10.0.1.0/16"`, "not the block's network address", `use "10.0.0.0/16"`}},
		{"CIDR larger than AWS allows", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "10.0.0.0/8"},
			[]string{`Cidr = "10.0.0.0/8"`, "/16 (AWS's largest", `use a /16 such as "10.0.0.0/16"`}},
		{"CIDR too small for three tiers", &threetiervpc.Props{AvailabilityZones: threeAZs, Cidr: "10.0.0.0/18"},
			[]string{"PrivateMask = 20", "3 AZs x 3 tiers", "need 36864 addresses", "10.0.0.0/18 has 16384",
				"use longer masks (smaller subnets), fewer AZs, or a larger Cidr"}},
		{"AZ outside the stack's pinned AZs", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1d"}},
			[]string{`AvailabilityZones = "eu-west-1d"`, "pinned availability zones [eu-west-1a eu-west-1b eu-west-1c]", "PinAvailabilityZones"}},
		{"negative alarm threshold", &threetiervpc.Props{AvailabilityZones: threeAZs, NatPortAllocationErrorsThreshold: -1},
			[]string{"NatPortAllocationErrorsThreshold = -1", "cannot be negative", "use 1 or more"}},
		{"mask out of range", &threetiervpc.Props{AvailabilityZones: threeAZs, PublicMask: 16, IsolatedMask: 29},
			[]string{"PublicMask = 16", "IsolatedMask = 29", "longer than /16 and at most /28", "use a value from 17 to 28"}},
		{"mask that does not fit", &threetiervpc.Props{AvailabilityZones: threeAZs, PrivateMask: 17},
			[]string{"PrivateMask = 17", "(/20 public, /17 private, /20 isolated)", "VPC block 10.0.0.0/16 has 65536"}},
		{"more NAT gateways than AZs", &threetiervpc.Props{AvailabilityZones: threeAZs[:2], NatGateways: 3},
			[]string{"NatGateways = 3", "takes 1 to 2 NAT gateways (at most one per AZ", "use 1 for dev/staging, 2 (one per AZ) for HA"}},
		{"negative NAT gateways", &threetiervpc.Props{AvailabilityZones: threeAZs, NatGateways: -1},
			[]string{"NatGateways = -1", "takes 1 to 3 NAT gateways"}},
		{"unknown interface endpoint", &threetiervpc.Props{AvailabilityZones: threeAZs, InterfaceEndpoints: []string{"sts", "ec2"}},
			[]string{`InterfaceEndpoints = "ec2"`, "unknown interface endpoint service",
				"ecr.api, ecr.dkr, secretsmanager, logs, sts", "(or AllInterfaceEndpoints())"}},
		{"duplicated interface endpoint", &threetiervpc.Props{AvailabilityZones: threeAZs, InterfaceEndpoints: []string{"logs", "logs"}},
			[]string{`InterfaceEndpoints = "logs"`, "created once per VPC", "list each service once"}},
		{"infinite log retention", &threetiervpc.Props{AvailabilityZones: threeAZs, LogRetention: awslogs.RetentionDays_INFINITE},
			[]string{`LogRetention = "INFINITE"`, "finite retention", "RetentionDays_ONE_YEAR (the default)"}},
		{"snapshot removal policy", &threetiervpc.Props{AvailabilityZones: threeAZs, RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT},
			[]string{`RemovalPolicy = "SNAPSHOT"`, "use RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (the default)"}},
		{"NAT gateways at AZs + 1 (3 AZs)", &threetiervpc.Props{AvailabilityZones: threeAZs, NatGateways: 4},
			[]string{"NatGateways = 4", "takes 1 to 3 NAT gateways"}},
	}
	badInputCount += len(tests)
	for i, tc := range tests {
		id := fmt.Sprintf("Vpc%d", i)
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, func() { threetiervpc.New(st, id, tc.props) })
			testkit.Contains(t, "message", msg, append([]string{`threetiervpc "Invalid/` + id + `": invalid props`}, tc.want...)...)
		})
	}
	t.Run("all problems are reported together", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() {
			threetiervpc.New(st, "Many", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a"}, Cidr: "bad", NatGateways: 2})
		})
		if n := strings.Count(msg, "\n  - "); n != 3 {
			t.Errorf("want 3 problems, got %d:\n%s", n, msg)
		}
	})
	t.Run("nothing is created when props are invalid", func(t *testing.T) {
		if n := len(*st.Node().Children()); n != 0 {
			t.Errorf("stack has %d children after failed New calls", n)
		}
	})

	helpers := testkit.NewStack(app, "Helpers")
	v := threetiervpc.New(helpers, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs})
	alb := v.NewSecurityGroup(helpers, "Alb", threetiervpc.RoleALB)
	svc := v.NewSecurityGroup(helpers, "App", threetiervpc.RoleApp)
	foreign := awsec2.NewSecurityGroup(helpers, jsii.String("Foreign"), &awsec2.SecurityGroupProps{Vpc: v.Vpc})
	helperTests := []struct {
		name string
		fn   func()
		want []string
	}{
		{"0.0.0.0/0 on a non-ALB role", func() { v.AllowInternet(svc, 443) },
			[]string{`threetiervpc "Helpers/App"`, `sg = "RoleApp Helpers/App"`, "only an ALB may admit 0.0.0.0/0",
				"no 0.0.0.0/0 ingress except ALB ports 80/443", "use AllowFrom(target, albGroup, port"}},
		{"0.0.0.0/0 on the ALB on port 22", func() { v.AllowInternet(alb, 22) },
			[]string{`threetiervpc "Helpers/Alb"`, "port = 22", "only on 80 (to redirect) and 443", "use 443 (and 80 only"}},
		{"0.0.0.0/0 on a group not made by NewSecurityGroup", func() { v.AllowInternet(foreign, 443) },
			[]string{`sg = "Helpers/Foreign"`, "not created by this VPC's NewSecurityGroup", "NewSecurityGroup(scope, id, RoleALB)"}},
		{"non-ALB role and wrong port together", func() { v.AllowInternet(svc, 3306) },
			[]string{`sg = "RoleApp Helpers/App"`, "port = 3306"}},
		{"unknown role", func() { v.NewSecurityGroup(helpers, "NoRole", threetiervpc.Role(0)) },
			[]string{`threetiervpc "Helpers/NoRole"`, "role = Role(0)", "use RoleALB, RoleApp, RoleDatabase or RoleEndpoint"}},
		{"AllowFrom with a bad port", func() { v.AllowFrom(svc, alb, 70000, "") },
			[]string{`threetiervpc "Helpers/App"`, "port = 70000", "a TCP port is 1-65535"}},
		{"AllowFrom without a source", func() { v.AllowFrom(svc, nil, 8080, "") },
			[]string{"source = <nil>", "never a CIDR"}},
		{"nil scope", func() { threetiervpc.New(nil, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs}) },
			[]string{`threetiervpc "Network"`, "scope = <nil>", "needs a parent scope", "pass the stack or construct"}},
		{"empty id", func() { threetiervpc.New(helpers, "", &threetiervpc.Props{AvailabilityZones: threeAZs}) },
			[]string{`threetiervpc "Helpers/"`, `id = ""`, "must not be empty"}},
		{"duplicate id", func() { threetiervpc.New(helpers, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs}) },
			[]string{`threetiervpc "Helpers/Network"`, `id = "Network"`, `ids are unique within a scope: "Helpers/Network" already exists`, "give this construct another id"}},
		{"security group with a duplicate id", func() { v.NewSecurityGroup(helpers, "Alb", threetiervpc.RoleALB) },
			[]string{`threetiervpc "Helpers/Alb"`, `id = "Alb"`, `"Helpers/Alb" already exists`}},
		{"security group with a nil scope", func() { v.NewSecurityGroup(nil, "Sg", threetiervpc.RoleApp) },
			[]string{`threetiervpc "Sg"`, "scope = <nil>"}},
		{"a second ThreeTierVpc in the stack", func() {
			threetiervpc.New(helpers, "Second", &threetiervpc.Props{AvailabilityZones: threeAZs})
		}, []string{`threetiervpc "Helpers/Second"`, `scope = "Helpers"`, "already has an AwsCustomResource function",
			"give it a stack of its own"}},
	}
	badInputCount += len(helperTests)
	for _, tc := range helperTests {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, tc.fn)
			testkit.Contains(t, "message", msg, tc.want...)
		})
	}
	t.Run("rejected rules are not added", func(t *testing.T) {
		tmpl := awscdk.Stack_Of(helpers).Resolve(svc.Node().DefaultChild().(awsec2.CfnSecurityGroup).SecurityGroupIngress())
		if tmpl != nil {
			t.Errorf("App group has ingress %v", tmpl)
		}
	})
}

// TestBadInputCount reports how many bad-input cases the package feeds;
// it runs last (source order), after every table.
func TestBadInputCount(t *testing.T) {
	t.Logf("threetiervpc: %d bad-input cases", badInputCount)
}
