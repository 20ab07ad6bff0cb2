package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureDOT is the diagram of the small two-stack assembly in
// testdata/assembly (one stack with inline metadata, one with an additional
// metadata file).
func fixtureDOT(t *testing.T) string {
	t.Helper()
	stacks, err := loadAssembly(filepath.Join("testdata", "assembly"))
	if err != nil {
		t.Fatal(err)
	}
	envs := environments(stacks)
	if len(envs) != 1 || len(envs["dev"]) != 2 {
		t.Fatalf("environments = %v, want dev with 2 stacks", envs)
	}
	return generate("dev", envs["dev"])
}

func TestDOT(t *testing.T) {
	got := fixtureDOT(t)
	tests := []struct {
		name, want string
	}{
		{"stack cluster", `label="App-Dev-Api"; style="rounded"`},
		{"construct sub-cluster", `label="Fn"; style="rounded,dashed"`},
		{"node labelled with path and kind", `"App-Dev-Api/Fn1" [label="Function\nLambda function"`},
		{"table key schema", `key: id (HASH)`},
		{"subnets collapsed to a tier", `"App-Dev-Net/Vpc/tier/Private" [label="Private tier\n2 subnets (one per AZ)\n10.0.0.0/20 10.0.16.0/20"`},
		{"other types counted per construct", `"App-Dev-Api/Fn/more" [label="+ 1 × IAM::Role"`},
		{"construct-less leftovers counted per stack", `"App-Dev-Api/more" [label="+ 1 × SSM::Parameter"`},
		{"SG to SG edge with port range", `"App-Dev-Api/FnSg" -> "App-Dev-Api/DbSg" [label="tcp 5432-5433"`},
		{"SG egress to the internet", `"App-Dev-Api/FnSg" -> "internet" [label="tcp 443"`},
		{"VPC CIDR ingress drawn from the VPC", `"App-Dev-Net/Vpc1" -> "App-Dev-Api/DbSg" [label="tcp 5432"`},
		{"cross-stack Fn::ImportValue, dashed", `"App-Dev-Api/Fn1" -> "App-Dev-Net/Vpc/tier/Private" [style=dashed`},
		{"alarm action by literal topic ARN", `"App-Dev-Api/Fn/alarms" -> "App-Dev-Net/AlarmTopic1" [label="alarm actions", style=dashed`},
		{"function env var wiring", `"App-Dev-Api/Fn1" -> "App-Dev-Api/Table1" [label="TABLE_NAME"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(got, tt.want) {
				t.Errorf("DOT lacks %s\n%s", tt.want, got)
			}
		})
	}
	absent := []struct{ name, notWant string }{
		{"CDK's disallow-all egress sentinel", "255.255.255.255"},
		{"a security group's reference to its VPC", `"App-Dev-Api/FnSg" -> "App-Dev-Net/Vpc1"`},
		{"a single-item construct boxed", `label="Table"; style`},
		{"an env var with a literal value", `"LEVEL"`},
	}
	for _, tt := range absent {
		t.Run("no "+tt.name, func(t *testing.T) {
			if strings.Contains(got, tt.notWant) {
				t.Errorf("DOT contains %s\n%s", tt.notWant, got)
			}
		})
	}
}

func TestDOTIsDeterministic(t *testing.T) {
	first := fixtureDOT(t)
	for i := 0; i < 5; i++ {
		if again := fixtureDOT(t); again != first {
			t.Fatalf("run %d differs from the first:\n%s\n---\n%s", i, again, first)
		}
	}
}

func TestCheckFlagsStaleDiagrams(t *testing.T) {
	dir := t.TempDir()
	cdkOut := filepath.Join("testdata", "assembly")
	if err := run(cdkOut, dir, false, true); err == nil || !strings.Contains(err.Error(), "run `make diagram`") {
		t.Fatalf("check with no committed diagram: err = %v, want a stale-diagram error naming make diagram", err)
	}
	if err := run(cdkOut, dir, false, false); err != nil {
		t.Fatal(err)
	}
	if err := run(cdkOut, dir, false, true); err == nil || !strings.Contains(err.Error(), "dev.svg (missing)") {
		t.Fatalf("check without rendered pictures: err = %v, want dev.svg named as missing", err)
	}
	for _, f := range []string{"dev.svg", "dev.png"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("picture"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(cdkOut, dir, false, true); err != nil {
		t.Fatalf("check right after generating: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dev.dot"), []byte("digraph {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(cdkOut, dir, false, true); err == nil || !strings.Contains(err.Error(), "dev.dot") {
		t.Fatalf("check after an edit: err = %v, want dev.dot named as stale", err)
	}
}

func TestMissingAssembly(t *testing.T) {
	_, err := loadAssembly(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run make synth first") {
		t.Fatalf("err = %v, want the fix (run make synth first)", err)
	}
}
