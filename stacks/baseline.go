package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsaccessanalyzer"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudtrail"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsguardduty"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecurityhub"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/boundary"
	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
)

// BaselineStack is Groundwork-<Env>-Baseline: the account guardrails a
// platform team expects before any workload, deployed first in each
// environment's account. Which parts exist is up to Config.Baseline; a field
// is nil when its part is switched off.
type BaselineStack struct {
	awscdk.Stack
	// AuditKey encrypts the trail's files and log group, the Config bucket,
	// the account-settings function's log group and the alert DLQ.
	AuditKey awskms.Key

	// Trail is the multi-region trail groundwork-<env>-trail.
	Trail awscloudtrail.CfnTrail
	// TrailBucket receives the trail's log files (SSE-KMS with AuditKey).
	TrailBucket *securebucket.SecureBucket
	// TrailLogs is the trail's log group, /groundwork/<env>/cloudtrail.
	TrailLogs awslogs.LogGroup
	// TrailLogsRole is the role CloudTrail assumes to write TrailLogs.
	TrailLogsRole awsiam.Role

	// Recorder records every supported resource type.
	Recorder awsconfig.CfnConfigurationRecorder
	// DeliveryChannel delivers snapshots and history to ConfigBucket.
	DeliveryChannel awsconfig.CfnDeliveryChannel
	// ConfigBucket receives Config's files (SSE-KMS with AuditKey).
	ConfigBucket *securebucket.SecureBucket
	// Rules are the managed Config rules, one per guidance line (ConfigRules).
	Rules []awsconfig.CfnConfigRule

	// Analyzer is the account's IAM Access Analyzer.
	Analyzer awsaccessanalyzer.CfnAnalyzer
	// Detector is the account's GuardDuty detector.
	Detector awsguardduty.CfnDetector
	// Hub is the account's Security Hub; Standard its FSBP subscription.
	Hub      awssecurityhub.CfnHub
	Standard awssecurityhub.CfnStandard

	// EbsKey is the default key of EBS encryption by default.
	EbsKey awskms.Key
	// SettingsRole is the role of the custom resources that change the
	// account settings without a CloudFormation type.
	SettingsRole awsiam.Role
	// SettingsLogs is the log group of their function.
	SettingsLogs awslogs.LogGroup

	// AlertDLQ keeps the alert events EventBridge could not publish.
	AlertDLQ awssqs.Queue
	// Alarms are the CIS alarms on the trail's log group.
	Alarms []awscloudwatch.Alarm
}

// Log group names, fixed so that the audit key can grant CloudWatch Logs
// exactly these groups (LogGroupName is their only replace-only property).
func trailLogGroupName(cfg Config) string { return "/groundwork/" + cfg.Name + "/cloudtrail" }
func settingsLogGroupName(cfg Config) string {
	return "/groundwork/" + cfg.Name + "/baseline/account-settings"
}

// warnBaselineOff warns, on stack, that the environment has no Baseline stack.
func warnBaselineOff(stack awscdk.Stack, cfg Config) {
	awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("groundwork:baseline:off"),
		jsii.String(cfg.Name+": every Baseline service is switched off, so there is no "+cfg.StackName("Baseline")+
			" stack; make sure the landing zone provides CloudTrail, Config, Access Analyzer, GuardDuty, Security Hub, "+
			"the account S3 public access block and EBS encryption by default (see README, Baseline)"), nil)
}

// BaselineCeiling is the permissions boundary of the Baseline stack's roles
// for b: exactly what they are granted, which depends on the switches (so it
// is computed here rather than listed in ceilings). Without a role (trail and
// account settings off) it is empty and the stack has no boundary.
func BaselineCeiling(b BaselineConfig) boundary.Ceiling {
	var c boundary.Ceiling
	if b.CloudTrail || b.S3AccountPublicAccessBlock || b.EbsEncryptionByDefault {
		// CloudTrail's role writes its log streams; the account-settings
		// function writes its own log.
		c.Actions = append(c.Actions, "logs:CreateLogStream", "logs:PutLogEvents")
	}
	s3, ebs := SettingsActions(b)
	c.Actions = append(append(c.Actions, s3...), ebs...)
	return c
}

// TrailName is the name of the environment's trail. It is fixed because the
// bucket and key policies pin CloudTrail with aws:SourceArn, the trail's ARN
// (TrailName is the trail's only replace-only property).
func (c Config) TrailName() string { return "groundwork-" + c.Name + "-trail" }

// TrailArn is the ARN of the environment's trail.
func (c Config) TrailArn() string {
	return "arn:" + c.Partition() + ":cloudtrail:" + c.Region + ":" + c.Account + ":trail/" + c.TrailName()
}

// NewBaselineStack creates the Baseline stack of cfg's environment: CloudTrail,
// AWS Config, IAM Access Analyzer, GuardDuty, Security Hub, the account-level
// S3 public access block and EBS encryption by default, each as switched in
// cfg.Baseline, and the EventBridge rules and alarms that send high-severity
// findings, root sign-ins and changes to the trail or recorder to the alarm
// topic. With every part switched off it creates nothing (CloudFormation
// rejects an empty stack) and returns nil; Build then warns (BaselineOffWarning).
func NewBaselineStack(app awscdk.App, cfg Config) *BaselineStack {
	bc := cfg.Baseline
	if bc.AllOff() {
		return nil
	}
	stack := newStack(app, cfg, "Baseline", "account guardrails (CloudTrail, Config, Access Analyzer, GuardDuty, Security Hub, account settings)")
	b := &BaselineStack{Stack: stack}
	needsSettings := bc.S3AccountPublicAccessBlock || bc.EbsEncryptionByDefault
	if ceiling := BaselineCeiling(bc); len(ceiling.Actions) > 0 {
		boundary.Attach(stack, ceiling)
	}
	b.AuditKey = kmskey.New(stack, "AuditKey", "Encryption of the "+cfg.Name+" audit logs (CloudTrail, Config, account-settings function, alert DLQ)",
		cfg.RemovalPolicy(), b.auditKeyGrants(cfg)...)
	var logs *securebucket.SecureBucket
	if bc.CloudTrail {
		b.addTrail(cfg)
		logs = b.TrailBucket
	}
	if bc.Config {
		b.addConfig(cfg, logs)
	}
	if bc.AccessAnalyzer {
		b.Analyzer = awsaccessanalyzer.NewCfnAnalyzer(stack, jsii.String("AccessAnalyzer"), &awsaccessanalyzer.CfnAnalyzerProps{
			Type: jsii.String("ACCOUNT"),
		})
	}
	if bc.GuardDuty {
		b.Detector = awsguardduty.NewCfnDetector(stack, jsii.String("GuardDuty"), &awsguardduty.CfnDetectorProps{
			Enable:                     jsii.Bool(true),
			FindingPublishingFrequency: jsii.String("FIFTEEN_MINUTES"),
			Features: []any{&awsguardduty.CfnDetector_CFNFeatureConfigurationProperty{
				Name: jsii.String("S3_DATA_EVENTS"), Status: jsii.String("ENABLED"),
			}},
		})
	}
	if bc.SecurityHub {
		b.Hub = awssecurityhub.NewCfnHub(stack, jsii.String("SecurityHub"), &awssecurityhub.CfnHubProps{
			// Only the standard below, not the console's default pair (FSBP
			// and CIS 1.2): each enabled control is billed per check.
			EnableDefaultStandards:  jsii.Bool(false),
			AutoEnableControls:      jsii.Bool(true),
			ControlFindingGenerator: jsii.String("SECURITY_CONTROL"),
		})
		b.Standard = awssecurityhub.NewCfnStandard(stack, jsii.String("FoundationalBestPractices"), &awssecurityhub.CfnStandardProps{
			StandardsArn: jsii.String("arn:" + cfg.Partition() + ":securityhub:" + cfg.Region + "::standards/aws-foundational-security-best-practices/v/1.0.0"),
		})
		b.Standard.Node().AddDependency(b.Hub)
	}
	if needsSettings {
		b.addAccountSettings(cfg)
	}
	b.addAlerts(cfg)
	return b
}

// auditKeyGrants are the AuditKey's service statements, as CloudTrail, Config
// and CloudWatch Logs document them, for the parts that are on.
func (b *BaselineStack) auditKeyGrants(cfg Config) []kmskey.ServiceGrant {
	bc := cfg.Baseline
	var grants []kmskey.ServiceGrant
	var groups []string
	if bc.CloudTrail {
		trail := map[string]any{"aws:SourceArn": cfg.TrailArn()}
		grants = append(grants,
			// CloudTrail's key policy: GenerateDataKey pinned to the trail and
			// to the encryption context CloudTrail sets on each log file.
			kmskey.ServiceGrant{Sid: "AllowCloudTrailEncryptLogs", Service: "cloudtrail.amazonaws.com",
				Actions: []string{"kms:GenerateDataKey"},
				Conditions: map[string]map[string]any{
					"StringEquals": trail,
					"StringLike":   {"kms:EncryptionContext:aws:cloudtrail:arn": "arn:" + cfg.Partition() + ":cloudtrail:*:" + cfg.Account + ":trail/*"},
				}},
			// Documented for buckets with an S3 Bucket Key (SecureBucket turns
			// it on): CloudTrail needs kms:Decrypt to create or update the trail.
			kmskey.ServiceGrant{Sid: "AllowCloudTrailBucketKey", Service: "cloudtrail.amazonaws.com",
				Actions: []string{"kms:Decrypt"}, Conditions: map[string]map[string]any{"StringEquals": trail}},
			kmskey.ServiceGrant{Sid: "AllowCloudTrailDescribeKey", Service: "cloudtrail.amazonaws.com",
				Actions: []string{"kms:DescribeKey"}, Conditions: map[string]map[string]any{"StringEquals": trail}},
		)
		groups = append(groups, trailLogGroupName(cfg))
	}
	if bc.Config {
		// AWS Config's delivery to an SSE-KMS bucket (service principal, as
		// with the service-linked role).
		grants = append(grants, kmskey.ServiceGrant{Sid: "AllowConfigDelivery", Service: "config.amazonaws.com",
			Actions:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Conditions: map[string]map[string]any{"StringEquals": {"aws:SourceAccount": cfg.Account}}})
	}
	if bc.S3AccountPublicAccessBlock || bc.EbsEncryptionByDefault {
		groups = append(groups, settingsLogGroupName(cfg))
	}
	if len(groups) > 0 {
		grants = append(grants, kmskey.CloudWatchLogs(b.Stack, groups...))
	}
	// EventBridge encrypts what it writes to the alert rules' encrypted DLQ.
	grants = append(grants, kmskey.ServiceGrant{Sid: "AllowEventBridgeDeadLetters", Service: "events.amazonaws.com",
		Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"},
		Conditions: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": cfg.Account},
			"ArnLike":      {"aws:SourceArn": cfg.alertRuleArns()},
		}})
	return grants
}

// auditBucket is a SecureBucket for audit files: SSE-KMS with AuditKey,
// expiring after AuditLogRetentionDays.
func (b *BaselineStack) auditBucket(cfg Config, id string, accessLogs *securebucket.SecureBucket) *securebucket.SecureBucket {
	props := &securebucket.Props{
		EncryptionKey: b.AuditKey,
		RemovalPolicy: cfg.RemovalPolicy(),
		Lifecycle:     &securebucket.Lifecycle{ExpirationDays: cfg.Baseline.AuditLogRetentionDays},
	}
	if accessLogs != nil {
		props.AccessLogsBucket = accessLogs.AccessLogs
		props.AccessLogsPrefix = id + "/"
	}
	return securebucket.New(b.Stack, id, props)
}

// addTrail creates the multi-region trail, its bucket, log group and role.
func (b *BaselineStack) addTrail(cfg Config) {
	stack := b.Stack
	trailArn := cfg.TrailArn()
	b.TrailBucket = b.auditBucket(cfg, "TrailBucket", nil)
	bucketArn := *b.TrailBucket.Bucket.BucketArn()
	// CloudTrail's documented bucket policy, pinned to this trail.
	for _, s := range []iamx.Statement{
		{Sid: "AllowCloudTrailAclCheck", Actions: []string{"s3:GetBucketAcl"}, Resources: []string{bucketArn},
			Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)},
			Conditions: map[string]map[string]any{"StringEquals": {"aws:SourceArn": trailArn}}},
		{Sid: "AllowCloudTrailWrite", Actions: []string{"s3:PutObject"},
			Resources:  []string{bucketArn + "/AWSLogs/" + cfg.Account + "/*"},
			Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)},
			Conditions: map[string]map[string]any{"StringEquals": {
				"aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control"}}},
	} {
		b.TrailBucket.Bucket.AddToResourcePolicy(s.Build())
	}

	b.TrailLogs = awslogs.NewLogGroup(stack, jsii.String("TrailLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(trailLogGroupName(cfg)),
		EncryptionKey: b.AuditKey,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: cfg.RemovalPolicy(),
	})
	groupArn := "arn:" + cfg.Partition() + ":logs:" + cfg.Region + ":" + cfg.Account + ":log-group:" + trailLogGroupName(cfg)
	// No AWS page shows which condition keys CloudTrail sends when it
	// assumes this role, and one it does not send would fail CreateTrail, so
	// the trust carries none (audit.ServicesWithoutSourceConditions):
	// CloudTrail takes only a role of the trail's own account. The streams
	// are <account>_CloudTrail_<region>, one per region of the trail.
	b.TrailLogsRole = iamx.NewServiceRole(stack, "TrailLogsRole", iamx.RoleProps{
		Service:     "cloudtrail.amazonaws.com",
		Description: "Lets the trail " + cfg.TrailName() + " write to " + trailLogGroupName(cfg),
		Statements: []iamx.Statement{{
			Sid:       "WriteTrailLogStreams",
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: []string{groupArn + ":log-stream:" + cfg.Account + "_CloudTrail_*"},
		}},
	})
	b.TrailLogsRole.Node().DefaultChild().(awsiam.CfnRole).AddPropertyOverride(jsii.String("AssumeRolePolicyDocument"), map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
			"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
		}},
	})

	selectors := []any{&awscloudtrail.CfnTrail_AdvancedEventSelectorProperty{
		Name: jsii.String("Management events"),
		FieldSelectors: []any{&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{
			Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Management")}},
	}}
	if cfg.Baseline.CloudTrailDataEvents {
		selectors = append(selectors, &awscloudtrail.CfnTrail_AdvancedEventSelectorProperty{
			Name: jsii.String("Invoices bucket data events"),
			FieldSelectors: []any{
				&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Data")},
				&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{Field: jsii.String("resources.type"), EqualTo: jsii.Strings("AWS::S3::Object")},
				&awscloudtrail.CfnTrail_AdvancedFieldSelectorProperty{Field: jsii.String("resources.ARN"),
					StartsWith: jsii.Strings(InvoicesObjectArnPrefix(cfg))},
			},
		})
	}
	b.Trail = awscloudtrail.NewCfnTrail(stack, jsii.String("Trail"), &awscloudtrail.CfnTrailProps{
		TrailName:                  jsii.String(cfg.TrailName()),
		IsLogging:                  jsii.Bool(true),
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableLogFileValidation:    jsii.Bool(true),
		S3BucketName:               b.TrailBucket.Bucket.BucketName(),
		KmsKeyId:                   b.AuditKey.KeyArn(),
		CloudWatchLogsLogGroupArn:  b.TrailLogs.LogGroupArn(),
		CloudWatchLogsRoleArn:      b.TrailLogsRole.RoleArn(),
		AdvancedEventSelectors:     selectors,
	})
	nag.Suppress(b.Stack.Node().FindChild(jsii.String("TrailLogsRolePolicy")), "AwsSolutions-IAM5",
		"CloudTrail creates one log stream per region of the multi-region trail, named <account>_CloudTrail_<region>; the wildcard "+
			"stands for the region only, in this one log group (CloudTrail's documented role policy).",
		"Resource::"+groupArn+":log-stream:"+cfg.Account+"_CloudTrail_*")
	// CloudTrail checks the bucket policy and the role when the trail is
	// created: both must exist first.
	b.Trail.Node().AddDependency(b.TrailBucket.Bucket.Policy(), stack.Node().FindChild(jsii.String("TrailLogsRolePolicy")))
}

// InvoicesObjectArnPrefix is the ARN prefix of the objects of the Storage
// stack's invoices bucket. Its name is generated by CloudFormation as
// <stack name>-<logical id>-<suffix>, lower-cased; the Baseline stack deploys
// first, so it cannot reference the bucket.
func InvoicesObjectArnPrefix(cfg Config) string {
	return "arn:" + cfg.Partition() + ":s3:::" + strings.ToLower(cfg.StackName("Storage")) + "-invoicesbucket"
}

// addConfig creates the recorder, its delivery channel and bucket, the
// service-linked role (if asked) and the rules.
func (b *BaselineStack) addConfig(cfg Config, accessLogs *securebucket.SecureBucket) {
	stack := b.Stack
	b.ConfigBucket = b.auditBucket(cfg, "ConfigBucket", accessLogs)
	bucketArn := *b.ConfigBucket.Bucket.BucketArn()
	config := []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("config.amazonaws.com"), nil)}
	account := map[string]map[string]any{"StringEquals": {"aws:SourceAccount": cfg.Account}}
	// AWS Config's documented bucket policy (delivery with the service-linked
	// role goes through the config.amazonaws.com principal).
	for _, s := range []iamx.Statement{
		{Sid: "AllowConfigAclCheck", Actions: []string{"s3:GetBucketAcl"}, Resources: []string{bucketArn},
			Principals: config, Conditions: account},
		{Sid: "AllowConfigExistenceCheck", Actions: []string{"s3:ListBucket"}, Resources: []string{bucketArn},
			Principals: config, Conditions: account},
		{Sid: "AllowConfigDelivery", Actions: []string{"s3:PutObject"},
			Resources: []string{bucketArn + "/AWSLogs/" + cfg.Account + "/Config/*"}, Principals: config,
			Conditions: map[string]map[string]any{"StringEquals": {
				"aws:SourceAccount": cfg.Account, "s3:x-amz-acl": "bucket-owner-full-control"}}},
	} {
		b.ConfigBucket.Bucket.AddToResourcePolicy(s.Build())
	}

	b.Recorder = awsconfig.NewCfnConfigurationRecorder(stack, jsii.String("Recorder"), &awsconfig.CfnConfigurationRecorderProps{
		// The service-linked role: a role of our own would need the AWS
		// managed AWS_ConfigRole (hundreds of read actions), which the
		// permissions boundary would cut; service-linked roles take no boundary.
		RoleArn: jsii.String("arn:" + cfg.Partition() + ":iam::" + cfg.Account + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"),
		RecordingGroup: &awsconfig.CfnConfigurationRecorder_RecordingGroupProperty{
			AllSupported:               jsii.Bool(true),
			IncludeGlobalResourceTypes: jsii.Bool(cfg.Baseline.ConfigGlobalResources),
		},
	})
	if cfg.Baseline.ConfigServiceLinkedRole {
		slr := awsiam.NewCfnServiceLinkedRole(stack, jsii.String("ConfigServiceLinkedRole"), &awsiam.CfnServiceLinkedRoleProps{
			AwsServiceName: jsii.String("config.amazonaws.com"),
		})
		b.Recorder.Node().AddDependency(slr)
	}
	b.DeliveryChannel = awsconfig.NewCfnDeliveryChannel(stack, jsii.String("DeliveryChannel"), &awsconfig.CfnDeliveryChannelProps{
		S3BucketName: b.ConfigBucket.Bucket.BucketName(),
		S3KmsKeyArn:  b.AuditKey.KeyArn(),
		ConfigSnapshotDeliveryProperties: &awsconfig.CfnDeliveryChannel_ConfigSnapshotDeliveryPropertiesProperty{
			DeliveryFrequency: jsii.String("TwentyFour_Hours"),
		},
	})
	b.DeliveryChannel.Node().AddDependency(b.Recorder)
	b.DeliveryChannel.Node().AddDependency(b.ConfigBucket.Bucket.Policy())
	for _, r := range ConfigRules {
		props := &awsconfig.CfnConfigRuleProps{
			Description: jsii.String(r.Guidance),
			Source:      &awsconfig.CfnConfigRule_SourceProperty{Owner: jsii.String("AWS"), SourceIdentifier: jsii.String(r.Identifier)},
		}
		if r.Periodic {
			props.MaximumExecutionFrequency = jsii.String("TwentyFour_Hours")
		}
		if len(r.Parameters) > 0 {
			props.InputParameters = r.Parameters
		}
		rule := awsconfig.NewCfnConfigRule(stack, jsii.String(r.ID+"Rule"), props)
		rule.Node().AddDependency(b.Recorder)
		b.Rules = append(b.Rules, rule)
	}
}

// ConfigRule is one AWS managed Config rule of the Baseline stack.
type ConfigRule struct {
	// ID is the construct id, followed by "Rule".
	ID string
	// Identifier is the managed rule's source identifier.
	Identifier string
	// Periodic rules run every 24 hours; the others on configuration change.
	Periodic bool
	// Parameters are the rule's input parameters, if any.
	Parameters map[string]any
	// Guidance is the guidance line the rule checks (the rule's description).
	Guidance string
}

// ConfigRules are the managed rules the recorder evaluates, each traced to
// the guidance line it checks (aws-infrastructure-best-practices.md).
var ConfigRules = []ConfigRule{
	// S3: "Block public access at the account level."
	{"S3AccountPublicAccessBlocks", "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC", true, nil,
		"Guidance, S3: block public access at the account level."},
	// S3: "Repeat at the bucket level for defense-in-depth."
	{"S3BucketPublicAccessProhibited", "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", false, nil,
		"Guidance, S3: repeat the public access block at the bucket level for defense-in-depth."},
	// Encryption in transit: "S3: enforce via aws:SecureTransport condition in bucket policy."
	{"S3BucketSslRequestsOnly", "S3_BUCKET_SSL_REQUESTS_ONLY", false, nil,
		"Guidance, Encryption in transit: S3 enforces TLS with aws:SecureTransport in the bucket policy."},
	// S3: "Enable versioning on all buckets holding business data."
	{"S3BucketVersioning", "S3_BUCKET_VERSIONING_ENABLED", false, nil,
		"Guidance, S3: enable versioning on all buckets holding business data."},
	// S3: "Access logging to a dedicated bucket — never log to the same bucket."
	{"S3BucketLogging", "S3_BUCKET_LOGGING_ENABLED", false, nil,
		"Guidance, S3: access logging to a dedicated bucket."},
	// Encryption at rest: "Enable default encryption on S3, EBS, RDS, DynamoDB, SQS, SNS."
	{"EbsEncryptionByDefault", "EC2_EBS_ENCRYPTION_BY_DEFAULT", true, nil,
		"Guidance, Encryption at rest: enable default encryption on EBS."},
	{"EncryptedVolumes", "ENCRYPTED_VOLUMES", false, nil,
		"Guidance, Encryption at rest: enable default encryption on EBS (attached volumes are encrypted)."},
	{"RdsStorageEncrypted", "RDS_STORAGE_ENCRYPTED", false, nil,
		"Guidance, Encryption at rest: enable default encryption on RDS (it must be set at creation)."},
	{"SnsEncryptedKms", "SNS_ENCRYPTED_KMS", false, nil,
		"Guidance, Encryption at rest: enable default encryption on SNS."},
	// Encryption at rest: "KMS customer-managed keys (CMK) for data you control." (log groups)
	{"LogGroupEncrypted", "CLOUDWATCH_LOG_GROUP_ENCRYPTED", true, nil,
		"Guidance, Encryption at rest: KMS customer-managed keys for data you control, log groups included."},
	// Key rotation: "Enable automatic rotation for CMKs."
	{"KmsKeyRotation", "CMK_BACKING_KEY_ROTATION_ENABLED", true, nil,
		"Guidance, Key rotation: enable automatic rotation for CMKs."},
	// IAM Policies: "Never use * in Action or Resource."
	{"NoAdminAccessPolicies", "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", false, nil,
		"Guidance, IAM Policies: never use * in Action or Resource (no Allow of * on *)."},
	// Security groups: "No 0.0.0.0/0 ingress except ALB ports 80/443."
	{"NoUnrestrictedSsh", "INCOMING_SSH_DISABLED", false, nil,
		"Guidance, Security groups: no 0.0.0.0/0 ingress except ALB ports 80/443 (no open SSH)."},
	// New infrastructure workflow: "Add monitoring"; networking patterns: flow logs on every VPC.
	{"VpcFlowLogsEnabled", "VPC_FLOW_LOGS_ENABLED", true, nil,
		"Guidance, New infrastructure workflow: add monitoring (VPC flow logs on every VPC)."},
	// Monitoring patterns: "CloudWatch alarms, dashboards, CloudTrail, Config, alerting".
	{"CloudTrailEnabled", "MULTI_REGION_CLOUD_TRAIL_ENABLED", true, nil,
		"Guidance, Monitoring patterns: CloudTrail on, multi-region."},
	{"CloudTrailLogFileValidation", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", true, nil,
		"Guidance, Monitoring patterns: CloudTrail log files validated (tamper evidence)."},
	// Official references, IAM Best Practices: "least privilege, MFA, role design, access analyzer".
	{"RootWithoutAccessKeys", "IAM_ROOT_ACCESS_KEY_CHECK", true, nil,
		"Guidance, IAM Best Practices: the root user has no access keys."},
	{"RootMfaEnabled", "ROOT_ACCOUNT_MFA_ENABLED", true, nil,
		"Guidance, IAM Best Practices: MFA on the root user."},
}
