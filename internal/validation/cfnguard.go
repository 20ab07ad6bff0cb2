package validation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// GuardPackage is where npm installs the cfn-guard binary and the Control
// Tower rules, relative to node_modules.
const GuardPackage = "@cdklabs/cdk-validator-cfnguard"

// Control is one AWS Control Tower proactive control: its guard rule file and
// the resource types it evaluates.
type Control struct {
	// ID is the control id, e.g. CT.KMS.PR.3.
	ID string
	// File is the .guard file.
	File string
	// Rules are the top-level rule names the file declares.
	Rules []string
	// ResourceTypes are the metadata's EvaluatedResourceTypes.
	ResourceTypes []string
}

// Guard is the cfn-guard binary and the controls to run.
type Guard struct {
	Bin      string
	RulesDir string
	Controls []Control
	byRule   map[string]*Control
}

var ruleDecl = regexp.MustCompile(`(?m)^rule\s+([A-Za-z0-9_]+)\s+when\b`)

// controlID turns "ct-kms-pr-3" into "CT.KMS.PR.3".
func controlID(base string) string {
	return strings.ToUpper(strings.ReplaceAll(base, "-", "."))
}

// LoadGuard finds the linux/macOS binary for this machine and the Control
// Tower rules and metadata in the npm package under nodeModules.
//
// Errors: the package is not installed (run npm ci), no binary for this
// platform, a rule without metadata.
func LoadGuard(nodeModules string) (*Guard, error) {
	pkg := filepath.Join(nodeModules, GuardPackage)
	osDir := map[string]string{"linux": "ubuntu", "darwin": "macos"}[runtime.GOOS]
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	bin := filepath.Join(pkg, "bin", osDir, arch, "cfn-guard")
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("no cfn-guard binary for %s/%s at %s (run npm ci; the package ships linux and macOS binaries): %w", runtime.GOOS, runtime.GOARCH, bin, err)
	}
	g := &Guard{Bin: bin, RulesDir: filepath.Join(pkg, "rules", "control-tower", "cfn-guard"), byRule: map[string]*Control{}}
	files, err := filepath.Glob(filepath.Join(g.RulesDir, "*", "*.guard"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no Control Tower rules under %s (run npm ci)", g.RulesDir)
	}
	sort.Strings(files)
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".guard")
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c := Control{ID: controlID(base), File: f}
		for _, m := range ruleDecl.FindAllStringSubmatch(string(src), -1) {
			if !contains(c.Rules, m[1]) {
				c.Rules = append(c.Rules, m[1])
			}
		}
		metaPath := filepath.Join(pkg, "rules", "control-tower", "metadata", filepath.Base(filepath.Dir(f)), base+".metadata.json")
		meta, err := os.ReadFile(metaPath)
		if err != nil {
			return nil, fmt.Errorf("control %s: no metadata: %w", c.ID, err)
		}
		var md struct {
			ID                     string `json:"Id"`
			EvaluatedResourceTypes []string
		}
		if err := json.Unmarshal(meta, &md); err != nil {
			return nil, fmt.Errorf("%s: %w", metaPath, err)
		}
		if md.ID != "" {
			c.ID = md.ID
		}
		c.ResourceTypes = md.EvaluatedResourceTypes
		g.Controls = append(g.Controls, c)
	}
	for i := range g.Controls {
		for _, r := range g.Controls[i].Rules {
			g.byRule[r] = &g.Controls[i]
		}
	}
	return g, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type guardFile struct {
	Name         string            `json:"name"`
	NotCompliant []json.RawMessage `json:"not_compliant"`
}

var resourcePath = regexp.MustCompile(`^/Resources/([^/]+)`)

// Run evaluates every control over every template and returns a finding per
// failing (control, resource) pair. Fn::GetStackOutput is resolved to the
// producer's value first (see ResolveStackOutputs). Checks per stack count
// the (control, resource) pairs evaluated: each control over each resource
// of a type its metadata says it evaluates. Templates are checked in
// parallel, one cfn-guard process per CPU.
//
// Errors: cfn-guard crashed, or an unresolvable Fn::GetStackOutput.
func (g *Guard) Run(ctx context.Context, ts []*Template) (Outcome, error) {
	o := Outcome{Tool: ToolCfnGuard, Checks: map[string]int{}}
	tmp, err := os.MkdirTemp("", "groundwork-guard-")
	if err != nil {
		return o, err
	}
	defer os.RemoveAll(tmp)
	byStack := ByStack(ts)
	byFile := map[string]*Template{}
	var paths []string
	for _, t := range ts {
		doc, err := ResolveStackOutputs(t.Doc, byStack)
		if err != nil {
			return o, fmt.Errorf("%s: %w", t.Stack, err)
		}
		data, _ := json.Marshal(doc)
		p := filepath.Join(tmp, t.Stack+".template.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			return o, err
		}
		byFile[p] = t
		paths = append(paths, p)
		for _, r := range t.Resources() {
			typ, _ := r["Type"].(string)
			for _, c := range g.Controls {
				if contains(c.ResourceTypes, typ) {
					o.Checks[t.Stack]++
				}
			}
		}
	}
	workers := min(runtime.NumCPU(), len(paths))
	chunks := make([][]string, workers)
	for i, p := range paths {
		chunks[i%workers] = append(chunks[i%workers], p)
	}
	results := make([][]guardFile, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = g.exec(ctx, chunks[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return o, err
	}
	seen := map[string]bool{}
	for _, rs := range results {
		for _, r := range rs {
			t := byFile[r.Name]
			if t == nil {
				return o, fmt.Errorf("cfn-guard reported on %s, which it was not given", r.Name)
			}
			for _, nc := range r.NotCompliant {
				for _, f := range g.findings(t, nc) {
					key := f.Stack + "\x00" + f.Rule + "\x00" + f.Resource
					if !seen[key] {
						seen[key] = true
						o.Findings = append(o.Findings, f)
					}
				}
			}
		}
	}
	return o, nil
}

func (g *Guard) exec(ctx context.Context, data []string) ([]guardFile, error) {
	args := []string{"validate", "--rules", g.RulesDir}
	for _, d := range data {
		args = append(args, "--data", d)
	}
	args = append(args, "--output-format", "json", "--show-summary", "none", "--structured")
	cmd := exec.CommandContext(ctx, g.Bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	// cfn-guard exits 19 (and 5 in older versions) when a rule fails.
	if err != nil && !(errors.As(err, &exit) && (exit.ExitCode() == 19 || exit.ExitCode() == 5)) {
		return nil, fmt.Errorf("cfn-guard: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var out []guardFile
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("cfn-guard: output is not JSON (%v): %.300s %s", err, stdout.String(), stderr.String())
	}
	return out, nil
}

// findings turns one not_compliant entry (a failed rule) into a finding per
// resource of an evaluated type whose path appears in the failed checks.
func (g *Guard) findings(t *Template, raw json.RawMessage) []Finding {
	var tree any
	_ = json.Unmarshal(raw, &tree)
	name := ""
	if m, ok := tree.(map[string]any); ok {
		if r, ok := m["Rule"].(map[string]any); ok {
			name, _ = r["name"].(string)
		}
	}
	id, types, fix := name, []string(nil), ""
	if c := g.byRule[name]; c != nil {
		id, types = c.ID, c.ResourceTypes
	}
	resources := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, v := range x {
				if s, ok := v.(string); ok {
					switch {
					case k == "path":
						if m := resourcePath.FindStringSubmatch(s); m != nil {
							resources[m[1]] = true
						}
					case k == "custom_message" && fix == "":
						if i := strings.Index(s, "[FIX]:"); i >= 0 {
							fix = strings.TrimSpace(s[i+len("[FIX]:"):])
						}
					}
					continue
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	walk(tree)
	var out []Finding
	for r := range resources {
		typ := t.TypeOf(r)
		if len(types) > 0 && !contains(types, typ) {
			continue // a resource the rule only looked up (a reference target)
		}
		out = append(out, Finding{Stack: t.Stack, Rule: id, Resource: r, ResourceType: typ, Message: "rule " + name + " failed; fix: " + fix})
	}
	if len(out) == 0 {
		out = append(out, Finding{Stack: t.Stack, Rule: id, Message: "rule " + name + " failed on no resource path cfn-guard reported; fix: " + fix})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
	return out
}
