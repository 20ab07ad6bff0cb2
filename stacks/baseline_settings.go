package stacks

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
)

// SettingsActions are the exact actions of the account-settings role, by
// setting: what the custom resources call on create and update, plus (with
// RestoreOnDelete) what they call on delete. None has resource-level
// permissions (Service Authorization Reference), hence Resource "*".
func SettingsActions(b BaselineConfig) (s3, ebs []string) {
	if b.S3AccountPublicAccessBlock {
		// s3control PutPublicAccessBlock and DeletePublicAccessBlock both
		// authorize as s3:PutAccountPublicAccessBlock.
		s3 = []string{"s3:PutAccountPublicAccessBlock"}
	}
	if b.EbsEncryptionByDefault {
		ebs = []string{"ec2:EnableEbsEncryptionByDefault", "ec2:ModifyEbsDefaultKmsKeyId"}
		if b.RestoreOnDelete {
			ebs = append(ebs, "ec2:DisableEbsEncryptionByDefault", "ec2:ResetEbsDefaultKmsKeyId")
		}
	}
	return s3, ebs
}

// addAccountSettings sets the account-level S3 public access block and EBS
// encryption by default, which have no CloudFormation type, through
// AwsCustomResource calls run by a role of our own (Sid-named exact actions,
// a pinned trust policy, the stack's boundary). On delete they restore AWS's
// defaults only with RestoreOnDelete; otherwise the settings stay.
func (b *BaselineStack) addAccountSettings(cfg Config) {
	stack := b.Stack
	bc := cfg.Baseline
	b.SettingsLogs = awslogs.NewLogGroup(stack, jsii.String("AccountSettingsLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(settingsLogGroupName(cfg)),
		EncryptionKey: b.AuditKey,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: cfg.RemovalPolicy(),
	})
	s3Actions, ebsActions := SettingsActions(bc)
	statements := []iamx.Statement{{
		Sid:       "WriteFunctionLogs",
		Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resources: []string{*b.SettingsLogs.LogGroupArn()},
	}}
	if len(s3Actions) > 0 {
		statements = append(statements, iamx.Statement{Sid: "SetAccountPublicAccessBlock", Actions: s3Actions, Resources: []string{"*"}})
	}
	if len(ebsActions) > 0 {
		statements = append(statements, iamx.Statement{Sid: "SetEbsEncryptionByDefault", Actions: ebsActions, Resources: []string{"*"}})
	}
	b.SettingsRole = iamx.NewServiceRole(stack, "AccountSettingsRole", iamx.RoleProps{
		// aws:SourceAccount only: audit.TrustConditionKeys.
		Service:     "lambda.amazonaws.com",
		Description: "Sets the account-level S3 public access block and EBS encryption by default of " + cfg.Name,
		Statements:  statements,
	})
	policy := stack.Node().FindChild(jsii.String("AccountSettingsRolePolicy"))
	nag.Suppress(policy, "AwsSolutions-IAM5",
		"PutAccountPublicAccessBlock and the EBS encryption-by-default actions are account-level settings without resource-level "+
			"permissions (Service Authorization Reference), so the only resource there is to name is *; the statements list the exact actions.",
		"Resource::*")

	custom := func(id, resourceType string, create, remove *customresources.AwsSdkCall) {
		props := &customresources.AwsCustomResourceProps{
			OnCreate: create, OnUpdate: create,
			Role:                b.SettingsRole.WithoutPolicyUpdates(nil),
			LogGroup:            b.SettingsLogs,
			InstallLatestAwsSdk: jsii.Bool(false),
			MemorySize:          jsii.Number(256),
			ResourceType:        jsii.String(resourceType),
		}
		if bc.RestoreOnDelete {
			props.OnDelete = remove
		}
		cr := customresources.NewAwsCustomResource(stack, jsii.String(id), props)
		// The function runs as soon as the custom resource is created.
		cr.Node().AddDependency(policy)
	}
	if bc.S3AccountPublicAccessBlock {
		// Guidance, S3: "Block public access at the account level."
		custom("S3AccountPublicAccessBlock", "Custom::S3AccountPublicAccessBlock",
			&customresources.AwsSdkCall{
				Service: jsii.String("S3Control"), Action: jsii.String("putPublicAccessBlock"),
				Parameters: map[string]any{
					"AccountId": cfg.Account,
					"PublicAccessBlockConfiguration": map[string]any{
						"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true,
					},
				},
				PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(cfg.Account + "-s3-account-public-access-block")),
			},
			&customresources.AwsSdkCall{
				Service: jsii.String("S3Control"), Action: jsii.String("deletePublicAccessBlock"),
				Parameters: map[string]any{"AccountId": cfg.Account},
				// Already gone (removed by hand): nothing to restore.
				IgnoreErrorCodesMatching: jsii.String("NoSuchPublicAccessBlockConfiguration"),
			})
	}
	if bc.EbsEncryptionByDefault {
		// Guidance, Encryption at rest: "Enable default encryption on ... EBS".
		b.EbsKey = kmskey.New(stack, "EbsDefaultKey", "Default key of EBS encryption by default in "+cfg.Name, cfg.RemovalPolicy())
		custom("EbsEncryptionByDefault", "Custom::EbsEncryptionByDefault",
			&customresources.AwsSdkCall{
				Service: jsii.String("EC2"), Action: jsii.String("enableEbsEncryptionByDefault"),
				PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(cfg.Account + "-" + cfg.Region + "-ebs-encryption-by-default")),
			},
			&customresources.AwsSdkCall{Service: jsii.String("EC2"), Action: jsii.String("disableEbsEncryptionByDefault"),
				PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(cfg.Account + "-" + cfg.Region + "-ebs-encryption-by-default"))})
		custom("EbsDefaultKmsKey", "Custom::EbsDefaultKmsKey",
			&customresources.AwsSdkCall{
				Service: jsii.String("EC2"), Action: jsii.String("modifyEbsDefaultKmsKeyId"),
				Parameters: map[string]any{"KmsKeyId": *b.EbsKey.KeyArn()},
				// A fixed id: a replaced key is an update (set the new key),
				// never a replacement, whose delete of the old resource would
				// reset the default after the new key was set.
				PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(cfg.Account + "-" + cfg.Region + "-ebs-default-kms-key")),
			},
			&customresources.AwsSdkCall{Service: jsii.String("EC2"), Action: jsii.String("resetEbsDefaultKmsKeyId"),
				PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(cfg.Account + "-" + cfg.Region + "-ebs-default-kms-key"))})
	}
	suppressSettingsFunction(stack)
}

// suppressSettingsFunction answers cdk-nag's Lambda rules on the
// AwsCustomResource function, which CDK builds and owns: a deploy-time helper
// that CloudFormation invokes when an account setting is created or changed.
func suppressSettingsFunction(stack awscdk.Stack) {
	id := "AWS" + strings.ReplaceAll(*customresources.AwsCustomResource_PROVIDER_FUNCTION_UUID(), "-", "")
	res := stack.Node().FindChild(jsii.String(id)).Node().DefaultChild()
	nag.Suppress(res, "NIST.800.53.R5-LambdaConcurrency",
		"CloudFormation invokes this deploy-time function a few times per stack lifetime, so there is no burst to cap; "+
			"reserving concurrency would also fail in new accounts whose concurrency quota is 10.")
	dlq := "CloudFormation invokes this custom-resource handler and waits for its response: a failure fails and rolls back the stack " +
		"with the error in the stack events and the encrypted function log, so a dead-letter queue would only hold events nobody acts on."
	nag.Suppress(res, "NIST.800.53.R5-LambdaDLQ", dlq)
	nag.Suppress(res, "Serverless-LambdaDLQ", dlq)
	nag.Suppress(res, "NIST.800.53.R5-LambdaInsideVPC",
		"The function calls only the account-level S3 Control and EC2 APIs at deploy time; the Baseline stack deploys before any VPC exists.")
	nag.Suppress(res, "Serverless-LambdaTracing",
		"The function makes one API call per setting at deploy time; the call is recorded in CloudTrail and the function's encrypted log, "+
			"so X-Ray tracing would add xray:PutTraceSegments on * and nothing to learn.")
}
