package validation

import (
	"slices"
	"strings"
	"testing"
)

func TestIntersects(t *testing.T) {
	tests := []struct {
		resource, format string
		want             bool
	}{
		{"arn:aws:s3:::invoices", "arn:${Partition}:s3:::${BucketName}", true},
		{"arn:aws:s3:::invoices/*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", true},
		{"arn:aws:sqs:eu-west-1:111111111111:dlq", "arn:${Partition}:s3:::${BucketName}", false},
		{"arn:aws:kms:eu-west-1:111111111111:key/abc", "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", true},
		{"arn:aws:kms:eu-west-1:111111111111:alias/abc", "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}", false},
		// A policy * spans segments; a format variable before the last does not.
		{"arn:aws:ec2:eu-west-1:111111111111:*", "arn:${Partition}:ec2:${Region}:${Account}:network-interface/${NetworkInterfaceId}", true},
		{"arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f:*", "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}", true},
		{"arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f", "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}", false},
		{"arn:aws:dynamodb:eu-west-1:1:table/orders", "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", true},
		{"arn:*:s3:::*", "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}", false},
		{"arn:aws:sqs:*", "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}", true},
		{unresolved + "/*", "arn:${Partition}:s3:::${BucketName}/${ObjectName}", true},
		{"arn:aws:dynamodb:eu-west-1" + unresolved + ":table/orders", "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}", true},
	}
	for _, tt := range tests {
		if got := intersects(policyPattern(tt.resource), formatPattern(tt.format)); got != tt.want {
			t.Errorf("intersects(%s, %s) = %v, want %v", tt.resource, tt.format, got, tt.want)
		}
	}
}

func loadIAMData(t *testing.T) *IAMData {
	t.Helper()
	d, err := LoadIAMData(nodeModules)
	if err != nil {
		t.Fatalf("%v (make test runs npm ci first)", err)
	}
	return d
}

// stmt is a policy statement.
type stmt = map[string]any

func role(policies ...stmt) map[string]any {
	var list []any
	for _, p := range policies {
		list = append(list, p)
	}
	return map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{
		"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": list},
	}}
}

var (
	bucket = map[string]any{"Type": "AWS::S3::Bucket"}
	queue  = map[string]any{"Type": "AWS::SQS::Queue"}
	key    = map[string]any{"Type": "AWS::KMS::Key"}
)

func getAtt(id string) any { return map[string]any{"Fn::GetAtt": []any{id, "Arn"}} }

func TestCheckIAM(t *testing.T) {
	d := loadIAMData(t)
	tests := []struct {
		name   string
		policy stmt
		want   []string // "rule Policy" findings
	}{
		{"good: object and bucket actions on their ARNs", stmt{"Sid": "A", "Effect": "Allow",
			"Action":   []any{"s3:GetObject", "s3:ListBucket"},
			"Resource": []any{map[string]any{"Fn::Join": []any{"", []any{getAtt("Bucket"), "/*"}}}, getAtt("Bucket")}}, nil},
		{"good: KMS via service with an encryption-context key", stmt{"Sid": "A", "Effect": "Allow", "Action": "kms:Decrypt",
			"Resource":  getAtt("Key"),
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "sqs.eu-west-1.amazonaws.com", "kms:EncryptionContext:aws:sqs:arn": "x"}}}, nil},
		{"good: Deny s3:* unless TLS", stmt{"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}, nil},
		{"good: action without resource-level permissions on *", stmt{"Sid": "A", "Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"}, nil},
		{"good: wildcard action", stmt{"Sid": "A", "Effect": "Allow", "Action": "sqs:Send*", "Resource": getAtt("Queue")}, nil},
		{"unknown action", stmt{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "*"},
			[]string{"action-not-found Policy"}},
		{"unknown service", stmt{"Sid": "A", "Effect": "Allow", "Action": "s4:GetObject", "Resource": "*"},
			[]string{"action-not-found Policy"}},
		{"wildcard that names no action", stmt{"Sid": "A", "Effect": "Allow", "Action": "sqs:Frobnicate*", "Resource": "*"},
			[]string{"action-not-found Policy"}},
		{"condition key of another service", stmt{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}},
			[]string{"condition-key-not-valid-for-action Policy"}},
		{"encryption context on DescribeKey", stmt{"Sid": "A", "Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:DescribeKey"}, "Resource": "*",
			"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}}},
			[]string{"condition-key-not-valid-for-action Policy"}},
		{"queue action on a bucket", stmt{"Sid": "A", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": getAtt("Bucket")},
			[]string{"resource-matches-no-type-of-action Policy", "action-matches-no-resource Policy"}},
		{"key action on an alias ARN", stmt{"Sid": "A", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:111111111111:alias/orders"},
			[]string{"resource-matches-no-type-of-action Policy", "action-matches-no-resource Policy"}},
		{"action without resource-level permissions on an ARN", stmt{"Sid": "A", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "arn:aws:ecr:eu-west-1:111111111111:repository/app"},
			[]string{"resource-matches-no-type-of-action Policy", "action-matches-no-resource Policy"}},
		{"object action only on the bucket ARN", stmt{"Sid": "A", "Effect": "Allow", "Action": []any{"s3:GetObject", "s3:ListBucket"}, "Resource": "arn:aws:s3:::invoices"},
			[]string{"action-matches-no-resource Policy"}}, // GetObject is granted on no object
		{"region wildcard does not span parts", stmt{"Sid": "A", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:s3:*:queue"},
			[]string{"resource-matches-no-type-of-action Policy", "action-matches-no-resource Policy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := writeTemplates(t, map[string]map[string]any{"S": template(map[string]any{
				"Bucket": bucket, "Queue": queue, "Key": key, "Policy": role(tt.policy),
			})})
			o, err := CheckIAM(d, ts)
			if err != nil {
				t.Fatal(err)
			}
			got := findingsOf(o, "S")
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings = %q, want %q\n%v", got, tt.want, o.Findings)
			}
			if o.Checks["S"] == 0 {
				t.Error("no checks counted")
			}
		})
	}
}

// Every kind of policy is read: trust, inline, key, bucket, queue, topic and
// secret policies and Lambda permissions.
func TestCheckIAMReadsEveryPolicyKind(t *testing.T) {
	d := loadIAMData(t)
	bad := []any{stmt{"Sid": "Bad", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:root"}, "Action": "nosuch:Thing", "Resource": "*"}}
	doc := map[string]any{"Version": "2012-10-17", "Statement": bad}
	resources := map[string]any{
		"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{stmt{"Sid": "Trust", "Effect": "Allow", "Principal": map[string]any{"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "111111111111"}}}}},
			"Policies": []any{map[string]any{"PolicyName": "p", "PolicyDocument": doc}},
		}},
		"Key":          map[string]any{"Type": "AWS::KMS::Key", "Properties": map[string]any{"KeyPolicy": doc}},
		"BucketPolicy": map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{"PolicyDocument": doc}},
		"QueuePolicy":  map[string]any{"Type": "AWS::SQS::QueuePolicy", "Properties": map[string]any{"PolicyDocument": doc}},
		"TopicPolicy":  map[string]any{"Type": "AWS::SNS::TopicPolicy", "Properties": map[string]any{"PolicyDocument": doc}},
		"Policy":       map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"PolicyDocument": doc}},
		"SecretPolicy": map[string]any{"Type": "AWS::SecretsManager::ResourcePolicy", "Properties": map[string]any{"ResourcePolicy": doc}},
		"LogsPolicy": map[string]any{"Type": "AWS::Logs::ResourcePolicy", "Properties": map[string]any{"PolicyDocument": map[string]any{"Fn::Join": []any{"", []any{
			`{"Statement":[{"Sid":"Bad","Effect":"Allow","Action":"nosuch:Thing","Resource":"arn:aws:logs:eu-west-1:`, map[string]any{"Ref": "AWS::AccountId"}, `:*"}]}`}}}}},
		"Permission": map[string]any{"Type": "AWS::Lambda::Permission", "Properties": map[string]any{"Action": "lambda:InvokeFunktion", "FunctionName": "f", "Principal": "s3.amazonaws.com"}},
	}
	ts := writeTemplates(t, map[string]map[string]any{"S": template(resources)})
	o, err := CheckIAM(d, ts)
	if err != nil {
		t.Fatal(err)
	}
	got := findingsOf(o, "S")
	want := []string{"action-not-found BucketPolicy", "action-not-found Key", "action-not-found LogsPolicy", "action-not-found Permission",
		"action-not-found Policy", "action-not-found QueuePolicy", "action-not-found Role", "action-not-found SecretPolicy", "action-not-found TopicPolicy"}
	if !slices.Equal(got, want) {
		t.Errorf("findings = %q, want %q (the trust policy is valid)", got, want)
	}
}

// A resource that comes from another stack through Fn::GetStackOutput is
// followed into the producer: a key action on the producer's queue fails.
func TestCheckIAMFollowsGetStackOutput(t *testing.T) {
	d := loadIAMData(t)
	ts := writeTemplates(t, map[string]map[string]any{
		"Producer": {"Resources": map[string]any{"Queue": queue},
			"Outputs": map[string]any{"QueueArn": map[string]any{"Value": getAtt("Queue")}}},
		"Consumer": template(map[string]any{"Policy": role(stmt{"Sid": "A", "Effect": "Allow", "Action": "kms:Decrypt",
			"Resource": map[string]any{"Fn::GetStackOutput": map[string]any{"StackName": "Producer", "OutputName": "QueueArn", "Region": "eu-west-1"}}})}),
	})
	o, err := CheckIAM(d, ts)
	if err != nil {
		t.Fatal(err)
	}
	got := findingsOf(o, "Consumer")
	if want := []string{"resource-matches-no-type-of-action Policy", "action-matches-no-resource Policy"}; !slices.Equal(got, want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
	if !strings.Contains(o.Findings[0].Message, "arn:*:sqs:") {
		t.Errorf("message %q does not show the resolved queue ARN", o.Findings[0].Message)
	}
}
