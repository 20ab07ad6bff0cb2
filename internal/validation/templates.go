package validation

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Template is one synthesized CloudFormation template.
type Template struct {
	// Stack is the stack name, Path the file it was read from.
	Stack, Path string
	// Doc is the parsed JSON.
	Doc map[string]any
}

// Resources returns the template's Resources section.
func (t *Template) Resources() map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := t.Doc["Resources"].(map[string]any)
	for id, r := range res {
		if m, ok := r.(map[string]any); ok {
			out[id] = m
		}
	}
	return out
}

// TypeOf returns the CloudFormation type of the resource id, "" if absent.
func (t *Template) TypeOf(id string) string {
	res, _ := t.Doc["Resources"].(map[string]any)
	r, _ := res[id].(map[string]any)
	s, _ := r["Type"].(string)
	return s
}

// LoadTemplates reads every *.template.json in dir, sorted by stack name.
//
// Errors: an unreadable directory, no template in it (run make synth), a
// file that is not JSON.
func LoadTemplates(dir string) ([]*Template, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.template.json in %s: run make synth first", dir)
	}
	sort.Strings(files)
	var out []*Template
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, &Template{
			Stack: strings.TrimSuffix(filepath.Base(f), ".template.json"),
			Path:  f,
			Doc:   doc,
		})
	}
	return out, nil
}

// StackNames returns the stacks of ts in order.
func StackNames(ts []*Template) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Stack)
	}
	return out
}

// stackOutput is the target of a Fn::GetStackOutput.
type stackOutput struct{ stack, output string }

// getStackOutput returns the target when v is {"Fn::GetStackOutput": {...}}.
func getStackOutput(v any) (stackOutput, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return stackOutput{}, false
	}
	arg, ok := m["Fn::GetStackOutput"].(map[string]any)
	if !ok {
		return stackOutput{}, false
	}
	s, _ := arg["StackName"].(string)
	o, _ := arg["OutputName"].(string)
	return stackOutput{s, o}, true
}

// outputValue returns the Value of the named output of the stack in ts.
func outputValue(ts map[string]*Template, so stackOutput) (any, *Template, error) {
	t := ts[so.stack]
	if t == nil {
		return nil, nil, fmt.Errorf("Fn::GetStackOutput of stack %s: no %s.template.json beside the consumer", so.stack, so.stack)
	}
	outs, _ := t.Doc["Outputs"].(map[string]any)
	o, _ := outs[so.output].(map[string]any)
	if o == nil {
		return nil, nil, fmt.Errorf("Fn::GetStackOutput: stack %s has no output %s", so.stack, so.output)
	}
	return o["Value"], t, nil
}

// ResolveStackOutputs returns a copy of doc in which every Fn::GetStackOutput
// is replaced by what the producer's output holds once deployed: the
// output's literal value, or — when the producer computes it (a Ref or
// Fn::GetAtt of one of its resources) — a non-empty string naming that
// value, "{{resolve:<stack>.<output>=<Ref|GetAtt> <id>[.<attr>]}}". This is
// what CloudFormation hands the consumer: a string, never an intrinsic;
// cfn-guard cannot resolve Fn::GetStackOutput itself.
//
// Errors: a Fn::GetStackOutput whose producer template or output is absent.
func ResolveStackOutputs(doc any, byStack map[string]*Template) (any, error) {
	if so, ok := getStackOutput(doc); ok {
		v, _, err := outputValue(byStack, so)
		if err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok {
			return s, nil
		}
		return fmt.Sprintf("{{resolve:%s.%s=%s}}", so.stack, so.output, describeIntrinsic(v)), nil
	}
	switch x := doc.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			r, err := ResolveStackOutputs(v, byStack)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			r, err := ResolveStackOutputs(v, byStack)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return doc, nil
}

func describeIntrinsic(v any) string {
	m, _ := v.(map[string]any)
	if ref, ok := m["Ref"].(string); ok {
		return "Ref " + ref
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
		return fmt.Sprintf("GetAtt %v.%v", ga[0], ga[1])
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ByStack indexes ts by stack name.
func ByStack(ts []*Template) map[string]*Template {
	out := map[string]*Template{}
	for _, t := range ts {
		out[t.Stack] = t
	}
	return out
}
