package validation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// CfnLintInstall is the advice printed when cfn-lint is not on PATH.
const CfnLintInstall = "cfn-lint is not installed: pip install cfn-lint==1.51.0 (Python >= 3.9), then re-run make validate"

type lintMatch struct {
	Filename string
	Level    string
	Message  string
	Location struct {
		Path []any
	}
	Rule struct {
		ID string `json:"Id"`
	}
}

// CfnLint runs `cfn-lint -f json` once over every template (one process is
// much faster than one per template) and returns every match — errors,
// warnings and informational — as a finding with the rule id, resource and
// resource type. Checks per stack count the resources linted (cfn-lint
// reports matches, not the checks that passed). bin is the cfn-lint
// executable ("" looks it up on PATH); when it is missing the outcome is
// Skipped with the install advice.
//
// Errors: cfn-lint crashed or printed something that is not its JSON.
func CfnLint(ctx context.Context, bin string, ts []*Template) (Outcome, error) {
	o := Outcome{Tool: ToolCfnLint, Checks: map[string]int{}}
	if bin == "" {
		p, err := exec.LookPath("cfn-lint")
		if err != nil {
			o.Skipped = CfnLintInstall
			return o, nil
		}
		bin = p
	}
	args := []string{"-f", "json"}
	byFile := map[string]*Template{}
	for _, t := range ts {
		args = append(args, t.Path)
		abs, _ := filepath.Abs(t.Path)
		byFile[abs] = t
		o.Checks[t.Stack] = len(t.Resources())
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	// cfn-lint's exit status is a bit mask of the levels found (2 error, 4
	// warning, 8 informational); 1 and anything above 14 is a crash.
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() >= 2 && exit.ExitCode() <= 14) {
		return o, fmt.Errorf("cfn-lint: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var matches []lintMatch
	if err := json.Unmarshal(stdout.Bytes(), &matches); err != nil {
		return o, fmt.Errorf("cfn-lint: output is not JSON (%v): %.300s %s", err, stdout.String(), stderr.String())
	}
	for _, m := range matches {
		abs, _ := filepath.Abs(m.Filename)
		t := byFile[abs]
		if t == nil {
			return o, fmt.Errorf("cfn-lint reported on %s, which it was not given", m.Filename)
		}
		f := Finding{Stack: t.Stack, Rule: m.Rule.ID, Message: m.Level + ": " + m.Message + " at " + joinPath(m.Location.Path)}
		if len(m.Location.Path) >= 2 && m.Location.Path[0] == "Resources" {
			f.Resource, _ = m.Location.Path[1].(string)
			f.ResourceType = t.TypeOf(f.Resource)
		}
		o.Findings = append(o.Findings, f)
	}
	return o, nil
}

func joinPath(p []any) string {
	var parts []string
	for _, x := range p {
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, "/")
}
