// Package validation is the guidance's validation loop over synthesized
// CloudFormation templates: cfn-lint, the AWS Control Tower proactive
// controls (cfn-guard rules) and an offline IAM policy validator built on the
// Service Authorization Reference (the stand-in for
// `aws accessanalyzer validate-policy`).
//
// Each checker returns Findings; Apply matches them against the checker's
// written exception list (exceptions/*.json, embedded) and yields one Tally
// per stack: checks run, failures left, exceptions used. An exception that
// matches nothing is itself a failure (stale), so the lists cannot rot.
package validation

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Tool names, as printed in the summary.
const (
	ToolCfnLint  = "cfn-lint"
	ToolCfnGuard = "cfn-guard"
	ToolIAM      = "iam-policy"
)

// Finding is one failed check.
type Finding struct {
	// Stack is the stack name (the template file name without
	// ".template.json").
	Stack string
	// Rule is the cfn-lint rule id (E3002), the control id (CT.KMS.PR.3)
	// or the IAM check name (action-not-found, …).
	Rule string
	// Resource is the logical id of the resource, "" for template-level
	// findings.
	Resource string
	// ResourceType is the CloudFormation type of Resource.
	ResourceType string
	// Message says what is wrong and where.
	Message string
}

func (f Finding) String() string {
	res := f.Resource
	if res == "" {
		res = "(template)"
	}
	return fmt.Sprintf("%s %s %s (%s): %s", f.Stack, f.Rule, res, f.ResourceType, f.Message)
}

// Exception accepts the findings it matches, for a written reason. Empty
// fields other than Reason match anything; Stacks and Resource are path.Match
// globs; MessageContains is a plain substring.
type Exception struct {
	// Rule is the rule, control or check id; required.
	Rule string `json:"rule"`
	// ResourceType is the CloudFormation type, e.g. AWS::S3::Bucket.
	ResourceType string `json:"resourceType,omitempty"`
	// Resource is a logical-id glob.
	Resource string `json:"resource,omitempty"`
	// Stacks is a stack-name glob, e.g. "Groundwork-Dev-*".
	Stacks string `json:"stacks,omitempty"`
	// MessageContains narrows the exception to findings whose message
	// contains it (e.g. "Fn::GetStackOutput").
	MessageContains string `json:"messageContains,omitempty"`
	// Reason is why a reviewer accepts the finding; required.
	Reason string `json:"reason"`
}

// Matches reports whether e accepts f.
func (e Exception) Matches(f Finding) bool {
	if e.Rule != f.Rule {
		return false
	}
	if e.ResourceType != "" && e.ResourceType != f.ResourceType {
		return false
	}
	if e.Resource != "" && !glob(e.Resource, f.Resource) {
		return false
	}
	if e.Stacks != "" && !glob(e.Stacks, f.Stack) {
		return false
	}
	if e.MessageContains != "" && !strings.Contains(f.Message, e.MessageContains) {
		return false
	}
	return true
}

func glob(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// ParseExceptions reads an exception list (a JSON array) and checks that
// every entry has a rule, a reason and valid globs.
//
// Errors: malformed JSON, an entry without rule or reason, a bad glob.
func ParseExceptions(name string, data []byte) ([]Exception, error) {
	var list []Exception
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for i, e := range list {
		if e.Rule == "" || strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("%s: entry %d: rule and reason are required", name, i)
		}
		for _, g := range []string{e.Resource, e.Stacks} {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("%s: entry %d: bad glob %q: %w", name, i, g, err)
			}
		}
	}
	return list, nil
}

// Tally is one row of the summary: one tool over one stack.
type Tally struct {
	Stack, Tool string
	// Checks is how many checks ran (see each tool for the unit).
	Checks int
	// Failures are the findings no exception accepts.
	Failures []Finding
	// Excepted are the findings an exception accepts.
	Excepted []Finding
}

// Outcome is a tool's result over every template.
type Outcome struct {
	Tool string
	// Checks per stack.
	Checks map[string]int
	// Findings over every stack.
	Findings []Finding
	// Skipped, when not empty, says why the tool did not run (and how to
	// install it).
	Skipped string
}

// Apply sorts o's findings into failures and exceptions per stack (stacks
// lists every stack, so that clean stacks get a row) and returns the stale
// exceptions — those that matched nothing — as failures of their own.
func Apply(o Outcome, stacks []string, exceptions []Exception) (rows []Tally, stale []Exception) {
	byStack := map[string]*Tally{}
	for _, s := range stacks {
		byStack[s] = &Tally{Stack: s, Tool: o.Tool, Checks: o.Checks[s]}
	}
	used := make([]bool, len(exceptions))
	for _, f := range o.Findings {
		t := byStack[f.Stack]
		if t == nil {
			t = &Tally{Stack: f.Stack, Tool: o.Tool, Checks: o.Checks[f.Stack]}
			byStack[f.Stack] = t
		}
		accepted := false
		for i, e := range exceptions {
			if e.Matches(f) {
				used[i], accepted = true, true
			}
		}
		if accepted {
			t.Excepted = append(t.Excepted, f)
		} else {
			t.Failures = append(t.Failures, f)
		}
	}
	for _, t := range byStack {
		rows = append(rows, *t)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Stack < rows[j].Stack })
	if o.Skipped == "" {
		for i, e := range exceptions {
			if !used[i] {
				stale = append(stale, e)
			}
		}
	}
	return rows, stale
}
