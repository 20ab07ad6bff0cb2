package stacks_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

// The statements whose job is to protect — the permissions boundary's deny
// and its account and region pins, the key policies' administration and
// CreateGrant statements, the TLS denies of bucket, queue and topic policies
// — each get an assertion of their own here, over every stack of every
// environment (new stacks included), so that weakening one fails a test that
// names it rather than only the golden templates.

// protForEveryStack runs fn for every stack in the assembly with its environment.
func protForEveryStack(t *testing.T, fn func(t *testing.T, cfg stacks.Config, s *testkit.Stack)) {
	asm := assembly(t)
	for _, name := range asm.Names() {
		var cfg *stacks.Config
		for _, c := range stacks.Defaults() {
			if strings.HasPrefix(name, c.StackName("")) {
				cfg = &c
			}
		}
		if cfg == nil {
			t.Fatalf("stack %s belongs to no environment", name)
		}
		t.Run(name, func(t *testing.T) { fn(t, *cfg, asm.Stack(t, name)) })
	}
}

// protResources returns the stack's resources of type typ by logical id.
func protResources(s *testkit.Stack, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	res, _ := s.Template["Resources"].(map[string]any)
	for id, r := range res {
		if m, _ := r.(map[string]any); m["Type"] == typ {
			props, _ := m["Properties"].(map[string]any)
			out[id] = props
		}
	}
	return out
}

// protStatements returns a policy document's statements by Sid (failing on a
// repeated or missing Sid).
func protStatements(t *testing.T, where string, doc any) map[string]map[string]any {
	t.Helper()
	d, _ := doc.(map[string]any)
	out := map[string]map[string]any{}
	sts, _ := d["Statement"].([]any)
	for _, s := range sts {
		st, _ := s.(map[string]any)
		sid, _ := st["Sid"].(string)
		if sid == "" || out[sid] != nil {
			t.Errorf("%s: statement without a Sid or with a repeated Sid %q", where, sid)
		}
		out[sid] = st
	}
	return out
}

// protList returns v as a list ([]any{v} for a single value).
func protList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// protStrings returns v's strings, sorted.
func protStrings(v any) []string {
	var out []string
	for _, x := range protList(v) {
		s, _ := x.(string)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// protEqual compares two values as JSON (numbers and maps normalised).
func protEqual(a, b any) bool {
	var x, y any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	_ = json.Unmarshal(ja, &x)
	_ = json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}

func protJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// protRequire checks that st is the statement want, key by key.
func protRequire(t *testing.T, where string, st map[string]any, want map[string]any) {
	t.Helper()
	if st == nil {
		t.Errorf("%s: statement missing; want %s", where, protJSON(want))
		return
	}
	for k, w := range want {
		if !protEqual(st[k], w) {
			t.Errorf("%s: %s is %s, want %s", where, k, protJSON(st[k]), protJSON(w))
		}
	}
	for k := range st {
		if _, ok := want[k]; !ok && k != "Sid" {
			t.Errorf("%s: unexpected %s %s (it can only widen or narrow the statement)", where, k, protJSON(st[k]))
		}
	}
}

// TestBoundaryProtectiveStatements: every stack with a role has one
// permissions boundary, on every role; it denies the privilege-escalation
// paths outright, allows scoped actions only in this account and region, S3
// actions only on this account's buckets, and unscoped actions only where AWS
// has no resource-level permissions.
func TestBoundaryProtectiveStatements(t *testing.T) {
	protForEveryStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		roles := protResources(s, "AWS::IAM::Role")
		policies := protResources(s, "AWS::IAM::ManagedPolicy")
		boundaries := map[string]bool{}
		for id, r := range roles {
			ref, _ := r["PermissionsBoundary"].(map[string]any)
			b, _ := ref["Ref"].(string)
			if policies[b] == nil {
				t.Errorf("role %s: permissions boundary %s is not this stack's managed policy", id, protJSON(r["PermissionsBoundary"]))
				continue
			}
			boundaries[b] = true
		}
		if len(roles) > 0 && len(boundaries) != 1 {
			t.Errorf("want one boundary for the stack's %d roles, got %d", len(roles), len(boundaries))
		}
		scopedArn := regexp.MustCompile(`^arn:aws:([a-z0-9-]+):` + regexp.QuoteMeta(cfg.Region) + `:` + cfg.Account + `:\*$`)
		for b := range boundaries {
			sts := protStatements(t, b, policies[b]["PolicyDocument"])
			protRequire(t, b+" DenyPrivilegeEscalation", sts["DenyPrivilegeEscalation"], map[string]any{
				"Effect": "Deny", "Resource": "*",
				"Action": []string{"account:*", "iam:*", "organizations:*", "sts:AssumeRole"},
			})
			for sid, st := range sts {
				where := b + " " + sid
				switch sid {
				case "DenyPrivilegeEscalation":
				case "AllowWorkloadActionsInThisAccountAndRegion":
					var services []string
					for _, a := range protStrings(st["Action"]) {
						svc, _, _ := strings.Cut(a, ":")
						if len(services) == 0 || services[len(services)-1] != svc {
							services = append(services, svc)
						}
						if strings.ContainsAny(a, "*?") || svc == "s3" || audit.WildcardResourceActions[a] != "" {
							t.Errorf("%s: %s belongs in another statement (or nowhere)", where, a)
						}
					}
					var arnServices []string
					for _, r := range protStrings(st["Resource"]) {
						m := scopedArn.FindStringSubmatch(r)
						if m == nil {
							t.Errorf("%s: resource %q is not this account's (%s) and region's (%s)", where, r, cfg.Account, cfg.Region)
							continue
						}
						arnServices = append(arnServices, m[1])
					}
					if strings.Join(arnServices, ",") != strings.Join(services, ",") {
						t.Errorf("%s: resources name services %v, the actions %v", where, arnServices, services)
					}
					protRequire(t, where, st, map[string]any{"Effect": "Allow", "Action": st["Action"], "Resource": st["Resource"]})
				case "AllowObjectActionsOnThisAccountsBuckets":
					for _, a := range protStrings(st["Action"]) {
						if !strings.HasPrefix(a, "s3:") || strings.ContainsAny(a, "*?") {
							t.Errorf("%s: %s is not a named S3 action", where, a)
						}
					}
					protRequire(t, where, st, map[string]any{"Effect": "Allow", "Action": st["Action"],
						"Resource":  "arn:aws:s3:::*",
						"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceAccount": cfg.Account}}})
				case "AllowActionsWithoutResourceLevelPermissions":
					for _, a := range protStrings(st["Action"]) {
						if audit.WildcardResourceActions[a] == "" {
							t.Errorf("%s: %s has resource-level permissions; scope it", where, a)
						}
					}
					protRequire(t, where, st, map[string]any{"Effect": "Allow", "Action": st["Action"], "Resource": "*"})
				default:
					t.Errorf("%s: unexpected statement in the boundary: %s", where, protJSON(st))
				}
			}
		}
	})
}

// TestKeyPolicyProtectiveStatements: every customer-managed key is
// administered by this account's root only, limits kms:CreateGrant to grants
// for AWS resources, and lets services use it only pinned to this account.
func TestKeyPolicyProtectiveStatements(t *testing.T) {
	protForEveryStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		for id, k := range protResources(s, "AWS::KMS::Key") {
			sts := protStatements(t, id, k["KeyPolicy"])
			protRequire(t, id+" AllowAccountAdministration", sts["AllowAccountAdministration"], map[string]any{
				"Effect": "Allow", "Action": "kms:*", "Resource": "*",
				"Principal": map[string]any{"AWS": "arn:aws:iam::" + cfg.Account + ":root"},
			})
			protRequire(t, id+" DenyCreateGrantUnlessForAWSResource", sts["DenyCreateGrantUnlessForAWSResource"], map[string]any{
				"Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
				"Condition": map[string]any{"BoolIfExists": map[string]any{
					"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
			})
			if k["EnableKeyRotation"] != true {
				t.Errorf("%s: key rotation is %v", id, k["EnableKeyRotation"])
			}
			for sid, st := range sts {
				if sid == "AllowAccountAdministration" || sid == "DenyCreateGrantUnlessForAWSResource" {
					continue
				}
				where := id + " " + sid
				p, _ := st["Principal"].(map[string]any)
				if st["Effect"] != "Allow" || len(p) != 1 || p["Service"] == nil {
					t.Errorf("%s: want an Allow to one service principal, got %s", where, protJSON(st))
				}
				// Every condition value that names an account names this one,
				// and at least one does (SourceAccount, SourceArn or the
				// encryption context's ARN).
				cond := protJSON(st["Condition"])
				if !strings.Contains(cond, cfg.Account) {
					t.Errorf("%s: the condition %s does not pin the key's use to account %s", where, cond, cfg.Account)
				}
				for _, acct := range regexp.MustCompile(`\b\d{12}\b`).FindAllString(cond, -1) {
					if acct != cfg.Account {
						t.Errorf("%s: the condition names another account, %s: %s", where, acct, cond)
					}
				}
				for _, a := range protStrings(st["Action"]) {
					if !strings.HasPrefix(a, "kms:") || strings.ContainsAny(a, "*?") || a == "kms:CreateGrant" {
						t.Errorf("%s: grants %s to a service; name the kms: use actions it needs", where, a)
					}
				}
			}
		}
	})
}

// TestTransportDenies: every bucket, queue and topic has a resource policy
// that denies requests without TLS (and, for buckets, below TLS 1.2), on the
// resource itself — and on every object of a bucket.
func TestTransportDenies(t *testing.T) {
	insecure := map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}
	protForEveryStack(t, func(t *testing.T, _ stacks.Config, s *testkit.Stack) {
		bucketPolicies := protResources(s, "AWS::S3::BucketPolicy")
		for id := range protResources(s, "AWS::S3::Bucket") {
			arn := map[string]any{"Fn::GetAtt": []any{id, "Arn"}}
			objects := map[string]any{"Fn::Join": []any{"", []any{arn, "/*"}}}
			var found int
			for pid, p := range bucketPolicies {
				if !protEqual(p["Bucket"], map[string]any{"Ref": id}) {
					continue
				}
				found++
				sts := protStatements(t, pid, p["PolicyDocument"])
				for sid, cond := range map[string]any{
					"DenyInsecureTransport": insecure,
					"DenyTLSBelow12":        map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}},
				} {
					protRequire(t, fmt.Sprintf("bucket %s, %s %s", id, pid, sid), sts[sid], map[string]any{
						"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": []any{arn, objects}, "Condition": cond})
				}
			}
			if found != 1 {
				t.Errorf("bucket %s has %d bucket policies, want 1", id, found)
			}
		}
		for _, kind := range []struct{ resource, policy, list, action, attr string }{
			{"AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "Queues", "sqs:*", "Arn"},
			{"AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "Topics", "sns:Publish", ""},
		} {
			policies := protResources(s, kind.policy)
			for id := range protResources(s, kind.resource) {
				var self any = map[string]any{"Ref": id}
				if kind.attr != "" {
					self = map[string]any{"Fn::GetAtt": []any{id, kind.attr}}
				}
				var found int
				for pid, p := range policies {
					if !protEqual(protList(p[kind.list]), []any{map[string]any{"Ref": id}}) {
						continue
					}
					found++
					sts := protStatements(t, pid, p["PolicyDocument"])
					protRequire(t, fmt.Sprintf("%s %s, %s DenyInsecureTransport", kind.resource, id, pid), sts["DenyInsecureTransport"], map[string]any{
						"Effect": "Deny", "Principal": "*", "Action": kind.action, "Resource": self, "Condition": insecure})
				}
				if found != 1 {
					t.Errorf("%s %s has %d policies of its own, want 1 (with DenyInsecureTransport)", kind.resource, id, found)
				}
			}
		}
	})
}
