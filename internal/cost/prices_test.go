package cost

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// source is each region's list prices, copied by hand from the AWS pricing
// pages named in the table's Source (on-demand, June 2024), row by row — an
// independent copy, so that a changed row in Tables fails a test that names
// the region and the row.
var source = map[string]map[string]float64{
	"us-east-1": {
		"NatGatewayHour": 0.045, "InterfaceEndpointAZHour": 0.01, "PublicIPv4Hour": 0.005, "ALBHour": 0.0225,
		"FargateVCPUHour/X86_64": 0.04048, "FargateVCPUHour/ARM64": 0.03238,
		"FargateGBHour/X86_64": 0.004445, "FargateGBHour/ARM64": 0.00356,
		"FargateSpotDiscount": 0.70, "KMSKeyMonth": 1.00, "SecretMonth": 0.40, "AlarmMonth": 0.10, "DashboardMonth": 3.00,
	},
	"eu-west-1": {
		"NatGatewayHour": 0.048, "InterfaceEndpointAZHour": 0.011, "PublicIPv4Hour": 0.005, "ALBHour": 0.0252,
		"FargateVCPUHour/X86_64": 0.04048, "FargateVCPUHour/ARM64": 0.03238,
		"FargateGBHour/X86_64": 0.004445, "FargateGBHour/ARM64": 0.00356,
		"FargateSpotDiscount": 0.70, "KMSKeyMonth": 1.00, "SecretMonth": 0.40, "AlarmMonth": 0.10, "DashboardMonth": 3.00,
	},
}

// rows flattens a table into the rows of source.
func rows(p PriceTable) map[string]float64 {
	r := map[string]float64{
		"NatGatewayHour": p.NatGatewayHour, "InterfaceEndpointAZHour": p.InterfaceEndpointAZHour,
		"PublicIPv4Hour": p.PublicIPv4Hour, "ALBHour": p.ALBHour, "FargateSpotDiscount": p.FargateSpotDiscount,
		"KMSKeyMonth": p.KMSKeyMonth, "SecretMonth": p.SecretMonth, "AlarmMonth": p.AlarmMonth, "DashboardMonth": p.DashboardMonth,
	}
	for arch, v := range p.FargateVCPUHour {
		r["FargateVCPUHour/"+arch] = v
	}
	for arch, v := range p.FargateGBHour {
		r["FargateGBHour/"+arch] = v
	}
	return r
}

func TestPriceTablesMatchTheirSource(t *testing.T) {
	if len(Tables) != len(source) {
		t.Errorf("Tables has %d regions, the source %d: add the new region's rows to source", len(Tables), len(source))
	}
	for region, want := range source {
		p, ok := Tables[region]
		if !ok {
			t.Errorf("no table for %s", region)
			continue
		}
		if p.Region != region || p.Source == "" || p.Date == "" {
			t.Errorf("%s: table says region %q, source %q, date %q", region, p.Region, p.Source, p.Date)
		}
		got := rows(p)
		if len(got) != len(want) {
			t.Errorf("%s: %d rows, want %d (%v)", region, len(got), len(want), got)
		}
		names := make([]string, 0, len(want))
		for n := range want {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Run(region+"/"+n, func(t *testing.T) {
				if g, ok := got[n]; !ok || g != want[n] {
					t.Errorf("%s %s = %v, the source says %v", region, n, g, want[n])
				}
			})
		}
	}
}

// everyPriced is a template with one of each fixed-price resource: two NAT
// gateways, an EIP, an interface endpoint in 3 AZs, an internet-facing ALB in
// 2 AZs, an internal ALB, an x86 service of 2 tasks and an ARM64 one on Spot,
// a key, a secret, 3 alarms and a dashboard.
const everyPriced = `{"Resources": {
  "N1": {"Type": "AWS::EC2::NatGateway"}, "N2": {"Type": "AWS::EC2::NatGateway"},
  "E": {"Type": "AWS::EC2::EIP"},
  "V": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface", "SubnetIds": ["a", "b", "c"]}},
  "G": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}},
  "L": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Type": "application", "Subnets": ["a", "b"]}},
  "I": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "internal", "Subnets": ["a", "b"]}},
  "S": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2, "TaskDefinition": {"Ref": "T"}}},
  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "512", "Memory": "1024"}},
  "SA": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 1, "TaskDefinition": {"Ref": "TA"},
    "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]}},
  "TA": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "1024", "Memory": "2048", "RuntimePlatform": {"CpuArchitecture": "ARM64"}}},
  "K": {"Type": "AWS::KMS::Key"}, "Sec": {"Type": "AWS::SecretsManager::Secret"},
  "A1": {"Type": "AWS::CloudWatch::Alarm"}, "A2": {"Type": "AWS::CloudWatch::Alarm"}, "A3": {"Type": "AWS::CloudWatch::Alarm"},
  "D": {"Type": "AWS::CloudWatch::Dashboard"}
}}`

// TestReportFollowsEachRegionsTable: each region's report is priced from that
// region's rows — line by line and in total.
func TestReportFollowsEachRegionsTable(t *testing.T) {
	var tmpl map[string]any
	if err := json.Unmarshal([]byte(everyPriced), &tmpl); err != nil {
		t.Fatal(err)
	}
	for region, s := range source {
		t.Run(region, func(t *testing.T) {
			h := float64(HoursPerMonth)
			want := map[string]float64{
				"N1": h * s["NatGatewayHour"], "N2": h * s["NatGatewayHour"],
				"E":  h * s["PublicIPv4Hour"],
				"V":  3 * h * s["InterfaceEndpointAZHour"],
				"L":  h*s["ALBHour"] + 2*h*s["PublicIPv4Hour"],
				"I":  h * s["ALBHour"],
				"S":  2 * h * (0.5*s["FargateVCPUHour/X86_64"] + 1*s["FargateGBHour/X86_64"]),
				"SA": h * (1*s["FargateVCPUHour/ARM64"] + 2*s["FargateGBHour/ARM64"]) * (1 - s["FargateSpotDiscount"]),
				"K":  s["KMSKeyMonth"], "Sec": s["SecretMonth"],
				"A1": s["AlarmMonth"], "A2": s["AlarmMonth"], "A3": s["AlarmMonth"],
				"D": s["DashboardMonth"],
			}
			r := Estimate("S", region, tmpl)
			if r.Region != region || r.UnknownRegion {
				t.Fatalf("priced as %q (unknown %v), want %q", r.Region, r.UnknownRegion, region)
			}
			got := map[string]float64{}
			for _, l := range r.Fixed {
				got[l.Resource] += l.Monthly
			}
			var total float64
			for id, w := range want {
				total += w
				if !near(got[id], w) {
					t.Errorf("%s: %s costs %.4f a month, want %.4f", region, id, got[id], w)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%s: priced %v, want exactly %v", region, keys(got), keys(want))
			}
			if !near(r.Total, total) {
				t.Errorf("%s: total %.4f, want %.4f", region, r.Total, total)
			}
			if len(r.Unpriced) != 0 {
				t.Errorf("%s: unpriced %v", region, r.Unpriced)
			}
		})
	}
	// The two regions' totals differ (NAT, endpoints, ALB), so a report
	// priced from the wrong region's table is caught too.
	eu, us := Estimate("S", "eu-west-1", tmpl), Estimate("S", "us-east-1", tmpl)
	if near(eu.Total, us.Total) {
		t.Errorf("eu-west-1 and us-east-1 totals are both %.2f", eu.Total)
	}
}

func keys(m map[string]float64) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return fmt.Sprint(out)
}

// TestTaskSizeAtZero: a task definition whose Cpu or Memory is 0 or missing
// has no size to price; the service is listed as unpriced, never priced at
// a partial size.
func TestTaskSizeAtZero(t *testing.T) {
	for _, td := range []string{`"Cpu": "0", "Memory": "1024"`, `"Cpu": "512", "Memory": "0"`, `"Memory": "1024"`, `"Cpu": "512"`} {
		r := estimate(t, `"S": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 1, "TaskDefinition": {"Ref": "T"}}},
		  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {`+td+`}}`)
		if len(r.Fixed) != 0 || len(r.Unpriced) != 1 || r.Unpriced[0] != "AWS::ECS::Service (task size not in the template)" {
			t.Errorf("%s: want the service unpriced, got fixed %+v, unpriced %v", td, r.Fixed, r.Unpriced)
		}
	}
	// The smallest size that has one is priced.
	r := estimate(t, `"S": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 1, "TaskDefinition": {"Ref": "T"}}},
	  "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Cpu": "256", "Memory": "512"}}`)
	if len(r.Fixed) != 1 || !near(r.Total, 730*(0.25*0.04048+0.5*0.004445)) {
		t.Errorf("256/512: got %+v", r.Fixed)
	}
}

// TestEndpointWithoutSubnets: an interface endpoint's price is per AZ (per
// subnet); one without subnets has no network interface to bill.
func TestEndpointWithoutSubnets(t *testing.T) {
	r := estimate(t, `"V": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface"}}`)
	if len(r.Fixed) != 1 || r.Total != 0 || !strings.Contains(r.Fixed[0].What, "0 AZ × 730 h") {
		t.Errorf("got %+v", r.Fixed)
	}
	r = estimate(t, `"V": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface", "SubnetIds": "subnet-1"}}`)
	if len(r.Fixed) != 1 || !near(r.Total, 730*0.01) {
		t.Errorf("a single subnet id: got %+v", r.Fixed)
	}
}
