package validate

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

func TestScope(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Storage"), nil)
	constructs.NewConstruct(stack, jsii.String("Invoices"))
	var nilStack awscdk.Stack
	var nilPtr *fakeConstruct

	for _, tc := range []struct {
		name  string
		scope constructs.IConstruct
		id    string
		want  []string // "field: text in the message"; none means valid
	}{
		{name: "valid", scope: stack, id: "Receipts"},
		{name: "nil scope", scope: nil, id: "Invoices", want: []string{"scope: a construct needs a parent scope"}},
		{name: "nil interface value", scope: nilStack, id: "Invoices", want: []string{"scope: a construct needs a parent scope"}},
		{name: "typed nil pointer", scope: nilPtr, id: "Invoices", want: []string{"scope: a construct needs a parent scope"}},
		{name: "empty id", scope: stack, id: "", want: []string{`id: a construct id must not be empty`}},
		{name: "blank id", scope: stack, id: "  ", want: []string{`id: a construct id must not be empty`}},
		{name: "slash", scope: stack, id: "Api/Fn", want: []string{`id: a construct id must not contain '/', the construct path separator; use an id without '/', e.g. "ApiFn"`}},
		{name: "taken", scope: stack, id: "Invoices", want: []string{`id: ids are unique within a scope: "Storage/Invoices" already exists`}},
		{name: "nil scope and empty id", scope: nil, id: "", want: []string{"scope: a construct needs", "id: a construct id must not be empty"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Scope(tc.scope, tc.id)
			problems := Problems(err)
			if len(problems) != len(tc.want) {
				t.Fatalf("Scope(%q) = %v, want %d problem(s)", tc.id, err, len(tc.want))
			}
			for i, w := range tc.want {
				field, text, _ := strings.Cut(w, ": ")
				if p := problems[i]; p.Field != field || !strings.Contains(p.Error(), text) {
					t.Errorf("problem %d = %v (field %q), want field %q containing %q", i, p, p.Field, field, text)
				}
			}
			if len(tc.want) > 0 {
				var p *Problem
				if !errors.As(err, &p) {
					t.Errorf("errors.As(*Problem) failed on %v", err)
				}
			}
		})
	}
	if got := ChildPath(nil, "Invoices"); got != "Invoices" {
		t.Errorf("ChildPath(nil) = %q", got)
	}
}

// fakeConstruct lets the test pass a typed nil pointer as an IConstruct.
type fakeConstruct struct{ constructs.IConstruct }
