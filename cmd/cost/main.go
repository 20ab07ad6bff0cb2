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
		for _, w := range warnings(reports) {
			fmt.Fprintln(os.Stderr, "cost:", w)
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"prices": cost.Tables, "stacks": reports}); err != nil {
			fmt.Fprintln(os.Stderr, "cost:", err)
			os.Exit(1)
		}
		return
	}
	printTable(os.Stdout, os.Stderr, reports)
}

// load prices every stack of the cloud assembly in dir, each with the price
// table of its region (from the manifest's aws://account/region).
func load(dir string) ([]cost.Report, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("%w; run make synth first", err)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			Environment string `json:"environment"`
			Properties  struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	var names []string
	for name, a := range manifest.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []cost.Report
	for _, name := range names {
		a := manifest.Artifacts[name]
		raw, err := os.ReadFile(filepath.Join(dir, a.Properties.TemplateFile))
		if err != nil {
			return nil, err
		}
		var tmpl map[string]any
		if err := json.Unmarshal(raw, &tmpl); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Properties.TemplateFile, err)
		}
		region := a.Environment[strings.LastIndex(a.Environment, "/")+1:]
		out = append(out, cost.Estimate(name, region, tmpl))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no stacks in %s; run make synth first", dir)
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

// warnings names each region without a price table, and its stacks, whose
// figures are therefore cost.DefaultRegion's list prices. (The JSON report
// carries the same as each stack's unknownRegion.)
func warnings(reports []cost.Report) []string {
	stacks := map[string][]string{}
	var regions []string
	for _, r := range reports {
		if !r.UnknownRegion {
			continue
		}
		if _, seen := stacks[r.StackRegion]; !seen {
			regions = append(regions, r.StackRegion)
		}
		stacks[r.StackRegion] = append(stacks[r.StackRegion], r.Stack)
	}
	sort.Strings(regions)
	var out []string
	for _, region := range regions {
		name := region
		if name == "" {
			name = `""`
		}
		out = append(out, fmt.Sprintf("prices for %s unknown: using %s list prices (%s)", name, cost.DefaultRegion, strings.Join(stacks[region], ", ")))
	}
	return out
}

// printTable prints the header (one line per price table used, in region
// order), each stack's fixed-cost lines and total, the totals per
// environment and the usage-priced and unpriced resources to w, and a
// warning for each region without a price table to errw.
func printTable(w, errw io.Writer, reports []cost.Report) {
	for _, warn := range warnings(reports) {
		fmt.Fprintln(errw, "cost:", warn)
	}
	var regions []string
	seen := map[string]bool{}
	for _, r := range reports {
		if !seen[r.Region] {
			seen[r.Region] = true
			regions = append(regions, r.Region)
		}
	}
	sort.Strings(regions)
	for _, region := range regions {
		t, _ := cost.Table(region)
		fmt.Fprintf(w, "Fixed monthly cost, USD, at %s on-demand list prices (%s, recorded %s; check the AWS Pricing Calculator)\n", t.Region, t.Source, t.Date)
	}
	fmt.Fprintln(w)
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
