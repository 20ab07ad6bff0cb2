package fargateservice

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/validate"
)

// WafOptions configures the AWS WAF web ACL in front of the load balancer
// (the guidance's edge protection). Zero fields take the defaults shown.
//
// The web ACL is regional and associated with the load balancer. It runs the
// managed rule groups in ManagedRuleGroups (in that order, blocking what they
// match), then a rate-based rule that blocks a client IP above RateLimit
// requests per RateLimitWindow, and allows everything else. Its logs go to a
// log group named "aws-waf-logs-…" (the prefix AWS WAF requires), encrypted
// with the service's customer-managed key, with the authorization and cookie
// headers redacted.
type WafOptions struct {
	// Disable removes the web ACL of an internet-facing load balancer. It is
	// warned at synthesis; use it only where another layer (CloudFront with
	// its own web ACL, a firewall appliance) filters the traffic.
	// Default: false (a web ACL for an internet-facing load balancer).
	Disable bool

	// Enable gives an Internal load balancer a web ACL too.
	// Default: false (an internal load balancer, reachable from the VPC only,
	// has none).
	Enable bool

	// ManagedRuleGroups are AWS managed rule groups (vendor AWS), by name,
	// from WafManagedRuleGroups. Each costs $1 a month plus its share of the
	// request charges.
	// Default: DefaultWafManagedRuleGroups (core rule set, known bad inputs,
	// Amazon IP reputation list).
	ManagedRuleGroups []string

	// CountRuleGroups are managed rule groups (from ManagedRuleGroups) whose
	// matches are counted, not blocked (override action Count): to try a group
	// out on real traffic before it blocks.
	// Default: none (every group blocks).
	CountRuleGroups []string

	// CountRules maps a managed rule group (from ManagedRuleGroups) to rules
	// in it whose action is Count instead of Block (the group's
	// RuleActionOverrides), e.g. {"AWSManagedRulesCommonRuleSet":
	// {"SizeRestrictions_BODY"}} for an API that accepts large bodies.
	// Default: none.
	CountRules map[string][]string

	// RateLimit is the number of requests one client IP may send in
	// RateLimitWindow; above it, its requests are blocked until the rate
	// falls. AWS WAF accepts 10 to 2,000,000,000.
	// Default: DefaultWafRateLimit (2,000 per 5 minutes, about 6.7 requests a
	// second sustained per client).
	RateLimit int

	// RateLimitWindow is the window RateLimit counts over: 1, 2, 5 or 10
	// minutes (AWS WAF's EvaluationWindowSec).
	// Default: 5 minutes.
	RateLimitWindow time.Duration

	// LogRetention is how long the WAF logs are kept.
	// Default: DefaultWafLogRetention (a year: they are the security record
	// of who was blocked and why, like the load balancer's access logs; AWS
	// Control Tower CT.CLOUDWATCH.PR.2 asks a year or more).
	LogRetention awslogs.RetentionDays
}

// AWS managed rule groups (vendor AWS) that Groundwork accepts by name: the
// baseline, use-case and IP reputation groups, which need no configuration
// and carry no fee beyond the $1 a month of a rule group. Bot Control, fraud
// control (ATP, ACFP) and anti-DDoS groups are priced per request and need
// configuration: add them through WebAcl (the escape hatch).
var WafManagedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesAnonymousIpList",
	"AWSManagedRulesAdminProtectionRuleSet",
	"AWSManagedRulesSQLiRuleSet",
	"AWSManagedRulesLinuxRuleSet",
	"AWSManagedRulesUnixRuleSet",
	"AWSManagedRulesWindowsRuleSet",
	"AWSManagedRulesPHPRuleSet",
	"AWSManagedRulesWordPressRuleSet",
}

// DefaultWafManagedRuleGroups are the managed rule groups of the default web
// ACL: OWASP-style common rules, known bad inputs (e.g. Log4j exploits) and
// Amazon threat intelligence's IP reputation list.
var DefaultWafManagedRuleGroups = []string{
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesAmazonIpReputationList",
}

// WAF defaults and limits.
const (
	// DefaultWafRateLimit is the default requests per client IP per window.
	DefaultWafRateLimit = 2000
	// DefaultWafRateLimitWindow is the default rate-limit window.
	DefaultWafRateLimitWindow = 5 * time.Minute
	// MinWafRateLimit and MaxWafRateLimit are AWS WAF's bounds of a
	// rate-based rule's Limit (AWS WAF Developer Guide, rate-based rule
	// statement).
	MinWafRateLimit = 10
	MaxWafRateLimit = 2_000_000_000
	// WafLogGroupPrefix is the prefix AWS WAF requires of a CloudWatch Logs
	// log group it logs to.
	WafLogGroupPrefix = "aws-waf-logs-"
	// DefaultWafLogRetention is how long the WAF logs are kept by default.
	DefaultWafLogRetention = awslogs.RetentionDays_ONE_YEAR
	// WafRateLimitRule is the name of the rate-based rule.
	WafRateLimitRule = "RateLimitPerClientIp"
)

// WafRedactedHeaders are the headers redacted in the WAF logs: credentials
// and session tokens must not reach the logs.
var WafRedactedHeaders = []string{"authorization", "cookie"}

// wafWindows are the rate-based rule's evaluation windows AWS WAF accepts.
var wafWindows = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}

// wafEnabled reports whether the service gets a web ACL.
func (s *settings) wafEnabled() bool {
	if s.Worker || s.Waf.Disable {
		return false
	}
	return !s.Internal || s.Waf.Enable
}

// wafDefaults fills the zero fields of the WAF options.
func (s *settings) wafDefaults() {
	w := &s.Waf
	if w.ManagedRuleGroups == nil {
		w.ManagedRuleGroups = DefaultWafManagedRuleGroups
	}
	if w.RateLimit == 0 {
		w.RateLimit = DefaultWafRateLimit
	}
	if w.RateLimitWindow == 0 {
		w.RateLimitWindow = DefaultWafRateLimitWindow
	}
	if w.LogRetention == "" {
		w.LogRetention = DefaultWafLogRetention
	}
}

// validateWaf checks the WAF options of p.
func (p *Props) validateWaf() []error {
	var errs []error
	fail := func(field string, value any, rule, fix string) {
		errs = append(errs, validate.Fail(field, value, rule, fix))
	}
	w := p.Waf
	if w.Disable && w.Enable {
		fail("Waf.Enable", true, "Waf.Disable and Waf.Enable contradict each other", "set one of them")
	}
	if w.RateLimit != 0 && (w.RateLimit < MinWafRateLimit || w.RateLimit > MaxWafRateLimit) {
		fail("Waf.RateLimit", w.RateLimit, fmt.Sprintf("AWS WAF accepts a rate-based rule limit from %d to %d requests per window (AWS WAF Developer Guide, rate-based rule statement)", MinWafRateLimit, MaxWafRateLimit),
			fmt.Sprintf("choose a limit in range, or 0 for the default (%d per %s)", DefaultWafRateLimit, DefaultWafRateLimitWindow))
	}
	if w.RateLimitWindow != 0 && !slices.Contains(wafWindows, w.RateLimitWindow) {
		fail("Waf.RateLimitWindow", w.RateLimitWindow, "AWS WAF evaluates a rate-based rule over 1, 2, 5 or 10 minutes (EvaluationWindowSec 60, 120, 300 or 600)",
			"use time.Minute, 2*time.Minute, 5*time.Minute (the default) or 10*time.Minute")
	}
	groups := w.ManagedRuleGroups
	if groups == nil {
		groups = DefaultWafManagedRuleGroups
	}
	seen := map[string]bool{}
	for i, g := range groups {
		field := fmt.Sprintf("Waf.ManagedRuleGroups[%d]", i)
		switch {
		case !slices.Contains(WafManagedRuleGroups, g):
			fail(field, g, "not an AWS managed rule group Groundwork accepts by name ("+strings.Join(WafManagedRuleGroups, ", ")+")",
				"use one of those names (AWS WAF Developer Guide, AWS Managed Rules rule groups list); configure priced groups such as Bot Control through WebAcl")
		case seen[g]:
			fail(field, g, "the group is listed twice; AWS WAF rejects two rules with the same name", "list each group once")
		}
		seen[g] = true
	}
	for i, g := range w.CountRuleGroups {
		if !seen[g] {
			fail(fmt.Sprintf("Waf.CountRuleGroups[%d]", i), g, "only a group the web ACL runs can be switched to Count", "add it to Waf.ManagedRuleGroups, or drop it here")
		}
	}
	for _, g := range slices.Sorted(maps.Keys(w.CountRules)) {
		if !seen[g] {
			fail("Waf.CountRules", g, "only rules of a group the web ACL runs can be switched to Count", "add the group to Waf.ManagedRuleGroups, or drop it here")
		}
		for _, r := range w.CountRules[g] {
			if !wafRuleName.MatchString(r) {
				fail(fmt.Sprintf("Waf.CountRules[%q]", g), r, "a rule name is 1-128 letters, digits, hyphens and underscores (AWS WAF RuleActionOverride.Name)",
					"copy the rule name from the rule group's page in the AWS WAF Developer Guide, e.g. SizeRestrictions_BODY")
			}
		}
	}
	if p.Worker && !isZeroWaf(w) {
		fail("Waf", "set", "a Worker has no load balancer, so nothing to put a web ACL in front of", "drop Waf, or drop Worker for a web service")
	}
	return errs
}

// wafRuleName is what AWS WAF accepts as a rule name.
var wafRuleName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func isZeroWaf(w WafOptions) bool {
	return !w.Disable && !w.Enable && w.ManagedRuleGroups == nil && w.CountRuleGroups == nil && w.CountRules == nil &&
		w.RateLimit == 0 && w.RateLimitWindow == 0 && w.LogRetention == ""
}

// wafMetricChars are the characters a WAF metric name may not contain.
var wafMetricChars = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// wafMetricName is the web ACL's CloudWatch metric name (the WebACL
// dimension of its metrics): the stack name and construct path.
func (fs *FargateService) wafMetricName() string {
	name := strings.TrimPrefix(kmskey.LogGroupName(fs, "WebAcl"), "/")
	name = wafMetricChars.ReplaceAllString(name, "-")
	if len(name) > 128 {
		name = name[len(name)-128:]
	}
	return name
}

// wafLogGroupName is "aws-waf-logs-<stack>-<path>".
func (fs *FargateService) wafLogGroupName() string {
	name := WafLogGroupPrefix + strings.ReplaceAll(strings.TrimPrefix(kmskey.LogGroupName(fs, "WafLogs"), "/"), "/", "-")
	if len(name) > 512 {
		name = WafLogGroupPrefix + name[len(name)-512+len(WafLogGroupPrefix):]
	}
	return name
}

// newWaf creates the web ACL, associates it with the load balancer and logs
// it to its log group (created in newLogs).
func (fs *FargateService) newWaf(s *settings) {
	w := s.Waf
	visibility := func(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true),
			MetricName:               jsii.String(metric),
			SampledRequestsEnabled:   jsii.Bool(true),
		}
	}
	var rules []any
	for i, g := range w.ManagedRuleGroups {
		stmt := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(g)}
		if names := w.CountRules[g]; len(names) > 0 {
			var overrides []any
			for _, n := range names {
				overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
					Name:        jsii.String(n),
					ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]any{}},
				})
			}
			stmt.RuleActionOverrides = overrides
		}
		override := &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}}
		if slices.Contains(w.CountRuleGroups, g) {
			override = &awswafv2.CfnWebACL_OverrideActionProperty{Count: map[string]any{}}
		}
		fs.WafRules = append(fs.WafRules, g)
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(g),
			Priority:         jsii.Number(float64(i)),
			Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: stmt},
			OverrideAction:   override,
			VisibilityConfig: visibility(g),
		})
	}
	fs.WafRules = append(fs.WafRules, WafRateLimitRule)
	rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
		Name:     jsii.String(WafRateLimitRule),
		Priority: jsii.Number(float64(len(w.ManagedRuleGroups))),
		Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
			Limit:               jsii.Number(float64(w.RateLimit)),
			EvaluationWindowSec: jsii.Number(w.RateLimitWindow.Seconds()),
			AggregateKeyType:    jsii.String("IP"),
		}},
		Action:           &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
		VisibilityConfig: visibility(WafRateLimitRule),
	})
	fs.WebAclMetricName = fs.wafMetricName()
	// No Name: CloudFormation generates one, so that a change to a
	// replace-only property never collides with a fixed name.
	fs.WebAcl = awswafv2.NewCfnWebACL(fs, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("REGIONAL"),
		Description:      jsii.String("Edge protection of " + *fs.Node().Path()),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility(fs.WebAclMetricName),
		Rules:            rules,
	})
	awswafv2.NewCfnWebACLAssociation(fs, jsii.String("WebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: fs.LoadBalancer.LoadBalancerArn(),
		WebAclArn:   fs.WebAcl.AttrArn(),
	})

	// The log destination is the log group's ARN without the ":*" suffix of
	// LogGroupArn (AWS WAF rejects it).
	stack := awscdk.Stack_Of(fs)
	dest := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"),
		ResourceName: jsii.String(fs.wafLogGroupName()), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	var redacted []any
	for _, h := range WafRedactedHeaders {
		redacted = append(redacted, &awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": h}})
	}
	fs.WafLogging = awswafv2.NewCfnLoggingConfiguration(fs, jsii.String("WafLogging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn:           fs.WebAcl.AttrArn(),
		LogDestinationConfigs: &[]any{dest},
		RedactedFields:        redacted,
	})
	fs.WafLogging.Node().AddDependency(fs.WafLogGroup)
}

// newWafLogGroup creates the WAF log group (named for WAF and for the key's
// CloudWatch Logs grant).
func (fs *FargateService) newWafLogGroup(s *settings) {
	fs.WafLogGroup = awslogs.NewLogGroup(fs, jsii.String("WafLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(fs.wafLogGroupName()),
		EncryptionKey: fs.Key,
		Retention:     s.Waf.LogRetention,
		RemovalPolicy: s.RemovalPolicy,
	})
}

// MetricWaf is a metric of the web ACL in the AWS/WAFV2 namespace, e.g.
// "AllowedRequests", "BlockedRequests" or "CountedRequests", over all its
// rules (Rule "ALL"); the sum over 5 minutes unless opts say otherwise. It
// returns nil when the service has no web ACL.
func (fs *FargateService) MetricWaf(name string, opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return fs.MetricWafRule(name, "ALL", opts)
}

// MetricWafRule is MetricWaf for one rule of WafRules ("ALL": every rule).
func (fs *FargateService) MetricWafRule(name, rule string, opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	if fs.WebAcl == nil {
		return nil
	}
	props := &awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/WAFV2"),
		MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{
			"WebACL": jsii.String(fs.WebAclMetricName),
			"Region": awscdk.Stack_Of(fs).Region(),
			"Rule":   jsii.String(rule),
		},
		Statistic: jsii.String("Sum"),
		Period:    awscdk.Duration_Minutes(jsii.Number(5)),
	}
	if opts != nil {
		if opts.Statistic != nil {
			props.Statistic = opts.Statistic
		}
		if opts.Period != nil {
			props.Period = opts.Period
		}
		props.Label = opts.Label
	}
	return awscloudwatch.NewMetric(props)
}
