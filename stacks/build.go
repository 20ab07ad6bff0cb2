package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/boundary"
	"github.com/groundwork-cdk/groundwork/internal/nag"
)

// Options configures Build.
type Options struct {
	// NagReports writes cdk-nag's JSON reports into the cloud assembly.
	// Default: off (tests read the findings from the assembly's metadata).
	NagReports bool
}

// Platform is the set of stacks of one environment.
type Platform struct {
	Config  Config
	Storage *StorageStack
	Network *NetworkStack
}

// Build adds every environment's stacks to app, tags them, applies the
// permissions boundary to every role and runs the cdk-nag packs over them.
func Build(app awscdk.App, configs []Config, opts Options) []*Platform {
	awscdk.Tags_Of(app).Add(jsii.String("Project"), jsii.String(Project), nil)
	nag.Apply(app, nag.Options{Reports: opts.NagReports})
	var out []*Platform
	for _, cfg := range configs {
		out = append(out, &Platform{
			Config:  cfg,
			Storage: NewStorageStack(app, cfg),
			Network: NewNetworkStack(app, cfg),
		})
	}
	return out
}

// newStack creates Groundwork-<Env>-<part> with the environment's account,
// region and AZs, its tags, termination protection and permissions boundary.
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
	stack.Node().SetContext(jsii.String("availability-zones:account="+cfg.Account+":region="+cfg.Region),
		jsii.Strings(cfg.AvailabilityZones...))
	tags := awscdk.Tags_Of(stack)
	tags.Add(jsii.String("Environment"), jsii.String(cfg.Name), nil)
	tags.Add(jsii.String("Owner"), jsii.String(cfg.Owner), nil)
	boundary.Attach(stack)
	return stack
}
