package validate_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/validate"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestScope(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	constructs.NewConstruct(stack, jsii.String("Taken"))
	tests := []struct {
		name  string
		scope constructs.IConstruct
		id    string
		want  []string // empty: no problem
	}{
		{"valid", stack, "Free", nil},
		{"nil scope", nil, "Data", []string{"scope = <nil>", "needs a parent scope", "pass the stack or construct"}},
		{"empty id", stack, "", []string{`id = ""`, "cannot be empty", `such as "Invoices"`}},
		{"blank id", stack, "  ", []string{`id = "  "`, "cannot be empty"}},
		{"duplicate id", stack, "Taken", []string{`id = "Taken"`, `scope "S" already has a child with this id`, "choose another id"}},
		{"nil scope and empty id", nil, "", []string{"scope = <nil>", `id = ""`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validate.Scope(tc.scope, tc.id)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("want no problem, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want a problem, got none")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
	if got := validate.ChildPath(nil, "X"); got != "X" {
		t.Errorf("ChildPath(nil, X) = %q, want X", got)
	}
}

func TestRemovalPolicyDefault(t *testing.T) {
	for _, ok := range []string{"", "RETAIN", "DESTROY", "RETAIN_ON_UPDATE_OR_DELETE"} {
		if err := validate.RemovalPolicyDefault(ok, "S3 buckets", "RETAIN_ON_UPDATE_OR_DELETE"); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	err := validate.RemovalPolicyDefault("SNAPSHOT", "S3 buckets", "RETAIN_ON_UPDATE_OR_DELETE")
	if err == nil || !strings.Contains(err.Error(), "use RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (the default)") {
		t.Errorf("got %v", err)
	}
}
