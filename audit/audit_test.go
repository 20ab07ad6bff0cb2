package audit

import (
	"encoding/json"
	"fmt"
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
    {"Sid": "DenyAll", "Effect": "Deny", "Action": "iam:*", "Resource": "*"},
    {"Sid": "DenyOutsideRegion", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}]}}},
  "Key": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    "EnableKeyRotation": true, "Tags": ` + tags + `,
    "KeyPolicy": {"Statement": [{"Sid": "AllowAccountAdministration", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
      "Principal": {"AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:root"]]}}},
      {"Sid": "AllowLogsEncryption", "Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
       "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
       "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111111111111:log-group:app"}}},
      {"Sid": "AllowSnsUse", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
       "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
       "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}},
      {"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
       "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}}}]}}},
  "Bucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
      "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}}}]}, "Tags": ` + tags + `}},
  "LogBucket": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
    "Metadata": {"cdk_nag": {"rules_to_suppress": [
      {"id": "AwsSolutions-S1", "reason": "This is the server-access-log bucket itself."},
      {"id": "NIST.800.53.R5-S3DefaultEncryptionKMS", "reason": "S3 server access log delivery supports only SSE-S3 (AES256)."}]}},
    "Properties": {"Tags": ` + tags + `,
    "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}},
  "BucketPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"PolicyDocument": {"Statement": [
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"},
    {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::b/*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}}},
    {"Sid": "AllowOrgRead", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/shared/*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}]}}},
  "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Tags": {"Project": "groundwork", "Environment": "prod", "Owner": "o"}}},
  "AlbSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"Tags": ` + tags + `, "SecurityGroupIngress": [
    {"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}],
    "SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]}},
  "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Tags": ` + tags + `,
    "SecurityGroups": [{"Fn::GetAtt": ["AlbSg", "GroupId"]}]}},
  "Https": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {"Protocol": "HTTPS",
    "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}},
  "LogGroup": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain", "Properties": {
    "LogGroupName": "/aws/lambda/app", "RetentionInDays": 365, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, "Tags": ` + tags + `}},
  "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, "Tags": ` + tags + `}},
  "QueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"Queues": [{"Ref": "Queue"}], "PolicyDocument": {"Statement": [
    {"Sid": "AllowTopic", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
     "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}, "Condition": {"ArnEquals": {"aws:SourceArn": {"Ref": "Topic"}}}},
    {"Sid": "AllowFromEndpoint", "Effect": "Allow", "Principal": "*", "Action": "sqs:ReceiveMessage",
     "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}]}}},
  "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Ref": "Key"}, "Tags": ` + tags + `}},
  "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    "SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}, "Tags": ` + tags + `}},
  "Secret": {"Type": "AWS::SecretsManager::Secret", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    "GenerateSecretString": {"PasswordLength": 32}, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, "Tags": ` + tags + `}},
  "TaskDef": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Tags": ` + tags + `, "ContainerDefinitions": [{"Name": "app",
    "Environment": [{"Name": "QUEUE_URL", "Value": {"Ref": "Queue"}}, {"Name": "DB_SECRET_ARN", "Value": {"Ref": "Secret"}}],
    "Secrets": [{"Name": "DB_PASSWORD", "ValueFrom": {"Ref": "Secret"}}]}]}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Tags": ` + tags + `,
    "Environment": {"Variables": {"TABLE_NAME": "t", "API_SECRET_ARN": "arn"}}}},
  "Budget": {"Type": "AWS::Budgets::Budget", "Properties": {"Budget": {"BudgetType": "COST", "TimeUnit": "MONTHLY"},
    "NotificationsWithSubscribers": [{"Notification": {"NotificationType": "ACTUAL"}, "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "o@example.com"}]}]}},
  "NamedTopic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alarms", "KmsMasterKeyId": "arn:aws:kms:eu-west-1:111111111111:key/abc", "Tags": ` + tags + `}},
  "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"StageName": "$default", "ApiId": {"Ref": "Api"}, "Tags": ` + tags + `}},
  "Service": {"Type": "AWS::ECS::Service", "Properties": {"Cluster": {"Ref": "Cluster"}, "LaunchType": "FARGATE", "Tags": ` + tags + `}},
  "ServiceTarget": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {"MinCapacity": 2, "MaxCapacity": 6,
    "ServiceNamespace": "ecs", "ScalableDimension": "ecs:service:DesiredCount",
    "ResourceId": {"Fn::Join": ["", ["service/", {"Ref": "Cluster"}, "/", {"Fn::GetAtt": ["Service", "Name"]}]]}}},
  "FlowLogsRole": {"Type": "AWS::IAM::Role", "Properties": {
    "PermissionsBoundary": {"Ref": "NetworkBoundary"}, "Tags": ` + tags + `,
    "AssumeRolePolicyDocument": {"Statement": [{"Sid": "TrustFlowLogs", "Effect": "Allow",
      "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": ["sts:AssumeRole"],
      "Condition": {"StringEquals": {"aws:SourceAccount": [{"Ref": "AWS::AccountId"}]}, "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-west-1:111111111111:vpc-flow-log/*"}}}]}}},
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

// account is the compliant template's account id.
const account = "111111111111"

// opts are the strictest options; the breach cases run with them.
var opts = Options{RetainStateful: true, Account: account}

func TestCompliantTemplateHasNoFindings(t *testing.T) {
	for _, o := range []Options{opts, {RetainStateful: true}, {}} {
		if f := Check("S", parse(t, compliant), o); len(f) != 0 {
			t.Fatalf("options %+v: want no findings, got:\n%v", o, f)
		}
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
		{"unencrypted bucket", `"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {
      "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}}}]}, `, ``, RuleEncryption, "Bucket", "no default encryption"},
		{"business bucket on SSE-S3", `"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}`, `"SSEAlgorithm": "AES256"`,
			RuleEncryption, "Bucket", "uses SSE-S3; business data needs SSE-KMS with a customer-managed key (or document the exception with a reasoned suppression"},
		{"SSE-S3 log bucket without suppression", `
    "Metadata": {"cdk_nag": {"rules_to_suppress": [
      {"id": "AwsSolutions-S1", "reason": "This is the server-access-log bucket itself."},
      {"id": "NIST.800.53.R5-S3DefaultEncryptionKMS", "reason": "S3 server access log delivery supports only SSE-S3 (AES256)."}]}},`, ``,
			RuleEncryption, "LogBucket", "uses SSE-S3"},
		{"SSE-S3 log bucket suppressing another rule", `{"id": "NIST.800.53.R5-S3DefaultEncryptionKMS", `, `{"id": "AwsSolutions-S3", `,
			RuleEncryption, "LogBucket", "uses SSE-S3"},
		{"SSE-S3 suppression without a reason", `"reason": "S3 server access log delivery supports only SSE-S3 (AES256)."`, `"reason": ""`,
			RuleEncryption, "LogBucket", "uses SSE-S3"},
		{"SSE-S3 suppression with a blank reason", `"reason": "S3 server access log delivery supports only SSE-S3 (AES256)."`, `"reason": "  "`,
			RuleEncryption, "LogBucket", "uses SSE-S3"},
		{"log group without a CMK", `"RetentionInDays": 365, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, `, `"RetentionInDays": 365, `,
			RuleEncryption, "LogGroup", "set KmsKeyId"},
		{"queue without a KMS key", `"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, `,
			`"Queue": {"Type": "AWS::SQS::Queue", "Properties": {`, RuleEncryption, "Queue", "AWS::SQS::Queue is not encrypted with a KMS key; set KmsMasterKeyId"},
		{"queue with the AWS managed key", `"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, `,
			`"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": "alias/aws/sqs", `, RuleEncryption, "Queue", "alias/aws/sqs is an AWS managed key"},
		{"topic without a KMS key", `"KmsMasterKeyId": {"Ref": "Key"}, `, ``, RuleEncryption, "Topic", "AWS::SNS::Topic is not encrypted with a KMS key; set KmsMasterKeyId"},
		{"topic with the AWS managed key", `"KmsMasterKeyId": {"Ref": "Key"}`, `"KmsMasterKeyId": "arn:aws:kms:eu-west-1:111111111111:alias/aws/sns"`,
			RuleEncryption, "Topic", "is an AWS managed key"},
		{"table without SSESpecification", `"SSESpecification": {"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}, `, ``,
			RuleEncryption, "Table", "not encrypted with a customer-managed key"},
		{"table on the AWS managed key", `"SSEEnabled": true, "SSEType": "KMS", "KMSMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}`, `"SSEEnabled": true, "SSEType": "KMS"`,
			RuleEncryption, "Table", "not encrypted with a customer-managed key"},
		{"table with SSE disabled", `"SSEEnabled": true, "SSEType": "KMS"`, `"SSEEnabled": false, "SSEType": "KMS"`,
			RuleEncryption, "Table", "not encrypted with a customer-managed key"},
		{"secret without a CMK", `"GenerateSecretString": {"PasswordLength": 32}, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, `, `"GenerateSecretString": {"PasswordLength": 32}, `,
			RuleEncryption, "Secret", "AWS managed key; set KmsKeyId to a customer-managed key"},
		{"secret on the AWS managed key alias", `"GenerateSecretString": {"PasswordLength": 32}, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}, `,
			`"GenerateSecretString": {"PasswordLength": 32}, "KmsKeyId": "alias/aws/secretsmanager", `, RuleEncryption, "Secret", "alias/aws/secretsmanager is an AWS managed key"},
		{"key rotation off", `"EnableKeyRotation": true`, `"EnableKeyRotation": false`, RuleEncryption, "Key", "rotation is off"},
		{"old TLS policy", `ELBSecurityPolicy-TLS13-1-2-2021-06`, `ELBSecurityPolicy-2016-08`, RuleListenerTLS, "Https", "ELBSecurityPolicy-2016-08"},
		{"plain HTTP listener that forwards", `"Protocol": "HTTPS",`, `"Protocol": "HTTP", "DefaultActions": [{"Type": "forward"}],`, RuleListenerTLS, "Https", "more than redirect"},
		{"secret in a Lambda environment", `"TABLE_NAME": "t"`, `"DB_PASSWORD": "hunter2"`, RuleSecretEnvironment, "Fn", "DB_PASSWORD"},
		{"secret in an ECS container environment", `{"Name": "QUEUE_URL", "Value": {"Ref": "Queue"}}`, `{"Name": "DB_PASSWORD", "Value": "hunter2"}`,
			RuleSecretEnvironment, "TaskDef", "environment variable DB_PASSWORD looks like a secret"},
		{"key policy service grant without conditions", `,
       "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111111111111:log-group:app"}}}`, `}`,
			RuleSourceCondition, "Key", `statement "AllowLogsEncryption" trusts service logs.eu-west-1.amazonaws.com without aws:SourceAccount/aws:SourceArn`},
		{"trust pinned to another account", `"Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}]}}},`,
			`"Condition": {"StringEquals": {"aws:SourceAccount": "222222222222"}}}]}}},`,
			RuleSourceCondition, "Role", `statement "TrustService" pins aws:SourceAccount to 222222222222, not the stack's account 111111111111`},
		{"another account among several", `"Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}]}}},`,
			`"Condition": {"StringEquals": {"aws:SourceAccount": ["111111111111", "222222222222"]}}}]}}},`,
			RuleSourceCondition, "Role", "pins aws:SourceAccount to 222222222222"},
		{"another account next to a pinned SourceArn", `"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}}`,
			`"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}, "StringEquals": {"aws:SourceAccount": "222222222222"}}`,
			RuleSourceCondition, "BucketPolicy", `statement "Logs" pins aws:SourceAccount to 222222222222`},
		{"another account in a key policy (case-insensitive key)", `"aws:SourceAccount": {"Ref": "AWS::AccountId"}`, `"AWS:SOURCEACCOUNT": "333333333333"`,
			RuleSourceCondition, "Key", `statement "AllowSnsUse" pins aws:SourceAccount to 333333333333`},
		{"SourceArn * pins nothing", `"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}}`, `"Condition": {"ArnLike": {"aws:SourceArn": "*"}}`,
			RuleSourceCondition, "BucketPolicy", `statement "Logs" trusts service logging.s3.amazonaws.com with only aws:SourceArn "*", which pins nothing`},
		{"SourceArn list with *", `"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}}`, `"Condition": {"ArnLike": {"aws:SourceArn": ["arn:aws:s3:::a", "*"]}}`,
			RuleSourceCondition, "BucketPolicy", `with only aws:SourceArn "*"`},
		{"Allow with NotAction (identity policy)", `{"Sid": "Trace", "Effect": "Allow", "Action": ["xray:PutTraceSegments"]`, `{"Sid": "Trace", "Effect": "Allow", "NotAction": ["iam:*"]`,
			RuleAllowNot, "Policy", `statement "Trace" uses NotAction; Allow with NotAction/NotResource grants everything not listed; list what is allowed`},
		{"Allow with NotAction and NotResource", `"Action": ["xray:PutTraceSegments"], "Resource": "*"`, `"NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::secret/*"`,
			RuleAllowNot, "Policy", `statement "Trace" uses NotAction and NotResource`},
		{"Allow with NotResource (resource policy)", `"Resource": "arn:aws:s3:::b/*"`, `"NotResource": "arn:aws:s3:::b/private/*"`,
			RuleAllowNot, "BucketPolicy", `statement "Logs" uses NotResource`},
		{"Allow with NotAction (trust policy)", `"Action": "sts:AssumeRole"`, `"NotAction": "iam:*"`, RuleAllowNot, "Role", `statement "TrustService" uses NotAction`},
		{"Allow with NotAction (key policy)", `"Action": "kms:*", "Resource": "*"`, `"NotAction": "kms:ScheduleKeyDeletion", "Resource": "*"`,
			RuleAllowNot, "Key", `statement "AllowAccountAdministration" uses NotAction`},
		{"? wildcard action", `"Action": ["s3:GetObject"]`, `"Action": ["s3:GetObjec?"]`, RuleActionWildcard, "Policy", `allows "s3:GetObjec?"`},
		{"? wildcard in a trust action", `"Action": "sts:AssumeRole"`, `"Action": "sts:AssumeRol?"`, RuleActionWildcard, "Role", `allows "sts:AssumeRol?"`},
		{"? wildcard in a key policy action", `"Action": ["kms:Decrypt", "kms:GenerateDataKey"]`, `"Action": ["kms:Decrypt", "kms:GenerateDataKe?"]`,
			RuleActionWildcard, "Key", `statement "AllowSnsUse" allows "kms:GenerateDataKe?"`},
		{"public AWS * principal without Condition", `, "Resource": "arn:aws:s3:::b/shared/*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}`, `, "Resource": "arn:aws:s3:::b/shared/*"}`,
			RulePublicPrincipal, "BucketPolicy", `statement "AllowOrgRead" allows principal * without a Condition (public access)`},
		{"public * principal without Condition", `, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}`, ``,
			RulePublicPrincipal, "QueuePolicy", `statement "AllowFromEndpoint" allows principal * without a Condition`},
		{"* among AWS principals without Condition", `"Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/shared/*",
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}`,
			`"Principal": {"AWS": ["arn:aws:iam::111111111111:root", "*"]}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/shared/*"}`,
			RulePublicPrincipal, "BucketPolicy", `statement "AllowOrgRead" allows principal *`},
		{"public principal with an empty Condition", `"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}`, `"Condition": {}`,
			RulePublicPrincipal, "QueuePolicy", "public access"},
		{"public principal with a Condition operator but no key", `"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}`, `"Condition": {"StringEquals": {}}`,
			RulePublicPrincipal, "QueuePolicy", "public access"},
		{"public trust policy", `"Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
      "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}`, `"Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}`,
			RulePublicPrincipal, "Role", `statement "TrustService" allows principal * without a Condition`},
		{"security group without egress", `,
    "SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]`, ``,
			RuleDefaultEgress, "AlbSg", "security group has no inline egress rule, so EC2 keeps its default allow-all egress; add an egress rule (CDK's 255.255.255.255/32 no-traffic placeholder closes it)"},
		{"security group with an empty egress list", `"SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]`,
			`"SecurityGroupEgress": []`, RuleDefaultEgress, "AlbSg", "no inline egress rule"},
		// Deploy-safety rules.
		{"named budget with replace-only notifications", `"Budget": {"BudgetType": "COST"`, `"Budget": {"BudgetName": "groundwork-prod-monthly", "BudgetType": "COST"`,
			RuleNamedReplacement, "Budget", `AWS::Budgets::Budget has the fixed name Budget/BudgetName=groundwork-prod-monthly and sets the replace-only (create-only) NotificationsWithSubscribers; a change to NotificationsWithSubscribers creates the replacement under the same name and fails with "already exists"`},
		{"named FIFO topic", `"TopicName": "alarms", `, `"TopicName": "alarms", "FifoTopic": false, `,
			RuleNamedReplacement, "NamedTopic", "TopicName=alarms and sets the replace-only (create-only) FifoTopic"},
		{"named security group with a description", `"AlbSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {`,
			`"AlbSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupName": {"Fn::Sub": "${AWS::StackName}-alb"}, "GroupDescription": "ALB", "VpcId": {"Ref": "Vpc"}, `,
			RuleNamedReplacement, "AlbSg", `GroupName={"Fn::Sub":"${AWS::StackName}-alb"} and sets the replace-only (create-only) GroupDescription;`},
		{"retained log group with a fixed name", `"LogGroup": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "RetainExceptOnCreate"`,
			`"LogGroup": {"Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Retain"`, RuleRetryableCreate, "LogGroup",
			`AWS::Logs::LogGroup has the fixed name LogGroupName=/aws/lambda/app and DeletionPolicy Retain: a failed first deploy leaves it behind and every retry fails with "already exists"; use RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (DeletionPolicy RetainExceptOnCreate) or drop the name`},
		{"retained named topic (not stateful)", `"NamedTopic": {"Type": "AWS::SNS::Topic", `, `"NamedTopic": {"Type": "AWS::SNS::Topic", "DeletionPolicy": "Retain", `,
			RuleRetryableCreate, "NamedTopic", "TopicName=alarms and DeletionPolicy Retain"},
		{"stateful resource deleted outside dev", `"DeletionPolicy": "RetainExceptOnCreate"`, `"DeletionPolicy": "Delete"`,
			RuleRetain, "LogGroup", "DeletionPolicy Delete outside dev; stateful resources use RemovalPolicy RETAIN_ON_UPDATE_OR_DELETE"},
		{"autoscaled service with DesiredCount", `"LaunchType": "FARGATE", `, `"LaunchType": "FARGATE", "DesiredCount": 2, `,
			RuleAutoscaledDesiredCount, "Service", "service sets DesiredCount 2 while scalable target ServiceTarget scales it; every deploy resets the running task count"},
		{"Lambda trust requiring aws:SourceArn", `"Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}}}]}}},`,
			`"Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}, "ArnLike": {"aws:SourceArn": "arn:aws:lambda:eu-west-1:111111111111:function:app"}}}]}}},`,
			RuleTrustConditionKeys, "Role", `statement "TrustService" requires aws:SourceArn of lambda.amazonaws.com, which sends only aws:SourceAccount when it assumes a role`},
		{"trust requiring a key the service does not send", `"Condition": {"StringEquals": {"aws:SourceAccount": [{"Ref": "AWS::AccountId"}]}, "ArnLike"`,
			`"Condition": {"StringEquals": {"aws:SourceAccount": [{"Ref": "AWS::AccountId"}], "aws:SourceOrgID": "o-abc"}, "ArnLike"`,
			RuleTrustConditionKeys, "FlowLogsRole", "requires aws:SourceOrgID of vpc-flow-logs.amazonaws.com"},
		{"trust of a service not in the table", `"Principal": {"Service": "vpc-flow-logs.amazonaws.com"}`, `"Principal": {"Service": "glue.amazonaws.com"}`,
			RuleTrustConditionKeys, "FlowLogsRole", `statement "TrustFlowLogs" trusts glue.amazonaws.com, which is not in audit.TrustConditionKeys`},
		{"key without the CreateGrant deny", `,
      {"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
       "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}}}`, ``,
			RuleKMSCreateGrant, "Key", "key policy has no statement denying kms:CreateGrant unless the grant is for an AWS resource or the caller is an AWS service (Control Tower CT.KMS.PR.3)"},
		{"CreateGrant deny with Bool, not BoolIfExists", `"Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource"`, `"Condition": {"Bool": {"kms:GrantIsForAWSResource"`,
			RuleKMSCreateGrant, "Key", "CT.KMS.PR.3"},
		{"CreateGrant deny without the service escape", `"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"`, `"kms:GrantIsForAWSResource": "false"`,
			RuleKMSCreateGrant, "Key", "CT.KMS.PR.3"},
		{"CreateGrant deny for one principal only", `"Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant"`,
			`"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111111111111:role/app"}, "Action": "kms:CreateGrant"`, RuleKMSCreateGrant, "Key", "CT.KMS.PR.3"},
		{"CreateGrant deny that also denies other actions", `"Action": "kms:CreateGrant"`, `"Action": ["kms:CreateGrant", "kms:Decrypt"]`,
			RuleKMSCreateGrant, "Key", "CT.KMS.PR.3"},
		{"CreateGrant rule as an Allow", `{"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny"`, `{"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Allow"`,
			RuleKMSCreateGrant, "Key", "CT.KMS.PR.3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := strings.Count(compliant, tc.old); n != 1 {
				t.Fatalf("test fragment found %d times in the template, want once: %s", n, tc.old)
			}
			broken := strings.Replace(compliant, tc.old, tc.new, 1)
			findings := Check("S", parse(t, broken), opts)
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
		// settings about a secret, not the secret (a new user hit these)
		"TOKEN_URL": false, "PASSWORD_MIN_LENGTH": false, "AUTH_TOKEN_TTL": false, "SECRET_ROTATION_DAYS": false,
		"TOKEN_URL_SECRET": true, "DB_PASSWORD_VALUE": true,
	} {
		if got := LooksLikeSecretName(name); got != want {
			t.Errorf("LooksLikeSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSourceAccountOnlyWhenAccountSet(t *testing.T) {
	broken := strings.Replace(compliant, `{"aws:SourceAccount": "111111111111"}`, `{"aws:SourceAccount": "222222222222"}`, 1)
	if f := Check("S", parse(t, broken), Options{RetainStateful: true}); len(f) != 0 {
		t.Errorf("without Options.Account any account pins, got %v", f)
	}
	if f := Check("S", parse(t, broken), Options{RetainStateful: true, Account: "222222222222"}); len(f) != 0 {
		t.Errorf("the stack's own account must pass, got %v", f)
	}
}

// TestSourceConditionPinning varies the Condition of the bucket policy's
// service grant (compliant: an aws:SourceArn naming the source bucket).
func TestSourceConditionPinning(t *testing.T) {
	const cond = `"Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::a"}}`
	for c, wantPinned := range map[string]bool{
		`{"ArnLike": {"aws:SourceArn": "*"}, "StringEquals": {"aws:SourceAccount": "111111111111"}}`: true,
		`{"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}`:                         true,
		`{"StringEquals": {"aws:sourceaccount": "111111111111"}}`:                                    true,
		`{"StringEquals": {"aws:SourceOrgID": "o-abc"}}`:                                             true,
		`{"ArnLike": {"aws:SourceArn": "arn:aws:s3:::*"}}`:                                           true, // only an exact "*" is rejected
		`{"ArnLike": {"aws:SourceArn": "*"}}`:                                                        false,
		`{"StringLike": {"aws:SourceAccount": "*"}}`:                                                 false,
		`{"ArnLike": {"aws:SourceArn": "*"}, "StringLike": {"aws:SourceAccount": ["*"]}}`:            false,
		`{"Bool": {"aws:SecureTransport": "true"}}`:                                                  false,
	} {
		tpl := strings.Replace(compliant, cond, `"Condition": `+c, 1)
		f := Check("S", parse(t, tpl), opts)
		if wantPinned && len(f) != 0 {
			t.Errorf("%s: want pinned, got %v", c, f)
		}
		if !wantPinned && (len(f) != 1 || f[0].Rule != RuleSourceCondition || f[0].Resource != "BucketPolicy") {
			t.Errorf("%s: want one %s finding on BucketPolicy, got %v", c, RuleSourceCondition, f)
		}
	}
}

// TestCompliantVariants replaces one fragment of the compliant template with
// another compliant form; none may raise a finding. The compliant template
// itself covers a Deny with NotAction (DenyOutsideRegion), a Deny with a "*"
// principal and no Condition (DenyInsecureTransport) and "*" principals
// narrowed by aws:PrincipalOrgID (AllowOrgRead) and aws:SourceVpce
// (AllowFromEndpoint).
func TestCompliantVariants(t *testing.T) {
	tests := []struct{ name, old, new string }{
		{"Retain (not RetainExceptOnCreate) without a fixed name", `"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain", "Properties": {
    "LogGroupName": "/aws/lambda/app", `, `"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
    `},
		{"budget named by CloudFormation", `"Budget": {"BudgetType": "COST"`, `"Budget": {"BudgetType": "COST", "BudgetLimit": {"Amount": 100, "Unit": "USD"}`},
		{"named stage: the API it belongs to scopes its name", `"StageName": "$default", "ApiId": {"Ref": "Api"}`, `"StageName": "prod", "ApiId": {"Ref": "OtherApi"}`},
		{"security group named but without other create-only properties", `"AlbSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {`,
			`"AlbSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupName": "alb", "VpcId": {"Ref": "Vpc"}, `},
		{"service with DesiredCount and no scalable target", `"ScalableDimension": "ecs:service:DesiredCount"`, `"ScalableDimension": "ecs:service:Other"`},
		{"CreateGrant deny with principal AWS * and actions as a list", `"Principal": "*", "Action": "kms:CreateGrant", "Resource": "*"`,
			`"Principal": {"AWS": "*"}, "Action": ["kms:CreateGrant"], "Resource": ["*"]`},
		{"Deny with NotResource", `"NotAction": ["iam:*", "sts:*"], "Resource": "*"`, `"Action": "s3:*", "NotResource": "arn:aws:s3:::b/*"`},
		{"? wildcard in a Deny action", `"Action": "iam:*"`, `"Action": "iam:Delete?ole*"`},
		{"? in an Allow resource, not an action", `"Resource": "arn:aws:s3:::b/*"`, `"Resource": "arn:aws:s3:::b/202?/*"`},
		{"* among AWS principals with a Condition", `"Principal": {"AWS": "*"}`, `"Principal": {"AWS": ["arn:aws:iam::111111111111:root", "*"]}`},
		{"* principal with a Condition on another operator", `"Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}`,
			`"Condition": {"StringEquals": {}, "StringLike": {"aws:SourceVpc": "vpc-*"}}`},
		{"allow-all egress (allowAllOutbound)", `"SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]`,
			`"SecurityGroupEgress": [{"CidrIp": "0.0.0.0/0", "Description": "Allow all outbound traffic by default", "IpProtocol": "-1"}]`},
		{"egress to another security group", `"SecurityGroupEgress": [{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]`,
			`"SecurityGroupEgress": [{"DestinationSecurityGroupId": {"Ref": "Other"}, "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080}]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if n := strings.Count(compliant, tc.old); n != 1 {
				t.Fatalf("test fragment found %d times in the template, want once: %s", n, tc.old)
			}
			variant := strings.Replace(compliant, tc.old, tc.new, 1)
			if f := Check("S", parse(t, variant), opts); len(f) != 0 {
				t.Errorf("want no findings, got:\n%v", f)
			}
		})
	}
}

func TestCheckUpdate(t *testing.T) {
	const budget = `{"Resources": {"Budget": {"Type": "AWS::Budgets::Budget", "Properties": {"Budget": {%s"BudgetType": "COST"},
  "NotificationsWithSubscribers": [{"Subscribers": [{"SubscriptionType": "EMAIL", "Address": %q}]}]}},
  "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"StageName": "$default", "ApiId": {"Ref": %q}}}}}`
	named := `"BudgetName": "groundwork-prod-monthly", `
	tpl := func(name, owner, api string) map[string]any { return parse(t, fmt.Sprintf(budget, name, owner, api)) }
	tests := []struct {
		name          string
		before, after map[string]any
		want          string
	}{
		{"named budget, new owner", tpl(named, "a@example.com", "Api"), tpl(named, "b@example.com", "Api"),
			`S/Budget: named-replace-only: AWS::Budgets::Budget keeps the fixed name Budget/BudgetName=groundwork-prod-monthly while its replace-only NotificationsWithSubscribers changes`},
		{"unnamed budget, new owner", tpl("", "a@example.com", "Api"), tpl("", "b@example.com", "Api"), ""},
		{"named budget, name changes with the owner", tpl(named, "a@example.com", "Api"), tpl(`"BudgetName": "groundwork-prod-monthly-b", `, "b@example.com", "Api"), ""},
		{"named budget, nothing replace-only changes", tpl(named, "a@example.com", "Api"), tpl(named, "a@example.com", "Api"), ""},
		{"stage moves to another API (its name's scope)", tpl("", "a@example.com", "Api"), tpl("", "a@example.com", "Api2"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range CheckUpdate("S", tc.before, tc.after) {
				got = append(got, f.String())
			}
			if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.want)) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
