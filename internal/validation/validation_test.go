package validation

import (
	"strings"
	"testing"
)

func TestExceptionMatches(t *testing.T) {
	f := Finding{Stack: "Groundwork-Dev-Api", Rule: "E3002", Resource: "DashboardABC", ResourceType: "AWS::CloudWatch::Dashboard", Message: "'Tags' was unexpected"}
	tests := []struct {
		name string
		e    Exception
		want bool
	}{
		{"rule only", Exception{Rule: "E3002"}, true},
		{"other rule", Exception{Rule: "E1022"}, false},
		{"type", Exception{Rule: "E3002", ResourceType: "AWS::CloudWatch::Dashboard"}, true},
		{"other type", Exception{Rule: "E3002", ResourceType: "AWS::S3::Bucket"}, false},
		{"resource glob", Exception{Rule: "E3002", Resource: "Dashboard*"}, true},
		{"other resource", Exception{Rule: "E3002", Resource: "Bucket*"}, false},
		{"stack glob", Exception{Rule: "E3002", Stacks: "Groundwork-*-Api"}, true},
		{"other stack", Exception{Rule: "E3002", Stacks: "Groundwork-Prod-*"}, false},
		{"message", Exception{Rule: "E3002", MessageContains: "Tags"}, true},
		{"other message", Exception{Rule: "E3002", MessageContains: "GetStackOutput"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Matches(f); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestApplySortsFindingsAndReportsStaleExceptions(t *testing.T) {
	o := Outcome{Tool: ToolCfnGuard, Checks: map[string]int{"A": 5, "B": 3}, Findings: []Finding{
		{Stack: "A", Rule: "CT.KMS.PR.1", Resource: "Key1"},
		{Stack: "A", Rule: "CT.SQS.PR.2", Resource: "Queue1"},
	}}
	excs := []Exception{
		{Rule: "CT.SQS.PR.2", Resource: "Queue*", Reason: "r"},
		{Rule: "CT.S3.PR.1", Reason: "matches nothing"},
	}
	rows, stale := Apply(o, []string{"A", "B"}, excs)
	if len(rows) != 2 || rows[0].Stack != "A" || rows[1].Stack != "B" {
		t.Fatalf("rows = %+v, want one per stack, B included although clean", rows)
	}
	if rows[0].Checks != 5 || len(rows[0].Failures) != 1 || rows[0].Failures[0].Rule != "CT.KMS.PR.1" || len(rows[0].Excepted) != 1 {
		t.Errorf("row A = %+v, want 5 checks, the KMS failure, the SQS exception", rows[0])
	}
	if len(stale) != 1 || stale[0].Rule != "CT.S3.PR.1" {
		t.Errorf("stale = %+v, want the S3 exception", stale)
	}
	// A skipped tool's exceptions are not stale: it found nothing because it
	// did not run.
	o.Skipped = "not installed"
	if _, stale := Apply(o, nil, excs); len(stale) != 0 {
		t.Errorf("stale for a skipped tool = %+v, want none", stale)
	}
}

func TestParseExceptionsRejectsEntriesWithoutRuleOrReason(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"no reason", `[{"rule":"E3002"}]`, "rule and reason are required"},
		{"blank reason", `[{"rule":"E3002","reason":"  "}]`, "rule and reason are required"},
		{"no rule", `[{"reason":"x"}]`, "rule and reason are required"},
		{"unknown field", `[{"rule":"E3002","reason":"x","resorce":"A"}]`, "unknown field"},
		{"bad glob", `[{"rule":"E3002","reason":"x","resource":"["}]`, "bad glob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExceptions("x.json", []byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// Every shipped exception list parses, and every entry is narrowed to
// resources or types: a rule-wide exception would hide new findings.
func TestShippedExceptionListsAreNarrow(t *testing.T) {
	for _, tool := range []string{ToolCfnLint, ToolCfnGuard, ToolIAM} {
		list, err := Exceptions(tool)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if e.Resource == "" && e.ResourceType == "" {
				t.Errorf("%s: exception for %s names neither a resource nor a resource type", tool, e.Rule)
			}
		}
	}
}

func TestResolveStackOutputs(t *testing.T) {
	ts := writeTemplates(t, map[string]map[string]any{
		"Producer": {
			"Resources": map[string]any{"Subnet": map[string]any{"Type": "AWS::EC2::Subnet"}},
			"Outputs": map[string]any{
				"SubnetId": map[string]any{"Value": map[string]any{"Ref": "Subnet"}},
				"Literal":  map[string]any{"Value": "subnet-123"},
			},
		},
	})
	gso := func(stack, out string) any {
		return map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": stack, "OutputName": out, "Region": "eu-west-1"}}
	}
	got, err := ResolveStackOutputs(map[string]any{"A": []any{gso("Producer", "SubnetId"), gso("Producer", "Literal")}}, ByStack(ts))
	if err != nil {
		t.Fatal(err)
	}
	list := got.(map[string]any)["A"].([]any)
	if list[0] != "{{resolve:Producer.SubnetId=Ref Subnet}}" || list[1] != "subnet-123" {
		t.Errorf("resolved = %v", list)
	}
	for _, tt := range []struct{ stack, out, want string }{
		{"Missing", "X", "no Missing.template.json"},
		{"Producer", "Nope", "has no output Nope"},
	} {
		if _, err := ResolveStackOutputs(gso(tt.stack, tt.out), ByStack(ts)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s.%s: err = %v, want %q", tt.stack, tt.out, err, tt.want)
		}
	}
}
