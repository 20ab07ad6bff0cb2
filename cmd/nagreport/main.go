// Command nagreport summarises the cdk-nag JSON reports that `cdk synth` writes
// into the cloud assembly: per stack and rule pack, how many checks passed,
// failed and were suppressed. It exits 1 when any error-level finding is not
// suppressed, so `make synth` fails on a finding just as the tests do, and
// also when a check has any other result than Compliant, Suppressed, N/A or
// Non-Compliant (cdk-nag reports UNKNOWN for a rule that failed to
// evaluate): a check that did not run has not passed.
//
// Usage: go run ./cmd/nagreport [cdk.out]
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

type report struct {
	Lines []struct {
		RuleID      string `json:"ruleId"`
		ResourceID  string `json:"resourceId"`
		Compliance  string `json:"compliance"`
		RuleLevel   string `json:"ruleLevel"`
		Exception   string `json:"exceptionReason"`
		Information string `json:"ruleInfo"`
	} `json:"lines"`
}

// counts is one row of the summary.
type counts struct {
	stack, pack                          string
	compliant, suppressed, errors, warns int
	notApplicable, unknown               int
	failures                             []string // "<rule> <resource>" of each unsuppressed error
	unknowns                             []string // "<rule> <resource> (compliance "<value>")"
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run summarises the reports in args[0] (default cdk.out) and returns the
// exit status: 0 clean, 1 on an unsuppressed error or an unknown result, 2
// when the reports cannot be read.
func run(args []string, stdout, stderr io.Writer) int {
	dir := "cdk.out"
	if len(args) > 0 {
		dir = args[0]
	}
	rows, err := summarise(dir)
	if err != nil {
		fmt.Fprintln(stderr, "nagreport:", err)
		return 2
	}
	errors, unknown := print(stdout, rows)
	if errors > 0 {
		fmt.Fprintf(stderr, "nagreport: %d unsuppressed cdk-nag error(s)\n", errors)
	}
	if unknown > 0 {
		fmt.Fprintf(stderr, "nagreport: %d cdk-nag check(s) with an unknown result (the rule did not evaluate)\n", unknown)
	}
	if errors+unknown > 0 {
		return 1
	}
	return 0
}

func summarise(dir string) ([]counts, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*-NagReport.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *-NagReport.json in %s; run make synth first", dir)
	}
	sort.Strings(files)
	var rows []counts
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var r report
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		// File names are <pack>--<stack>-NagReport.json.
		pack, stack, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), "-NagReport.json"), "--")
		c := counts{stack: stack, pack: pack}
		for _, l := range r.Lines {
			switch l.Compliance {
			case "Compliant":
				c.compliant++
			case "Suppressed":
				c.suppressed++
			case "N/A":
				c.notApplicable++
			case "Non-Compliant":
				if l.RuleLevel == "Error" {
					c.errors++
					c.failures = append(c.failures, l.RuleID+" "+l.ResourceID)
				} else {
					c.warns++
				}
			default: // e.g. UNKNOWN: the rule failed to evaluate
				c.unknown++
				c.unknowns = append(c.unknowns, fmt.Sprintf("%s %s (compliance %q)", l.RuleID, l.ResourceID, l.Compliance))
			}
		}
		rows = append(rows, c)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].stack < rows[j].stack })
	return rows, nil
}

// print writes the summary table, then a line for each unsuppressed error
// and each check with an unknown result, and returns how many there were.
func print(w io.Writer, rows []counts) (errors, unknown int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stack\tpack\tcompliant\tsuppressed\twarnings\terrors\tunknown\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", r.stack, r.pack, r.compliant, r.suppressed, r.warns, r.errors, r.unknown)
		errors += r.errors
		unknown += r.unknown
	}
	tw.Flush()
	for _, r := range rows {
		for _, f := range r.failures {
			fmt.Fprintf(w, "UNSUPPRESSED %s: %s\n", r.pack, f)
		}
		for _, u := range r.unknowns {
			fmt.Fprintf(w, "UNKNOWN %s: %s\n", r.pack, u)
		}
	}
	return errors, unknown
}
