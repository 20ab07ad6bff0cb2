package audit

// TrustEntry is what a service principal is shown to send when it assumes a
// role: the confused-deputy condition keys a trust policy may require of it,
// and where that is shown.
type TrustEntry struct {
	// Keys are the condition keys the service sends on sts:AssumeRole. A trust
	// statement that requires any other key makes the role unusable.
	Keys []string
	// Source is the AWS page or report that shows the keys working.
	Source string
	// Documented is false when no AWS page documents the keys for this
	// service's trust policy and the entry rests on the form in use (see
	// Source); the README says so.
	Documented bool
}

// TrustConditionKeys is the one table of service principal → the condition
// keys its role trust policies may use → the source. Every trust statement of
// every template is checked against it (RuleTrustConditionKeys); a service
// that is not in it is reported, so that a new one is looked up first.
var TrustConditionKeys = map[string]TrustEntry{
	"ecs-tasks.amazonaws.com": {
		Keys:       []string{"aws:SourceAccount", "aws:SourceArn"},
		Source:     "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html (trust policy with aws:SourceArn arn:aws:ecs:<region>:<account>:* and aws:SourceAccount)",
		Documented: true,
	},
	"vpc-flow-logs.amazonaws.com": {
		Keys:       []string{"aws:SourceAccount", "aws:SourceArn"},
		Source:     "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html (trust policy with aws:SourceAccount and aws:SourceArn arn:aws:ec2:<region>:<account>:vpc-flow-log/*)",
		Documented: true,
	},
	// Lambda: a VPC-enabled function fails to create when its execution
	// role's trust requires aws:SourceArn (Lambda assumes the role to set up
	// the network interfaces before the function exists); aws:SourceAccount
	// is the form in use. Pin the function itself with
	// lambda:SourceFunctionArn in identity policies.
	"pipes.amazonaws.com": {
		Keys:       []string{"aws:SourceAccount", "aws:SourceArn"},
		Source:     "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html (execution role trust policy with aws:SourceAccount and aws:SourceArn arn:aws:pipes:<region>:<account>:pipe/<name>)",
		Documented: true,
	},
	// CloudTrail's CloudWatch Logs role: no key is shown (see
	// ServicesWithoutSourceConditions), so its trust requires none.
	"cloudtrail.amazonaws.com": {
		Keys:       nil,
		Source:     "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html (the role CloudTrail creates has a trust policy without conditions)",
		Documented: false,
	},
	"lambda.amazonaws.com": {
		Keys:       []string{"aws:SourceAccount"},
		Source:     "https://github.com/aws/aws-parallelcluster/issues/6926 (aws:SourceArn breaks VPC-enabled functions; aws:SourceAccount works)",
		Documented: false,
	},
	"monitoring.rds.amazonaws.com": {
		Keys:       []string{"aws:SourceAccount", "aws:SourceArn"},
		Source:     "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_Monitoring.OS.Enabling.html#USER_Monitoring.OS.confused-deputy (Enhanced Monitoring role trust policy with aws:SourceArn arn:aws:rds:<region>:<account>:db:<instance> and aws:SourceAccount, to prevent the confused deputy problem)",
		Documented: true,
	},
}
