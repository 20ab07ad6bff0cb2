package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// stack is one CloudFormation stack of the cloud assembly.
type stack struct {
	// Name is the stack name, e.g. "Groundwork-Dev-Api".
	Name string
	// Resources by logical id, Outputs by output name.
	Resources map[string]resource
	Outputs   map[string]output
	// Paths maps a logical id to the construct path that created it, relative
	// to the stack, e.g. "ProcessOrder/Function/Resource".
	Paths map[string]string
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

type output struct {
	Value  any            `json:"Value"`
	Export map[string]any `json:"Export"`
}

// manifest is the part of cdk.out/manifest.json the diagram reads.
type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile string `json:"templateFile"`
		} `json:"properties"`
		Metadata               map[string][]metadataEntry `json:"metadata"`
		AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
		DisplayName            string                     `json:"displayName"`
	} `json:"artifacts"`
}

type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// loadAssembly reads every CloudFormation stack of the cloud assembly in dir
// (cdk.out): its template, and the construct path of each resource from the
// aws:cdk:logicalId metadata (inline in manifest.json or in the stack's
// additional metadata file). Stacks are returned sorted by name.
func loadAssembly(dir string) ([]*stack, error) {
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return nil, fmt.Errorf("%w (run make synth first)", err)
	}
	var out []*stack
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		name := a.DisplayName
		if name == "" {
			name = id
		}
		s := &stack{Name: name, Paths: map[string]string{}}
		var t struct {
			Resources map[string]resource `json:"Resources"`
			Outputs   map[string]output   `json:"Outputs"`
		}
		if err := readJSON(filepath.Join(dir, a.Properties.TemplateFile), &t); err != nil {
			return nil, err
		}
		s.Resources, s.Outputs = t.Resources, t.Outputs
		md := a.Metadata
		if a.AdditionalMetadataFile != "" {
			if err := readJSON(filepath.Join(dir, a.AdditionalMetadataFile), &md); err != nil {
				return nil, err
			}
		}
		for path, entries := range md {
			for _, e := range entries {
				lid, ok := e.Data.(string)
				if e.Type != "aws:cdk:logicalId" || !ok {
					continue
				}
				rel := strings.TrimPrefix(path, "/"+id+"/")
				s.Paths[lid] = rel
			}
		}
		for lid := range s.Resources {
			if _, ok := s.Paths[lid]; !ok {
				s.Paths[lid] = lid // no metadata: the resource is its own construct
			}
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s/manifest.json lists no CloudFormation stacks (run make synth first)", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// environments groups stacks by environment: the stack name without its last
// "-" part ("Groundwork-Dev-Api" belongs to "Groundwork-Dev"). The key of the
// returned map is the environment's short name, lower case ("dev").
func environments(stacks []*stack) map[string][]*stack {
	envs := map[string][]*stack{}
	for _, s := range stacks {
		envs[envName(s.Name)] = append(envs[envName(s.Name)], s)
	}
	return envs
}

func envName(stackName string) string {
	parts := strings.Split(stackName, "-")
	if len(parts) < 2 {
		return strings.ToLower(stackName)
	}
	return strings.ToLower(parts[len(parts)-2])
}

// part is the stack name's last "-" part ("Api").
func part(stackName string) string {
	return stackName[strings.LastIndex(stackName, "-")+1:]
}
