package kmskey_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/kmskey"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// synth builds one stack with a plain key and one with a service grant.
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	stack := testkit.NewStack(app, "Keys")
	kmskey.New(stack, "Plain", "plain key", awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	kmskey.New(stack, "Logs", "logs key", awscdk.RemovalPolicy_DESTROY, kmskey.CloudWatchLogs(stack, "/app"))
	return app
})

// denyCreateGrant is the CT.KMS.PR.3 statement as it must render.
var denyCreateGrant = map[string]any{
	"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Principal": "*",
	"Action": "kms:CreateGrant", "Resource": "*",
	"Condition": map[string]any{"BoolIfExists": map[string]any{
		"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
}

func TestKeyPolicy(t *testing.T) {
	s := synth.Stack(t, "Keys")
	s.ResourceCountIs(t, "AWS::KMS::Key", 2)
	tests := []struct {
		name, path  string
		description string
		removal     string
		statements  []any
	}{
		{"plain key: administration, then the CreateGrant deny", "Plain", "plain key", "RetainExceptOnCreate", []any{
			assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowAccountAdministration", "Action": "kms:*"}),
			denyCreateGrant,
		}},
		{"service grants come before the deny", "Logs", "logs key", "Delete", []any{
			assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowAccountAdministration"}),
			assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowCloudWatchLogs"}),
			denyCreateGrant,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Resource(t, s.LogicalID(t, tc.path))
			if res["DeletionPolicy"] != tc.removal {
				t.Errorf("DeletionPolicy %v, want %s", res["DeletionPolicy"], tc.removal)
			}
			s.HasResourceProperties(t, "AWS::KMS::Key", map[string]any{
				"Description":       tc.description,
				"EnableKeyRotation": true,
				"KeyPolicy":         map[string]any{"Statement": tc.statements, "Version": "2012-10-17"},
			})
		})
	}
}

// TestKeysPassTheAudit runs the invariant audit (including the CT.KMS.PR.3
// rule) over the keys' template.
func TestKeysPassTheAudit(t *testing.T) {
	s := synth.Stack(t, "Keys")
	for _, f := range audit.Check(s.Name, s.Template, audit.Options{}) {
		if f.Rule != audit.RuleTags { // tags are applied at the App by stacks.Build
			t.Error(f)
		}
	}
}
