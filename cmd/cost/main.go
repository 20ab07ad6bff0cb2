// Command cost prints the fixed monthly cost of the stacks in a cloud assembly,
// per environment and per stack, from the price table in internal/cost.
//
// Usage:
//
//	go run ./cmd/cost [-json] [cdk.out]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/groundwork-cdk/groundwork/internal/cost"
)

func main() {
	asJSON := flag.Bool("json", false, "print JSON instead of a table")
	flag.Parse()
	dir := "cdk.out"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	reports, err := load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"prices": cost.Prices, "stacks": reports}); err != nil {
			fmt.Fprintln(os.Stderr, "cost:", err)
			os.Exit(1)
		}
		return
	}
	printTable(os.Stdout, reports)
}

func load(dir string) ([]cost.Report, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no templates in %s; run make synth first", dir)
	}
	sort.Strings(files)
	var out []cost.Report
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var tmpl map[string]any
		if err := json.Unmarshal(raw, &tmpl); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, cost.Estimate(strings.TrimSuffix(filepath.Base(f), ".template.json"), tmpl))
	}
	return out, nil
}

// environment is the <Env> of Groundwork-<Env>-<Part>, or the whole name.
func environment(stack string) string {
	parts := strings.SplitN(stack, "-", 3)
	if len(parts) == 3 {
		return parts[1]
	}
	return stack
}

func printTable(w io.Writer, reports []cost.Report) {
	fmt.Fprintf(w, "Fixed monthly cost (USD, %s list prices; %s)\n\n", cost.Prices.Region, cost.Prices.Date)
	envTotals := map[string]float64{}
	var envs []string
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "stack\tresource\twhat\tmonthly")
	for _, r := range reports {
		env := environment(r.Stack)
		if _, seen := envTotals[env]; !seen {
			envs = append(envs, env)
		}
		envTotals[env] += r.Total
		for _, l := range r.Fixed {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%8.2f\n", r.Stack, l.Resource, l.What, l.Monthly)
		}
		fmt.Fprintf(tw, "%s\t\ttotal\t%8.2f\n", r.Stack, r.Total)
	}
	tw.Flush()
	fmt.Fprintln(w)
	sort.SliceStable(envs, func(i, j int) bool { return envRank(envs[i]) < envRank(envs[j]) })
	for _, e := range envs {
		fmt.Fprintf(w, "%-8s %8.2f USD/month fixed\n", e, envTotals[e])
	}
	var varies, unpriced []string
	for _, r := range reports {
		varies = append(varies, r.Varies...)
		unpriced = append(unpriced, r.Unpriced...)
	}
	fmt.Fprintf(w, "\nVaries with traffic (%d resources): Lambda, API requests, DynamoDB on-demand, S3, logs, queues, data transfer.\n", len(varies))
	if len(unpriced) > 0 {
		sort.Strings(unpriced)
		fmt.Fprintf(w, "Unpriced (not in the table): %s\n", strings.Join(dedupe(unpriced), ", "))
	}
}

// envRank orders environments dev, staging, prod, then the rest.
func envRank(env string) int {
	switch strings.ToLower(env) {
	case "dev":
		return 0
	case "staging":
		return 1
	case "prod":
		return 2
	}
	return 3
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
