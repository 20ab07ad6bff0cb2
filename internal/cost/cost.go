// Package cost estimates the fixed monthly cost of what a synthesized
// CloudFormation template declares: the resources billed by the hour or the
// month whatever the traffic (NAT gateways, interface endpoints, load
// balancers, Fargate tasks, KMS keys, secrets, alarms, dashboards, public
// IPv4 addresses, AWS WAF web ACLs and their rules, Route 53 hosted zones). Usage-priced resources (Lambda, API requests, DynamoDB
// on-demand, S3 storage, logs, data transfer) are listed as "varies with
// traffic"; a type the table does not know is listed as unpriced, never
// dropped.
package cost

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// HoursPerMonth is AWS's billing convention (730 h = 8,760 h / 12).
const HoursPerMonth = 730

// PriceTable is one region's on-demand list prices, in USD.
type PriceTable struct {
	Region, Source, Date string

	NatGatewayHour, InterfaceEndpointAZHour, PublicIPv4Hour, ALBHour float64
	FargateVCPUHour, FargateGBHour                                   map[string]float64 // by CPU architecture
	FargateSpotDiscount                                              float64
	KMSKeyMonth, SecretMonth, AlarmMonth, DashboardMonth             float64
	// AuroraACUHour is Aurora Serverless v2 capacity (Aurora Standard), per
	// ACU-hour; storage, I/O and backups beyond the cluster size are usage.
	AuroraACUHour float64
	// WebACLMonth and WAFRuleMonth are AWS WAF's fixed charges: a web ACL,
	// and each rule in it (an AWS managed rule group counts as one rule);
	// requests ($0.60 per million) vary with traffic.
	WebACLMonth, WAFRuleMonth float64
	// HostedZoneMonth is a Route 53 hosted zone (the first 25 of an
	// account). Records cost nothing to keep; alias queries to AWS resources
	// are free, other queries vary with traffic.
	HostedZoneMonth float64
}

// Tables are the price tables by region. us-east-1 carries the guidance's
// figures (its Cost Optimization section quotes N. Virginia); eu-west-1,
// where Groundwork's environments run, the list prices for Ireland. Free
// tiers (10 alarms and 3 dashboards per account) are not deducted.
var Tables = map[string]PriceTable{
	"us-east-1": {
		Region: "us-east-1", Date: "2024-06",
		Source:         "the guidance (NAT gateway, interface endpoints); aws.amazon.com/<service>/pricing for the rest",
		NatGatewayHour: 0.045, InterfaceEndpointAZHour: 0.01, PublicIPv4Hour: 0.005, ALBHour: 0.0225,
		FargateVCPUHour:     map[string]float64{"X86_64": 0.04048, "ARM64": 0.03238},
		FargateGBHour:       map[string]float64{"X86_64": 0.004445, "ARM64": 0.00356},
		FargateSpotDiscount: 0.70, KMSKeyMonth: 1.00, SecretMonth: 0.40, AlarmMonth: 0.10, DashboardMonth: 3.00,
		AuroraACUHour: 0.12,
		WebACLMonth:   5.00, WAFRuleMonth: 1.00, HostedZoneMonth: 0.50,
	},
	"eu-west-1": {
		Region: "eu-west-1", Date: "2024-06",
		Source:         "aws.amazon.com/<service>/pricing, Europe (Ireland) on-demand list prices",
		NatGatewayHour: 0.048, InterfaceEndpointAZHour: 0.011, PublicIPv4Hour: 0.005, ALBHour: 0.0252,
		FargateVCPUHour:     map[string]float64{"X86_64": 0.04048, "ARM64": 0.03238},
		FargateGBHour:       map[string]float64{"X86_64": 0.004445, "ARM64": 0.00356},
		FargateSpotDiscount: 0.70, KMSKeyMonth: 1.00, SecretMonth: 0.40, AlarmMonth: 0.10, DashboardMonth: 3.00,
		// Aurora Serverless v2 in Ireland: the list price as remembered,
		// not re-checked against the pricing page (no network here).
		AuroraACUHour: 0.13,
		WebACLMonth:   5.00, WAFRuleMonth: 1.00, HostedZoneMonth: 0.50,
	},
}

// DefaultRegion is the table used for a region the package does not know.
const DefaultRegion = "us-east-1"

// Table returns region's price table, or DefaultRegion's (and false).
func Table(region string) (PriceTable, bool) {
	if t, ok := Tables[region]; ok {
		return t, true
	}
	return Tables[DefaultRegion], false
}

// Line is one priced resource.
type Line struct {
	Resource string  `json:"resource"` // logical id
	Type     string  `json:"type"`
	What     string  `json:"what"` // how the price was computed
	Monthly  float64 `json:"monthly"`
}

// Report is the estimate for one stack.
type Report struct {
	Stack string `json:"stack"`
	// Region is the price table used: StackRegion's, or DefaultRegion's
	// when UnknownRegion.
	Region string `json:"region"`
	// StackRegion is the stack's own region, as passed to Estimate
	// ("unknown-region" for an environment-agnostic stack).
	StackRegion string `json:"stackRegion"`
	// UnknownRegion is set when there is no table for StackRegion, so the
	// figures are DefaultRegion's list prices, not the stack's.
	UnknownRegion bool `json:"unknownRegion"`
	// Fixed are the resources with a fixed monthly cost.
	Fixed []Line `json:"fixed"`
	// Total is the sum of Fixed.
	Total float64 `json:"total"`
	// Varies lists usage-priced resources: "<type> <logical id>".
	Varies []string `json:"variesWithTraffic"`
	// Unpriced lists resource types the table does not know.
	Unpriced []string `json:"unpriced"`
}

// usage are types whose cost depends only on use. EventBridge: a custom
// bus's events are $1.00 per million published, an archive $0.10 per GB
// archived plus $0.023 per GB-month stored, a pipe $0.40 per million
// requests (after filtering); SQS $0.40 per million requests.
var usage = set("AWS::Lambda::Function", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::DynamoDB::Table",
	"AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::EC2::FlowLog",
	"AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::Budgets::Budget",
	"AWS::Events::EventBus", "AWS::Events::Archive", "AWS::Pipes::Pipe",
	// Aurora storage, I/O and backups beyond the cluster size; the rotation
	// function's invocations.
	"AWS::RDS::DBCluster", "AWS::Serverless::Application", "AWS::ApiGatewayV2::DomainName")

// usageWhy are usage-priced types whose report line says what is billed.
var usageWhy = map[string]string{
	"AWS::Config::ConfigurationRecorder": "configuration items recorded",
	"AWS::Config::ConfigRule":            "rule evaluations",
	"AWS::GuardDuty::Detector":           "events and logs analysed: CloudTrail, VPC flow logs, DNS, S3 data events",
	"AWS::SecurityHub::Hub":              "findings ingested",
	"AWS::SecurityHub::Standard":         "security checks run by the standard's controls",
}

// free are types with no charge of their own.
var free = set("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route",
	"AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment",
	"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
	"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy",
	"AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy", "AWS::SNS::Subscription", "AWS::KMS::Alias",
	"AWS::SSM::Parameter", "AWS::Lambda::Permission", "AWS::Lambda::EventInvokeConfig", "AWS::CDK::Metadata",
	"AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer",
	"AWS::ECS::TaskDefinition", "AWS::ECS::ClusterCapacityProviderAssociations",
	"AWS::ElasticLoadBalancingV2::Listener", "AWS::ApplicationAutoScaling::ScalableTarget",
	"AWS::ApplicationAutoScaling::ScalingPolicy", "AWS::Logs::ResourcePolicy", "AWS::SecretsManager::ResourcePolicy",
	// Rules are free (the bus's events are charged); an SQS event source
	// mapping is free (its polling is billed as the queue's requests).
	"AWS::Events::Rule", "AWS::Lambda::EventSourceMapping",
	// AWS service events on the default event bus are free to match and deliver.
	"AWS::Logs::MetricFilter", "AWS::Config::DeliveryChannel", "AWS::IAM::ServiceLinkedRole",
	"AWS::RDS::DBSubnetGroup", "AWS::RDS::DBClusterParameterGroup", "AWS::SecretsManager::SecretTargetAttachment",
	"AWS::SecretsManager::RotationSchedule",

	"AWS::WAFv2::WebACLAssociation", "AWS::WAFv2::LoggingConfiguration", "AWS::ApiGatewayV2::ApiMapping")

// Estimate prices one template with the price table of region (see Table).
func Estimate(stack, region string, template map[string]any) Report {
	p, known := Table(region)
	r := Report{Stack: stack, Region: p.Region, StackRegion: region, UnknownRegion: !known}
	resources, _ := template["Resources"].(map[string]any)
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	unpriced := map[string]bool{}
	for _, id := range ids {
		res, _ := resources[id].(map[string]any)
		typ, _ := res["Type"].(string)
		props, _ := res["Properties"].(map[string]any)
		add := func(what string, monthly float64) {
			r.Fixed = append(r.Fixed, Line{Resource: id, Type: typ, What: what, Monthly: monthly})
		}
		switch {
		case typ == "AWS::EC2::NatGateway":
			add(fmt.Sprintf("%d h × $%.3f", HoursPerMonth, p.NatGatewayHour), HoursPerMonth*p.NatGatewayHour)
		case typ == "AWS::EC2::EIP":
			add(fmt.Sprintf("public IPv4, %d h × $%.3f", HoursPerMonth, p.PublicIPv4Hour), HoursPerMonth*p.PublicIPv4Hour)
		case typ == "AWS::EC2::VPCEndpoint":
			if props["VpcEndpointType"] != "Interface" {
				continue // gateway endpoints (S3, DynamoDB) are free
			}
			azs := len(list(props["SubnetIds"]))
			add(fmt.Sprintf("%d AZ × %d h × $%.3f", azs, HoursPerMonth, p.InterfaceEndpointAZHour),
				float64(azs)*HoursPerMonth*p.InterfaceEndpointAZHour)
		case typ == "AWS::ElasticLoadBalancingV2::LoadBalancer":
			if props["Type"] == nil || props["Type"] == "application" {
				add(fmt.Sprintf("ALB, %d h × $%.4f (LCUs vary with traffic)", HoursPerMonth, p.ALBHour), HoursPerMonth*p.ALBHour)
				if props["Scheme"] != "internal" {
					n := len(list(props["Subnets"]))
					add(fmt.Sprintf("ALB public IPv4, %d AZ × %d h × $%.3f", n, HoursPerMonth, p.PublicIPv4Hour),
						float64(n)*HoursPerMonth*p.PublicIPv4Hour)
				}
			} else {
				unpriced[typ+" ("+fmt.Sprint(props["Type"])+")"] = true
			}
		case typ == "AWS::ECS::Cluster":
			// Container Insights bills its metrics and performance logs by use.
			if insights(props) {
				r.Varies = append(r.Varies, typ+" "+id+" (Container Insights)")
			}
		case typ == "AWS::ECS::Service":
			what, monthly, ok := fargate(p, id, props, resources)
			if ok {
				add(what, monthly)
			} else {
				unpriced[typ+" (task size not in the template)"] = true
			}
		case typ == "AWS::RDS::DBInstance" && props["DBInstanceClass"] == "db.serverless":
			minACU, ok := auroraMinCapacity(props, resources)
			switch {
			case !ok:
				unpriced[typ+" (cluster capacity not in the template)"] = true
			case minACU == 0:
				add("Serverless v2 at its minimum, 0 ACU (scales to zero; ACU-hours vary with use)", 0)
			default:
				add(fmt.Sprintf("Serverless v2 at its minimum, %g ACU × %d h × $%.2f (more ACU-hours with load)", minACU, HoursPerMonth, p.AuroraACUHour),
					minACU*HoursPerMonth*p.AuroraACUHour)
			}
		case typ == "AWS::KMS::Key":
			add("customer-managed key", p.KMSKeyMonth)
		case typ == "AWS::SecretsManager::Secret":
			add("secret", p.SecretMonth)
		case typ == "AWS::CloudWatch::Alarm":
			add("standard-resolution alarm", p.AlarmMonth)
		case typ == "AWS::CloudWatch::Dashboard":
			add("dashboard", p.DashboardMonth)
		case typ == "AWS::CloudTrail::Trail":
			// The first copy of management events in each region is free;
			// data events are billed per 100,000.
			if dataEvents(props) {
				r.Varies = append(r.Varies, typ+" "+id+" (data events; management events: first trail free)")
			}
		case typ == "AWS::AccessAnalyzer::Analyzer":
			// External access analyzers are free; unused access is billed
			// per IAM role and user analysed each month.
			if t, _ := props["Type"].(string); strings.HasSuffix(t, "_UNUSED_ACCESS") {
				r.Varies = append(r.Varies, typ+" "+id+" (IAM roles and users analysed)")
			}
		case usageWhy[typ] != "":
			r.Varies = append(r.Varies, typ+" "+id+" ("+usageWhy[typ]+")")
		case typ == "AWS::WAFv2::WebACL":
			rules := list(props["Rules"])
			groups := 0
			for _, r := range rules {
				if m, ok := r.(map[string]any); ok {
					if st, ok := m["Statement"].(map[string]any); ok && st["ManagedRuleGroupStatement"] != nil {
						groups++
					}
				}
			}
			add(fmt.Sprintf("web ACL $%.2f + %d rules × $%.2f (%d managed rule groups, each one rule); requests $0.60/million vary with traffic",
				p.WebACLMonth, len(rules), p.WAFRuleMonth, groups), p.WebACLMonth+float64(len(rules))*p.WAFRuleMonth)
		case typ == "AWS::Route53::HostedZone":
			add("hosted zone (queries vary with traffic)", p.HostedZoneMonth)
		case typ == "AWS::Route53::RecordSet":
			if props["AliasTarget"] != nil {
				// Free to keep; alias queries to AWS resources are free.
				continue
			}
			r.Varies = append(r.Varies, typ+" "+id+" (queries)")
		case usage[typ]:
			r.Varies = append(r.Varies, typ+" "+id)
		case free[typ] || len(typ) > 8 && typ[:8] == "Custom::":
		default:
			unpriced[typ] = true
		}
	}
	for _, l := range r.Fixed {
		r.Total += l.Monthly
	}
	for t := range unpriced {
		r.Unpriced = append(r.Unpriced, t)
	}
	sort.Strings(r.Unpriced)
	return r
}

// dataEvents reports whether a trail records data events (advanced or basic
// event selectors).
func dataEvents(props map[string]any) bool {
	for _, sel := range list(props["AdvancedEventSelectors"]) {
		m, _ := sel.(map[string]any)
		for _, f := range list(m["FieldSelectors"]) {
			fm, _ := f.(map[string]any)
			if fm["Field"] == "eventCategory" {
				for _, v := range list(fm["Equals"]) {
					if v == "Data" {
						return true
					}
				}
			}
		}
	}
	for _, sel := range list(props["EventSelectors"]) {
		if m, _ := sel.(map[string]any); len(list(m["DataResources"])) > 0 {
			return true
		}
	}
	return false
}

// auroraMinCapacity is the Serverless v2 minimum capacity of the cluster a
// DB instance belongs to (by Ref in the same template).
func auroraMinCapacity(props, resources map[string]any) (float64, bool) {
	ref, _ := props["DBClusterIdentifier"].(map[string]any)
	id, _ := ref["Ref"].(string)
	cluster, _ := resources[id].(map[string]any)
	cp, _ := cluster["Properties"].(map[string]any)
	scaling, _ := cp["ServerlessV2ScalingConfiguration"].(map[string]any)
	if scaling == nil {
		return 0, false
	}
	v := num(scaling["MinCapacity"])
	return v, v >= 0
}

// insights reports whether a cluster has Container Insights on.
func insights(props map[string]any) bool {
	for _, s := range list(props["ClusterSettings"]) {
		if m, ok := s.(map[string]any); ok && m["Name"] == "containerInsights" && m["Value"] != "disabled" {
			return true
		}
	}
	return false
}

// fargate prices a service's desired tasks from its task definition, the
// share that its CapacityProviderStrategy places on FARGATE_SPOT at the Spot
// discount and the rest (FARGATE, or any other provider) at on-demand prices.
// An autoscaled service carries no DesiredCount: its floor is the scalable
// target's MinCapacity, which is what it costs at the least.
func fargate(p PriceTable, id string, props map[string]any, resources map[string]any) (string, float64, bool) {
	desired := num(props["DesiredCount"])
	floor := ""
	if desired < 0 {
		if min, ok := scalingMinimum(id, resources); ok {
			desired, floor = min, " (the autoscaling minimum)"
		} else {
			desired = 1 // CloudFormation's default
		}
	}
	ref, _ := props["TaskDefinition"].(map[string]any)
	tdID, _ := ref["Ref"].(string)
	td, _ := resources[tdID].(map[string]any)
	tdProps, _ := td["Properties"].(map[string]any)
	cpu, mem := num(tdProps["Cpu"]), num(tdProps["Memory"])
	if cpu <= 0 || mem <= 0 {
		return "", 0, false
	}
	arch := "X86_64"
	if rp, ok := tdProps["RuntimePlatform"].(map[string]any); ok && rp["CpuArchitecture"] == "ARM64" {
		arch = "ARM64"
	}
	vcpu, gb := cpu/1024, mem/1024
	hourly := vcpu*p.FargateVCPUHour[arch] + gb*p.FargateGBHour[arch]
	noun := "tasks"
	if desired == 1 {
		noun = "task"
	}
	what := fmt.Sprintf("%g %s%s × (%g vCPU + %g GB) %s, %d h", desired, noun, floor, vcpu, gb, arch, HoursPerMonth)
	shares := split(desired, list(props["CapacityProviderStrategy"]))
	var spot float64
	var parts []string
	for _, s := range shares {
		detail := fmt.Sprintf("weight %g", s.weight)
		if s.base > 0 {
			detail = fmt.Sprintf("base %g, %s", s.base, detail)
		}
		if s.provider == SpotProvider {
			spot = s.tasks
			detail += fmt.Sprintf(", ~%.0f%% off", p.FargateSpotDiscount*100)
		}
		parts = append(parts, fmt.Sprintf("%s on %s (%s)", tasks(s.tasks), s.provider, detail))
	}
	if len(parts) > 0 {
		what += "; " + strings.Join(parts, ", ")
		if equalWeights(shares) {
			what += "; all weights 0, split equally"
		}
	}
	monthly := ((desired-spot)*hourly + spot*hourly*(1-p.FargateSpotDiscount)) * HoursPerMonth
	return what, monthly, true
}

// scalingMinimum is the MinCapacity of the ECS scalable target whose
// ResourceId refers to the service with logical id id.
func scalingMinimum(id string, resources map[string]any) (float64, bool) {
	for _, r := range resources {
		res, _ := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		if res["Type"] != "AWS::ApplicationAutoScaling::ScalableTarget" || props["ScalableDimension"] != "ecs:service:DesiredCount" {
			continue
		}
		raw, _ := json.Marshal(props["ResourceId"])
		if strings.Contains(string(raw), `"`+id+`"`) {
			if min := num(props["MinCapacity"]); min >= 0 {
				return min, true
			}
		}
	}
	return 0, false
}

// SpotProvider is the capacity provider priced at the Fargate Spot discount.
const SpotProvider = "FARGATE_SPOT"

// share is one capacity provider's part of a service's desired tasks.
type share struct {
	provider     string
	base, weight float64
	tasks        float64 // expected tasks on the provider (may be fractional)
}

// split divides desired tasks over a CapacityProviderStrategy the way ECS
// places them: each provider's Base tasks first (in strategy order, as far as
// the desired count goes; ECS allows a Base on one provider only), then the
// rest in proportion to Weight (default 0). If every weight is 0 the rest is
// split equally. A provider listed twice (which ECS rejects) counts once,
// with its bases and weights added, so a discount is never applied twice.
// An empty strategy gives no shares.
func split(desired float64, strategy []any) []share {
	var shares []share
	index := map[string]int{}
	for _, e := range strategy {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		name := fmt.Sprint(m["CapacityProvider"])
		i, seen := index[name]
		if !seen {
			i = len(shares)
			index[name] = i
			shares = append(shares, share{provider: name})
		}
		shares[i].base += max(num(m["Base"]), 0)
		shares[i].weight += max(num(m["Weight"]), 0)
	}
	rest := desired
	var total float64
	for i := range shares {
		shares[i].tasks = min(shares[i].base, rest)
		rest -= shares[i].tasks
		total += shares[i].weight
	}
	for i := range shares {
		w, t := shares[i].weight, total
		if total == 0 {
			w, t = 1, float64(len(shares))
		}
		shares[i].tasks += rest * w / t
	}
	return shares
}

func equalWeights(shares []share) bool {
	for _, s := range shares {
		if s.weight != 0 {
			return false
		}
	}
	return len(shares) > 0
}

// tasks formats a task count to two decimals at most ("1", "1.5", "0.67").
func tasks(n float64) string {
	return strconv.FormatFloat(math.Round(n*100)/100, 'f', -1, 64)
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// num reads a number that CloudFormation may hold as a string ("512").
func num(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case string:
		var f float64
		if _, err := fmt.Sscanf(v, "%g", &f); err == nil {
			return f
		}
	}
	return -1
}

func set(items ...string) map[string]bool {
	m := map[string]bool{}
	for _, i := range items {
		m[i] = true
	}
	return m
}
