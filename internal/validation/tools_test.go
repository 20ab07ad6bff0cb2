package validation

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func loadGuard(t *testing.T) *Guard {
	t.Helper()
	g, err := LoadGuard(nodeModules)
	if err != nil {
		t.Skipf("SKIPPED: cfn-guard is not available (%v); make test runs npm ci, which installs it", err)
	}
	return g
}

func kmsKey(props map[string]any) map[string]any {
	return map[string]any{"Type": "AWS::KMS::Key", "Properties": props}
}

// goodKeyPolicy denies CreateGrant except for AWS resources (CT.KMS.PR.3).
var goodKeyPolicy = map[string]any{"Version": "2012-10-17", "Statement": []any{
	map[string]any{"Sid": "Admin", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:root"}, "Action": "kms:*", "Resource": "*"},
	map[string]any{"Sid": "DenyGrants", "Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
		"Condition": map[string]any{"BoolIfExists": map[string]any{"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}}},
}}

func TestGuardFailsEachBreachAndPassesTheGoodTemplate(t *testing.T) {
	g := loadGuard(t)
	gso := map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Network", "OutputName": "SubnetId", "Region": "eu-west-1"}}
	ts := writeTemplates(t, map[string]map[string]any{
		"Good": template(map[string]any{
			"Key": kmsKey(map[string]any{"EnableKeyRotation": true, "KeyPolicy": goodKeyPolicy}),
			"Queue": map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{
				"KmsMasterKeyId":     map[string]any{"Fn::GetAtt": []any{"Key", "Arn"}},
				"RedriveAllowPolicy": map[string]any{"redrivePermission": "allowAll"}}},
		}),
		"NoRotation":  template(map[string]any{"Key": kmsKey(map[string]any{"KeyPolicy": goodKeyPolicy})}),
		"Unencrypted": template(map[string]any{"Queue": map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{"RedriveAllowPolicy": map[string]any{"redrivePermission": "allowAll"}}}}),
		// A function in a subnet of another stack: cfn-guard cannot read
		// Fn::GetStackOutput; resolved to the producer's value it passes.
		"Network": {"Resources": map[string]any{"Subnet": map[string]any{"Type": "AWS::EC2::Subnet"}},
			"Outputs": map[string]any{"SubnetId": map[string]any{"Value": map[string]any{"Ref": "Subnet"}}}},
		"Function": template(map[string]any{
			"Group": map[string]any{"Type": "AWS::EC2::SecurityGroup", "Properties": map[string]any{"GroupDescription": "x"}},
			"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
				"VpcConfig": map[string]any{"SubnetIds": []any{gso}, "SecurityGroupIds": []any{map[string]any{"Fn::GetAtt": []any{"Group", "GroupId"}}}}}}}),
	})
	o, err := g.Run(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	has := func(stack, want string) bool { return slices.Contains(findingsOf(o, stack), want) }
	for _, tt := range []struct{ stack, want string }{
		{"NoRotation", "CT.KMS.PR.1 Key"},
		{"Unencrypted", "CT.SQS.PR.2 Queue"},
	} {
		if !has(tt.stack, tt.want) {
			t.Errorf("%s: findings %q lack %q", tt.stack, findingsOf(o, tt.stack), tt.want)
		}
	}
	if got := findingsOf(o, "Good"); len(got) != 0 {
		t.Errorf("Good: findings %q, want none", got)
	}
	if has("Function", "CT.LAMBDA.PR.3 Fn") {
		t.Errorf("Function: CT.LAMBDA.PR.3 failed although the subnet comes from the producer: %q", findingsOf(o, "Function"))
	}
	if o.Checks["Good"] == 0 {
		t.Errorf("checks = %v", o.Checks)
	}
	for _, f := range o.Findings {
		if f.Stack == "NoRotation" && !strings.Contains(f.Message, "fix:") {
			t.Errorf("message %q lacks the control's fix", f.Message)
		}
	}
}

func TestGuardRejectsAnUnresolvableStackOutput(t *testing.T) {
	g := loadGuard(t)
	ts := writeTemplates(t, map[string]map[string]any{"C": template(map[string]any{"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
		"Role": map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Gone", "OutputName": "RoleArn", "Region": "eu-west-1"}}}}})})
	if _, err := g.Run(context.Background(), ts); err == nil || !strings.Contains(err.Error(), "no Gone.template.json") {
		t.Errorf("err = %v, want the missing producer named", err)
	}
}

func TestGuardMapsRulesToControls(t *testing.T) {
	g := loadGuard(t)
	if len(g.Controls) < 200 {
		t.Errorf("%d controls, want the package's ~237", len(g.Controls))
	}
	for _, c := range g.Controls {
		if !strings.HasPrefix(c.ID, "CT.") || len(c.Rules) == 0 || len(c.ResourceTypes) == 0 {
			t.Errorf("control %+v: want a CT id, its rules and evaluated types", c)
		}
	}
}

func TestCfnLintFailsAnInvalidPropertyAndPassesAValidTemplate(t *testing.T) {
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Skip("SKIPPED: " + CfnLintInstall)
	}
	ts := writeTemplates(t, map[string]map[string]any{
		"Good": template(map[string]any{"Queue": map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{"VisibilityTimeout": 30}}}),
		"Bad":  template(map[string]any{"Queue": map[string]any{"Type": "AWS::SQS::Queue", "Properties": map[string]any{"VisibilityTimeout": 30, "Colour": "blue"}}}),
	})
	o, err := CfnLint(context.Background(), "", ts)
	if err != nil {
		t.Fatal(err)
	}
	if got := findingsOf(o, "Bad"); !slices.Equal(got, []string{"E3002 Queue"}) {
		t.Errorf("Bad: findings %q, want E3002 on the queue", got)
	}
	if got := findingsOf(o, "Good"); len(got) != 0 {
		t.Errorf("Good: findings %q, want none", got)
	}
	if o.Findings[0].ResourceType != "AWS::SQS::Queue" || !strings.Contains(o.Findings[0].Message, "Colour") {
		t.Errorf("finding %+v: want the type and the property named", o.Findings[0])
	}
	if o.Checks["Bad"] != 1 {
		t.Errorf("checks = %v, want one resource per stack", o.Checks)
	}
}

func TestCfnLintMissingIsSkippedWithTheInstallCommand(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	o, err := CfnLint(context.Background(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.Skipped, "pip install cfn-lint==1.51.0") {
		t.Errorf("Skipped = %q, want the install command", o.Skipped)
	}
}
