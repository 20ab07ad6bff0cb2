package fargateservice_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// managedGroup is the web ACL rule of an AWS managed rule group that blocks
// what it matches.
func managedGroup(name string, priority int) M {
	return M{
		"Name": name, "Priority": priority,
		"Statement":        M{"ManagedRuleGroupStatement": M{"VendorName": "AWS", "Name": name}},
		"OverrideAction":   M{"None": M{}},
		"VisibilityConfig": M{"CloudWatchMetricsEnabled": true, "MetricName": name, "SampledRequestsEnabled": true},
	}
}

// rateRule is the rate-based rule blocking one client IP above limit
// requests per window seconds.
func rateRule(priority, limit, window int) M {
	return M{
		"Name": "RateLimitPerClientIp", "Priority": priority,
		"Statement":        M{"RateBasedStatement": M{"Limit": limit, "EvaluationWindowSec": window, "AggregateKeyType": "IP"}},
		"Action":           M{"Block": M{}},
		"VisibilityConfig": M{"CloudWatchMetricsEnabled": true, "MetricName": "RateLimitPerClientIp", "SampledRequestsEnabled": true},
	}
}

// suppressed lists the cdk-nag rules suppressed on a resource.
func suppressed(t *testing.T, s *testkit.Stack, id string) []string {
	t.Helper()
	meta, _ := s.Resource(t, id)["Metadata"].(map[string]any)
	nag, _ := meta["cdk_nag"].(map[string]any)
	var out []string
	for _, r := range list(nag["rules_to_suppress"]) {
		m, _ := r.(map[string]any)
		out = append(out, m["id"].(string))
	}
	return out
}

func TestWafDefaults(t *testing.T) {
	s := stack(t, "Web")
	webAcl := s.LogicalID(t, "Api/WebAcl")
	run(t, s, []assertion{
		{"web ACL: regional, allow by default, the three default managed groups in order, then the rate limit (2,000 per 5 min per IP)", "AWS::WAFv2::WebACL", M{
			"Scope":            "REGIONAL",
			"DefaultAction":    M{"Allow": M{}},
			"Description":      "Edge protection of Web/Api",
			"VisibilityConfig": M{"CloudWatchMetricsEnabled": true, "MetricName": "Web-Api-WebAcl", "SampledRequestsEnabled": true},
			"Rules": L{
				managedGroup("AWSManagedRulesCommonRuleSet", 0),
				managedGroup("AWSManagedRulesKnownBadInputsRuleSet", 1),
				managedGroup("AWSManagedRulesAmazonIpReputationList", 2),
				rateRule(3, 2000, 300),
			},
			// CloudFormation names it: no fixed name to collide on replacement.
			"Name": absent(),
		}},
		{"web ACL associated with the load balancer", "AWS::WAFv2::WebACLAssociation", M{
			"ResourceArn": s.Ref(t, "Api/LoadBalancer"),
			"WebACLArn":   M{"Fn::GetAtt": L{webAcl, "Arn"}},
		}},
		{"WAF logging: to the aws-waf-logs- group (ARN without :*), authorization and cookie redacted", "AWS::WAFv2::LoggingConfiguration", M{
			"ResourceArn":           M{"Fn::GetAtt": L{webAcl, "Arn"}},
			"LogDestinationConfigs": L{"arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-Web-Api-WafLogs"},
			"RedactedFields": L{
				M{"SingleHeader": M{"Name": "authorization"}},
				M{"SingleHeader": M{"Name": "cookie"}},
			},
		}},
		{"WAF log group: the required prefix, the service's key, a year's retention", "AWS::Logs::LogGroup", M{
			"LogGroupName": "aws-waf-logs-Web-Api-WafLogs", "KmsKeyId": s.Arn(t, "Api/Key"), "RetentionInDays": 365,
		}},
		{"alarm: 100 or more blocked requests in 5 minutes, to the topic", "AWS::CloudWatch::Alarm", M{
			"Namespace": "AWS/WAFV2", "MetricName": "BlockedRequests", "Statistic": "Sum", "Period": 300,
			"Dimensions": L{
				M{"Name": "Region", "Value": "eu-west-1"},
				M{"Name": "Rule", "Value": "ALL"},
				M{"Name": "WebACL", "Value": "Web-Api-WebAcl"},
			},
			"Threshold": 100, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"AlarmActions": L{alarmTopicArn}, "OKActions": L{alarmTopicArn},
		}},
	})
	for typ, n := range map[string]int{
		"AWS::WAFv2::WebACL": 1, "AWS::WAFv2::WebACLAssociation": 1, "AWS::WAFv2::LoggingConfiguration": 1, "AWS::Logs::LogGroup": 2,
	} {
		t.Run("count "+typ, func(t *testing.T) { s.ResourceCountIs(t, typ, n) })
	}
	t.Run("logging waits for the log group", func(t *testing.T) {
		s.HasResource(t, "AWS::WAFv2::LoggingConfiguration", M{"DependsOn": arrayWith(L{s.LogicalID(t, "Api/WafLogs")})})
	})
	t.Run("WAF log group retained like the other stateful resources", func(t *testing.T) {
		r := s.Resource(t, s.LogicalID(t, "Api/WafLogs"))
		if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("DeletionPolicy %v, UpdateReplacePolicy %v", r["DeletionPolicy"], r["UpdateReplacePolicy"])
		}
	})
	t.Run("no ALBWAFEnabled suppression: the load balancer has a web ACL", func(t *testing.T) {
		if got := suppressed(t, s, s.LogicalID(t, "Api/LoadBalancer")); slices.Contains(got, "NIST.800.53.R5-ALBWAFEnabled") {
			t.Errorf("suppressions %v", got)
		}
	})
}

func TestWafTuned(t *testing.T) {
	s := stack(t, "Edge")
	run(t, s, []assertion{
		{"web ACL: the chosen groups, one counting as a whole, two rules counting, 300 per minute", "AWS::WAFv2::WebACL", M{
			"Rules": L{
				M{
					"Name": "AWSManagedRulesCommonRuleSet", "Priority": 0,
					"Statement": M{"ManagedRuleGroupStatement": M{"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet",
						"RuleActionOverrides": L{
							M{"Name": "SizeRestrictions_BODY", "ActionToUse": M{"Count": M{}}},
							M{"Name": "NoUserAgent_HEADER", "ActionToUse": M{"Count": M{}}},
						}}},
					"OverrideAction":   M{"None": M{}},
					"VisibilityConfig": like(M{"MetricName": "AWSManagedRulesCommonRuleSet"}),
				},
				managedGroup("AWSManagedRulesSQLiRuleSet", 1),
				like(M{"Name": "AWSManagedRulesAnonymousIpList", "Priority": 2, "OverrideAction": M{"Count": M{}}}),
				rateRule(3, 300, 60),
			},
		}},
		{"WAF logs kept two years", "AWS::Logs::LogGroup", M{"LogGroupName": "aws-waf-logs-Edge-Api-WafLogs", "RetentionInDays": 731}},
		{"blocked-requests alarm at the custom threshold", "AWS::CloudWatch::Alarm", M{"MetricName": "BlockedRequests", "Threshold": 500}},
		{"opt-out: plain HTTP to the targets, health check too", "AWS::ElasticLoadBalancingV2::TargetGroup", M{
			"Protocol": "HTTP", "HealthCheckProtocol": "HTTP",
		}},
		{"opt-out: the container health check follows (http, no -k)", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{"Name": "app", "HealthCheck": like(M{
				"Command": L{"CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"},
			})})}),
		}},
	})
	t.Run("plain HTTP is warned, with the reason", func(t *testing.T) {
		s.HasWarning(t, "TargetProtocolHTTP: the load balancer sends requests and health checks to the tasks unencrypted")
		s.HasWarning(t, "reason given: the legacy image cannot serve TLS yet (TICKET-42)")
	})
}

func TestWafOff(t *testing.T) {
	tests := []struct {
		name, stack, why string
	}{
		{"disabled on an internet-facing load balancer", "NoWaf", "Waf.Disable"},
		{"internal load balancer (default off)", "Custom", "internal load balancer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := stack(t, tc.stack)
			for _, typ := range []string{"AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation", "AWS::WAFv2::LoggingConfiguration"} {
				s.ResourceCountIs(t, typ, 0)
			}
			s.ResourceCountIs(t, "AWS::Logs::LogGroup", 1)
			if got := suppressed(t, s, s.LogicalID(t, "Api/LoadBalancer")); !slices.Contains(got, "NIST.800.53.R5-ALBWAFEnabled") {
				t.Errorf("ALBWAFEnabled not suppressed on the load balancer: %v", got)
			}
			meta, _ := s.Resource(t, s.LogicalID(t, "Api/LoadBalancer"))["Metadata"].(map[string]any)
			if !jsonContains(meta, tc.why) {
				t.Errorf("the suppression's reason does not mention %q: %v", tc.why, meta)
			}
		})
	}
	t.Run("disabling is warned", func(t *testing.T) {
		stack(t, "NoWaf").HasWarning(t, "Waf.Disable: the internet-facing load balancer has no AWS WAF web ACL")
	})
}

// jsonContains reports whether v's JSON contains text.
func jsonContains(v any, text string) bool {
	b, err := json.Marshal(v)
	return err == nil && strings.Contains(string(b), text)
}
