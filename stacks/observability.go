package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbudgets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/kmskey"
)

// ObservabilityStack is Groundwork-<Env>-Observability: the environment's
// alarm topic, its dashboard and its cost budget.
type ObservabilityStack struct {
	awscdk.Stack
	// Topic is the alarm topic, groundwork-<env>-alarms.
	Topic awssns.Topic
	// TopicKey encrypts Topic and DeliveryDLQ.
	TopicKey awskms.Key
	// DeliveryDLQ keeps alarm notifications SNS could not deliver (14 days).
	DeliveryDLQ awssqs.Queue
	// Dashboard is groundwork-<env>, a row per workload.
	Dashboard awscloudwatch.Dashboard
	// Budget is the monthly cost budget.
	Budget awsbudgets.CfnBudget
}

// Row is one workload's row on the environment dashboard.
type Row struct {
	// Title heads the row.
	Title string
	// Widgets fill the row, 24 columns wide in all.
	Widgets []awscloudwatch.IWidget
}

// NewObservabilityStack creates the Observability stack of cfg's environment.
//
// The alarm topic has a fixed name (Config.AlarmTopicName) so that the
// workload stacks' alarms address it by ARN; this stack in turn reads the
// workloads' metrics for the dashboard, so it deploys after them. Until it
// exists, alarms evaluate but notify nobody.
func NewObservabilityStack(app awscdk.App, cfg Config, rows []Row) *ObservabilityStack {
	stack := newStack(app, cfg, "Observability", "alarm topic, dashboard and cost budget")
	o := &ObservabilityStack{Stack: stack}
	o.TopicKey = kmskey.New(stack, "AlarmTopicKey", "Encryption of the alarm topic", cfg.RemovalPolicy(),
		publisherKeyGrant(stack, "AllowCloudWatchAlarms", "cloudwatch.amazonaws.com",
			"arn:"+*stack.Partition()+":cloudwatch:"+cfg.Region+":"+cfg.Account+":alarm:*"),
		publisherKeyGrant(stack, "AllowBudgets", "budgets.amazonaws.com",
			"arn:"+*stack.Partition()+":budgets::"+cfg.Account+":*"),
		// SNS writes undeliverable notifications to the encrypted DLQ.
		// The Baseline stack's EventBridge rules (findings, root sign-in).
		publisherKeyGrant(stack, "AllowEventBridgeAlerts", "events.amazonaws.com", cfg.alertRuleArns()),
		publisherKeyGrant(stack, "AllowSNSDeadLetters", "sns.amazonaws.com",
			"arn:"+*stack.Partition()+":sns:"+cfg.Region+":"+cfg.Account+":"+cfg.AlarmTopicName()),
	)
	o.Topic = awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		TopicName:   jsii.String(cfg.AlarmTopicName()),
		DisplayName: jsii.String("Groundwork " + cfg.Name + " alarms"),
		MasterKey:   o.TopicKey,
	})
	topicArn := *o.Topic.TopicArn()
	for _, s := range []iamx.Statement{
		publisherStatement("AllowCloudWatchAlarms", "cloudwatch.amazonaws.com", topicArn, cfg.Account,
			"arn:"+*stack.Partition()+":cloudwatch:"+cfg.Region+":"+cfg.Account+":alarm:*"),
		publisherStatement("AllowBudgets", "budgets.amazonaws.com", topicArn, cfg.Account,
			"arn:"+*stack.Partition()+":budgets::"+cfg.Account+":*"),
		publisherStatement("AllowEventBridgeAlerts", "events.amazonaws.com", topicArn, cfg.Account, cfg.alertRuleArns()),
		iamx.DenyInsecureTransport("sns:Publish", topicArn),
	} {
		o.Topic.AddToResourcePolicy(s.Build())
	}
	o.subscribe(cfg)

	o.Dashboard = awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String("groundwork-" + cfg.Name),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	for _, r := range rows {
		o.Dashboard.AddWidgets(awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
			Markdown: jsii.String("## " + r.Title), Width: jsii.Number(24), Height: jsii.Number(1),
		}))
		o.Dashboard.AddWidgets(r.Widgets...)
	}
	o.Budget = newBudget(stack, cfg, topicArn)
	return o
}

// EdgeRow graphs the api-service's AWS WAF web ACL: requests allowed,
// blocked and counted, and the blocked requests of each rule (which managed
// rule group or the rate limit is blocking). ok is false when the service has
// no web ACL (Waf.Disable, or an internal load balancer).
func EdgeRow(s *ServiceStack) (row Row, ok bool) {
	fs := s.Service
	if fs.WebAcl == nil {
		return Row{}, false
	}
	label := func(l string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Label: jsii.String(l)}
	}
	var perRule []awscloudwatch.IMetric
	for _, r := range fs.WafRules {
		perRule = append(perRule, fs.MetricWafRule("BlockedRequests", r, label(r)))
	}
	return Row{Title: "Edge: AWS WAF web ACL of the api-service load balancer", Widgets: []awscloudwatch.IWidget{
		graph("WAF requests: allowed, blocked, counted", []awscloudwatch.IMetric{
			fs.MetricWaf("AllowedRequests", label("allowed")), fs.MetricWaf("BlockedRequests", label("blocked")),
			fs.MetricWaf("CountedRequests", label("counted")),
		}, 12),
		graph("WAF blocked requests by rule", perRule, 12),
	}}, true
}

// newBudget is a monthly cost budget for the environment's tagged resources,
// notifying at 80 % of actual and 100 % of forecasted spend, the guidance's
// thresholds. The Environment tag must be activated as a cost allocation tag
// in the billing console for the filter to match.
//
// The budget has no fixed name: NotificationsWithSubscribers is replace-only,
// so a new owner or alarm address replaces the budget, and CloudFormation
// creates the replacement before deleting the old one — under a fixed name
// that fails with "already exists". CloudFormation names it
// MonthlyCostBudget-<random>; find it by that prefix in the Billing console.
func newBudget(scope constructs.Construct, cfg Config, topicArn string) awsbudgets.CfnBudget {
	subscribers := []any{
		&awsbudgets.CfnBudget_SubscriberProperty{SubscriptionType: jsii.String("SNS"), Address: jsii.String(topicArn)},
		&awsbudgets.CfnBudget_SubscriberProperty{SubscriptionType: jsii.String("EMAIL"), Address: jsii.String(cfg.Owner)},
	}
	notify := func(kind string, percent float64) any {
		return &awsbudgets.CfnBudget_NotificationWithSubscribersProperty{
			Notification: &awsbudgets.CfnBudget_NotificationProperty{
				NotificationType:   jsii.String(kind),
				ComparisonOperator: jsii.String("GREATER_THAN"),
				Threshold:          jsii.Number(percent),
				ThresholdType:      jsii.String("PERCENTAGE"),
			},
			Subscribers: subscribers,
		}
	}
	return awsbudgets.NewCfnBudget(scope, jsii.String("MonthlyCostBudget"), &awsbudgets.CfnBudgetProps{
		Budget: &awsbudgets.CfnBudget_BudgetDataProperty{
			BudgetType:  jsii.String("COST"),
			TimeUnit:    jsii.String("MONTHLY"),
			BudgetLimit: &awsbudgets.CfnBudget_SpendProperty{Amount: jsii.Number(float64(cfg.MonthlyBudgetUSD)), Unit: jsii.String("USD")},
			CostFilters: map[string]any{"TagKeyValue": []string{"user:Environment$" + cfg.Name}},
		},
		NotificationsWithSubscribers: []any{notify("ACTUAL", 80), notify("FORECASTED", 100)},
	})
}

// publisherStatement lets a service publish to the topic on behalf of this
// account's resources only.
func publisherStatement(sid, service, topicArn, account, sourceArn string) iamx.Statement {
	return iamx.Statement{
		Sid: sid, Actions: []string{"sns:Publish"}, Resources: []string{topicArn},
		Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(service), nil)},
		Conditions: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": account},
			"ArnLike":      {"aws:SourceArn": sourceArn},
		},
	}
}

// publisherKeyGrant lets a service that publishes to the encrypted topic use
// its key (SNS encrypts with the publisher's data key).
func publisherKeyGrant(stack awscdk.Stack, sid, service, sourceArn string) kmskey.ServiceGrant {
	return kmskey.ServiceGrant{
		Sid: sid, Service: service,
		Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"},
		Conditions: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": *stack.Account()},
			"ArnLike":      {"aws:SourceArn": sourceArn},
		},
	}
}

// subscribe adds the email subscriptions, each with a redrive policy to an
// encrypted, TLS-only dead-letter queue, so that a notification SNS could not
// deliver is kept for 14 days rather than lost.
func (o *ObservabilityStack) subscribe(cfg Config) {
	o.DeliveryDLQ = newServiceDLQ(o.Stack, cfg, serviceDLQ{
		id: "AlarmDeliveryDLQ", sid: "AllowAlarmTopicDeadLetters", service: "sns.amazonaws.com",
		sourceArn: *o.Topic.TopicArn(), of: "the alarm email subscriptions", key: o.TopicKey,
	})
	queueArn := *o.DeliveryDLQ.QueueArn()

	emails := cfg.AlarmEmails
	if len(emails) == 0 {
		emails = []string{cfg.Owner}
	}
	for i, e := range emails {
		sub := awssns.NewSubscription(o.Stack, jsii.String(fmt.Sprintf("AlarmEmail%d", i+1)), &awssns.SubscriptionProps{
			Topic: o.Topic, Protocol: awssns.SubscriptionProtocol_EMAIL, Endpoint: jsii.String(e),
		})
		// Set on the L1: the L2 DeadLetterQueue prop adds a Sid-less queue
		// policy statement of its own.
		sub.Node().DefaultChild().(awssns.CfnSubscription).SetRedrivePolicy(map[string]any{"deadLetterTargetArn": queueArn})
	}
}
