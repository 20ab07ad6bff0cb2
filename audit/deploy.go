package audit

import (
	"encoding/json"
	"strings"
)

// Deploy-safety rules (DESIGN.md, "Deploy-safety invariants"): templates that
// synthesize and pass cdk-nag but fail, or cannot be retried, in a real account.

// namedReplacement reports a resource with a fixed physical name that also
// sets a create-only property: a change to that property replaces the
// resource, CloudFormation creates the replacement first under the same name,
// and the update fails with "already exists". The name itself, and the
// properties that scope it (physicalName.Scope), do not count.
func (a *auditor) namedReplacement(id, typ string, props map[string]any) {
	name, nameProp, ok := fixedName(typ, props)
	if !ok {
		return
	}
	skip := map[string]bool{nameProp: true}
	for _, s := range physicalNames[typ].Scope {
		skip[s] = true
	}
	var found []string
	for _, p := range createOnly[typ] {
		if !skip[p] && lookup(props, p) != nil {
			found = append(found, p)
		}
	}
	if len(found) > 0 {
		a.add(id, RuleNamedReplacement, "%s has the fixed name %s=%s and sets the replace-only (create-only) %s; a change to %s creates the replacement under the same name and fails with \"already exists\"; drop the name (let CloudFormation generate it) or derive it from %s",
			typ, nameProp, short(name), strings.Join(found, ", "), plural(found), plural(found))
	}
}

// retryableCreate reports a resource with a fixed name whose DeletionPolicy is
// Retain: when the stack's first create fails, the rollback leaves it behind and
// every retry fails with "already exists". RetainExceptOnCreate
// (RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE) deletes it on that rollback only.
func (a *auditor) retryableCreate(id, typ string, res, props map[string]any) {
	if res["DeletionPolicy"] != "Retain" {
		return
	}
	name, nameProp, ok := fixedName(typ, props)
	if !ok {
		return
	}
	a.add(id, RuleRetryableCreate, "%s has the fixed name %s=%s and DeletionPolicy Retain: a failed first deploy leaves it behind and every retry fails with \"already exists\"; use RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (DeletionPolicy RetainExceptOnCreate) or drop the name",
		typ, nameProp, short(name))
}

// autoscaledDesiredCount reports an ECS service that sets DesiredCount while an
// Application Auto Scaling target scales it: every stack update resets the
// running count to the template's value, undoing the scaling.
func (a *auditor) autoscaledDesiredCount(id, typ string, props map[string]any) {
	if typ != "AWS::ECS::Service" || props["DesiredCount"] == nil {
		return
	}
	for _, tid := range sortedKeys(a.resources) {
		res, _ := a.resources[tid].(map[string]any)
		if res["Type"] != "AWS::ApplicationAutoScaling::ScalableTarget" {
			continue
		}
		tp, _ := res["Properties"].(map[string]any)
		if tp["ScalableDimension"] == "ecs:service:DesiredCount" && references(tp["ResourceId"], id) {
			a.add(id, RuleAutoscaledDesiredCount, "service sets DesiredCount %v while scalable target %s scales it; every deploy resets the running task count — leave DesiredCount out (the scalable target's MinCapacity sets the floor)",
				props["DesiredCount"], tid)
			return
		}
	}
}

// references reports whether v contains a Ref or Fn::GetAtt to logical id.
func references(v any, id string) bool {
	switch v := v.(type) {
	case map[string]any:
		if v["Ref"] == id {
			return true
		}
		if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) > 0 && ga[0] == id {
			return true
		}
		for _, e := range v {
			if references(e, id) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if references(e, id) {
				return true
			}
		}
	}
	return false
}

// trustKeys reports a trust statement whose service principal is missing from
// TrustConditionKeys, or whose Condition requires a key that the service is not
// shown to send when it assumes the role (the role would be unusable).
func (a *auditor) trustKeys(id, where string, st map[string]any) {
	for _, svc := range servicePrincipals(st["Principal"]) {
		entry, ok := TrustConditionKeys[svc]
		if !ok {
			a.add(id, RuleTrustConditionKeys, "%s trusts %s, which is not in audit.TrustConditionKeys; add it with the condition keys the service is shown to send and the source", where, svc)
			continue
		}
		conditionValues(st["Condition"], func(k string, _ any) {
			for _, allowed := range entry.Keys {
				if strings.EqualFold(k, allowed) {
					return
				}
			}
			a.add(id, RuleTrustConditionKeys, "%s requires %s of %s, which sends only %s when it assumes a role (%s); a key the service does not send makes the role unusable — remove it",
				where, k, svc, strings.Join(entry.Keys, ", "), entry.Source)
		})
	}
}

// DenyCreateGrantSid is the Sid of the key-policy statement that limits
// kms:CreateGrant to grants for AWS resources or callers that are AWS services
// (AWS Control Tower control CT.KMS.PR.3).
const DenyCreateGrantSid = "DenyCreateGrantUnlessForAWSResource"

// kmsCreateGrant reports a KMS key whose policy lacks the CT.KMS.PR.3
// statement: Deny, principal * (or AWS *), action kms:CreateGrant only,
// resource *, and a Condition with only BoolIfExists {kms:GrantIsForAWSResource:
// "false", aws:PrincipalIsAWSService: "false"}. The shape is checked the way
// the control's guard rule (ct-kms-pr-3.guard) checks it.
func (a *auditor) kmsCreateGrant(id, typ string, props map[string]any) {
	if typ != "AWS::KMS::Key" {
		return
	}
	doc, _ := props["KeyPolicy"].(map[string]any)
	for _, s := range list(doc["Statement"]) {
		if st, ok := s.(map[string]any); ok && isCreateGrantDeny(st) {
			return
		}
	}
	a.add(id, RuleKMSCreateGrant, "key policy has no statement denying kms:CreateGrant unless the grant is for an AWS resource or the caller is an AWS service (Control Tower CT.KMS.PR.3); create keys with kmskey.New, which adds %s", DenyCreateGrantSid)
}

func isCreateGrantDeny(st map[string]any) bool {
	if st["Effect"] != "Deny" || st["Action"] == nil || st["Resource"] == nil {
		return false
	}
	for _, act := range list(st["Action"]) {
		if act != "kms:CreateGrant" {
			return false
		}
	}
	for _, r := range list(st["Resource"]) {
		if r != "*" {
			return false
		}
	}
	switch p := st["Principal"].(type) {
	case string:
		if p != "*" {
			return false
		}
	case map[string]any:
		if p["AWS"] != "*" {
			return false
		}
	default:
		return false
	}
	cond, _ := st["Condition"].(map[string]any)
	if len(cond) != 1 {
		return false
	}
	bif, _ := cond["BoolIfExists"].(map[string]any)
	var grant, service bool
	for k, v := range bif {
		switch {
		case strings.EqualFold(k, "kms:GrantIsForAWSResource"):
			grant = v == "false"
		case strings.EqualFold(k, "aws:PrincipalIsAWSService"):
			service = v == "false"
		default:
			return false
		}
	}
	return grant && service
}

// short renders a name value for a finding: a string as is, an intrinsic as
// compact JSON.
func short(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func plural(props []string) string {
	if len(props) == 1 {
		return props[0]
	}
	return "any of them"
}

// CheckUpdate compares a stack's deployed template (before) with the next one
// (after) and reports every resource that the update would replace while it
// keeps its fixed physical name: a create-only property changed (other than
// the name and the properties that scope it) and the name did not. That update
// fails with "already exists" (RuleNamedReplacement). Check finds the
// resources that could fail so; CheckUpdate finds the change that does.
func CheckUpdate(stack string, before, after map[string]any) []Finding {
	a := &auditor{stack: stack}
	old, _ := before["Resources"].(map[string]any)
	next, _ := after["Resources"].(map[string]any)
	for _, id := range sortedKeys(next) {
		n, _ := next[id].(map[string]any)
		o, ok := old[id].(map[string]any)
		if !ok || o["Type"] != n["Type"] {
			continue
		}
		typ, _ := n["Type"].(string)
		np, _ := n["Properties"].(map[string]any)
		op, _ := o["Properties"].(map[string]any)
		name, nameProp, named := fixedName(typ, np)
		if !named || !equalJSON(name, lookup(op, nameProp)) {
			continue
		}
		skip := map[string]bool{nameProp: true}
		for _, s := range physicalNames[typ].Scope {
			skip[s] = true
		}
		var changed []string
		for _, p := range createOnly[typ] {
			if !skip[p] && !equalJSON(lookup(op, p), lookup(np, p)) {
				changed = append(changed, p)
			}
		}
		if len(changed) > 0 {
			a.add(id, RuleNamedReplacement, "%s keeps the fixed name %s=%s while its replace-only %s changes: CloudFormation creates the replacement first and the update fails with \"already exists\"; drop the name or derive it from %s",
				typ, nameProp, short(name), strings.Join(changed, ", "), strings.Join(changed, ", "))
		}
	}
	return a.findings
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
