package check

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/groundwork-cdk/groundwork/audit"
)

// summary is a StackReport reduced to what the tests compare.
type summary struct {
	packs []PackSummary
	nag   []string // "<level> <rule> <resource>"
	audit []string // "<rule> <logical id>"
}

func summarize(s *StackReport) summary {
	out := summary{packs: s.Packs}
	for _, f := range s.Nag {
		out.nag = append(out.nag, f.Level+" "+f.Rule+" "+f.Resource)
	}
	for _, f := range s.Audit {
		out.audit = append(out.audit, f.Rule+" "+f.Resource)
	}
	return out
}

const nested = "StorageCacheNestedStackCacheNestedStackResourceABCD1234"

func TestDir(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dir      string
		opts     *Options
		stacks   map[string]summary
		problems int
	}{
		{
			name: "csv reports, a nested stage and a nested stack",
			dir:  "testdata/csv",
			stacks: map[string]summary{
				"Storage": {
					packs: []PackSummary{
						{Pack: "AwsSolutions", Compliant: 1, Suppressed: 1, Warnings: 1, Errors: 1},
						{Pack: "NIST.800.53.R5", Compliant: 1, Unknown: 1},
					},
					nag: []string{
						"error AwsSolutions-S1 Storage/Logs/Resource",
						"unknown NIST.800.53.R5-IAMNoInlinePolicy Storage/ReaderRole/Resource",
						"warning AwsSolutions-S2 Storage/Logs/Resource",
					},
					audit: []string{"encryption-at-rest Logs", "statement-sid ReaderRole"},
				},
				"Prod/Api": {
					packs: []PackSummary{{Pack: "AwsSolutions", Compliant: 1, Errors: 1}},
					nag:   []string{"error AwsSolutions-SQS3 Prod/Api/Queue/Resource"},
					audit: []string{"encryption-at-rest Queue"},
				},
				nested: {audit: []string{"open-ingress Ingress"}},
			},
			problems: 7,
		},
		{
			name: "options: Groundwork's tags and boundaries required, a rule skipped",
			dir:  "testdata/csv",
			opts: &Options{RequireTags: true, RequireBoundary: true, Skip: []string{audit.RuleEncryption, audit.RuleOpenIngress}},
			stacks: map[string]summary{
				"Storage": {
					audit: []string{ // sorted by resource, then rule
						"unclassified-resource-type Cache",
						"required-tags Logs", "required-tags Logs", "required-tags Logs",
						"permissions-boundary ReaderRole",
						"required-tags ReaderRole", "required-tags ReaderRole", "required-tags ReaderRole",
						"statement-sid ReaderRole",
					},
				},
				"Prod/Api": {audit: []string{"required-tags Queue", "required-tags Queue", "required-tags Queue"}},
				nested:     {}, // open ingress skipped; ingress rules carry no tags
			},
			problems: 3 + 9 + 3,
		},
		{
			name: "no reports: the annotations in the metadata",
			dir:  "testdata/annotations",
			stacks: map[string]summary{
				"App": {nag: []string{
					"error AwsSolutions-L1 App/Fn/Resource",
					"unknown CdkNagValidationFailure[NIST.800.53.R5-LambdaConcurrency] App/Fn/Resource",
					"warning Serverless-LambdaTracing App/Fn/Resource",
				}},
			},
			problems: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Dir(tc.dir, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range r.Stacks {
				names = append(names, s.Name)
				want, ok := tc.stacks[s.Name]
				if !ok {
					continue
				}
				got := summarize(s)
				if tc.opts != nil { // the options only change the audit
					got.packs, got.nag = nil, nil
				}
				if !slices.Equal(got.packs, want.packs) {
					t.Errorf("%s packs = %+v, want %+v", s.Name, got.packs, want.packs)
				}
				if !slices.Equal(got.nag, want.nag) {
					t.Errorf("%s nag =\n  %s\nwant\n  %s", s.Name, strings.Join(got.nag, "\n  "), strings.Join(want.nag, "\n  "))
				}
				if !slices.Equal(got.audit, want.audit) {
					t.Errorf("%s audit =\n  %s\nwant\n  %s", s.Name, strings.Join(got.audit, "\n  "), strings.Join(want.audit, "\n  "))
				}
			}
			if len(names) != len(tc.stacks) || !slices.IsSorted(names) {
				t.Errorf("stacks %v, want the %d of the test, sorted", names, len(tc.stacks))
			}
			if got := len(r.Problems()); got != tc.problems {
				t.Errorf("%d problem(s), want %d:\n%s", got, tc.problems, strings.Join(r.Problems(), "\n"))
			}
			if err := r.Err(); (err != nil) != (tc.problems > 0) {
				t.Errorf("Err() = %v with %d problem(s)", err, tc.problems)
			}
		})
	}
}

// TestNewerReportWins: with a CSV and a JSON report for the same stack and pack
// (one left over in cdk.out from a synth that wrote the other format), the
// newer file is read, whichever format it has.
func TestNewerReportWins(t *testing.T) {
	older, newer := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		newer    string // the format written last
		packs    []PackSummary
		nag      []string
		problems int
	}{
		{"json", []PackSummary{{Pack: "AwsSolutions", Compliant: 1, Suppressed: 1}, {Pack: "Serverless"}}, nil, 0},
		{"csv", []PackSummary{{Pack: "AwsSolutions", Errors: 1}, {Pack: "Serverless"}},
			[]string{"error AwsSolutions-SNS2 Clean/Topic/Resource"}, 1},
	} {
		t.Run(tc.newer+" newer", func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS("testdata/json")); err != nil {
				t.Fatal(err)
			}
			twin := "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n" +
				`"AwsSolutions-SNS2","Clean/Topic/Resource","Non-Compliant","N/A","Error","from another synth than the JSON report"` + "\n"
			if err := os.WriteFile(filepath.Join(dir, "AwsSolutions--Clean-NagReport.csv"), []byte(twin), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, ext := range []string{"csv", "json"} {
				when := older
				if ext == tc.newer {
					when = newer
				}
				if err := os.Chtimes(filepath.Join(dir, "AwsSolutions--Clean-NagReport."+ext), when, when); err != nil {
					t.Fatal(err)
				}
			}
			r, err := Dir(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Stacks) != 1 {
				t.Fatalf("stacks %+v, want Clean alone", r.Stacks)
			}
			got := summarize(r.Stacks[0])
			if !slices.Equal(got.packs, tc.packs) || !slices.Equal(got.nag, tc.nag) {
				t.Errorf("packs %+v, nag %v; want %+v, %v", got.packs, got.nag, tc.packs, tc.nag)
			}
			if n := len(r.Problems()); n != tc.problems {
				t.Errorf("%d problem(s), want %d: %v", n, tc.problems, r.Problems())
			}
		})
	}
}

func TestErrListsEveryProblem(t *testing.T) {
	r, err := Dir("testdata/annotations", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `check: 2 problem(s) in testdata/annotations (fix them, or suppress a cdk-nag rule on one resource with a reason: nag.Suppress):
  App: cdk-nag error AwsSolutions-L1 on App/Fn/Resource: The non-container Lambda function is not configured to use the latest runtime version.
  App: cdk-nag unknown CdkNagValidationFailure[NIST.800.53.R5-LambdaConcurrency] on App/Fn/Resource: 'NIST.800.53.R5-LambdaConcurrency' threw an error during validation.`
	if got := r.Err().Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteSummary(t *testing.T) {
	r, err := Dir("testdata/csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.WriteSummary(&b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"stack           check  compliant  suppressed  warnings  errors  unknown",
		"Storage    AwsSolutions          1           1         1       1        0",
		"Storage  NIST.800.53.R5          1           0         0       0        1",
		"Storage           audit          -           -         -       2        -",
		"ERROR Storage: AwsSolutions-S1 on Storage/Logs/Resource: The S3 Bucket has server access logs disabled.",
		"WARNING Storage: AwsSolutions-S2 on Storage/Logs/Resource:",
		"UNKNOWN Storage: NIST.800.53.R5-IAMNoInlinePolicy",
		"AUDIT Storage: statement-sid on ReaderRole: statement 0 has no Sid",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
}

func TestDirErrors(t *testing.T) {
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "manifest.json"), []byte(`{"artifacts": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	badCSV := t.TempDir()
	for name, body := range map[string]string{
		"manifest.json":                 `{"artifacts": {"S": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}}}}`,
		"S.template.json":               `{"Resources": {}}`,
		"AwsSolutions--S-NagReport.csv": "Rule,Resource,Compliance,Reason,Level,Info\n",
	} {
		if err := os.WriteFile(filepath.Join(badCSV, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ name, dir, want string }{
		{"no assembly", filepath.Join(empty, "missing"), "manifest.json: no such file"},
		{"no stack", empty, "has no stack; point it at the cloud assembly cdk synth wrote (cdk.out)"},
		{"not cdk-nag's csv", badCSV, "is not cdk-nag's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Dir(tc.dir, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Dir(%s) error = %v, want one containing %q", tc.dir, err, tc.want)
			}
		})
	}
}
