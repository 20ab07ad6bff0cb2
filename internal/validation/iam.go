package validation

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// IAM check names (the Rule of an IAM finding).
const (
	// CheckActionNotFound: the action (or the service prefix, or every
	// action a wildcard could name) is not in the Service Authorization
	// Reference.
	CheckActionNotFound = "action-not-found"
	// CheckConditionKey: a condition key is neither global nor supported by
	// an action of the statement (for a wildcard, by any action it names):
	// the condition can never be true for that action.
	CheckConditionKey = "condition-key-not-valid-for-action"
	// CheckResourceType: a resource matches the ARN format of no resource
	// type of any action of the statement.
	CheckResourceType = "resource-matches-no-type-of-action"
	// CheckActionResource: no resource of the statement matches a resource
	// type of the action (or, for an action without resource-level
	// permissions, no resource is "*"): the statement grants it on nothing.
	CheckActionResource = "action-matches-no-resource"
)

// policyDoc is one policy of a resource, with where it sits.
type policyDoc struct {
	where string // e.g. "Policies[0].PolicyDocument"
	doc   any
}

// policiesOf returns the policies a resource carries: identity, resource,
// trust and key policies.
func policiesOf(r *renderer, t *Template, typ string, props map[string]any) []policyDoc {
	var out []policyDoc
	add := func(where string) {
		if v, ok := props[where]; ok {
			out = append(out, policyDoc{where, v})
		}
	}
	switch typ {
	case "AWS::IAM::Role":
		add("AssumeRolePolicyDocument")
		pols, _ := props["Policies"].([]any)
		for i, p := range pols {
			if m, ok := p.(map[string]any); ok {
				out = append(out, policyDoc{fmt.Sprintf("Policies[%d].PolicyDocument", i), m["PolicyDocument"]})
			}
		}
	case "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::S3::BucketPolicy", "AWS::SQS::QueuePolicy",
		"AWS::SNS::TopicPolicy", "AWS::Logs::ResourcePolicy", "AWS::IAM::GroupPolicy", "AWS::IAM::UserPolicy", "AWS::IAM::RolePolicy":
		add("PolicyDocument")
	case "AWS::KMS::Key":
		add("KeyPolicy")
	case "AWS::SecretsManager::ResourcePolicy":
		add("ResourcePolicy")
	case "AWS::ECR::Repository":
		add("RepositoryPolicyText")
	case "AWS::Lambda::Permission":
		stmt := map[string]any{"Effect": "Allow", "Action": props["Action"]}
		if s, ok := r.render(t, props["FunctionName"]); ok && strings.HasPrefix(s, "arn:") {
			stmt["Resource"] = props["FunctionName"]
		}
		out = append(out, policyDoc{"(Action, FunctionName)", map[string]any{"Statement": []any{stmt}}})
	}
	// A policy given as a JSON string (Logs resource policies), possibly
	// built with Fn::Join: render it, unresolved parts marked, and parse it.
	for i, p := range out {
		if _, isMap := p.doc.(map[string]any); isMap {
			if _, isJoin := p.doc.(map[string]any)["Fn::Join"]; !isJoin {
				continue
			}
		}
		s, ok := r.render(t, p.doc)
		if !ok {
			continue
		}
		var doc any
		if err := json.Unmarshal([]byte(s), &doc); err == nil {
			out[i].doc = doc
		}
	}
	return out
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// iamChecker validates the policies of one template.
type iamChecker struct {
	data   *IAMData
	r      *renderer
	t      *Template
	checks int
	out    []Finding
}

// CheckIAM validates every identity, resource, trust and key policy of every
// template against the Service Authorization Reference: each action exists;
// each condition key is global or supported by the statement's action; each
// resource matches a resource type of an action, and each action has a
// resource it applies to. Intrinsic functions in resources are rendered with
// their unresolved parts as wildcards; Ref and Fn::GetAtt of known resource
// types become the ARN pattern of that type, and Fn::GetStackOutput is
// followed into the producer. Checks per stack count the actions, (action,
// condition key) pairs, resources and (action, resources) pairs checked.
//
// Errors: the SAR data of a service could not be read.
func CheckIAM(data *IAMData, ts []*Template) (Outcome, error) {
	o := Outcome{Tool: ToolIAM, Checks: map[string]int{}}
	r := &renderer{byStack: ByStack(ts)}
	for _, t := range ts {
		c := &iamChecker{data: data, r: r, t: t}
		res := t.Resources()
		ids := make([]string, 0, len(res))
		for id := range res {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			typ, _ := res[id]["Type"].(string)
			props, _ := res[id]["Properties"].(map[string]any)
			for _, p := range policiesOf(r, t, typ, props) {
				doc, _ := p.doc.(map[string]any)
				for i, s := range asList(doc["Statement"]) {
					stmt, _ := s.(map[string]any)
					if stmt == nil {
						continue
					}
					where := fmt.Sprintf("%s.Statement[%d]", p.where, i)
					if sid, ok := stmt["Sid"].(string); ok {
						where += " (Sid " + sid + ")"
					}
					if err := c.statement(id, typ, where, stmt); err != nil {
						return o, err
					}
				}
			}
		}
		o.Checks[t.Stack] = c.checks
		o.Findings = append(o.Findings, c.out...)
	}
	return o, nil
}

// actionGroup is one entry of a statement's Action and what it names.
type actionGroup struct {
	name    string
	svc     *serviceData
	actions []*sarAction
}

func (c *iamChecker) fail(id, typ, rule, msg string) {
	c.out = append(c.out, Finding{Stack: c.t.Stack, Rule: rule, Resource: id, ResourceType: typ, Message: msg})
}

func (c *iamChecker) statement(id, typ, where string, stmt map[string]any) error {
	_, notAction := stmt["NotAction"]
	rawActions := stmt["Action"]
	if notAction {
		rawActions = stmt["NotAction"]
	}
	var groups []actionGroup
	all := false
	for _, a := range asList(rawActions) {
		name, ok := a.(string)
		if !ok {
			continue
		}
		c.checks++
		if name == "*" {
			all = true
			continue
		}
		prefix, act, ok := strings.Cut(name, ":")
		if !ok {
			c.fail(id, typ, CheckActionNotFound, fmt.Sprintf("%s: action %q has no service prefix", where, name))
			continue
		}
		svc, err := c.data.service(prefix)
		if err != nil {
			return err
		}
		if svc == nil {
			c.fail(id, typ, CheckActionNotFound, fmt.Sprintf("%s: action %q: no service with prefix %q in the Service Authorization Reference", where, name, prefix))
			continue
		}
		acts := svc.expand(act)
		if len(acts) == 0 {
			c.fail(id, typ, CheckActionNotFound, fmt.Sprintf("%s: action %q is not an action of %s in the Service Authorization Reference", where, name, prefix))
			continue
		}
		groups = append(groups, actionGroup{name, svc, acts})
	}
	if notAction || all {
		// NotAction and "*" name (nearly) every action: every key and
		// resource is valid for some action.
		return nil
	}
	c.conditions(id, typ, where, stmt, groups)
	c.resources(id, typ, where, stmt, groups)
	return nil
}

func (c *iamChecker) conditions(id, typ, where string, stmt map[string]any, groups []actionGroup) {
	cond, _ := stmt["Condition"].(map[string]any)
	var keys []string
	for _, block := range cond {
		m, _ := block.(map[string]any)
		for k := range m {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if c.data.isGlobal(k) {
			c.checks++
			continue
		}
		for _, g := range groups {
			c.checks++
			ok := false
			for _, a := range g.actions {
				if g.svc.supportsKey(c.data, a, k) {
					ok = true
					break
				}
			}
			if !ok {
				c.fail(id, typ, CheckConditionKey, fmt.Sprintf("%s: condition key %s is not global and not supported by %s", where, k, g.name))
			}
		}
	}
}

func (c *iamChecker) resources(id, typ, where string, stmt map[string]any, groups []actionGroup) {
	raw, ok := stmt["Resource"]
	if !ok || len(groups) == 0 {
		return
	}
	type res struct {
		text string
		p    []token
	}
	var rs []res
	for _, v := range asList(raw) {
		s, ok := c.r.render(c.t, v)
		if !ok {
			continue
		}
		rs = append(rs, res{strings.ReplaceAll(s, unresolved, "{?}"), policyPattern(s)})
	}
	if len(rs) == 0 {
		return
	}
	// matches reports whether resource p applies to action a.
	matches := func(svc *serviceData, a *sarAction, p []token) bool {
		if isAny(p) {
			return true
		}
		for _, f := range svc.arnFormats(a) {
			if intersects(p, formatPattern(f)) {
				return true
			}
		}
		return false
	}
	for _, r := range rs {
		c.checks++
		ok := false
		for _, g := range groups {
			for _, a := range g.actions {
				if matches(g.svc, a, r.p) {
					ok = true
					break
				}
			}
			if ok {
				break
			}
		}
		if !ok {
			var names []string
			for _, g := range groups {
				names = append(names, g.name)
			}
			c.fail(id, typ, CheckResourceType, fmt.Sprintf("%s: resource %s matches no resource type of %s", where, r.text, strings.Join(names, ", ")))
		}
	}
	for _, g := range groups {
		c.checks++
		ok := false
		for _, a := range g.actions {
			for _, r := range rs {
				if matches(g.svc, a, r.p) {
					ok = true
				}
			}
		}
		if !ok {
			var types []string
			for _, a := range g.actions {
				types = append(types, g.svc.arnFormats(a)...)
			}
			want := strings.Join(types, " or ")
			if len(g.actions) > 1 {
				want = "the resource types of its actions"
			}
			if want == "" {
				want = `"*" (it has no resource-level permissions)`
			}
			var texts []string
			for _, r := range rs {
				texts = append(texts, r.text)
			}
			c.fail(id, typ, CheckActionResource, fmt.Sprintf("%s: %s applies to %s; the statement names only %s", where, g.name, want, strings.Join(texts, ", ")))
		}
	}
}
