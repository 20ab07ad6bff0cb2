package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemplate(t *testing.T, dir, stack, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, stack+".template.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

const goodPolicy = `{"Resources":{"P":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[
 {"Sid":"A","Effect":"Allow","Action":"xray:PutTraceSegments","Resource":"*"}]}}}}}`

const badPolicy = `{"Resources":{"P":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Statement":[
 {"Sid":"A","Effect":"Allow","Action":"s3:GetObjekt","Resource":"*"}]}}}}}`

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		templates map[string]string
		want      int
		stdout    []string
		stderr    []string
	}{
		{"clean", map[string]string{"Groundwork-Dev-Api": goodPolicy}, 0,
			[]string{"Groundwork-Dev-Api", "iam-policy", "validate: "}, nil},
		{"failure", map[string]string{"Groundwork-Dev-Api": goodPolicy, "Groundwork-Dev-Storage": badPolicy}, 1,
			[]string{"Groundwork-Dev-Storage  iam-policy       1         1           0"},
			[]string{"1 failure(s)", `action-not-found P (AWS::IAM::ManagedPolicy): PolicyDocument.Statement[0] (Sid A): action "s3:GetObjekt"`}},
		{"no templates", nil, 2, nil, []string{"run make synth first"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for s, body := range tt.templates {
				writeTemplate(t, dir, s, body)
			}
			var stdout, stderr bytes.Buffer
			got := run(context.Background(), []string{"-only", "iam-policy", "-node-modules", "../../node_modules", dir}, &stdout, &stderr)
			if got != tt.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.want, stdout.String(), stderr.String())
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
		})
	}
}

func TestRunWarnsVisiblyWhenCfnLintIsMissing(t *testing.T) {
	dir := t.TempDir()
	writeTemplate(t, dir, "S", goodPolicy)
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	got := run(context.Background(), []string{"-only", "cfn-lint", dir}, &stdout, &stderr)
	if got != 0 {
		t.Errorf("exit %d, want 0 (skipped, not failed)", got)
	}
	if !strings.Contains(stderr.String(), "WARNING: cfn-lint SKIPPED: cfn-lint is not installed: pip install cfn-lint==1.51.0") {
		t.Errorf("stderr lacks the warning:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "skipped") {
		t.Errorf("the summary does not show the skip:\n%s", stdout.String())
	}
}
