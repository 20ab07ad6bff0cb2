// Command groundwork synthesizes the Groundwork baseline: every environment's
// stacks (see package stacks). The CDK CLI runs it (cdk.json "app"); the
// Makefile builds it once and passes it with --app.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/stacks"
	"github.com/groundwork-cdk/groundwork/validate"
)

// main prints a configuration error, a construct's validation error or a CDK
// error raised during synthesis as one message and exits 1 (validate.Main),
// without a goroutine dump.
func main() { validate.Main(run) }

func run() error {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	configs, err := stacks.FromContext(app.Node())
	if err != nil {
		return err
	}
	stacks.Build(app, configs, stacks.Options{NagReports: true})
	app.Synth(nil)
	return nil
}
