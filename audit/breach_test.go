package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// policyKinds are the places a policy document lives, one per kind the audit
// reads: for each, a template with a single resource holding doc.
var policyKinds = []struct {
	name, typ string
	wrap      func(doc string) string // the resource's Properties
	resource  bool                    // a resource policy (Resource * is checked)
	key       bool                    // a KMS key policy
}{
	{"identity policy", "AWS::IAM::Policy", func(d string) string { return `{"PolicyDocument": ` + d + `}` }, true, false},
	{"managed policy", "AWS::IAM::ManagedPolicy", func(d string) string { return `{"PolicyDocument": ` + d + `}` }, true, false},
	{"role inline policy", "AWS::IAM::Role", func(d string) string {
		return `{"PermissionsBoundary": {"Ref": "B"}, "Policies": [{"PolicyName": "p", "PolicyDocument": ` + d + `}]}`
	}, true, false},
	{"bucket policy", "AWS::S3::BucketPolicy", func(d string) string { return `{"PolicyDocument": ` + d + `}` }, true, false},
	{"queue policy", "AWS::SQS::QueuePolicy", func(d string) string { return `{"PolicyDocument": ` + d + `}` }, true, false},
	{"topic policy", "AWS::SNS::TopicPolicy", func(d string) string { return `{"PolicyDocument": ` + d + `}` }, true, false},
	{"secret resource policy", "AWS::SecretsManager::ResourcePolicy", func(d string) string { return `{"ResourcePolicy": ` + d + `}` }, true, false},
	{"key policy", "AWS::KMS::Key", func(d string) string { return `{"EnableKeyRotation": true, "KeyPolicy": ` + d + `}` }, false, true},
}

// findingsOf checks a template holding one resource "R" of type typ and
// returns the findings of rule on R.
func findingsOf(t *testing.T, typ, props, rule string) []Finding {
	t.Helper()
	tpl := fmt.Sprintf(`{"Resources": {"R": {"Type": %q, "Properties": %s}}}`, typ, props)
	var m map[string]any
	if err := json.Unmarshal([]byte(tpl), &m); err != nil {
		t.Fatalf("bad template %s: %v", tpl, err)
	}
	var out []Finding
	for _, f := range Check("S", m, opts) {
		if f.Rule == rule && f.Resource == "R" {
			out = append(out, f)
		}
	}
	return out
}

// TestPolicyRulesCoverEveryPolicyKind: every statement rule fires in every
// kind of policy document it applies to — narrowing the rule to fewer kinds
// (say, dropping topic policies from the resource-policy case) fails here.
func TestPolicyRulesCoverEveryPolicyKind(t *testing.T) {
	const principal = `"Principal": {"AWS": "arn:aws:iam::111111111111:role/app"}, `
	shapes := []struct {
		name, stmt, rule, detail string
		applies                  func(resource, key bool) bool
	}{
		{"Allow on action *", `{"Sid": "S", "Effect": "Allow", ` + principal + `"Action": "*", "Resource": "arn:aws:s3:::b"}`,
			RuleActionWildcard, `statement "S" allows "*"`, func(bool, bool) bool { return true }},
		{"Allow on a service wildcard in a list", `{"Sid": "S", "Effect": "Allow", ` + principal + `"Action": ["s3:GetObject", "s3:*"], "Resource": "arn:aws:s3:::b"}`,
			RuleActionWildcard, `allows "s3:*"`, func(bool, bool) bool { return true }},
		{"Allow on resource *", `{"Sid": "S", "Effect": "Allow", ` + principal + `"Action": ["s3:GetObject"], "Resource": "*"}`,
			RuleResourceWildcard, `"s3:GetObject" on resource *`, func(resource, _ bool) bool { return resource }},
		{"Allow on resource * among ARNs", `{"Sid": "S", "Effect": "Allow", ` + principal + `"Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b", "*"]}`,
			RuleResourceWildcard, `on resource *`, func(resource, _ bool) bool { return resource }},
		{"public principal without a Condition", `{"Sid": "S", "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b"}`,
			RulePublicPrincipal, `statement "S" allows principal *`, func(bool, bool) bool { return true }},
		{"public AWS principal without a Condition", `{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b"}`,
			RulePublicPrincipal, `allows principal *`, func(bool, bool) bool { return true }},
		{"Allow with NotAction", `{"Sid": "S", "Effect": "Allow", ` + principal + `"NotAction": ["iam:*"], "Resource": "arn:aws:s3:::b"}`,
			RuleAllowNot, `statement "S" uses NotAction`, func(bool, bool) bool { return true }},
		{"Allow with NotResource", `{"Sid": "S", "Effect": "Allow", ` + principal + `"Action": ["s3:GetObject"], "NotResource": "arn:aws:s3:::b"}`,
			RuleAllowNot, `uses NotResource`, func(bool, bool) bool { return true }},
		{"statement without a Sid", `{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}`,
			RuleSid, `statement 0 has no Sid`, func(bool, bool) bool { return true }},
		{"service principal without a source condition", `{"Sid": "S", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": ["sqs:SendMessage"], "Resource": "arn:aws:sqs:eu-west-1:111111111111:q"}`,
			RuleSourceCondition, `trusts service sns.amazonaws.com without aws:SourceAccount/aws:SourceArn`, func(bool, bool) bool { return true }},
	}
	for _, k := range policyKinds {
		for _, s := range shapes {
			t.Run(k.name+"/"+s.name, func(t *testing.T) {
				doc := `{"Statement": [` + s.stmt + `]}`
				got := findingsOf(t, k.typ, k.wrap(doc), s.rule)
				want := s.applies(k.resource, k.key)
				if want && (len(got) != 1 || !strings.Contains(got[0].Detail, s.detail)) {
					t.Errorf("want one %s finding containing %q, got %v", s.rule, s.detail, got)
				}
				if !want && len(got) != 0 {
					t.Errorf("want no %s finding, got %v", s.rule, got)
				}
				// The same statement as a Deny is allowed (wildcards in Deny
				// protect), except for the Sid rule, which covers both.
				if s.rule != RuleSid && s.rule != RuleSourceCondition {
					denied := strings.Replace(doc, `"Effect": "Allow"`, `"Effect": "Deny"`, 1)
					if got := findingsOf(t, k.typ, k.wrap(denied), s.rule); len(got) != 0 {
						t.Errorf("as a Deny: want no %s finding, got %v", s.rule, got)
					}
				}
			})
		}
	}
}

// TestAllowedWildcardsStayNarrow: the exceptions are exactly what they say —
// kms:* only for the account root in a key policy, bare * resources only for
// the listed actions, a * principal only with a Condition.
func TestAllowedWildcardsStayNarrow(t *testing.T) {
	root := `{"AWS": "arn:aws:iam::111111111111:root"}`
	tests := []struct {
		name, typ, props, rule string
		want                   int
	}{
		{"kms:* for the root in a key policy", "AWS::KMS::Key",
			`{"EnableKeyRotation": true, "KeyPolicy": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": ` + root + `, "Action": "kms:*", "Resource": "*"}]}}`, RuleActionWildcard, 0},
		{"kms:* for the root in a bucket policy", "AWS::S3::BucketPolicy",
			`{"PolicyDocument": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": ` + root + `, "Action": "kms:*", "Resource": "arn:aws:s3:::b"}]}}`, RuleActionWildcard, 1},
		{"kms:Decry* for the root in a key policy", "AWS::KMS::Key",
			`{"EnableKeyRotation": true, "KeyPolicy": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": ` + root + `, "Action": "kms:Decry*", "Resource": "*"}]}}`, RuleActionWildcard, 1},
		{"kms:* for a role in a key policy", "AWS::KMS::Key",
			`{"EnableKeyRotation": true, "KeyPolicy": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:role/r"}, "Action": "kms:*", "Resource": "*"}]}}`, RuleActionWildcard, 1},
		{"xray on resource *", "AWS::IAM::Policy",
			`{"PolicyDocument": {"Statement": [{"Sid": "S", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "ecr:GetAuthorizationToken"], "Resource": "*"}]}}`, RuleResourceWildcard, 0},
		{"xray and a scoped action on resource *", "AWS::IAM::Policy",
			`{"PolicyDocument": {"Statement": [{"Sid": "S", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "s3:GetObject", "sqs:SendMessage"], "Resource": "*"}]}}`, RuleResourceWildcard, 2},
		{"resource * in a trust policy", "AWS::IAM::Role",
			`{"PermissionsBoundary": {"Ref": "B"}, "AssumeRolePolicyDocument": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": "sts:AssumeRole", "Resource": "*"}]}}`, RuleResourceWildcard, 0},
		{"public principal with a Condition", "AWS::SNS::TopicPolicy",
			`{"PolicyDocument": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": "arn:aws:sns:eu-west-1:111111111111:t", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}}`, RulePublicPrincipal, 0},
		{"public principal in a trust policy", "AWS::IAM::Role",
			`{"PermissionsBoundary": {"Ref": "B"}, "AssumeRolePolicyDocument": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}}`, RulePublicPrincipal, 1},
		{"named principals are not public", "AWS::SecretsManager::ResourcePolicy",
			`{"ResourcePolicy": {"Statement": [{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"]}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}}`, RulePublicPrincipal, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := findingsOf(t, tc.typ, tc.props, tc.rule); len(got) != tc.want {
				t.Errorf("want %d %s findings, got %v", tc.want, tc.rule, got)
			}
		})
	}
}

// TestOpenIngressShapes: the internet may reach only an ALB's security group,
// only on exactly port 80 or 443 over TCP. Every other shape — a range that
// includes 443, another protocol, IPv6, a standalone ingress resource — is a
// breach.
func TestOpenIngressShapes(t *testing.T) {
	lb := `"Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"SecurityGroups": [{"Fn::GetAtt": ["Sg", "GroupId"]}]}}`
	inline := func(rule string) string {
		return `"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [` + rule + `]}}`
	}
	standalone := func(rule string) string {
		return `"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
			"In": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": ` +
			strings.Replace(rule, "{", `{"GroupId": {"Fn::GetAtt": ["Sg", "GroupId"]}, `, 1) + `}`
	}
	tests := []struct {
		name, rule string
		onLB, open bool // the group belongs to a load balancer; a finding is wanted
	}{
		{"443 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}`, true, false},
		{"80 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80}`, true, false},
		{"IPv6 443 on the ALB", `{"CidrIpv6": "::/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}`, true, false},
		{"443-8443 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 8443}`, true, true},
		{"80-443 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 443}`, true, true},
		{"442-443 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 442, "ToPort": 443}`, true, true},
		{"81 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 81, "ToPort": 81}`, true, true},
		{"444 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 444, "ToPort": 444}`, true, true},
		{"8443 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443}`, true, true},
		{"udp 443 on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "udp", "FromPort": 443, "ToPort": 443}`, true, true},
		{"all protocols on the ALB", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}`, true, true},
		{"IPv6 all ports on the ALB", `{"CidrIpv6": "::/0", "IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535}`, true, true},
		{"443 on a group no load balancer uses", `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}`, false, true},
		{"22 from a private range", `{"CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}`, false, false},
		{"22 from one address", `{"CidrIp": "203.0.113.7/32", "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}`, false, false},
	}
	for _, tc := range tests {
		for _, form := range []struct {
			name string
			res  func(string) string
			id   string
		}{{"inline", inline, "Sg"}, {"standalone", standalone, "In"}} {
			t.Run(tc.name+"/"+form.name, func(t *testing.T) {
				resources := form.res(tc.rule)
				if tc.onLB {
					resources += ", " + lb
				}
				var m map[string]any
				if err := json.Unmarshal([]byte(`{"Resources": {`+resources+`}}`), &m); err != nil {
					t.Fatal(err)
				}
				var got []Finding
				for _, f := range Check("S", m, opts) {
					if f.Rule == RuleOpenIngress {
						got = append(got, f)
					}
				}
				if tc.open && (len(got) != 1 || got[0].Resource != form.id || !strings.Contains(got[0].Detail, "ingress from the internet")) {
					t.Errorf("want one %s finding on %s, got %v", RuleOpenIngress, form.id, got)
				}
				if !tc.open && len(got) != 0 {
					t.Errorf("want no %s finding, got %v", RuleOpenIngress, got)
				}
			})
		}
	}
}

// checkJSON runs Check over a template given as its Resources.
func checkJSON(t *testing.T, resources string) []Finding {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(`{"Resources": {`+resources+`}}`), &m); err != nil {
		t.Fatalf("bad template: %v", err)
	}
	return Check("S", m, opts)
}

func ofRule(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// TestFindingsAreSorted: the report is stable, sorted by finding.
func TestFindingsAreSorted(t *testing.T) {
	fs := checkJSON(t, `"B": {"Type": "AWS::IAM::Role", "Properties": {}}, "A": {"Type": "AWS::Foo::Bar"},
		"C": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}`)
	if len(fs) < 5 {
		t.Fatalf("want several findings, got %v", fs)
	}
	for i := 1; i < len(fs); i++ {
		if fs[i-1].String() > fs[i].String() {
			t.Errorf("findings out of order at %d: %q before %q", i, fs[i-1], fs[i])
		}
	}
}

// TestMalformedIntrinsics: empty Fn::Join and Fn::GetAtt lists neither crash
// the audit nor count as the account root, a load balancer's group or a
// reference to a service.
func TestMalformedIntrinsics(t *testing.T) {
	open443 := `{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}`
	tests := []struct {
		name, resources, rule string
		want                  int
	}{
		{"kms:* for an empty Fn::Join principal", `"K": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true, "KeyPolicy": {"Statement": [
			{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": {"Fn::Join": ["", []]}}, "Action": "kms:*", "Resource": "*"}]}}}`, RuleActionWildcard, 1},
		{"kms:* for a Fn::Join root principal", `"K": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": true, "KeyPolicy": {"Statement": [
			{"Sid": "S", "Effect": "Allow", "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:root"]]}}, "Action": "kms:*", "Resource": "*"}]}}}`, RuleActionWildcard, 0},
		{"ingress on an empty GetAtt group", `"In": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {"GroupId": {"Fn::GetAtt": []}, ` + open443[1:] + `}`, RuleOpenIngress, 1},
		{"load balancer with an empty GetAtt group", `"Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"SecurityGroupIngress": [` + open443 + `]}},
			"Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"SecurityGroups": [{"Fn::GetAtt": []}]}}`, RuleOpenIngress, 1},
		{"scalable target with an empty GetAtt", `"Svc": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2}},
			"T": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"ScalableDimension": "ecs:service:DesiredCount",
			  "ResourceId": {"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Fn::GetAtt": []}]]}}}`, RuleAutoscaledDesiredCount, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ofRule(checkJSON(t, tc.resources), tc.rule); len(got) != tc.want {
				t.Errorf("want %d %s findings, got %v", tc.want, tc.rule, got)
			}
		})
	}
}

// TestDesiredCountOnlyWithItsOwnScalableTarget: a scalable target makes
// DesiredCount a breach only on the service it scales, referenced by Ref or
// Fn::GetAtt anywhere in its ResourceId.
func TestDesiredCountOnlyWithItsOwnScalableTarget(t *testing.T) {
	target := func(resourceID string) string {
		return `"T": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"ScalableDimension": "ecs:service:DesiredCount", "ResourceId": ` + resourceID + `}}`
	}
	services := `"A": {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2}}, "B": {"Type": "AWS::ECS::Service", "Properties": {}}, `
	tests := []struct {
		name, resources string
		want            []string // services with a finding
	}{
		{"target of B (GetAtt)", services + target(`{"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Fn::GetAtt": ["B", "Name"]}]]}`), nil},
		{"target of B (Ref)", services + target(`{"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Ref": "B"}]]}`), nil},
		{"target of A (GetAtt)", services + target(`{"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Fn::GetAtt": ["A", "Name"]}]]}`), []string{"A"}},
		{"target of A (Ref)", services + target(`{"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Ref": "A"}]]}`), []string{"A"}},
		{"target of A on another dimension", services + strings.Replace(target(`{"Ref": "A"}`), "ecs:service:DesiredCount", "dynamodb:table:ReadCapacityUnits", 1), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range ofRule(checkJSON(t, tc.resources), RuleAutoscaledDesiredCount) {
				got = append(got, f.Resource)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("findings on %v, want %v", got, tc.want)
			}
		})
	}
}
