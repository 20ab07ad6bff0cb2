package cost

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
)

func estimate(t *testing.T, resources string) Report {
	t.Helper()
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(`{"Resources": {`+resources+`}}`), &tmpl); err != nil {
		t.Fatal(err)
	}
	return Estimate("Groundwork-Prod-Test", "us-east-1", tmpl)
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.005 }

func TestEachPricedType(t *testing.T) {
	tests := []struct {
		name, resources string
		want            float64
	}{
		{"NAT gateway", `"N": {"Type": "AWS::EC2::NatGateway"}`, 730 * 0.045},
		{"Elastic IP (public IPv4)", `"E": {"Type": "AWS::EC2::EIP"}`, 730 * 0.005},
		{"interface endpoint in 3 AZs", `"V": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b", "c"]}}`, 3 * 730 * 0.01},
		{"gateway endpoint is free", `"V": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}}`, 0},
		{"internet-facing ALB in 2 AZs", `"L": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Type": "application", "Subnets": ["a", "b"]}}`, 730*0.0225 + 2*730*0.005},
		{"internal ALB", `"L": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "internal", "Subnets": ["a", "b"]}}`, 730 * 0.0225},
		{"Fargate 2 × 0.5 vCPU / 1 GB x86", `"S": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2, "TaskDefinition": {"Ref": "T"}}},
		  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "512", "Memory": "1024"}}`, 2 * 730 * (0.5*0.04048 + 1*0.004445)},
		{"autoscaled Fargate service: no DesiredCount, priced at its scaling minimum", `"S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
		  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "512", "Memory": "1024"}},
		  "A": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"MinCapacity": 2, "MaxCapacity": 6,
		    "ScalableDimension": "ecs:service:DesiredCount", "ResourceId": {"Fn::Join": ["", ["service/", {"Ref": "C"}, "/", {"Fn::GetAtt": ["S", "Name"]}]]}}}`,
			2 * 730 * (0.5*0.04048 + 1*0.004445)},
		{"Fargate service without DesiredCount or scaling: CloudFormation's one task", `"S": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": {"Ref": "T"}}},
		  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "512", "Memory": "1024"}}`, 730 * (0.5*0.04048 + 1*0.004445)},
		{"Fargate ARM64 on Spot", `"S": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 1, "TaskDefinition": {"Ref": "T"},
		  "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]}},
		  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "1024", "Memory": "2048", "RuntimePlatform": {"CpuArchitecture": "ARM64"}}}`,
			730 * (0.03238 + 2*0.00356) * 0.3},
		{"KMS key", `"K": {"Type": "AWS::KMS::Key"}`, 1},
		{"secret", `"S": {"Type": "AWS::SecretsManager::Secret"}`, 0.40},
		{"alarm", `"A": {"Type": "AWS::CloudWatch::Alarm"}`, 0.10},
		{"dashboard", `"D": {"Type": "AWS::CloudWatch::Dashboard"}`, 3},
		{"Aurora Serverless v2 writer and reader at 1 ACU minimum", `"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"ServerlessV2ScalingConfiguration": {"MinCapacity": 1, "MaxCapacity": 8}}},
		  "W": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "C"}}},
		  "R": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "C"}}},
		  "G": {"Type": "AWS::RDS::DBSubnetGroup"}, "P": {"Type": "AWS::RDS::DBClusterParameterGroup"},
		  "A": {"Type": "AWS::SecretsManager::SecretTargetAttachment"}, "S": {"Type": "AWS::SecretsManager::RotationSchedule"},
		  "F": {"Type": "AWS::Serverless::Application"}`, 2 * 730 * 0.12},
		{"Aurora Serverless v2 at 0.5 ACU", `"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4}}},
		  "W": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "C"}}}`, 0.5 * 730 * 0.12},
		{"Aurora Serverless v2 scaled to zero", `"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0, "MaxCapacity": 2}}},
		  "W": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "C"}}}`, 0},
		{"web ACL with three managed rule groups and a rate-based rule", `"W": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Rules": [
		  {"Statement": {"ManagedRuleGroupStatement": {"Name": "A"}}}, {"Statement": {"ManagedRuleGroupStatement": {"Name": "B"}}},
		  {"Statement": {"ManagedRuleGroupStatement": {"Name": "C"}}}, {"Statement": {"RateBasedStatement": {"Limit": 2000}}}]}}`, 5 + 4*1},
		{"web ACL association and logging are free", `"A": {"Type": "AWS::WAFv2::WebACLAssociation"}, "L": {"Type": "AWS::WAFv2::LoggingConfiguration"}`, 0},
		{"hosted zone", `"Z": {"Type": "AWS::Route53::HostedZone"}`, 0.50},
		{"alias record: free to keep and to query", `"R": {"Type": "AWS::Route53::RecordSet", "Properties": {"AliasTarget": {"DNSName": "x"}}}`, 0},
		{"API custom domain and mapping: no fixed charge", `"D": {"Type": "AWS::ApiGatewayV2::DomainName"}, "M": {"Type": "AWS::ApiGatewayV2::ApiMapping"}`, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := estimate(t, tc.resources)
			if !near(r.Total, tc.want) {
				t.Errorf("total %.4f, want %.4f (%+v)", r.Total, tc.want, r.Fixed)
			}
			if len(r.Unpriced) != 0 {
				t.Errorf("unexpected unpriced %v", r.Unpriced)
			}
		})
	}
}

func TestRegionalTables(t *testing.T) {
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(`{"Resources": {"N": {"Type": "AWS::EC2::NatGateway"}}}`), &tmpl); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		region, pricedAs string
		unknown          bool
		total            float64
	}{
		{"eu-west-1", "eu-west-1", false, 730 * 0.048},
		{"us-east-1", "us-east-1", false, 730 * 0.045},
		{"ap-east-2", DefaultRegion, true, 730 * 0.045},
		{"unknown-region", DefaultRegion, true, 730 * 0.045}, // environment-agnostic stack
		{"", DefaultRegion, true, 730 * 0.045},
	}
	for _, tc := range tests {
		r := Estimate("S", tc.region, tmpl)
		if r.Region != tc.pricedAs || r.StackRegion != tc.region || r.UnknownRegion != tc.unknown || !near(r.Total, tc.total) {
			t.Errorf("%q: got region %q, stack region %q, unknown %v, total %.2f; want %q, %q, %v, %.2f",
				tc.region, r.Region, r.StackRegion, r.UnknownRegion, r.Total, tc.pricedAs, tc.region, tc.unknown, tc.total)
		}
	}
}

func TestContainerInsightsVariesWithUse(t *testing.T) {
	r := estimate(t, `"C": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]}},
	  "D": {"Type": "AWS::ECS::Cluster"}`)
	if len(r.Varies) != 1 || !strings.Contains(r.Varies[0], "C (Container Insights)") || len(r.Unpriced) != 0 {
		t.Errorf("varies %v, unpriced %v", r.Varies, r.Unpriced)
	}
}

func TestUsagePricedAndUnknownTypesAreListed(t *testing.T) {
	r := estimate(t, `"F": {"Type": "AWS::Lambda::Function"}, "T": {"Type": "AWS::DynamoDB::Table"},
	  "X": {"Type": "AWS::RDS::DBInstance"}, "V": {"Type": "AWS::EC2::VPC"}, "C": {"Type": "Custom::Thing"}`)
	if r.Total != 0 || len(r.Fixed) != 0 {
		t.Errorf("want no fixed cost, got %+v", r.Fixed)
	}
	if got := strings.Join(r.Varies, ","); got != "AWS::Lambda::Function F,AWS::DynamoDB::Table T" {
		t.Errorf("varies %q", got)
	}
	if got := strings.Join(r.Unpriced, ","); got != "AWS::RDS::DBInstance" {
		t.Errorf("unpriced %q: an unknown type must be listed, never dropped", got)
	}
}

// TestFargateCapacityProviderStrategy prices a 0.5 vCPU / 1 GB x86 task
// (hourly h) under capacity provider strategies: the Spot discount (70%)
// applies only to the tasks the strategy places on FARGATE_SPOT, once.
func TestFargateCapacityProviderStrategy(t *testing.T) {
	const h = 0.5*0.04048 + 1*0.004445
	const spot = 0.3 // price left after the 70% Spot discount
	tests := []struct {
		name     string
		desired  int
		strategy string
		want     float64
		what     string
	}{
		{"no strategy", 2, ``, 2 * 730 * h, "2 tasks × (0.5 vCPU + 1 GB) X86_64, 730 h"},
		{"FARGATE only", 2, `[{"CapacityProvider": "FARGATE", "Weight": 1}]`, 2 * 730 * h, "; 2 on FARGATE (weight 1)"},
		{"all Spot", 2, `[{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`, 2 * 730 * h * spot, "; 2 on FARGATE_SPOT (weight 1, ~70% off)"},
		{"all Spot, weight left at its default 0", 2, `[{"CapacityProvider": "FARGATE_SPOT"}]`, 2 * 730 * h * spot,
			"; 2 on FARGATE_SPOT (weight 0, ~70% off); all weights 0, split equally"},
		{"mixed 1:1", 2, `[{"CapacityProvider": "FARGATE", "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`,
			730 * h * (1 + spot), "; 1 on FARGATE (weight 1), 1 on FARGATE_SPOT (weight 1, ~70% off)"},
		{"mixed 1:1, odd count", 3, `[{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}, {"CapacityProvider": "FARGATE", "Weight": 1}]`,
			730 * h * (1.5*spot + 1.5), "; 1.5 on FARGATE_SPOT (weight 1, ~70% off), 1.5 on FARGATE (weight 1)"},
		{"Spot 2:1, weights as strings", 3, `[{"CapacityProvider": "FARGATE_SPOT", "Weight": "2"}, {"CapacityProvider": "FARGATE", "Weight": "1"}]`,
			730 * h * (2*spot + 1), "; 2 on FARGATE_SPOT (weight 2, ~70% off), 1 on FARGATE (weight 1)"},
		{"base on FARGATE, the rest on Spot", 3, `[{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 0}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`,
			730 * h * (1 + 2*spot), "; 1 on FARGATE (base 1, weight 0), 2 on FARGATE_SPOT (weight 1, ~70% off)"},
		{"base on FARGATE, the rest split 1:1", 5, `[{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`,
			730 * h * (3 + 2*spot), "; 3 on FARGATE (base 1, weight 1), 2 on FARGATE_SPOT (weight 1, ~70% off)"},
		{"base above the desired count", 1, `[{"CapacityProvider": "FARGATE", "Base": 2}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`,
			730 * h, "; 1 on FARGATE (base 2, weight 0), 0 on FARGATE_SPOT (weight 1, ~70% off)"},
		{"base on Spot, the rest on FARGATE", 3, `[{"CapacityProvider": "FARGATE_SPOT", "Base": 1}, {"CapacityProvider": "FARGATE", "Weight": 1}]`,
			730 * h * (spot + 2), "; 1 on FARGATE_SPOT (base 1, weight 0, ~70% off), 2 on FARGATE (weight 1)"},
		{"Spot listed twice: discounted once", 2, `[{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`,
			2 * 730 * h * spot, "; 2 on FARGATE_SPOT (weight 2, ~70% off)"},
		{"Spot listed twice next to FARGATE: weights added", 3,
			`[{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}, {"CapacityProvider": "FARGATE", "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`,
			730 * h * (2*spot + 1), "; 2 on FARGATE_SPOT (weight 2, ~70% off), 1 on FARGATE (weight 1)"},
		{"no tasks", 0, `[{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]`, 0, "; 0 on FARGATE_SPOT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			strategy := ""
			if tc.strategy != "" {
				strategy = `, "CapacityProviderStrategy": ` + tc.strategy
			}
			r := estimate(t, fmt.Sprintf(`"S": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": %d, "TaskDefinition": {"Ref": "T"}%s}},
			  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "512", "Memory": "1024"}}`, tc.desired, strategy))
			if len(r.Fixed) != 1 {
				t.Fatalf("want one line, got %+v (unpriced %v)", r.Fixed, r.Unpriced)
			}
			if l := r.Fixed[0]; !near(l.Monthly, tc.want) || !strings.Contains(l.What, tc.what) || tc.strategy == "" && l.What != tc.what {
				t.Errorf("got %.4f %q\nwant %.4f and %q", l.Monthly, l.What, tc.want, tc.what)
			}
		})
	}
}

func TestEventTypes(t *testing.T) {
	r := estimate(t, `"B": {"Type": "AWS::Events::EventBus"}, "A": {"Type": "AWS::Events::Archive"},
	  "P": {"Type": "AWS::Pipes::Pipe"}, "Q": {"Type": "AWS::SQS::Queue"}, "R": {"Type": "AWS::Events::Rule"},
	  "M": {"Type": "AWS::Lambda::EventSourceMapping"}, "K": {"Type": "AWS::KMS::Key"}, "W": {"Type": "AWS::CloudWatch::Alarm"}`)
	if !near(r.Total, 1+0.10) {
		t.Errorf("fixed %.2f, want the key and the alarm only (1.10): %+v", r.Total, r.Fixed)
	}
	if got := strings.Join(r.Varies, ","); got != "AWS::Events::Archive A,AWS::Events::EventBus B,AWS::Pipes::Pipe P,AWS::SQS::Queue Q" {
		t.Errorf("varies %q", got)
	}
	if len(r.Unpriced) != 0 {
		t.Errorf("unpriced %v: every event type is classified", r.Unpriced)
	}
}

// TestBaselineTypes checks the Baseline stack's types: the fixed ones are
// priced through the existing rows (keys, alarms), the security services are
// listed as usage-priced with what they bill, and the rest is free.
func TestBaselineTypes(t *testing.T) {
	r := estimate(t, `
		"Mgmt": {"Type": "AWS::CloudTrail::Trail", "Properties": {"AdvancedEventSelectors": [
			{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]}},
		"Data": {"Type": "AWS::CloudTrail::Trail", "Properties": {"AdvancedEventSelectors": [
			{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
			{"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]}]}},
		"Rec": {"Type": "AWS::Config::ConfigurationRecorder"},
		"Rule": {"Type": "AWS::Config::ConfigRule"},
		"Chan": {"Type": "AWS::Config::DeliveryChannel"},
		"Slr": {"Type": "AWS::IAM::ServiceLinkedRole"},
		"GD": {"Type": "AWS::GuardDuty::Detector"},
		"Hub": {"Type": "AWS::SecurityHub::Hub"},
		"Std": {"Type": "AWS::SecurityHub::Standard"},
		"AA": {"Type": "AWS::AccessAnalyzer::Analyzer", "Properties": {"Type": "ACCOUNT"}},
		"AAU": {"Type": "AWS::AccessAnalyzer::Analyzer", "Properties": {"Type": "ACCOUNT_UNUSED_ACCESS"}},
		"Ev": {"Type": "AWS::Events::Rule"},
		"MF": {"Type": "AWS::Logs::MetricFilter"},
		"Key": {"Type": "AWS::KMS::Key"},
		"Alarm": {"Type": "AWS::CloudWatch::Alarm"},
		"CR": {"Type": "Custom::S3AccountPublicAccessBlock"}`)
	if !near(r.Total, 1.10) {
		t.Errorf("total %.2f, want 1.10 (one key, one alarm): %+v", r.Total, r.Fixed)
	}
	want := []string{
		"AWS::AccessAnalyzer::Analyzer AAU (IAM roles and users analysed)",
		"AWS::CloudTrail::Trail Data (data events; management events: first trail free)",
		"AWS::Config::ConfigRule Rule (rule evaluations)",
		"AWS::Config::ConfigurationRecorder Rec (configuration items recorded)",
		"AWS::GuardDuty::Detector GD (events and logs analysed: CloudTrail, VPC flow logs, DNS, S3 data events)",
		"AWS::SecurityHub::Hub Hub (findings ingested)",
		"AWS::SecurityHub::Standard Std (security checks run by the standard's controls)",
	}
	varies := append([]string(nil), r.Varies...)
	sort.Strings(varies)
	if got := strings.Join(varies, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("usage-priced:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if len(r.Unpriced) != 0 {
		t.Errorf("unpriced %v", r.Unpriced)
	}
}

func TestAuroraStorageAndRotationVaryWithUse(t *testing.T) {
	r := estimate(t, `"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5}}},
	  "F": {"Type": "AWS::Serverless::Application"}`)
	got := strings.Join(r.Varies, "; ")
	for _, want := range []string{"AWS::RDS::DBCluster C", "AWS::Serverless::Application F"} {
		if !strings.Contains(got, want) {
			t.Errorf("varies %q lacks %q", got, want)
		}
	}
	r = estimate(t, `"W": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.serverless", "DBClusterIdentifier": "imported"}}`)
	if len(r.Unpriced) != 1 || !strings.Contains(r.Unpriced[0], "cluster capacity not in the template") {
		t.Errorf("unpriced %v, want the instance of an unknown cluster", r.Unpriced)
	}
}
