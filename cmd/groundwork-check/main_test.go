package main

import (
	"strings"
	"testing"
)

// The fixtures are the hand-made cloud assemblies of package check:
// testdata/csv (CSV reports, a nested stage, a nested stack, findings),
// testdata/json (JSON reports, clean) and testdata/annotations (no reports).
const fixtures = "../../check/testdata/"

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		out    []string // substrings of stdout
		errOut string   // substring of stderr
		absent []string // must not appear in stdout
	}{
		{
			name:   "clean json reports",
			args:   []string{fixtures + "json"},
			status: 0,
			out: []string{
				"stack         check  compliant  suppressed  warnings  errors  unknown",
				"Clean  AwsSolutions          1           1         0       0        0",
				"Clean    Serverless          0           0         0       0        0",
				"Clean         audit          -           -         -       0        -",
			},
		},
		{
			name:   "csv reports with findings",
			args:   []string{fixtures + "csv"},
			status: 1,
			out: []string{
				"Prod/Api    AwsSolutions          1           0         0       1        0",
				"Storage  NIST.800.53.R5          1           0         0       0        1",
				"ERROR Prod/Api: AwsSolutions-SQS3 on Prod/Api/Queue/Resource",
				"UNKNOWN Storage: NIST.800.53.R5-IAMNoInlinePolicy on Storage/ReaderRole/Resource",
				"AUDIT Storage: statement-sid on ReaderRole",
				"AUDIT " + "StorageCacheNestedStackCacheNestedStackResourceABCD1234: open-ingress on Ingress",
			},
			errOut: "groundwork-check: 7 problem(s)",
			absent: []string{"required-tags", "permissions-boundary"},
		},
		{
			name:   "flags turn on Groundwork's conventions and skip rules",
			args:   []string{"-require-tags", "-require-boundary", "-skip", "encryption-at-rest,open-ingress", fixtures + "csv"},
			status: 1,
			out:    []string{"AUDIT Storage: required-tags on Logs", "AUDIT Storage: permissions-boundary on ReaderRole"},
			errOut: "groundwork-check: 15 problem(s)",
			absent: []string{"encryption-at-rest", "open-ingress"},
		},
		{
			name:   "annotations only",
			args:   []string{fixtures + "annotations"},
			status: 1,
			out:    []string{"App  cdk-nag (annotations)          -           -         1       1        1", "ERROR App: AwsSolutions-L1 on App/Fn/Resource"},
			errOut: "groundwork-check: 2 problem(s)",
		},
		{name: "no assembly", args: []string{fixtures + "missing"}, status: 2, errOut: "manifest.json: no such file"},
		{name: "two directories", args: []string{"a", "b"}, status: 2, errOut: "usage: groundwork-check [flags] [cdk.out]"},
		{name: "unknown flag", args: []string{"-nope"}, status: 2, errOut: "flag provided but not defined: -nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			if got := run(tc.args, &stdout, &stderr); got != tc.status {
				t.Errorf("status %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tc.status, stdout.String(), stderr.String())
			}
			for _, w := range tc.out {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(stdout.String(), a) {
					t.Errorf("stdout has %q:\n%s", a, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), tc.errOut) {
				t.Errorf("stderr lacks %q:\n%s", tc.errOut, stderr.String())
			}
		})
	}
}
