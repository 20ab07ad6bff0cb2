package check

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/groundwork-cdk/groundwork/audit"
)

// Levels of a NagFinding.
const (
	// LevelError is a non-compliant check of an error-level rule: a problem.
	LevelError = "error"
	// LevelWarning is a non-compliant check of a warning-level rule: listed,
	// not a problem.
	LevelWarning = "warning"
	// LevelUnknown is a check that did not evaluate (cdk-nag's UNKNOWN, or a
	// CdkNagValidationFailure annotation): a problem, since it did not pass.
	LevelUnknown = "unknown"
)

// Report is what Synth and Dir found, per stack.
type Report struct {
	// Dir is the cloud assembly directory that was checked.
	Dir string
	// Stacks are sorted by name.
	Stacks []*StackReport
}

// StackReport is the result for one stack (or nested stack).
type StackReport struct {
	// Name is the stack's display name: its id, or "Stage/Stack" for a stack
	// in a nested stage.
	Name string
	// Template is the template file, relative to Report.Dir ("" when only a
	// cdk-nag report names the stack).
	Template string
	// Packs are the counts of each cdk-nag pack's report, sorted by pack;
	// empty when the app wrote no reports (nag.Apply without Reports).
	Packs []PackSummary
	// Nag are the unsuppressed cdk-nag findings, errors first.
	Nag []NagFinding
	// Audit are the audit findings on the template.
	Audit []audit.Finding

	annotations []annotation
}

// PackSummary counts one cdk-nag pack's checks over one stack.
type PackSummary struct {
	Pack                                                            string
	Compliant, Suppressed, NotApplicable, Warnings, Errors, Unknown int
}

// NagFinding is one unsuppressed cdk-nag finding.
type NagFinding struct {
	// Pack is the rule pack, e.g. "AwsSolutions".
	Pack string
	// Rule is the rule id, e.g. "AwsSolutions-S1" or
	// "AwsSolutions-IAM5[Resource::*]".
	Rule string
	// Resource is the construct path of the resource.
	Resource string
	// Level is LevelError, LevelWarning or LevelUnknown.
	Level string
	// Info is the rule's one-line description.
	Info string
}

// nagPacks are the cdk-nag pack names recognised in annotations.
var nagPacks = []string{"AwsSolutions", "NIST.800.53.R5", "NIST.800.53.R4", "Serverless", "HIPAA.Security", "PCI.DSS.321"}

const validationFailure = "CdkNagValidationFailure"

// addAnnotations turns the stack's cdk-nag annotations into findings, for the
// packs that wrote no report for the stack (a report already lists them).
func (s *StackReport) addAnnotations() {
	reported := map[string]bool{}
	for _, p := range s.Packs {
		reported[p.Pack] = true
	}
	for _, a := range s.annotations {
		rule, info, ok := strings.Cut(a.text, ": ")
		if !ok || a.level == "info" {
			continue
		}
		f := NagFinding{Rule: rule, Resource: strings.TrimPrefix(a.path, "/"), Info: firstSentence(info)}
		if strings.HasPrefix(rule, validationFailure) {
			// "CdkNagValidationFailure[AwsSolutions-S1]: ..."
			inner := strings.TrimSuffix(strings.TrimPrefix(rule, validationFailure+"["), "]")
			f.Pack, _, _ = strings.Cut(inner, "-")
			f.Level = LevelUnknown
		} else {
			pack, _, _ := strings.Cut(rule, "-")
			if !slices.Contains(nagPacks, pack) {
				continue
			}
			f.Pack, f.Level = pack, a.level
		}
		if !reported[f.Pack] {
			s.Nag = append(s.Nag, f)
		}
	}
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return strings.TrimSpace(s)
}

func (s *StackReport) sort() {
	slices.SortFunc(s.Packs, func(a, b PackSummary) int { return strings.Compare(a.Pack, b.Pack) })
	rank := map[string]int{LevelError: 0, LevelUnknown: 1, LevelWarning: 2}
	slices.SortStableFunc(s.Nag, func(a, b NagFinding) int {
		if d := rank[a.Level] - rank[b.Level]; d != 0 {
			return d
		}
		return strings.Compare(a.Rule+" "+a.Resource, b.Rule+" "+b.Resource)
	})
}

// Problems returns one line per problem: each unsuppressed cdk-nag error, each
// check that did not evaluate, and each audit finding. Warnings are not
// problems.
func (r *Report) Problems() []string {
	var out []string
	for _, s := range r.Stacks {
		for _, f := range s.Nag {
			if f.Level != LevelWarning {
				out = append(out, fmt.Sprintf("%s: cdk-nag %s %s on %s: %s", s.Name, f.Level, f.Rule, f.Resource, f.Info))
			}
		}
		for _, f := range s.Audit {
			out = append(out, fmt.Sprintf("%s: audit %s on %s: %s", s.Name, f.Rule, f.Resource, f.Detail))
		}
	}
	return out
}

// Err is nil when the report has no problem, and otherwise an error whose
// message lists every problem on its own line, e.g.
//
//	check: 2 problem(s) in cdk.out (fix them, or suppress a cdk-nag rule on one resource with a reason: nag.Suppress):
//	  Storage: cdk-nag error AwsSolutions-S1 on Storage/Logs/Resource: The S3 Bucket has server access logs disabled.
//	  Storage: audit statement-sid on ReaderRole: statement 0 has no Sid; give every statement a readable Sid
func (r *Report) Err() error {
	problems := r.Problems()
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("check: %d problem(s) in %s (fix them, or suppress a cdk-nag rule on one resource with a reason: nag.Suppress):\n  %s",
		len(problems), r.Dir, strings.Join(problems, "\n  "))
}

// WriteSummary writes a table with a row per stack and cdk-nag pack (checks
// compliant, suppressed, warnings, errors, unknown) and a row per stack for
// the audit, then a line per unsuppressed finding, warnings included.
func (r *Report) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stack\tcheck\tcompliant\tsuppressed\twarnings\terrors\tunknown\t")
	for _, s := range r.Stacks {
		for _, p := range s.Packs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", s.Name, p.Pack, p.Compliant, p.Suppressed, p.Warnings, p.Errors, p.Unknown)
		}
		if len(s.Packs) == 0 && (s.annotations != nil || len(s.Nag) > 0) {
			var warn, errs, unknown int
			for _, f := range s.Nag {
				switch f.Level {
				case LevelError:
					errs++
				case LevelWarning:
					warn++
				default:
					unknown++
				}
			}
			fmt.Fprintf(tw, "%s\tcdk-nag (annotations)\t-\t-\t%d\t%d\t%d\t\n", s.Name, warn, errs, unknown)
		}
		if s.Template != "" {
			fmt.Fprintf(tw, "%s\taudit\t-\t-\t-\t%d\t-\t\n", s.Name, len(s.Audit))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Stacks {
		for _, f := range s.Nag {
			if _, err := fmt.Fprintf(w, "%s %s: %s on %s: %s\n", strings.ToUpper(f.Level), s.Name, f.Rule, f.Resource, f.Info); err != nil {
				return err
			}
		}
		for _, f := range s.Audit {
			if _, err := fmt.Fprintf(w, "AUDIT %s: %s on %s: %s\n", s.Name, f.Rule, f.Resource, f.Detail); err != nil {
				return err
			}
		}
	}
	return nil
}
