// Command groundwork-check checks a cloud assembly (the cdk.out directory that
// `cdk synth` writes) the way Groundwork checks its own stacks, for any CDK
// app in any language:
//
//   - the invariant audit (package audit) over every stack's template,
//     including stacks in nested stages and nested stacks;
//   - cdk-nag: the reports the app's rule packs wrote, in cdk-nag's default
//     CSV format (<Pack>-<Stage>-<Stack>-NagReport.csv) or JSON, or, when the
//     app wrote no reports, the cdk-nag annotations in the assembly.
//
// It prints a row per stack and rule pack (checks compliant, suppressed,
// warnings, errors, unknown) and per stack for the audit, then a line per
// finding, and exits 1 when any cdk-nag error is unsuppressed, any check did
// not evaluate (cdk-nag's UNKNOWN) or the audit found anything; 2 when the
// assembly cannot be read. It needs no jsii, Node.js or AWS credentials.
//
// Usage:
//
//	go run github.com/groundwork-cdk/groundwork/cmd/groundwork-check [flags] [cdk.out]
//
// The flags are the fields of check.Options:
//
//	-require-tags       every taggable resource carries Project, Environment and Owner
//	-require-boundary   every IAM role has a permissions boundary
//	-retain-stateful    stateful resources are retained on delete and replacement
//	-account ID         literal aws:SourceAccount conditions name this account
//	-skip RULE,RULE     audit rules not to check (audit.Rule… names)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/groundwork-cdk/groundwork/check"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run checks the assembly named by args and returns the exit status: 0 clean,
// 1 on a problem, 2 when the flags or the assembly cannot be read.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("groundwork-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts check.Options
	var skip string
	fs.BoolVar(&opts.RequireTags, "require-tags", false, "require the Project, Environment and Owner tags on every taggable resource")
	fs.BoolVar(&opts.RequireBoundary, "require-boundary", false, "require a permissions boundary on every IAM role")
	fs.BoolVar(&opts.RetainStateful, "retain-stateful", false, "require DeletionPolicy and UpdateReplacePolicy Retain on stateful resources")
	fs.StringVar(&opts.Account, "account", "", "12-digit account that literal aws:SourceAccount conditions must name")
	fs.StringVar(&skip, "skip", "", "comma-separated audit rules not to check")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: groundwork-check [flags] [cdk.out]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	if skip != "" {
		opts.Skip = strings.Split(skip, ",")
	}
	dir := "cdk.out"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	report, err := check.Dir(dir, &opts)
	if err != nil {
		fmt.Fprintln(stderr, "groundwork-check:", err)
		return 2
	}
	if err := report.WriteSummary(stdout); err != nil {
		fmt.Fprintln(stderr, "groundwork-check:", err)
		return 2
	}
	if problems := report.Problems(); len(problems) > 0 {
		fmt.Fprintf(stderr, "groundwork-check: %d problem(s): unsuppressed cdk-nag errors, checks that did not evaluate, audit findings (listed above)\n", len(problems))
		return 1
	}
	return 0
}
