package stacks_test

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

func TestBaselineStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Baseline"))
		t.Run(s.Name, func(t *testing.T) { checkBaseline(t, cfg, s) })
	}
}

func stmt(fields map[string]any) any { return assertions.Match_ObjectLike(&fields) }

// checkBaseline asserts the settings of every part of a Baseline stack that
// cfg.Baseline switches on, and the absence of those it switches off.
func checkBaseline(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
	bc := cfg.Baseline
	trailArn := "arn:aws:cloudtrail:" + cfg.Region + ":" + cfg.Account + ":trail/groundwork-" + cfg.Name + "-trail"
	ruleArns := "arn:aws:events:" + cfg.Region + ":" + cfg.Account + ":rule/groundwork-" + cfg.Name + "-alert-*"
	count := func(typ string, on bool, n int) {
		t.Helper()
		if !on {
			n = 0
		}
		s.ResourceCountIs(t, typ, n)
	}
	count("AWS::CloudTrail::Trail", bc.CloudTrail, 1)
	count("AWS::Config::ConfigurationRecorder", bc.Config, 1)
	count("AWS::Config::DeliveryChannel", bc.Config, 1)
	count("AWS::Config::ConfigRule", bc.Config, len(stacks.ConfigRules))
	count("AWS::IAM::ServiceLinkedRole", bc.ConfigServiceLinkedRole, 1)
	count("AWS::AccessAnalyzer::Analyzer", bc.AccessAnalyzer, 1)
	count("AWS::GuardDuty::Detector", bc.GuardDuty, 1)
	count("AWS::SecurityHub::Hub", bc.SecurityHub, 1)
	count("AWS::SecurityHub::Standard", bc.SecurityHub, 1)
	count("Custom::S3AccountPublicAccessBlock", bc.S3AccountPublicAccessBlock, 1)
	count("Custom::EbsEncryptionByDefault", bc.EbsEncryptionByDefault, 1)
	count("Custom::EbsDefaultKmsKey", bc.EbsEncryptionByDefault, 1)
	count("AWS::Logs::MetricFilter", bc.CloudTrail, len(stacks.TrailAlarms))
	count("AWS::CloudWatch::Alarm", bc.CloudTrail, len(stacks.TrailAlarms))

	if bc.CloudTrail {
		t.Run("trail", func(t *testing.T) {
			selectors := []any{map[string]any{"Name": "Management events",
				"FieldSelectors": []any{map[string]any{"Field": "eventCategory", "Equals": []any{"Management"}}}}}
			if bc.CloudTrailDataEvents {
				selectors = append(selectors, map[string]any{"Name": "Invoices bucket data events", "FieldSelectors": []any{
					map[string]any{"Field": "eventCategory", "Equals": []any{"Data"}},
					map[string]any{"Field": "resources.type", "Equals": []any{"AWS::S3::Object"}},
					map[string]any{"Field": "resources.ARN", "StartsWith": []any{"arn:aws:s3:::groundwork-" + cfg.Name + "-storage-invoicesbucket"}},
				}})
			}
			s.HasResourceProperties(t, "AWS::CloudTrail::Trail", map[string]any{
				"TrailName": "groundwork-" + cfg.Name + "-trail", "IsLogging": true, "IsMultiRegionTrail": true,
				"IncludeGlobalServiceEvents": true, "EnableLogFileValidation": true,
				"S3BucketName":              s.Ref(t, "TrailBucket/Bucket"),
				"KMSKeyId":                  s.Arn(t, "AuditKey"),
				"CloudWatchLogsLogGroupArn": s.Arn(t, "TrailLogs"),
				"CloudWatchLogsRoleArn":     s.Arn(t, "TrailLogsRole"),
				"AdvancedEventSelectors":    selectors,
			})
			trail := s.Resource(t, s.LogicalID(t, "Trail"))
			deps, _ := json.Marshal(trail["DependsOn"])
			for _, p := range []string{"TrailBucket/Bucket/Policy", "TrailLogsRolePolicy"} {
				if !strings.Contains(string(deps), s.LogicalID(t, p)) {
					t.Errorf("trail does not depend on %s: %s", p, deps)
				}
			}
			bucketArn := s.Arn(t, "TrailBucket/Bucket")
			s.HasResourceProperties(t, "AWS::S3::BucketPolicy", map[string]any{
				"Bucket": s.Ref(t, "TrailBucket/Bucket"),
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Sid": "AllowCloudTrailAclCheck", "Effect": "Allow", "Action": "s3:GetBucketAcl",
						"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}, "Resource": bucketArn,
						"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trailArn}}},
					map[string]any{"Sid": "AllowCloudTrailWrite", "Effect": "Allow", "Action": "s3:PutObject",
						"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
						"Resource":  map[string]any{"Fn::Join": []any{"", []any{bucketArn, "/AWSLogs/" + cfg.Account + "/*"}}},
						"Condition": map[string]any{"StringEquals": map[string]any{
							"aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control"}}},
				})},
			})
			s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
				"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{stmt(map[string]any{
					"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": s.Arn(t, "AuditKey")}})}},
				"LifecycleConfiguration": map[string]any{"Rules": []any{stmt(map[string]any{"ExpirationInDays": bc.AuditLogRetentionDays})}},
			})
			s.HasResourceProperties(t, "AWS::Logs::LogGroup", map[string]any{
				"LogGroupName": "/groundwork/" + cfg.Name + "/cloudtrail", "KmsKeyId": s.Arn(t, "AuditKey"), "RetentionInDays": 365})
			s.HasResourceProperties(t, "AWS::IAM::Role", map[string]any{
				"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
					"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
					"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}}}}, // no condition: audit.ServicesWithoutSourceConditions
			})
			s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
				"Roles": []any{s.Ref(t, "TrailLogsRole")},
				"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
					"Sid": "WriteTrailLogStreams", "Effect": "Allow",
					"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
					"Resource": "arn:aws:logs:" + cfg.Region + ":" + cfg.Account + ":log-group:/groundwork/" + cfg.Name + "/cloudtrail:log-stream:" + cfg.Account + "_CloudTrail_*",
				}}},
			})
		})
		t.Run("CIS alarms on the trail's log group", func(t *testing.T) {
			for _, a := range stacks.TrailAlarms {
				s.HasResourceProperties(t, "AWS::Logs::MetricFilter", map[string]any{
					"LogGroupName":          s.Ref(t, "TrailLogs"),
					"FilterPattern":         a.Pattern,
					"MetricTransformations": []any{map[string]any{"MetricNamespace": "Groundwork/Baseline", "MetricName": cfg.Name + "-" + a.ID, "MetricValue": "1"}},
				})
				s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", map[string]any{
					"Namespace": "Groundwork/Baseline", "MetricName": cfg.Name + "-" + a.ID, "Statistic": "Sum", "Period": 300,
					"Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
				})
			}
		})
	}

	t.Run("audit key policy", func(t *testing.T) {
		var want []any
		if bc.CloudTrail {
			trail := map[string]any{"aws:SourceArn": trailArn}
			want = append(want,
				map[string]any{"Sid": "AllowCloudTrailEncryptLogs", "Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": "*",
					"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"},
					"Condition": map[string]any{"StringEquals": trail, "StringLike": map[string]any{
						"kms:EncryptionContext:aws:cloudtrail:arn": "arn:aws:cloudtrail:*:" + cfg.Account + ":trail/*"}}},
				map[string]any{"Sid": "AllowCloudTrailBucketKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
					"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}, "Condition": map[string]any{"StringEquals": trail}},
				map[string]any{"Sid": "AllowCloudTrailDescribeKey", "Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*",
					"Principal": map[string]any{"Service": "cloudtrail.amazonaws.com"}, "Condition": map[string]any{"StringEquals": trail}})
		}
		if bc.Config {
			want = append(want, map[string]any{"Sid": "AllowConfigDelivery", "Effect": "Allow",
				"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": "*",
				"Principal": map[string]any{"Service": "config.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account}}})
		}
		var groups []any
		if bc.CloudTrail {
			groups = append(groups, "arn:aws:logs:"+cfg.Region+":"+cfg.Account+":log-group:/groundwork/"+cfg.Name+"/cloudtrail")
		}
		if bc.S3AccountPublicAccessBlock || bc.EbsEncryptionByDefault {
			groups = append(groups, "arn:aws:logs:"+cfg.Region+":"+cfg.Account+":log-group:/groundwork/"+cfg.Name+"/baseline/account-settings")
		}
		if len(groups) > 0 {
			var g any = groups
			if len(groups) == 1 {
				g = groups[0]
			}
			want = append(want, stmt(map[string]any{"Sid": "AllowCloudWatchLogs",
				"Principal": map[string]any{"Service": "logs." + cfg.Region + ".amazonaws.com"},
				"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": g}}}))
		}
		want = append(want, map[string]any{"Sid": "AllowEventBridgeDeadLetters", "Effect": "Allow",
			"Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": "*",
			"Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account},
				"ArnLike": map[string]any{"aws:SourceArn": ruleArns}}},
			stmt(map[string]any{"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Action": "kms:CreateGrant"}))
		s.HasResourceProperties(t, "AWS::KMS::Key", map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy":         map[string]any{"Statement": append([]any{stmt(map[string]any{"Sid": "AllowAccountAdministration", "Action": "kms:*"})}, want...)},
		})
	})

	if bc.Config {
		t.Run("config", func(t *testing.T) {
			s.HasResourceProperties(t, "AWS::Config::ConfigurationRecorder", map[string]any{
				"RoleARN":        "arn:aws:iam::" + cfg.Account + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
				"RecordingGroup": map[string]any{"AllSupported": true, "IncludeGlobalResourceTypes": bc.ConfigGlobalResources},
			})
			if bc.ConfigServiceLinkedRole {
				s.HasResourceProperties(t, "AWS::IAM::ServiceLinkedRole", map[string]any{"AWSServiceName": "config.amazonaws.com"})
				s.HasResource(t, "AWS::Config::ConfigurationRecorder", map[string]any{"DependsOn": []any{s.LogicalID(t, "ConfigServiceLinkedRole")}})
			}
			s.HasResourceProperties(t, "AWS::Config::DeliveryChannel", map[string]any{
				"S3BucketName": s.Ref(t, "ConfigBucket/Bucket"), "S3KmsKeyArn": s.Arn(t, "AuditKey"),
				"ConfigSnapshotDeliveryProperties": map[string]any{"DeliveryFrequency": "TwentyFour_Hours"},
			})
			bucketArn := s.Arn(t, "ConfigBucket/Bucket")
			account := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account}}
			config := map[string]any{"Service": "config.amazonaws.com"}
			s.HasResourceProperties(t, "AWS::S3::BucketPolicy", map[string]any{
				"Bucket": s.Ref(t, "ConfigBucket/Bucket"),
				"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Sid": "AllowConfigAclCheck", "Effect": "Allow", "Action": "s3:GetBucketAcl",
						"Principal": config, "Resource": bucketArn, "Condition": account},
					map[string]any{"Sid": "AllowConfigExistenceCheck", "Effect": "Allow", "Action": "s3:ListBucket",
						"Principal": config, "Resource": bucketArn, "Condition": account},
					map[string]any{"Sid": "AllowConfigDelivery", "Effect": "Allow", "Action": "s3:PutObject", "Principal": config,
						"Resource": map[string]any{"Fn::Join": []any{"", []any{bucketArn, "/AWSLogs/" + cfg.Account + "/Config/*"}}},
						"Condition": map[string]any{"StringEquals": map[string]any{
							"aws:SourceAccount": cfg.Account, "s3:x-amz-acl": "bucket-owner-full-control"}}},
				})},
			})
			for _, r := range stacks.ConfigRules {
				props := map[string]any{
					"Source":      map[string]any{"Owner": "AWS", "SourceIdentifier": r.Identifier},
					"Description": assertions.Match_StringLikeRegexp(jsii.String("^Guidance, ")),
				}
				if r.Periodic {
					props["MaximumExecutionFrequency"] = "TwentyFour_Hours"
				} else {
					props["MaximumExecutionFrequency"] = assertions.Match_Absent()
				}
				s.HasResource(t, "AWS::Config::ConfigRule", map[string]any{
					"Properties": props, "DependsOn": []any{s.LogicalID(t, "Recorder")}})
			}
		})
	}

	t.Run("detection", func(t *testing.T) {
		if bc.AccessAnalyzer {
			s.HasResourceProperties(t, "AWS::AccessAnalyzer::Analyzer", map[string]any{"Type": "ACCOUNT"})
		}
		if bc.GuardDuty {
			s.HasResourceProperties(t, "AWS::GuardDuty::Detector", map[string]any{
				"Enable": true, "FindingPublishingFrequency": "FIFTEEN_MINUTES",
				"Features": []any{map[string]any{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}},
			})
		}
		if bc.SecurityHub {
			s.HasResourceProperties(t, "AWS::SecurityHub::Hub", map[string]any{
				"EnableDefaultStandards": false, "AutoEnableControls": true, "ControlFindingGenerator": "SECURITY_CONTROL"})
			s.HasResource(t, "AWS::SecurityHub::Standard", map[string]any{
				"Properties": map[string]any{"StandardsArn": "arn:aws:securityhub:" + cfg.Region + "::standards/aws-foundational-security-best-practices/v/1.0.0"},
				"DependsOn":  []any{s.LogicalID(t, "SecurityHub")},
			})
		}
	})

	if bc.S3AccountPublicAccessBlock || bc.EbsEncryptionByDefault {
		t.Run("account settings", func(t *testing.T) { checkAccountSettings(t, cfg, s) })
	}

	t.Run("alert rules", func(t *testing.T) {
		want := 1 // root sign-in
		if bc.GuardDuty {
			want++
			s.HasResourceProperties(t, "AWS::Events::Rule", map[string]any{
				"Name": "groundwork-" + cfg.Name + "-alert-guardduty-high",
				"EventPattern": map[string]any{"source": []any{"aws.guardduty"}, "detail-type": []any{"GuardDuty Finding"},
					"detail": map[string]any{"severity": []any{map[string]any{"numeric": []any{">=", 7}}}}},
			})
		}
		if bc.SecurityHub {
			want++
			s.HasResourceProperties(t, "AWS::Events::Rule", map[string]any{
				"Name": "groundwork-" + cfg.Name + "-alert-securityhub-high",
				"EventPattern": map[string]any{"source": []any{"aws.securityhub"}, "detail-type": []any{"Security Hub Findings - Imported"},
					"detail": map[string]any{"findings": map[string]any{
						"Severity": map[string]any{"Label": []any{"HIGH", "CRITICAL"}}, "Workflow": map[string]any{"Status": []any{"NEW"}},
						"RecordState": []any{"ACTIVE"}}}},
			})
		}
		s.HasResourceProperties(t, "AWS::Events::Rule", map[string]any{
			"Name": "groundwork-" + cfg.Name + "-alert-root-signin",
			"EventPattern": map[string]any{"source": []any{"aws.signin"}, "detail-type": []any{"AWS Console Sign In via CloudTrail"},
				"detail": map[string]any{"userIdentity": map[string]any{"type": []any{"Root"}}}},
		})
		s.ResourceCountIs(t, "AWS::Events::Rule", want)
		for _, id := range s.Resources("AWS::Events::Rule") {
			props, _ := s.Resource(t, id)["Properties"].(map[string]any)
			targets, _ := json.Marshal(props["Targets"])
			wantTargets, _ := json.Marshal([]any{map[string]any{"Arn": cfg.AlarmTopicArn(),
				"DeadLetterConfig": map[string]any{"Arn": s.Arn(t, "AlertDLQ")}, "Id": "Target0"}})
			if string(targets) != string(wantTargets) {
				t.Errorf("%s: targets %s, want %s", id, targets, wantTargets)
			}
		}
		s.HasResourceProperties(t, "AWS::SQS::Queue", map[string]any{
			"KmsMasterKeyId": s.Arn(t, "AuditKey"), "MessageRetentionPeriod": 14 * 24 * 3600})
		s.HasResourceProperties(t, "AWS::SQS::QueuePolicy", map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Sid": "AllowAlertRuleDeadLetters", "Effect": "Allow", "Action": "sqs:SendMessage",
				"Principal": map[string]any{"Service": "events.amazonaws.com"}, "Resource": s.Arn(t, "AlertDLQ"),
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account},
					"ArnLike": map[string]any{"aws:SourceArn": ruleArns}}}})},
		})
	})
}

// checkAccountSettings asserts the custom resources, their calls and the
// exact permissions of their role.
func checkAccountSettings(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
	bc := cfg.Baseline
	restore := func(call any) any {
		if bc.RestoreOnDelete {
			return call
		}
		return assertions.Match_Absent()
	}
	if bc.S3AccountPublicAccessBlock {
		create := assertions.Match_SerializedJson(map[string]any{
			"service": "S3Control", "action": "putPublicAccessBlock",
			"parameters": map[string]any{"AccountId": cfg.Account, "PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}},
			"physicalResourceId": map[string]any{"id": cfg.Account + "-s3-account-public-access-block"},
		})
		s.HasResourceProperties(t, "Custom::S3AccountPublicAccessBlock", map[string]any{
			"Create": create, "Update": create, "InstallLatestAwsSdk": false,
			"Delete": restore(assertions.Match_SerializedJson(map[string]any{
				"service": "S3Control", "action": "deletePublicAccessBlock", "parameters": map[string]any{"AccountId": cfg.Account},
				"ignoreErrorCodesMatching": "NoSuchPublicAccessBlockConfiguration"})),
		})
	}
	if bc.EbsEncryptionByDefault {
		id := cfg.Account + "-" + cfg.Region + "-ebs-encryption-by-default"
		create := assertions.Match_SerializedJson(map[string]any{"service": "EC2", "action": "enableEbsEncryptionByDefault",
			"physicalResourceId": map[string]any{"id": id}})
		s.HasResourceProperties(t, "Custom::EbsEncryptionByDefault", map[string]any{
			"Create": create, "Update": create,
			"Delete": restore(assertions.Match_SerializedJson(map[string]any{"service": "EC2", "action": "disableEbsEncryptionByDefault",
				"physicalResourceId": map[string]any{"id": id}})),
		})
		keyID := cfg.Account + "-" + cfg.Region + "-ebs-default-kms-key"
		props, _ := s.Resource(t, s.LogicalID(t, "EbsDefaultKmsKey/Resource/Default"))["Properties"].(map[string]any)
		body, _ := json.Marshal(props["Create"])
		for _, part := range []string{`\"action\":\"modifyEbsDefaultKmsKeyId\"`, `\"KmsKeyId\":\"`, s.LogicalID(t, "EbsDefaultKey"), keyID} {
			if !strings.Contains(string(body), part) {
				t.Errorf("EbsDefaultKmsKey Create %s lacks %s", body, part)
			}
		}
		if _, ok := props["Delete"]; ok != bc.RestoreOnDelete {
			t.Errorf("EbsDefaultKmsKey has Delete %v, want %v (RestoreOnDelete)", ok, bc.RestoreOnDelete)
		}
		s.HasResourceProperties(t, "AWS::KMS::Key", map[string]any{
			"Description": "Default key of EBS encryption by default in " + cfg.Name, "EnableKeyRotation": true})
	}

	statements := []any{map[string]any{"Sid": "WriteFunctionLogs", "Effect": "Allow",
		"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": s.Arn(t, "AccountSettingsLogs")}}
	s3, ebs := stacks.SettingsActions(bc)
	if len(s3) > 0 {
		statements = append(statements, map[string]any{"Sid": "SetAccountPublicAccessBlock", "Effect": "Allow",
			"Action": "s3:PutAccountPublicAccessBlock", "Resource": "*"})
	}
	if len(ebs) > 0 {
		sorted := append([]string(nil), ebs...)
		sort.Strings(sorted)
		var actions []any
		for _, a := range sorted {
			actions = append(actions, a)
		}
		statements = append(statements, map[string]any{"Sid": "SetEbsEncryptionByDefault", "Effect": "Allow",
			"Action": actions, "Resource": "*"})
	}
	s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
		"Roles":          []any{s.Ref(t, "AccountSettingsRole")},
		"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": statements},
	})
	s.HasResourceProperties(t, "AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
			"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account}}}}},
		"PermissionsBoundary": assertions.Match_AnyValue(),
	})
	// The one function of the stack's AwsCustomResources runs with this role.
	s.HasResourceProperties(t, "AWS::Lambda::Function", map[string]any{
		"Role": s.Arn(t, "AccountSettingsRole"), "MemorySize": 256,
		"LoggingConfig": map[string]any{"LogGroup": s.Ref(t, "AccountSettingsLogs")},
	})
	s.HasResourceProperties(t, "AWS::Logs::LogGroup", map[string]any{
		"LogGroupName": "/groundwork/" + cfg.Name + "/baseline/account-settings", "KmsKeyId": s.Arn(t, "AuditKey"), "RetentionInDays": 365})
}

func TestBaselineDefaults(t *testing.T) {
	for _, c := range stacks.Defaults() {
		b := c.Baseline
		if !b.CloudTrail || !b.Config || !b.ConfigServiceLinkedRole || !b.ConfigGlobalResources || !b.AccessAnalyzer ||
			!b.GuardDuty || !b.SecurityHub || !b.S3AccountPublicAccessBlock || !b.EbsEncryptionByDefault {
			t.Errorf("%s: every Baseline service is on by default, got %+v", c.Name, b)
		}
		if b.CloudTrailDataEvents != (c.Name == "prod") {
			t.Errorf("%s: CloudTrailDataEvents %v, want on in prod only", c.Name, b.CloudTrailDataEvents)
		}
		if b.RestoreOnDelete != !c.RetainData {
			t.Errorf("%s: RestoreOnDelete %v, want %v (where the keys are deleted with the stack)", c.Name, b.RestoreOnDelete, !c.RetainData)
		}
		want := 365
		if c.Name == "prod" {
			want = 2557
		}
		if b.AuditLogRetentionDays != want {
			t.Errorf("%s: AuditLogRetentionDays %d, want %d", c.Name, b.AuditLogRetentionDays, want)
		}
	}
}

// switchVariants are Baseline configs, each with one part (or all) off,
// named so that each gets a stack of its own (Groundwork-<Name>-Baseline).
func switchVariants() []stacks.Config {
	dev := stacks.Defaults()[0]
	variant := func(name string, edit func(b *stacks.BaselineConfig)) stacks.Config {
		c := dev
		c.Name = name
		edit(&c.Baseline)
		return c
	}
	return []stacks.Config{
		variant("nocloudtrail", func(b *stacks.BaselineConfig) { b.CloudTrail, b.CloudTrailDataEvents = false, false }),
		variant("noconfig", func(b *stacks.BaselineConfig) {
			b.Config, b.ConfigServiceLinkedRole, b.ConfigGlobalResources = false, false, false
		}),
		variant("noslr", func(b *stacks.BaselineConfig) { b.ConfigServiceLinkedRole = false }),
		variant("noanalyzer", func(b *stacks.BaselineConfig) { b.AccessAnalyzer = false }),
		variant("noguardduty", func(b *stacks.BaselineConfig) { b.GuardDuty = false }),
		variant("nosecurityhub", func(b *stacks.BaselineConfig) { b.SecurityHub = false }),
		variant("nopab", func(b *stacks.BaselineConfig) { b.S3AccountPublicAccessBlock = false }),
		variant("noebs", func(b *stacks.BaselineConfig) { b.EbsEncryptionByDefault = false }),
		variant("nosettings", func(b *stacks.BaselineConfig) { b.S3AccountPublicAccessBlock, b.EbsEncryptionByDefault = false, false }),
		variant("norestore", func(b *stacks.BaselineConfig) { b.RestoreOnDelete, b.EbsEncryptionByDefault = false, false }),
		variant("alloff", func(b *stacks.BaselineConfig) { *b = stacks.BaselineConfig{AuditLogRetentionDays: 365} }),
	}
}

// switchSynth builds the all-off variant through Build (which tags the App,
// applies the nag packs and warns) and the others as Baseline stacks alone.
var switchSynth = testkit.Once(func() awscdk.App {
	// Not validated again (testkit.NewApp): each variant is the validated
	// Baseline stack with parts left out.
	app := testkit.NewApp(nil)
	var alone []stacks.Config
	for _, c := range switchVariants() {
		if c.Baseline.AllOff() {
			if p := stacks.Build(app, []stacks.Config{c}, stacks.Options{}); p[0].Baseline != nil {
				panic("all off, yet a Baseline stack")
			}
			continue
		}
		alone = append(alone, c)
	}
	for _, c := range alone {
		if err := c.Validate(); err != nil {
			panic(err)
		}
		stacks.NewBaselineStack(app, c)
	}
	return app
})

// TestBaselineSwitches builds the stack with each part switched off: the part
// is gone, the rest is as with everything on, and the stack stays nag-clean
// and audit-clean.
func TestBaselineSwitches(t *testing.T) {
	asm := switchSynth.Assembly(t)
	for _, cfg := range switchVariants() {
		t.Run(cfg.Name, func(t *testing.T) {
			if cfg.Baseline.AllOff() {
				if slices.Contains(asm.Names(), cfg.StackName("Baseline")) {
					t.Errorf("all off, yet %s exists (CloudFormation rejects an empty stack)", cfg.StackName("Baseline"))
				}
				asm.Stack(t, cfg.StackName("Storage")).HasWarning(t,
					"alloff: every Baseline service is switched off, so there is no Groundwork-Alloff-Baseline stack")
				return
			}
			s := asm.Stack(t, cfg.StackName("Baseline"))
			testkit.RequireNagClean(t, s)
			for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: cfg.RetainData, Account: cfg.Account}) {
				t.Error(f)
			}
			checkBaseline(t, cfg, s)
		})
	}
	t.Run("no warning while anything is on", func(t *testing.T) {
		for _, name := range asm.Names() {
			if strings.HasSuffix(name, "-Baseline") {
				for _, m := range asm.Stack(t, name).Messages {
					if strings.Contains(m.Text, "every Baseline service is switched off") {
						t.Errorf("%s: unexpected warning: %s", name, m.Text)
					}
				}
			}
		}
	})
}

func TestBaselineValidation(t *testing.T) {
	tests := []struct {
		name string
		env  int // index in Defaults
		edit func(b *stacks.BaselineConfig)
		want []string
	}{
		{"data events without the trail", 2, func(b *stacks.BaselineConfig) { b.CloudTrail = false },
			[]string{"Baseline.CloudTrailDataEvents = true", "this stack's trail, which is off", "baselineOff=cloudtrail"}},
		{"recorder options without the recorder", 0, func(b *stacks.BaselineConfig) { b.Config = false },
			[]string{"Baseline.Config = false", "configure this stack's recorder", "baselineOff=config"}},
		{"deleted EBS default key", 0, func(b *stacks.BaselineConfig) { b.RestoreOnDelete = false },
			[]string{"Baseline.RestoreOnDelete = false", "instances then fail to launch", "baselineRestoreOnDelete=true", "baselineOff=ebsencryptionbydefault"}},
		{"short audit retention", 1, func(b *stacks.BaselineConfig) { b.AuditLogRetentionDays = 90 },
			[]string{"Baseline.AuditLogRetentionDays = 90", "at least a year", "use 365 or more"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := stacks.Defaults()[tt.env]
			tt.edit(&c.Baseline)
			err := c.Validate()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	t.Run("Build rejects it with a validation error", func(t *testing.T) {
		c := stacks.Defaults()[0]
		c.Baseline.RestoreOnDelete = false
		msg := testkit.ValidationError(t, func() { stacks.Build(testkit.NewApp(nil), []stacks.Config{c}, stacks.Options{}) })
		if !strings.Contains(msg, "Baseline.RestoreOnDelete") {
			t.Errorf("message %q does not name the field", msg)
		}
	})
}

func TestBaselineFromContext(t *testing.T) {
	app := testkit.NewApp(map[string]any{
		"groundwork:environments":                 "staging,prod",
		"groundwork:staging:baselineOff":          "GuardDuty, securityhub,config",
		"groundwork:prod:baselineOff":             "cloudtrail,configservicelinkedrole",
		"groundwork:prod:baselineRestoreOnDelete": "true",
	})
	configs, err := stacks.FromContext(app.Node())
	if err != nil {
		t.Fatal(err)
	}
	staging, prod := configs[0].Baseline, configs[1].Baseline
	if staging.GuardDuty || staging.SecurityHub || staging.Config || staging.ConfigServiceLinkedRole || !staging.CloudTrail || !staging.AccessAnalyzer {
		t.Errorf("staging switches not applied: %+v", staging)
	}
	if prod.CloudTrail || prod.CloudTrailDataEvents || prod.ConfigServiceLinkedRole || !prod.Config || !prod.RestoreOnDelete {
		t.Errorf("prod switches not applied: %+v", prod)
	}

	for _, tt := range []struct {
		key, value string
		want       []string
	}{
		{"groundwork:dev:baselineOff", "guarduty", []string{`baselineOff names "guarduty"`, "accessanalyzer, cloudtrail"}},
		{"groundwork:dev:baselineRestoreOnDelete", "yes", []string{`baselineRestoreOnDelete = "yes"`, "use true or false"}},
		{"groundwork:staging:baselineOff", "ebsencryptionbydefault", nil},
	} {
		_, err := stacks.FromContext(testkit.NewApp(map[string]any{tt.key: tt.value}).Node())
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s=%s: %v", tt.key, tt.value, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s=%s: no error", tt.key, tt.value)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s=%s: error %q lacks %q", tt.key, tt.value, err, w)
			}
		}
	}
}
