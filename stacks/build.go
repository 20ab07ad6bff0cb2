package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/boundary"
	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Options configures Build.
type Options struct {
	// NagReports writes cdk-nag's CSV reports into the cloud assembly.
	// Default: off (tests read the findings from the assembly's metadata).
	NagReports bool

	// withoutNag leaves the cdk-nag packs out, for tests that compare
	// templates only (see export_test.go).
	withoutNag bool
}

// Platform is the set of stacks of one environment.
type Platform struct {
	// Config is the environment's settings.
	Config Config
	// Baseline holds the account guardrails; it deploys first. Nil when
	// every Baseline part is switched off (Build warns on Storage).
	Baseline *BaselineStack
	// Storage, Network, Data, Api, Events, Service and Observability are its stacks.
	Storage       *StorageStack
	Network       *NetworkStack
	Data          *DataStack
	Api           *ApiStack
	Events        *EventsStack
	Service       *ServiceStack
	Observability *ObservabilityStack
}

// Build adds every environment's stacks to app, tags them, applies the
// permissions boundary to every role and runs the cdk-nag packs over them.
// It panics with a *validate.Error when a config is invalid, and warns (an
// annotation on the App) about each setting still at its placeholder.
func Build(app awscdk.App, configs []Config, opts Options) []*Platform {
	awscdk.Tags_Of(app).Add(jsii.String("Project"), jsii.String(Project), nil)
	if !opts.withoutNag {
		nag.Apply(app, nag.Options{Reports: opts.NagReports})
	}
	var out []*Platform
	for _, cfg := range configs {
		validate.Check("stacks", "environment "+cfg.Name, cfg.Validate())
		p := &Platform{
			Config:   cfg,
			Baseline: NewBaselineStack(app, cfg),
			Storage:  NewStorageStack(app, cfg),
			Network:  NewNetworkStack(app, cfg),
		}
		p.Data = NewDataStack(app, cfg, p.Network)
		p.Api = NewApiStack(app, cfg, p.Network)
		p.Events = NewEventsStack(app, cfg, p.Api, p.Storage)
		p.Service = NewServiceStack(app, cfg, p.Network, p.Data)
		rows := []Row{p.Api.DashboardRow(), p.Events.DashboardRow(), p.Service.DashboardRow()}
		if edge, ok := EdgeRow(p.Service); ok {
			rows = append(rows, edge)
		}
		p.Observability = NewObservabilityStack(app, cfg, append(rows,
			p.Data.DashboardRow(), p.Network.DashboardRow(), p.Storage.DashboardRow()))
		if p.Baseline == nil {
			warnBaselineOff(p.Storage.Stack, cfg)
		}
		p.warnPlaceholders()
		out = append(out, p)
	}
	return out
}

// warnPlaceholders warns, on the stack that uses it, about each setting still
// at its placeholder value.
func (p *Platform) warnPlaceholders() {
	user := map[string]awscdk.Stack{
		"Account": p.Storage.Stack, "Api.JwtIssuer": p.Api.Stack, "Api.JwtAudience": p.Api.Stack,
		"Service.Image": p.Service.Stack, "Service.CertificateArn": p.Service.Stack,
	}
	for _, field := range p.Config.Placeholders() {
		awscdk.Annotations_Of(user[field]).AddWarningV2(jsii.String("groundwork:placeholder:"+field),
			jsii.String(p.Config.Name+": "+field+" is a placeholder; override it with -c before a real deploy (see README, Environments)"), nil)
	}
}

// newStack creates Groundwork-<Env>-<part> with the environment's account,
// region and AZs, its tags, termination protection and, for a stack with
// roles, its permissions boundary (ceilings).
func newStack(app awscdk.App, cfg Config, part, description string) awscdk.Stack {
	name := cfg.StackName(part)
	stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
		StackName:             jsii.String(name),
		Description:           jsii.String("Groundwork " + cfg.Name + ": " + description),
		Env:                   &awscdk.Environment{Account: jsii.String(cfg.Account), Region: jsii.String(cfg.Region)},
		TerminationProtection: jsii.Bool(cfg.TerminationProtection),
	})
	// Answer the AZ lookup from the config, so that nothing in the stack
	// (Stack.availabilityZones, the VPC) ever asks AWS at synth time.
	threetiervpc.PinAvailabilityZones(stack, cfg.AvailabilityZones...)
	tags := awscdk.Tags_Of(stack)
	tags.Add(jsii.String("Environment"), jsii.String(cfg.Name), nil)
	tags.Add(jsii.String("Owner"), jsii.String(cfg.Owner), nil)
	if ceiling, ok := ceilings[part]; ok {
		boundary.Attach(stack, ceiling)
	}
	return stack
}

// alarmTopic imports the environment's alarm topic by ARN (see
// Config.AlarmTopicName for why not by reference).
func alarmTopic(scope constructs.Construct, cfg Config) awssns.ITopic {
	return awssns.Topic_FromTopicArn(scope, jsii.String("AlarmTopic"), jsii.String(cfg.AlarmTopicArn()))
}

// metric is a 5-minute metric; label, if set, names it on graphs (an alarm on
// a labelled metric renders as metric math, so alarms pass "").
func metric(namespace, name, statistic, label string, dims map[string]string) awscloudwatch.IMetric {
	d := make(map[string]*string, len(dims))
	for k, v := range dims {
		d[k] = jsii.String(v)
	}
	props := &awscloudwatch.MetricProps{
		Namespace: jsii.String(namespace), MetricName: jsii.String(name), Statistic: jsii.String(statistic),
		DimensionsMap: &d, Period: awscdk.Duration_Minutes(jsii.Number(5)),
	}
	if label != "" {
		props.Label = jsii.String(label)
	}
	return awscloudwatch.NewMetric(props)
}

// graph is a line graph of metrics, width out of the dashboard's 24 columns.
func graph(title string, metrics []awscloudwatch.IMetric, width float64) awscloudwatch.IWidget {
	return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
		Title: jsii.String(title), Left: &metrics, Width: jsii.Number(width), Height: jsii.Number(6),
	})
}

// alarmStatus shows the state of alarms.
func alarmStatus(title string, alarms []awscloudwatch.Alarm, width float64) awscloudwatch.IWidget {
	list := make([]interfacesawscloudwatch.IAlarmRef, len(alarms))
	for i, a := range alarms {
		list[i] = a
	}
	return awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String(title), Alarms: &list, Width: jsii.Number(width), Height: jsii.Number(6),
	})
}
