package audit

import (
	"encoding/json"
	"strings"
	"testing"
)

// tags is the required tag set in CloudFormation's list form.
const tags = `[{"Key":"Project","Value":"groundwork"},{"Key":"Environment","Value":"prod"},{"Key":"Owner","Value":"team@example.com"}]`

// compliant is a small template that satisfies every invariant; each test
// case below breaks exactly one.
const compliant = `{"Resources": {
  "Role": {"Type": "AWS::IAM::Role", "Properties": {
    "PermissionsBoundary": {"Ref": "Boundary"},
    "Tags": ` + tags + `,
    "AssumeRolePolicyDocument": {"Statement": [{"Sid": "TrustService", "Effect": "Allow",
      "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}]}}},
  "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
    {"Sid": "ReadInvoices", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}},
    {"Sid": "Trace", "Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"},
    {"Sid": "DenyAll", "Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}}},
  "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    "EnableKeyRotation": true, "Tags": ` + tags + `,
    "KeyPolicy": {"Statement": [{"Sid": "AllowAccountAdministration", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
      "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:root"]]}}}]}}},
  "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    "BucketEncryption": {}, "Tags": ` + tags + `}},
  "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"PolicyDocument": {"Statement": [
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
    {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::b/*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}}}]}}},
  "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Tags": {"Project": "groundwork", "Environment": "prod", "Owner": "o"}}},
  "AlbSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"Tags": ` + tags + `, "SecurityGroupIngress": [
    {"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}]}},
  "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Tags": ` + tags + `,
    "SecurityGroups": [{"Fn::GetAtt": ["AlbSg", "GroupId"]}]}},
  "Https": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Protocol": "HTTPS",
    "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Tags": ` + tags + `,
    "Environment": {"Variables": {"TABLE_NAME": "t", "API_SECRET_ARN": "arn"}}}},
  "Meta": {"Type": "AWS::CDK::Metadata"}
}}`

func parse(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test template: %v", err)
	}
	return m
}

func TestCompliantTemplateHasNoFindings(t *testing.T) {
	if f := Check("S", parse(t, compliant), Options{RetainStateful: true}); len(f) != 0 {
		t.Fatalf("want no findings, got:\n%v", f)
	}
}

// Each case replaces one fragment of the compliant template with a breach.
func TestEachBreachIsFound(t *testing.T) {
	tests := []struct {
		name, old, new string
		rule, resource string
		detail         string
	}{
		{"statement without Sid", `{"Sid": "ReadInvoices", `, `{`, RuleSid, "Policy", "statement 0 has no Sid"},
		{"trust statement without Sid", `{"Sid": "TrustService", `, `{`, RuleSid, "Role", "no Sid"},
		{"wildcard action", `"Action": ["s3:GetObject"]`, `"Action": ["s3:Get*"]`, RuleActionWildcard, "Policy", `allows "s3:Get*"`},
		{"star action", `"Action": ["s3:GetObject"]`, `"Action": "*"`, RuleActionWildcard, "Policy", `allows "*"`},
		{"kms:* for a non-root principal", `":iam::111111111111:root"`, `":role/app"`, RuleActionWildcard, "Key", `"kms:*"`},
		{"bare * resource on a scoped action", `"Action": ["s3:GetObject"], "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}`,
			`"Action": ["s3:GetObject"], "Resource": "*"`, RuleResourceWildcard, "Policy", `"s3:GetObject" on resource *`},
		{"trust without source conditions", `"Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}]}}},`,
			`"Condition": {}}]}}},`, RuleSourceCondition, "Role", "lambda.amazonaws.com"},
		{"resource policy service grant without conditions", `"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}}`,
			`"Condition": {"Bool": {"aws:SecureTransport": "true"}}`, RuleSourceCondition, "BucketPolicy", "logging.s3.amazonaws.com"},
		{"role without boundary", `"PermissionsBoundary": {"Ref": "Boundary"},`, ``, RuleBoundary, "Role", "no permissions boundary"},
		{"missing Owner tag (list form)", `"EnableKeyRotation": true, "Tags": ` + tags, `"EnableKeyRotation": true, "Tags": [{"Key":"Project","Value":"groundwork"},{"Key":"Environment","Value":"prod"}]`,
			RuleTags, "Key", "no Owner tag"},
		{"missing tags (map form)", `"Tags": {"Project": "groundwork", "Environment": "prod", "Owner": "o"}`, `"Tags": {"Project": "groundwork", "Owner": "o"}`,
			RuleTags, "Param", "no Environment tag"},
		{"unclassified type", `"Meta": {"Type": "AWS::CDK::Metadata"}`, `"Meta": {"Type": "AWS::Foo::Bar"}`, RuleUnclassified, "Meta", "AWS::Foo::Bar"},
		{"bucket not retained", `"Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"`, `"Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete"`,
			RuleRetain, "Bucket", "DeletionPolicy Delete"},
		{"key replaced without retain", `"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    "EnableKeyRotation"`, `"DeletionPolicy": "Retain", "Properties": {
    "EnableKeyRotation"`, RuleRetain, "Key", "UpdateReplacePolicy"},
		{"open SSH", `"FromPort": 443, "ToPort": 443`, `"FromPort": 22, "ToPort": 22`, RuleOpenIngress, "AlbSg", "tcp 22-22"},
		{"open 443 on a non-ALB group", `"SecurityGroups": [{"Fn::GetAtt": ["AlbSg", "GroupId"]}]`, `"SecurityGroups": []`, RuleOpenIngress, "AlbSg", "only an ALB"},
		{"unencrypted bucket", `"BucketEncryption": {}, `, ``, RuleEncryption, "Bucket", "no default encryption"},
		{"key rotation off", `"EnableKeyRotation": true`, `"EnableKeyRotation": false`, RuleEncryption, "Key", "rotation is off"},
		{"old TLS policy", `ELBSecurityPolicy-TLS13-1-2-2021-06`, `ELBSecurityPolicy-2016-08`, RuleListenerTLS, "Https", "ELBSecurityPolicy-2016-08"},
		{"plain HTTP listener that forwards", `"Protocol": "HTTPS",`, `"Protocol": "HTTP", "DefaultActions": [{"Type": "forward"}],`, RuleListenerTLS, "Https", "more than redirect"},
		{"secret in a Lambda environment", `"TABLE_NAME": "t"`, `"DB_PASSWORD": "hunter2"`, RuleSecretEnvironment, "Fn", "DB_PASSWORD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(compliant, tc.old) {
				t.Fatalf("test fragment not found in the template: %s", tc.old)
			}
			broken := strings.Replace(compliant, tc.old, tc.new, 1)
			findings := Check("S", parse(t, broken), Options{RetainStateful: true})
			if len(findings) != 1 {
				t.Fatalf("want exactly one finding, got %d:\n%v", len(findings), findings)
			}
			f := findings[0]
			if f.Rule != tc.rule || f.Resource != tc.resource || !strings.Contains(f.Detail, tc.detail) {
				t.Errorf("got %v\nwant rule %s on %s with %q", f, tc.rule, tc.resource, tc.detail)
			}
		})
	}
}

func TestRetainOnlyOutsideDev(t *testing.T) {
	broken := strings.Replace(compliant, `"Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"`,
		`"Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"`, 1)
	if f := Check("S", parse(t, broken), Options{RetainStateful: false}); len(f) != 0 {
		t.Errorf("dev (RetainStateful false) must allow Delete, got %v", f)
	}
}

func TestLooksLikeSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "API_KEY": true, "GITHUB_TOKEN": true, "client_secret": true, "PRIVATE_KEY": true,
		"API_SECRET_ARN": false, "DB_SECRET_NAME": false, "TOKEN_ID": false, "TABLE_NAME": false, "REGION": false,
	} {
		if got := LooksLikeSecretName(name); got != want {
			t.Errorf("LooksLikeSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}
