package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groundwork-cdk/groundwork/internal/cost"
)

// reports are hand-made: two price tables (listed us-east-1 first) and, in
// the cases that want it, a stack whose region has no table.
func reports(unknown bool) []cost.Report {
	rs := []cost.Report{
		{Stack: "Groundwork-Prod-Network", Region: "us-east-1", StackRegion: "us-east-1", Total: 32.85,
			Fixed: []cost.Line{{Resource: "Nat", Type: "AWS::EC2::NatGateway", What: "730 h × $0.045", Monthly: 32.85}}},
		{Stack: "Groundwork-Dev-Network", Region: "eu-west-1", StackRegion: "eu-west-1", Total: 35.04,
			Fixed:  []cost.Line{{Resource: "Nat", Type: "AWS::EC2::NatGateway", What: "730 h × $0.048", Monthly: 35.04}},
			Varies: []string{"AWS::Lambda::Function Fn"}, Unpriced: []string{"AWS::RDS::DBInstance"}},
	}
	if unknown {
		rs = append(rs,
			cost.Report{Stack: "Groundwork-Test-Api", Region: "us-east-1", StackRegion: "ap-east-2", UnknownRegion: true, Total: 1,
				Fixed: []cost.Line{{Resource: "Key", Type: "AWS::KMS::Key", What: "customer-managed key", Monthly: 1}}},
			cost.Report{Stack: "Groundwork-Test-Storage", Region: "us-east-1", StackRegion: "ap-east-2", UnknownRegion: true},
			cost.Report{Stack: "Agnostic", Region: "us-east-1", StackRegion: "unknown-region", UnknownRegion: true})
	}
	return rs
}

func TestPrintTable(t *testing.T) {
	tests := []struct {
		name     string
		unknown  bool
		warnings []string
	}{
		{"known regions", false, nil},
		{"unknown regions", true, []string{
			"cost: prices for ap-east-2 unknown: using us-east-1 list prices (Groundwork-Test-Api, Groundwork-Test-Storage)",
			"cost: prices for unknown-region unknown: using us-east-1 list prices (Agnostic)",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var first string
			// The header used to range over a map: print it often enough
			// that a random order would show.
			for i := 0; i < 20; i++ {
				var out, errs bytes.Buffer
				printTable(&out, &errs, reports(tc.unknown))
				if i == 0 {
					first = out.String()
				} else if out.String() != first {
					t.Fatalf("output differs between runs:\n%s\n---\n%s", first, out.String())
				}
				if got := strings.Join(tc.warnings, "\n"); strings.TrimSpace(errs.String()) != got {
					t.Fatalf("warnings:\n%s\nwant:\n%s", errs.String(), got)
				}
			}
			lines := strings.Split(first, "\n")
			if !strings.HasPrefix(lines[0], "Fixed monthly cost, USD, at eu-west-1 ") || !strings.HasPrefix(lines[1], "Fixed monthly cost, USD, at us-east-1 ") {
				t.Errorf("header not in region order:\n%s", first)
			}
			// Compare lines with their column padding collapsed.
			squeezed := map[string]bool{}
			for _, l := range lines {
				squeezed[strings.Join(strings.Fields(l), " ")] = true
			}
			for _, want := range []string{"Groundwork-Dev-Network Nat 730 h × $0.048 35.04", "Groundwork-Prod-Network total 32.85",
				"Dev 35.04 USD/month fixed", "Prod 32.85 USD/month fixed",
				"Unpriced (not in the table): AWS::RDS::DBInstance"} {
				if !squeezed[want] {
					t.Errorf("output lacks the line %q:\n%s", want, first)
				}
			}
			if strings.Contains(first, "prices for") {
				t.Errorf("the warning belongs on stderr, not in the table:\n%s", first)
			}
		})
	}
}

// TestLoadMarksUnknownRegions reads a minimal cloud assembly with one stack in
// a priced region and one environment-agnostic stack.
func TestLoadMarksUnknownRegions(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"manifest.json": `{"artifacts": {
		  "Groundwork-Prod-Network": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/eu-west-1", "properties": {"templateFile": "a.json"}},
		  "Agnostic": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "properties": {"templateFile": "b.json"}},
		  "Tree": {"type": "cdk:tree"}}}`,
		"a.json": `{"Resources": {"Nat": {"Type": "AWS::EC2::NatGateway"}}}`,
		"b.json": `{"Resources": {"Nat": {"Type": "AWS::EC2::NatGateway"}}}`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rs, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("want 2 reports, got %+v", rs)
	}
	agnostic, prod := rs[0], rs[1] // sorted by stack name
	if agnostic.Stack != "Agnostic" || !agnostic.UnknownRegion || agnostic.StackRegion != "unknown-region" || agnostic.Region != cost.DefaultRegion {
		t.Errorf("environment-agnostic stack: %+v", agnostic)
	}
	if prod.UnknownRegion || prod.Region != "eu-west-1" {
		t.Errorf("eu-west-1 stack: %+v", prod)
	}
	if got := warnings(rs); len(got) != 1 || got[0] != "prices for unknown-region unknown: using us-east-1 list prices (Agnostic)" {
		t.Errorf("warnings %q", got)
	}
}
