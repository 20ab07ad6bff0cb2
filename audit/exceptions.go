package audit

// WildcardResourceActions are the only actions an Allow statement may grant on a
// bare "*" resource, each with the reason. They are the actions whose AWS API
// has no resource-level permissions (see the Service Authorization Reference),
// so no narrower resource exists to name.
var WildcardResourceActions = map[string]string{
	"xray:PutTraceSegments":         "X-Ray has no resource-level permissions for trace ingestion",
	"xray:PutTelemetryRecords":      "X-Ray has no resource-level permissions for telemetry ingestion",
	"ecr:GetAuthorizationToken":     "the ECR registry token is account-wide; the API takes no resource",
	"ec2:DescribeNetworkInterfaces": "EC2 Describe* calls have no resource-level permissions",
	"ec2:DescribeSubnets":           "EC2 Describe* calls have no resource-level permissions (AWSLambdaVPCAccessExecutionRole v3)",
	"dynamodb:ListStreams":          "DynamoDB Streams ListStreams has no resource-level permissions; EventBridge Pipes' DynamoDB source requires it",
	// Account-level settings of the Baseline stack: the setting is the account's, not a resource's.
	"s3:PutAccountPublicAccessBlock":    "the account-level S3 public access block has no resource type",
	"ec2:EnableEbsEncryptionByDefault":  "EBS encryption by default is an account-and-region setting without a resource type",
	"ec2:DisableEbsEncryptionByDefault": "EBS encryption by default is an account-and-region setting without a resource type",
	"ec2:ModifyEbsDefaultKmsKeyId":      "the EBS default key is an account-and-region setting without a resource type",
	"ec2:ResetEbsDefaultKmsKeyId":       "the EBS default key is an account-and-region setting without a resource type",
}

// KMS key policies: "Resource": "*" in a key policy means "this key" (a key
// policy can name no other resource), so the bare-resource rule does not apply
// to AWS::KMS::Key. The account-root statement that keeps a key manageable is
// the only Allow with "kms:*"; it is recognised by its principal.

// confusedDeputyKeys are the condition keys that pin a service principal to the
// account or resource it acts for (AWS's cross-service confused-deputy
// guidance). CloudWatch Logs' KMS integration documents the encryption-context
// key instead of aws:SourceArn.
var confusedDeputyKeys = []string{
	"aws:SourceAccount",
	"aws:SourceArn",
	"aws:SourceOrgID",
	"kms:EncryptionContext:aws:logs:arn",
}

// ServicesWithoutSourceConditions lists service principals that document no
// support for aws:SourceAccount / aws:SourceArn in a trust or resource policy,
// with the reason.
var ServicesWithoutSourceConditions = map[string]string{
	// The Baseline stack's trail assumes a role to write to its log group.
	"cloudtrail.amazonaws.com": "no AWS page shows the condition keys CloudTrail sends when it assumes its CloudWatch Logs role " +
		"(the documented role, CloudTrail_CloudWatchLogs_Role, has none), and a key it does not send would fail CreateTrail; " +
		"the confused deputy is closed otherwise: CloudWatchLogsRoleArn must be a role in the trail's own account " +
		"(CloudTrail API reference, CreateTrail), and the role may only write log streams of one log group",
}
