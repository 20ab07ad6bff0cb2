package grant

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/validate"
)

// GuardRole makes synthesis fail, naming the call to use instead, when a CDK
// L2 grant (bucket.GrantRead(fn.Function), table.GrantWriteData(role), …) or
// any other statement that breaks Groundwork's invariants lands in role's
// default inline policy. owner is the construct whose validation reports it.
// Constructs call it on every role they create, so that the plain CDK path
// never silently does nothing and never silently widens a role.
//
// At synthesis the check reads role's "DefaultPolicy" child, where every L2
// grant and AddToPrincipalPolicy lands for a mutable awsiam.Role. When it holds
// statements, synthesis fails with one message per service of their actions:
// the construct path, the role, the actions, why (L2 grants write wildcard
// actions with no Sid into an inline policy, which the invariants and
// NIST.800.53.R5-IAMNoInlinePolicy forbid) and the grant function to use. In
// Go, app.Synth() then panics with a jsii error that carries these messages.
//
// It panics with a *validate.Error when owner or role is nil.
func GuardRole(owner constructs.IConstruct, role awsiam.IRole) {
	var errs []error
	if isNil(owner) {
		errs = append(errs, validate.Fail("owner", nil, "the guard reports through a construct", "pass the construct that owns the role"))
	}
	if isNil(role) {
		errs = append(errs, validate.Fail("role", nil, "the guard checks a role", "pass the role the construct created"))
	}
	path := ""
	if !isNil(owner) {
		path = *owner.Node().Path()
	}
	validate.Check("grant.GuardRole", path, errors.Join(errs...))
	owner.Node().AddValidation(&roleGuard{owner: owner, role: role})
}

// roleGuard is the validation GuardRole adds. jsii calls Validate at
// synthesis; it needs a pointer receiver (jsii implements the interface on
// the pointer it was given).
type roleGuard struct {
	owner constructs.IConstruct
	role  awsiam.IRole
}

// Validate returns one message per service whose actions are in the role's
// default policy, or none.
func (g *roleGuard) Validate() *[]*string {
	out := []*string{}
	child := g.role.Node().TryFindChild(jsii.String("DefaultPolicy"))
	if child == nil {
		return &out
	}
	policy, ok := child.(awsiam.Policy)
	if !ok {
		return &out
	}
	doc, _ := awscdk.Stack_Of(child).Resolve(policy.Document()).(map[string]any)
	list, _ := doc["Statement"].([]any)
	var services []string
	actions := map[string][]string{}
	for _, s := range list {
		st, _ := s.(map[string]any)
		for _, a := range stringList(st["Action"]) {
			svc := service(a)
			if _, seen := actions[svc]; !seen {
				services = append(services, svc)
			}
			actions[svc] = append(actions[svc], a)
		}
	}
	for _, svc := range services {
		out = append(out, jsii.String(fmt.Sprintf(
			"a CDK grant or AddToPrincipalPolicy put %s into the inline default policy of role %s (%s), on behalf of %s. "+
				"L2 grants (bucket.GrantRead(fn.Function), table.GrantWriteData(role), …) write wildcard actions with no Sid "+
				"into an inline policy, which Groundwork's invariants (explicit actions, a Sid on every statement) and "+
				"NIST.800.53.R5-IAMNoInlinePolicy forbid. Instead, use %s",
			strings.Join(dedupe(actions[svc]), ", "), describe(g.role), describe(child), describe(g.owner), replacement(svc))))
	}
	return &out
}

// stringList reads an IAM Action (or Resource) field: a string or a list.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
