package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// line is one cdk-nag report line.
func line(rule, resource, compliance, level string) string {
	return `{"ruleId": "` + rule + `", "resourceId": "` + resource + `", "compliance": "` + compliance +
		`", "ruleLevel": "` + level + `", "exceptionReason": "N/A", "ruleInfo": "info"}`
}

// writeReport writes <pack>--<stack>-NagReport.json into dir.
func writeReport(t *testing.T, dir, pack, stack string, lines ...string) {
	t.Helper()
	body := `{"lines": [` + strings.Join(lines, ",") + `]}`
	if err := os.WriteFile(filepath.Join(dir, pack+"--"+stack+"-NagReport.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	compliant := line("AwsSolutions-S1", "S/Bucket/Resource", "Compliant", "Error")
	suppressed := line("AwsSolutions-IAM5", "S/Role/Resource", "Suppressed", "Error")
	notApplicable := line("AwsSolutions-EC23", "S/Bucket/Resource", "N/A", "Error")
	nonCompliantError := line("AwsSolutions-S10", "S/Bucket/Resource", "Non-Compliant", "Error")
	nonCompliantWarning := line("AwsSolutions-L1", "S/Fn/Resource", "Non-Compliant", "Warning")
	unknown := line("AwsSolutions-ECS2", "S/TaskDef/Resource", "UNKNOWN", "Error")
	unknownWarning := line("AwsSolutions-VPC3", "S/Vpc/Resource", "UNKNOWN", "Warning")
	const unknownMsg = "nagreport: 1 cdk-nag check(s) with an unknown result (the rule did not evaluate)"

	tests := []struct {
		name  string
		lines []string
		// row is the stack's summary row with its padding collapsed:
		// compliant, suppressed, warnings, errors, unknown.
		row       string
		status    int
		out, errs []string // lines that must appear
	}{
		{"compliant", []string{compliant, compliant, notApplicable}, "2 0 0 0 0", 0, nil, nil},
		{"suppressed", []string{compliant, suppressed}, "1 1 0 0 0", 0, nil, nil},
		{"non-compliant warning", []string{compliant, nonCompliantWarning}, "1 0 1 0 0", 0, nil, nil},
		{"non-compliant error", []string{compliant, nonCompliantError}, "1 0 0 1 0", 1,
			[]string{"UNSUPPRESSED AwsSolutions: AwsSolutions-S10 S/Bucket/Resource"},
			[]string{"nagreport: 1 unsuppressed cdk-nag error(s)"}},
		{"unknown", []string{compliant, unknown}, "1 0 0 0 1", 1,
			[]string{`UNKNOWN AwsSolutions: AwsSolutions-ECS2 S/TaskDef/Resource (compliance "UNKNOWN")`},
			[]string{unknownMsg}},
		{"unknown at warning level fails too", []string{unknownWarning}, "0 0 0 0 1", 1,
			[]string{`UNKNOWN AwsSolutions: AwsSolutions-VPC3 S/Vpc/Resource (compliance "UNKNOWN")`}, []string{unknownMsg}},
		{"empty compliance is unknown", []string{line("AwsSolutions-S1", "S/Bucket/Resource", "", "Error")}, "0 0 0 0 1", 1,
			[]string{`UNKNOWN AwsSolutions: AwsSolutions-S1 S/Bucket/Resource (compliance "")`}, []string{unknownMsg}},
		{"error and unknown", []string{nonCompliantError, unknown, suppressed, nonCompliantWarning}, "0 1 1 1 1", 1,
			[]string{"UNSUPPRESSED AwsSolutions: AwsSolutions-S10 S/Bucket/Resource", `UNKNOWN AwsSolutions: AwsSolutions-ECS2 S/TaskDef/Resource (compliance "UNKNOWN")`},
			[]string{"nagreport: 1 unsuppressed cdk-nag error(s)", unknownMsg}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeReport(t, dir, "AwsSolutions", "Groundwork-Dev-Api", tc.lines...)
			var out, errs bytes.Buffer
			if got := run([]string{dir}, &out, &errs); got != tc.status {
				t.Errorf("exit status %d, want %d\n%s%s", got, tc.status, out.String(), errs.String())
			}
			outLines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if got := strings.Join(strings.Fields(outLines[0]), " "); got != "stack pack compliant suppressed warnings errors unknown" {
				t.Errorf("header %q", got)
			}
			if got := strings.Join(strings.Fields(outLines[1]), " "); got != "Groundwork-Dev-Api AwsSolutions "+tc.row {
				t.Errorf("row %q, want counts %s", got, tc.row)
			}
			if got, want := strings.Join(outLines[2:], "\n"), strings.Join(tc.out, "\n"); got != want {
				t.Errorf("failure lines:\n%s\nwant:\n%s", got, want)
			}
			if got, want := strings.TrimSpace(errs.String()), strings.Join(tc.errs, "\n"); got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestRunSeveralReports sums failures over packs and stacks, sorted by stack.
func TestRunSeveralReports(t *testing.T) {
	dir := t.TempDir()
	writeReport(t, dir, "NIST.800.53.R5", "Groundwork-Prod-Api", line("NIST.800.53.R5-LambdaConcurrency", "P/Fn/Resource", "UNKNOWN", "Error"))
	writeReport(t, dir, "AwsSolutions", "Groundwork-Dev-Api", line("AwsSolutions-S10", "D/Bucket/Resource", "Non-Compliant", "Error"))
	writeReport(t, dir, "AwsSolutions", "Groundwork-Prod-Api", line("AwsSolutions-S1", "P/Bucket/Resource", "Compliant", "Error"))
	var out, errs bytes.Buffer
	if got := run([]string{dir}, &out, &errs); got != 1 {
		t.Errorf("exit status %d, want 1", got)
	}
	var rows []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		rows = append(rows, strings.Join(strings.Fields(l), " "))
	}
	want := []string{
		"Groundwork-Dev-Api AwsSolutions 0 0 0 1 0",
		"Groundwork-Prod-Api AwsSolutions 1 0 0 0 0",
		"Groundwork-Prod-Api NIST.800.53.R5 0 0 0 0 1",
		"UNSUPPRESSED AwsSolutions: AwsSolutions-S10 D/Bucket/Resource",
		`UNKNOWN NIST.800.53.R5: NIST.800.53.R5-LambdaConcurrency P/Fn/Resource (compliance "UNKNOWN")`,
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestRunWithoutReports(t *testing.T) {
	var out, errs bytes.Buffer
	if got := run([]string{t.TempDir()}, &out, &errs); got != 2 || !strings.Contains(errs.String(), "no *-NagReport.json") {
		t.Errorf("exit status %d, stderr %q; want 2 and a hint", got, errs.String())
	}
}
