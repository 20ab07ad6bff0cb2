package nag

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// Flatten renders value the way cdk-nag prints a resource in a granular
// finding (a Go port of cdk-nag 2.38's flattenCfnReference, which
// AwsSolutions-IAM5 applies to every Resource of an Allow statement):
//
//   - a string has "${" replaced by "<" and "}" by ">";
//   - Fn::Join joins its flattened items with its delimiter;
//   - Fn::Sub flattens its argument;
//   - Fn::GetAtt is "<LogicalId.Attribute>", Ref is "<LogicalId>";
//   - Fn::ImportValue flattens to its export name;
//   - anything else is its JSON.
//
// value is resolved in stack first (a token such as bucket.ArnForObjects("*")
// becomes its CloudFormation form). cdk-nag runs as an aspect, before CDK
// replaces cross-stack references with Fn::ImportValue, so resolving a
// resource of another stack here gives the same <LogicalId.Attr> form that
// cdk-nag reports. Use the result in Suppress's appliesTo, e.g.
// ResourceFinding(stack, arn) for AwsSolutions-IAM5.
//
// JSON fallbacks (rare: a Fn::Sub with a variable map, Fn::Select, …) have
// their keys sorted where JavaScript keeps insertion order.
func Flatten(stack awscdk.Stack, value any) string {
	if s, ok := value.(*string); ok && s != nil {
		value = *s
	}
	return flatten(stack.Resolve(value))
}

// ResourceFinding is the AwsSolutions-IAM5 finding id for a resource of an
// Allow statement: "Resource::" + Flatten(stack, value).
func ResourceFinding(stack awscdk.Stack, value any) string {
	return "Resource::" + Flatten(stack, value)
}

// FlattenResolved is Flatten for a value already in CloudFormation form (a
// resource from a synthesized template, say).
func FlattenResolved(value any) string { return flatten(value) }

func flatten(node any) string {
	switch n := node.(type) {
	case nil:
		return ""
	case string:
		return strings.ReplaceAll(strings.ReplaceAll(n, "${", "<"), "}", ">")
	case map[string]any:
		// cdk-nag tests the fields in this order, by truthiness.
		if j, ok := n["Fn::Join"].([]any); ok && len(j) == 2 {
			delim, _ := j[0].(string)
			items, _ := j[1].([]any)
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = flatten(it)
			}
			return strings.Join(parts, delim)
		}
		if sub, ok := n["Fn::Sub"]; ok && truthy(sub) {
			return flatten(sub)
		}
		if g, ok := n["Fn::GetAtt"].([]any); ok && len(g) == 2 {
			return "<" + flatten(g[0]) + "." + flatten(g[1]) + ">"
		}
		if imp, ok := n["Fn::ImportValue"]; ok && truthy(imp) {
			return flatten(imp)
		}
		if ref, ok := n["Ref"]; ok && truthy(ref) {
			return "<" + flatten(ref) + ">"
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(node); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// truthy is JavaScript's !!v for decoded JSON values.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != ""
	case bool:
		return v
	case float64:
		return v != 0
	}
	return true
}
