// Package nag wires cdk-nag into Groundwork: the three rule packs every stack is
// checked against, and the one way a construct suppresses a finding on a
// resource it owns (one resource, one rule, a reason).
package nag

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// RulePrefixes are the rule-id prefixes of the packs Groundwork runs. A finding
// whose id starts with one of them is a cdk-nag finding.
var RulePrefixes = []string{"AwsSolutions-", "NIST.800.53.R5-", "Serverless-", "CdkNagValidationFailure"}

// Options configures Apply.
type Options struct {
	// Reports writes one CSV report per stack and pack into the cloud
	// assembly, <Pack>-<Stack name>-NagReport.csv (read by check.Dir and
	// cmd/groundwork-check). CSV, not JSON: cdk-nag appends a CSV row per
	// check, but re-reads, re-parses and rewrites the whole JSON report for
	// each one, which made the reports a third of the synthesis of every
	// environment. Default: off, which keeps test runs lean.
	Reports bool
}

// Apply adds the AwsSolutions, NIST 800-53 R5 and Serverless packs to scope
// (normally the App) as aspects.
func Apply(scope constructs.IConstruct, opts Options) {
	props := func() *cdknag.NagPackProps {
		return &cdknag.NagPackProps{
			Verbose:       jsii.Bool(false),
			Reports:       jsii.Bool(opts.Reports),
			ReportFormats: &[]cdknag.NagReportFormat{cdknag.NagReportFormat_CSV},
		}
	}
	aspects := awscdk.Aspects_Of(scope)
	aspects.Add(cdknag.NewAwsSolutionsChecks(props()), nil)
	aspects.Add(cdknag.NewNIST80053R5Checks(props()), nil)
	aspects.Add(cdknag.NewServerlessChecks(props()), nil)
}

// Suppress records that rule does not apply to resource, for reason. It is
// scoped to that one resource (not its children) and that one rule. The reason
// must say why the rule does not fit, in words a security reviewer accepts.
//
// appliesTo narrows rules that report granular findings (AwsSolutions-IAM5,
// for example) to the exact findings, such as "Resource::*".
func Suppress(resource constructs.IConstruct, rule, reason string, appliesTo ...string) {
	if len(strings.TrimSpace(reason)) < 20 {
		panic(fmt.Sprintf("nag.Suppress(%s, %s): a suppression needs a reason a reviewer can accept, got %q",
			*resource.Node().Path(), rule, reason))
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]any, len(appliesTo))
		for i, a := range appliesTo {
			list[i] = a
		}
		s.AppliesTo = &list
	}
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(false))
}

// SuppressDefault is Suppress on the L1 resource behind an L2 construct.
func SuppressDefault(l2 constructs.IConstruct, rule, reason string, appliesTo ...string) {
	Suppress(l2.Node().DefaultChild(), rule, reason, appliesTo...)
}
