// Command groundwork synthesizes the Groundwork baseline: every environment's
// stacks (see package stacks). The CDK CLI runs it (cdk.json "app"); the
// Makefile builds it once and passes it with --app.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/stacks"
	"github.com/groundwork-cdk/groundwork/validate"
)

func main() {
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "groundwork:", err)
		os.Exit(1)
	}
}

func run() (err error) {
	defer validate.Recover(&err)
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	configs, err := stacks.FromContext(app.Node())
	if err != nil {
		return err
	}
	stacks.Build(app, configs, stacks.Options{NagReports: true})
	app.Synth(nil)
	return nil
}
