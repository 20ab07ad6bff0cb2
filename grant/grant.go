// Package grant gives a Groundwork workload access to a resource in one call,
// the library's way: explicit actions, a Sid on every statement, KMS use only
// through the service that needs it (kms:ViaService and, where the service
// documents one, the encryption context), and the policy kept with the
// grantee, so that a grant across stacks makes the grantee's stack depend on
// the resource's stack and never the reverse (no dependency cycle).
//
//	grant.BucketRead(fn, invoices.Bucket)   // fn is a *hardenedfunction.HardenedFunction
//	grant.TableActions(svc, orders, "dynamodb:GetItem", "dynamodb:PutItem")
//
// Every statement goes into the grantee's GrantPolicy, a customer-managed
// policy in the grantee's stack. Its Sid is built from the verb and the
// resource's unique id (awscdk.Names_UniqueId), so any number of resources can
// be granted to one grantee and any number of grantees to one resource; a
// repeated grant adds nothing.
//
// The plain CDK path (bucket.GrantRead(fn.Function), table.GrantWriteData(...))
// writes wildcard actions without a Sid into an inline policy; Groundwork's
// constructs refuse it at synthesis (GuardRole) with a message that names the
// grant function to use instead.
//
// Every function panics with a *validate.Error, naming the grantee's path, the
// argument, the value, the rule and the fix, when an argument is nil or an
// action is not allowed.
package grant

import (
	"errors"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Grantee is a workload that can be granted access: a HardenedFunction, a
// FargateService (its task role), or any role wrapped with Role.
type Grantee interface {
	constructs.IConstruct
	// GrantPolicy is the customer-managed policy, attached to the grantee's
	// role and created in the grantee's stack, that grants add their
	// statements to. Implementations create it on first use.
	GrantPolicy() awsiam.ManagedPolicy
}

// statement is one statement a grant adds, before it is built.
type statement struct {
	iamx.Statement
	// wildcard says why the resources that contain "*" are inherent to the
	// API (object keys, say); each such resource gets an AwsSolutions-IAM5
	// suppression scoped to exactly that finding. Empty when the statement
	// names no wildcard resource.
	wildcard string
}

// apply adds statements to to's GrantPolicy, skipping those whose Sid is
// already in the policy (a repeated grant), and suppresses the
// AwsSolutions-IAM5 finding of each inherent wildcard resource on that
// policy.
func apply(to Grantee, statements []statement) {
	policy := to.GrantPolicy()
	stack := awscdk.Stack_Of(policy)
	have := sids(stack, policy)
	for _, st := range statements {
		if have[st.Sid] {
			continue
		}
		have[st.Sid] = true
		policy.AddStatements(st.Build())
		if st.wildcard == "" {
			continue
		}
		for _, r := range st.Resources {
			if finding := nag.ResourceFinding(stack, r); strings.Contains(finding, "*") {
				nag.Suppress(policy.Node().DefaultChild(), "AwsSolutions-IAM5", st.wildcard, finding)
			}
		}
	}
}

// sids are the Sids already in policy, read from its document (not kept on
// the side: the document is the one truth, whoever added the statements).
func sids(stack awscdk.Stack, policy awsiam.ManagedPolicy) map[string]bool {
	out := map[string]bool{}
	doc, _ := stack.Resolve(policy.Document()).(map[string]any)
	list, _ := doc["Statement"].([]any)
	for _, s := range list {
		m, _ := s.(map[string]any)
		if sid, ok := m["Sid"].(string); ok {
			out[sid] = true
		}
	}
	return out
}

// uid is the part of a Sid that names a resource: its unique id in the App
// (stack and construct path plus a hash), letters and digits only.
func uid(c constructs.IConstruct) string {
	return iamx.SidSafe(*awscdk.Names_UniqueId(c))
}

// region is the grantee stack's region (a token in an environment-agnostic
// stack), for kms:ViaService.
func region(to Grantee) string {
	return *awscdk.Stack_Of(to.GrantPolicy()).Region()
}

// isNil is true for a nil interface and for an interface holding a nil
// pointer (a *hardenedfunction.HardenedFunction that was never built, say).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func:
		return rv.IsNil()
	}
	return false
}

// check panics with a *validate.Error for fn when to or resource is nil, or
// when more problems are given. what names the resource argument.
func check(fn string, to Grantee, what string, resource any, more ...error) {
	var errs []error
	path := ""
	if isNil(to) {
		errs = append(errs, validate.Fail("to", nil, "a grant needs a grantee",
			"pass a *hardenedfunction.HardenedFunction, a *fargateservice.FargateService or grant.Role(role)"))
	} else {
		path = *to.Node().Path()
	}
	if isNil(resource) {
		errs = append(errs, validate.Fail(what, nil, "a grant needs the resource it grants access to", "pass the "+what))
	} else if c, ok := resource.(constructs.IConstruct); ok && path == "" {
		path = *c.Node().Path()
	}
	errs = append(errs, more...)
	validate.Check("grant."+fn, path, errors.Join(errs...))
}

// replacement is the library call that replaces a CDK grant of the
// service's actions, for the messages of GuardRole and TableActions.
func replacement(service string) string {
	switch service {
	case "s3":
		return "grant.BucketRead, grant.BucketWrite or grant.BucketReadWrite(grantee, bucket)"
	case "dynamodb":
		return "grant.TableRead, grant.TableWrite or grant.TableActions(grantee, table, actions...)"
	case "sqs":
		return "grant.QueueSend or grant.QueueConsume(grantee, queue)"
	case "sns":
		return "grant.TopicPublish(grantee, topic)"
	case "secretsmanager":
		return "grant.SecretRead(grantee, secret)"
	case "kms":
		return "grant.KeyUse(grantee, key, service, actions...); the bucket, table, queue, topic and secret " +
			"functions already grant the resource's key through its service"
	}
	return "the construct's AddToPolicy with Sid-named statements that list their actions explicitly (iamx.Statement)"
}

// service is the prefix of an IAM action ("s3" for "s3:GetObject").
func service(action string) string {
	s, _, _ := strings.Cut(action, ":")
	return s
}

// title is s with its first letter upper-cased, for Sids.
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// actionNames are the actions without their service prefix, joined, for a
// Sid: ["dynamodb:GetItem", "dynamodb:PutItem"] gives "GetItemPutItem".
func actionNames(actions []string) string {
	var b strings.Builder
	for _, a := range actions {
		_, name, _ := strings.Cut(a, ":")
		b.WriteString(name)
	}
	return b.String()
}

// dedupe keeps the first occurrence of each action, in order.
func dedupe(actions []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range actions {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// describe is a construct's path, for descriptions and messages.
func describe(c constructs.IConstruct) string { return *c.Node().Path() }
