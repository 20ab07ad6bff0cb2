// Command nagreport summarises the cdk-nag JSON reports that `cdk synth` writes
// into the cloud assembly: per stack and rule pack, how many checks passed,
// failed and were suppressed. It exits 1 when any error-level finding is not
// suppressed, so `make synth` fails on a finding just as the tests do.
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
	notApplicable                        int
	failures                             []string
}

func main() {
	dir := "cdk.out"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	rows, err := summarise(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nagreport:", err)
		os.Exit(2)
	}
	if failed := print(os.Stdout, rows); failed > 0 {
		fmt.Fprintf(os.Stderr, "nagreport: %d unsuppressed cdk-nag error(s)\n", failed)
		os.Exit(1)
	}
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
			}
		}
		rows = append(rows, c)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].stack < rows[j].stack })
	return rows, nil
}

func print(w io.Writer, rows []counts) (failed int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stack\tpack\tcompliant\tsuppressed\twarnings\terrors\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t\n", r.stack, r.pack, r.compliant, r.suppressed, r.warns, r.errors)
		failed += r.errors
	}
	tw.Flush()
	for _, r := range rows {
		for _, f := range r.failures {
			fmt.Fprintf(w, "UNSUPPRESSED %s: %s\n", r.pack, f)
		}
	}
	return failed
}
