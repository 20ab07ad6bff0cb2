package validation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// nodeModules is where make test's npm ci installed the pinned checkers.
const nodeModules = "../../node_modules"

// writeTemplates writes each stack's resources (and outputs) as a template
// into a temporary directory and loads them.
func writeTemplates(t *testing.T, stacks map[string]map[string]any) []*Template {
	t.Helper()
	dir := t.TempDir()
	for name, doc := range stacks {
		data, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// template is a template of the given resources.
func template(resources map[string]any) map[string]any {
	return map[string]any{"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
}

// findingsOf returns the findings of one stack as "rule resource".
func findingsOf(o Outcome, stack string) []string {
	var out []string
	for _, f := range o.Findings {
		if f.Stack == stack {
			out = append(out, f.Rule+" "+f.Resource)
		}
	}
	return out
}
