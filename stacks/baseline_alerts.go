package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/alarm"
)

// BaselineMetricNamespace is the namespace of the metric filters on the
// trail's log group.
const BaselineMetricNamespace = "Groundwork/Baseline"

// AlertRulePrefix starts the name of every EventBridge rule that publishes to
// the alarm topic; the topic policy and its key allow EventBridge for rules of
// this name only.
func (c Config) AlertRulePrefix() string { return "groundwork-" + c.Name + "-alert-" }

// TrailAlarm is one CIS metric filter and alarm on the trail's log group.
type TrailAlarm struct {
	// ID names the filter ("<ID>Filter"), the metric and the alarm ("<ID>Alarm").
	ID string
	// Pattern is the CloudWatch Logs filter pattern.
	Pattern string
	// Description says what fired and what to look at first.
	Description string
}

// TrailAlarms are the alarms on the trail's log group, from the CIS AWS
// Foundations Benchmark (Security Hub controls CloudWatch.1, .5 and .9). They
// see every region's events: the trail is multi-region.
var TrailAlarms = []TrailAlarm{
	{"RootUsage", `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`,
		"The root user was used (any region, console or API). Confirm who signed in, then rotate the root password and check its MFA."},
	{"TrailChanges", `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`,
		"A CloudTrail trail was created, changed, deleted, started or stopped. Expected only during a Baseline deploy; otherwise check who did it in the trail."},
	{"RecorderChanges", `{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }`,
		"The AWS Config recorder or its delivery channel was changed or stopped. Expected only during a Baseline deploy; otherwise check who did it in the trail."},
}

// AlertRule is one EventBridge rule that sends matching events to the
// environment's alarm topic.
type AlertRule struct {
	// ID is the construct id; the rule is named AlertRulePrefix + Name.
	ID, Name string
	// Pattern is the event pattern.
	Pattern awsevents.EventPattern
	// Description says what the rule sends.
	Description string
	// Needs reports whether the rule's source is on.
	Needs func(BaselineConfig) bool
}

// AlertRules are the findings and events sent to the alarm topic.
var AlertRules = []AlertRule{
	{"GuardDutyHighFindings", "guardduty-high", awsevents.EventPattern{
		Source:     jsii.Strings("aws.guardduty"),
		DetailType: jsii.Strings("GuardDuty Finding"),
		// GuardDuty severities: 7.0-8.9 high, 9.0-10.0 critical.
		Detail: &map[string]any{"severity": []any{map[string]any{"numeric": []any{">=", 7}}}},
	}, "GuardDuty findings of high or critical severity", func(b BaselineConfig) bool { return b.GuardDuty }},
	{"SecurityHubHighFindings", "securityhub-high", awsevents.EventPattern{
		Source:     jsii.Strings("aws.securityhub"),
		DetailType: jsii.Strings("Security Hub Findings - Imported"),
		Detail: &map[string]any{"findings": map[string]any{
			"Severity":    map[string]any{"Label": []any{"HIGH", "CRITICAL"}},
			"Workflow":    map[string]any{"Status": []any{"NEW"}},
			"RecordState": []any{"ACTIVE"},
		}},
	}, "new, active Security Hub findings of high or critical severity", func(b BaselineConfig) bool { return b.SecurityHub }},
	// Console sign-ins reach EventBridge in the region of the sign-in
	// endpoint; root signs in through the global one (us-east-1), which the
	// trail's RootUsage alarm covers.
	{"RootSignIn", "root-signin", awsevents.EventPattern{
		Source:     jsii.Strings("aws.signin"),
		DetailType: jsii.Strings("AWS Console Sign In via CloudTrail"),
		Detail:     &map[string]any{"userIdentity": map[string]any{"type": []any{"Root"}}},
	}, "console sign-ins of the root user in this region", func(BaselineConfig) bool { return true }},
}

// addAlerts creates the EventBridge rules (findings, root sign-in) and, with
// the trail on, the CIS alarms on its log group.
func (b *BaselineStack) addAlerts(cfg Config) {
	topic := alarmTopic(b.Stack, cfg)
	b.addAlertDLQ(cfg)
	for _, r := range AlertRules {
		if !r.Needs(cfg.Baseline) {
			continue
		}
		pattern := r.Pattern
		awsevents.NewRule(b.Stack, jsii.String(r.ID), &awsevents.RuleProps{
			// Named, so that the topic policy can pin EventBridge to these
			// rules (Name is the rule's only replace-only property).
			RuleName:     jsii.String(cfg.AlertRulePrefix() + r.Name),
			Description:  jsii.String("Sends " + r.Description + " to " + cfg.AlarmTopicName()),
			EventPattern: &pattern,
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewSnsTopic(topic, &awseventstargets.SnsTopicProps{
				DeadLetterQueue: b.AlertDLQ,
			})},
		})
	}
	if b.TrailLogs == nil {
		return
	}
	for _, a := range TrailAlarms {
		awslogs.NewMetricFilter(b.Stack, jsii.String(a.ID+"Filter"), &awslogs.MetricFilterProps{
			LogGroup:        b.TrailLogs,
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(a.Pattern)),
			MetricNamespace: jsii.String(BaselineMetricNamespace),
			MetricName:      jsii.String(cfg.Name + "-" + a.ID),
			MetricValue:     jsii.String("1"),
		})
		b.Alarms = append(b.Alarms, alarm.New(b.Stack, topic, alarm.Spec{
			ID:          a.ID + "Alarm",
			Description: a.Description,
			Metric:      alarm.Metric(BaselineMetricNamespace, cfg.Name+"-"+a.ID, "Sum", awscdk.Duration_Minutes(jsii.Number(5)), nil),
			Threshold:   1,
		}))
	}
}

// alertRuleArns matches the ARNs of the alert rules (AlertRulePrefix).
func (c Config) alertRuleArns() string {
	return "arn:" + c.Partition() + ":events:" + c.Region + ":" + c.Account + ":rule/" + c.AlertRulePrefix() + "*"
}

// addAlertDLQ creates the queue that keeps, for 14 days, the events
// EventBridge could not publish to the alarm topic (after its retries for 24
// hours), so that a high-severity finding is not lost to a topic or key
// misconfiguration.
func (b *BaselineStack) addAlertDLQ(cfg Config) {
	b.AlertDLQ = newServiceDLQ(b.Stack, cfg, serviceDLQ{
		id: "AlertDLQ", sid: "AllowAlertRuleDeadLetters", service: "events.amazonaws.com",
		sourceArn: cfg.alertRuleArns(), of: "the alert rules' targets", key: b.AuditKey,
	})
}
