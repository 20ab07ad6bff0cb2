package iamx

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/validate"
)

// sidPattern is what IAM accepts as the Sid of an identity-policy statement.
var sidPattern = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// uniqueSids is why a repeated Sid is refused before synth: IAM refuses the
// whole policy, and only at deploy time.
const uniqueSids = `IAM rejects the policy at deploy: "Statement IDs (SID) in a single policy must be unique"`

// CheckStatements checks caller-supplied statements for a role's own
// (identity) policy against the security invariants that audit
// enforces on the synthesized template, so that a bad statement fails when it
// is handed to a construct, naming the field, rather than in the audit or at
// deploy time. Each statement needs:
//
//   - a Sid of letters and digits, not in reserved and not repeated within
//     statements (IAM rejects a policy whose Sids repeat);
//   - explicit actions, with no "*" in an Allow statement's actions;
//   - no NotAction, NotResource or principals;
//   - resources, with a bare "*" only for actions in
//     audit.WildcardResourceActions (Allow statements).
//
// field names the statements in the messages, e.g. "Statements" gives
// "Statements[0].Sid". reserved holds the Sids already in the policy: the
// construct's own statements and any added before. The result is one
// validate.Fail problem per broken rule, ready for errors.Join.
func CheckStatements(field string, statements []awsiam.PolicyStatement, reserved map[string]bool) []error {
	var errs []error
	fail := func(field string, value any, rule, fix string) {
		errs = append(errs, validate.Fail(field, value, rule, fix))
	}
	seen := map[string]int{}
	for i, st := range statements {
		f := fmt.Sprintf("%s[%d]", field, i)
		if st == nil {
			fail(f, nil, "the statement is nil", "remove it")
			continue
		}
		sid := ""
		if p := st.Sid(); p != nil {
			sid = *p
		}
		earlier, dup := seen[sid]
		switch {
		case sid == "":
			fail(f+".Sid", sid, "every statement needs a readable Sid (security invariants)", `set Sid, e.g. "ReadOrdersTable"`)
		case !sidPattern.MatchString(sid):
			fix := "remove the other characters"
			if safe := SidSafe(sid); safe != "" {
				fix += fmt.Sprintf(", e.g. %q", safe)
			}
			fail(f+".Sid", sid, "a Sid is letters and digits only", fix)
		case reserved[sid]:
			fail(f+".Sid", sid, "the Sid is already used in the policy ("+uniqueSids+")", "choose a unique Sid")
		case dup:
			fail(f+".Sid", sid, fmt.Sprintf("the Sid is already used by %s[%d] (%s)", field, earlier, uniqueSids), "choose a unique Sid")
		default:
			seen[sid] = i
		}
		if len(derefAll(st.NotActions())) > 0 || len(derefAll(st.NotResources())) > 0 {
			fail(f, sid, "NotAction and NotResource grant everything else", "list the actions and resources explicitly")
		}
		if *st.HasPrincipal() {
			fail(f, sid, "a role's permissions are an identity policy and name no principal", "remove the principal")
		}
		allow := st.Effect() != awsiam.Effect_DENY
		actions := derefAll(st.Actions())
		if len(actions) == 0 {
			fail(f+".Actions", actions, "the statement grants no action", "list the actions explicitly")
		}
		for _, a := range actions {
			if allow && strings.Contains(a, "*") {
				fail(f+".Actions", a, "no * in an Allow statement's actions (the guidance: never use * in Action)", "list the actions explicitly")
			}
		}
		resources := derefAll(st.Resources())
		if len(resources) == 0 {
			fail(f+".Resources", resources, "the statement names no resource", "name the resource ARNs")
		}
		for _, r := range resources {
			if r != "*" || !allow {
				continue
			}
			for _, a := range actions {
				if _, ok := audit.WildcardResourceActions[a]; !ok {
					fail(f+".Resources", r, fmt.Sprintf("%s on every resource: only actions without resource-level permissions may use * (the guidance: never use * in Resource)", a),
						"name the resource ARNs, e.g. the table's ARN")
				}
			}
		}
	}
	return errs
}

// derefAll turns a jsii string list into a Go one, dropping nil entries.
func derefAll(p *[]*string) []string {
	if p == nil {
		return nil
	}
	out := make([]string, 0, len(*p))
	for _, s := range *p {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out
}
