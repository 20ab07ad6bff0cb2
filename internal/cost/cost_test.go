package cost

import (
	"encoding/json"
	"math"
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
		{"Fargate ARM64 on Spot", `"S": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 1, "TaskDefinition": {"Ref": "T"},
		  "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]}},
		  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "1024", "Memory": "2048", "RuntimePlatform": {"CpuArchitecture": "ARM64"}}}`,
			730 * (0.03238 + 2*0.00356) * 0.3},
		{"KMS key", `"K": {"Type": "AWS::KMS::Key"}`, 1},
		{"secret", `"S": {"Type": "AWS::SecretsManager::Secret"}`, 0.40},
		{"alarm", `"A": {"Type": "AWS::CloudWatch::Alarm"}`, 0.10},
		{"dashboard", `"D": {"Type": "AWS::CloudWatch::Dashboard"}`, 3},
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
	if r := Estimate("S", "eu-west-1", tmpl); r.Region != "eu-west-1" || !near(r.Total, 730*0.048) {
		t.Errorf("eu-west-1: %+v", r)
	}
	if r := Estimate("S", "ap-east-2", tmpl); r.Region != DefaultRegion || !near(r.Total, 730*0.045) {
		t.Errorf("unknown region must fall back to %s: %+v", DefaultRegion, r)
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
