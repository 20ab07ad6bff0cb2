// Command validate is the guidance's validation loop over the synthesized
// templates (make validate): cfn-lint, the AWS Control Tower proactive
// controls through cfn-guard, and IAM policy validation against the Service
// Authorization Reference. Each tool's findings are sorted against its written
// exception list (internal/validation/exceptions); it prints one table per
// stack (tool, checks, failures, exceptions), then every failure, and exits 1
// on any failure or stale exception, 2 when a tool could not run. A missing
// cfn-lint is skipped with a visible warning and the install command.
//
// Usage: go run ./cmd/validate [-node-modules node_modules] [-cfn-lint path] [cdk.out]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/groundwork-cdk/groundwork/internal/validation"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// result is one tool's run.
type result struct {
	outcome    validation.Outcome
	exceptions []validation.Exception
	took       time.Duration
	err        error
}

// run validates the templates in the directory argument and returns the exit
// status: 0 clean, 1 on failures or stale exceptions, 2 when a tool could not
// run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodeModules := fs.String("node-modules", "node_modules", "where npm ci installed the pinned checkers")
	cfnLint := fs.String("cfn-lint", "", "the cfn-lint executable (default: cfn-lint on PATH)")
	only := fs.String("only", "", "comma-separated tools to run (default: all): cfn-lint, cfn-guard, iam-policy")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	dir := "cdk.out"
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	start := time.Now()
	ts, err := validation.LoadTemplates(dir)
	if err != nil {
		fmt.Fprintln(stderr, "validate:", err)
		return 2
	}
	stacks := validation.StackNames(ts)
	fmt.Fprintf(stderr, "validate: %d templates in %s\n", len(ts), dir)

	tools := []struct {
		name string
		run  func() (validation.Outcome, error)
	}{
		{validation.ToolCfnLint, func() (validation.Outcome, error) {
			return validation.CfnLint(ctx, *cfnLint, ts)
		}},
		{validation.ToolCfnGuard, func() (validation.Outcome, error) {
			g, err := validation.LoadGuard(*nodeModules)
			if err != nil {
				return validation.Outcome{Tool: validation.ToolCfnGuard}, err
			}
			fmt.Fprintf(stderr, "validate: cfn-guard: %d Control Tower controls\n", len(g.Controls))
			return g.Run(ctx, ts)
		}},
		{validation.ToolIAM, func() (validation.Outcome, error) {
			d, err := validation.LoadIAMData(*nodeModules)
			if err != nil {
				return validation.Outcome{Tool: validation.ToolIAM}, err
			}
			return validation.CheckIAM(d, ts)
		}},
	}
	if *only != "" {
		keep := tools[:0]
		for _, t := range tools {
			if strings.Contains(","+*only+",", ","+t.name+",") {
				keep = append(keep, t)
			}
		}
		if len(keep) == 0 {
			fmt.Fprintf(stderr, "validate: -only %q names no tool\n", *only)
			return 2
		}
		tools = keep
	}
	// The tools run concurrently: cfn-lint is a single Python process,
	// cfn-guard runs one process per CPU, the IAM check is in-process.
	results := make([]result, len(tools))
	done := make(chan int)
	for i, tool := range tools {
		go func() {
			t0 := time.Now()
			o, err := tool.run()
			if err == nil {
				results[i].exceptions, err = validation.Exceptions(tool.name)
			}
			results[i].outcome, results[i].err, results[i].took = o, err, time.Since(t0)
			done <- i
		}()
	}
	for range tools {
		i := <-done
		r := results[i]
		status := fmt.Sprintf("%d findings", len(r.outcome.Findings))
		switch {
		case r.err != nil:
			status = "error: " + r.err.Error()
		case r.outcome.Skipped != "":
			status = "SKIPPED"
		}
		fmt.Fprintf(stderr, "validate: %-10s done in %5.1fs: %s\n", tools[i].name, r.took.Seconds(), status)
	}
	names := make([]string, len(tools))
	for i, t := range tools {
		names[i] = t.name
	}
	return report(stdout, stderr, stacks, names, results, time.Since(start))
}

// report prints the summary and the failures and returns the exit status.
func report(stdout, stderr io.Writer, stacks, names []string, results []result, took time.Duration) int {
	status := 0
	rows := map[string][]validation.Tally{} // stack → rows
	var failures []validation.Finding
	var stale []string
	var skipped []string
	for i, r := range results {
		if r.err != nil {
			fmt.Fprintf(stderr, "validate: %s could not run: %v\n", names[i], r.err)
			status = 2
			continue
		}
		if r.outcome.Skipped != "" {
			skipped = append(skipped, fmt.Sprintf("%s SKIPPED: %s", names[i], r.outcome.Skipped))
		}
		tallies, st := validation.Apply(r.outcome, stacks, r.exceptions)
		for _, t := range tallies {
			rows[t.Stack] = append(rows[t.Stack], t)
			failures = append(failures, t.Failures...)
		}
		for _, e := range st {
			stale = append(stale, fmt.Sprintf("%s: rule %s resource %q type %q stacks %q matches no finding: remove it from internal/validation/exceptions/%s.json", names[i], e.Rule, e.Resource, e.ResourceType, e.Stacks, names[i]))
		}
	}
	keys := make([]string, 0, len(rows))
	for s := range rows {
		keys = append(keys, s)
	}
	sort.Strings(keys)
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "stack\ttool\tchecks\tfailures\texceptions\t")
	for _, s := range keys {
		for _, t := range rows[s] {
			checks := fmt.Sprint(t.Checks)
			for i, r := range results {
				if names[i] == t.Tool && r.outcome.Skipped != "" {
					checks = "skipped"
				}
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t\n", s, t.Tool, checks, len(t.Failures), len(t.Excepted))
		}
	}
	w.Flush()
	for i, r := range results {
		if r.err == nil {
			fmt.Fprintf(stdout, "%s: %.1fs, exception list of %d entries\n", names[i], r.took.Seconds(), len(r.exceptions))
		}
	}
	fmt.Fprintf(stdout, "validate: %.1fs in all\n", took.Seconds())
	for _, s := range skipped {
		fmt.Fprintln(stderr, "WARNING:", s)
	}
	if len(failures) > 0 {
		fmt.Fprintf(stderr, "\n%d failure(s) — fix the construct or stack; only what cannot be fixed goes on an exception list, with its reason:\n", len(failures))
		for _, f := range failures {
			fmt.Fprintln(stderr, "  "+strings.ReplaceAll(f.String(), "\n", " "))
		}
		status = max(status, 1)
	}
	if len(stale) > 0 {
		fmt.Fprintf(stderr, "\n%d stale exception(s):\n", len(stale))
		for _, s := range stale {
			fmt.Fprintln(stderr, "  "+s)
		}
		status = max(status, 1)
	}
	return status
}
