// Package localapi runs the orders API on localhost without an AWS account:
// it reads what the Api stack deploys from its synthesized template (the
// routes, the JWT authorizer, the function's environment, the table's key
// schema and the secret's generation rules), creates the table and the
// secret in a local AWS emulator (moto) from those definitions, and serves
// the routes through a small front door that plays the HTTP API's part in
// front of the real handler (package orders) and the real SDK clients.
//
// The front door accepts development tokens (see DevToken), which the
// deployed stack never accepts: its JWT authorizer only takes tokens signed
// by its configured https issuer's keys.
package localapi

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Definitions is what the local setup takes from the Api stack's template.
type Definitions struct {
	// Stack is the stack name the physical names are derived from.
	Stack string
	// Function is the logical id of the function the API integrates.
	Function string
	// TimeoutSeconds is the function's timeout; each local request gets
	// the same deadline.
	TimeoutSeconds int
	// Env is the function's environment: a literal value, or a reference
	// to a table or secret below (resolved by Provision).
	Env map[string]EnvValue
	// Tables and Secrets the function's environment refers to, by logical id.
	Tables  map[string]Table
	Secrets map[string]Secret
	// Routes of the HTTP API, sorted by route key.
	Routes []Route
	// Audiences the API's JWT authorizer accepts.
	Audiences []string
}

// EnvValue is one function environment variable.
type EnvValue struct {
	Literal string // when Ref is ""
	Ref     string // logical id of a table or secret
}

// Table is a DynamoDB table definition from the template.
type Table struct {
	Name                 string // derived: <stack>-<logical id>
	KeySchema            []KeyElement
	AttributeDefinitions []AttributeDefinition
	BillingMode          string
}

// KeyElement is one entry of a table's KeySchema.
type KeyElement struct{ AttributeName, KeyType string }

// AttributeDefinition is one entry of a table's AttributeDefinitions.
type AttributeDefinition struct{ AttributeName, AttributeType string }

// Secret is a Secrets Manager secret definition from the template.
type Secret struct {
	Name               string // derived: <stack>-<logical id>
	Description        string
	PasswordLength     int
	ExcludePunctuation bool
}

// Route is one HTTP API route.
type Route struct {
	Method, Path string
	// Authorization is the route's AuthorizationType ("JWT", "NONE").
	Authorization string
}

// Key returns the route key, "METHOD /path".
func (r Route) Key() string { return r.Method + " " + r.Path }

type cfnTemplate struct {
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Properties map[string]any `json:"Properties"`
	} `json:"Resources"`
}

// Load reads the definitions from the Api stack's template at path; stack
// is the stack name (the file name without ".template.json" when "").
// Errors name the template and what is missing or cannot be emulated.
func Load(path, stack string) (*Definitions, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t cfnTemplate
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if stack == "" {
		base := path[strings.LastIndex(path, "/")+1:]
		stack = strings.TrimSuffix(base, ".template.json")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: "+format, append([]any{path}, args...)...)
	}
	d := &Definitions{Stack: stack, Env: map[string]EnvValue{}, Tables: map[string]Table{}, Secrets: map[string]Secret{}}

	var apiID string
	for _, lid := range sortedKeys(t.Resources) {
		r := t.Resources[lid]
		switch r.Type {
		case "AWS::ApiGatewayV2::Integration":
			if fn := refTarget(r.Properties["IntegrationUri"]); fn != "" {
				if d.Function != "" && d.Function != fn {
					return nil, fail("the HTTP API integrates more than one function (%s, %s); the local front door serves one", d.Function, fn)
				}
				d.Function, apiID = fn, refTarget(r.Properties["ApiId"])
			}
		case "AWS::ApiGatewayV2::Authorizer":
			if jc, ok := r.Properties["JwtConfiguration"].(map[string]any); ok {
				for _, a := range asList(jc["Audience"]) {
					if s, ok := a.(string); ok {
						d.Audiences = append(d.Audiences, s)
					}
				}
			}
		}
	}
	if d.Function == "" {
		return nil, fail("no AWS::ApiGatewayV2::Integration with a Lambda function; is this the Api stack's template?")
	}
	for _, lid := range sortedKeys(t.Resources) {
		r := t.Resources[lid]
		if r.Type != "AWS::ApiGatewayV2::Route" || refTarget(r.Properties["ApiId"]) != apiID {
			continue
		}
		key, _ := r.Properties["RouteKey"].(string)
		method, p, ok := strings.Cut(key, " ")
		if !ok {
			return nil, fail("route %s has route key %q, want \"METHOD /path\"", lid, key)
		}
		auth, _ := r.Properties["AuthorizationType"].(string)
		if auth == "" {
			auth = "NONE"
		}
		d.Routes = append(d.Routes, Route{Method: method, Path: p, Authorization: auth})
	}
	sort.Slice(d.Routes, func(i, j int) bool { return d.Routes[i].Key() < d.Routes[j].Key() })

	fn := t.Resources[d.Function]
	if n, ok := fn.Properties["Timeout"].(float64); ok {
		d.TimeoutSeconds = int(n)
	} else {
		d.TimeoutSeconds = 3 // Lambda's default
	}
	env, _ := fn.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	for _, name := range sortedKeys(vars) {
		switch v := vars[name].(type) {
		case string:
			d.Env[name] = EnvValue{Literal: v}
			continue
		default:
			ref := refTarget(v)
			if _, isRef := v.(map[string]any)["Ref"]; !isRef || ref == "" {
				return nil, fail("function %s: environment variable %s is %v; the local setup emulates only literals and Refs to a table or secret", d.Function, name, v)
			}
			target := t.Resources[ref]
			props := target.Properties
			switch target.Type {
			case "AWS::DynamoDB::Table":
				tb := Table{Name: stack + "-" + ref, BillingMode: str(props["BillingMode"])}
				for _, k := range asList(props["KeySchema"]) {
					m, _ := k.(map[string]any)
					tb.KeySchema = append(tb.KeySchema, KeyElement{str(m["AttributeName"]), str(m["KeyType"])})
				}
				for _, a := range asList(props["AttributeDefinitions"]) {
					m, _ := a.(map[string]any)
					tb.AttributeDefinitions = append(tb.AttributeDefinitions, AttributeDefinition{str(m["AttributeName"]), str(m["AttributeType"])})
				}
				if len(tb.KeySchema) == 0 {
					return nil, fail("table %s has no KeySchema", ref)
				}
				d.Tables[ref] = tb
			case "AWS::SecretsManager::Secret":
				s := Secret{Name: stack + "-" + ref, Description: str(props["Description"]), PasswordLength: 32}
				if g, ok := props["GenerateSecretString"].(map[string]any); ok {
					if n, ok := g["PasswordLength"].(float64); ok {
						s.PasswordLength = int(n)
					}
					s.ExcludePunctuation, _ = g["ExcludePunctuation"].(bool)
				}
				d.Secrets[ref] = s
			default:
				return nil, fail("function %s: environment variable %s refers to %s (%s); the local setup emulates only DynamoDB tables and Secrets Manager secrets", d.Function, name, ref, target.Type)
			}
			d.Env[name] = EnvValue{Ref: ref}
		}
	}
	return d, nil
}

func refTarget(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if a, ok := m["Fn::GetAtt"].([]any); ok && len(a) > 0 {
		r, _ := a[0].(string)
		return r
	}
	return ""
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
