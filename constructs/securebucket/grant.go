package securebucket

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/nag"
)

// ReadStatements are the statements that let a principal read objects (and
// list the bucket): explicit actions, each with a Sid, instead of the L2
// grant's wildcard actions. Add them to your own managed policy, or use
// GrantRead.
func (sb *SecureBucket) ReadStatements() []awsiam.PolicyStatement {
	return sb.statements("Read", []string{"s3:GetObject", "s3:ListBucket"}, []string{"kms:Decrypt"})
}

// ReadWriteStatements are ReadStatements plus s3:PutObject (and the KMS data
// key it needs).
func (sb *SecureBucket) ReadWriteStatements() []awsiam.PolicyStatement {
	return sb.statements("ReadWrite", []string{"s3:GetObject", "s3:ListBucket", "s3:PutObject"},
		[]string{"kms:Decrypt", "kms:GenerateDataKey"})
}

// GrantRead attaches ReadStatements to role as a customer-managed policy owned
// by the bucket (NIST 800-53 rejects inline policies).
func (sb *SecureBucket) GrantRead(role awsiam.IRole) awsiam.ManagedPolicy {
	return sb.grant(role, "Read", sb.ReadStatements())
}

// GrantReadWrite attaches ReadWriteStatements to role, like GrantRead.
func (sb *SecureBucket) GrantReadWrite(role awsiam.IRole) awsiam.ManagedPolicy {
	return sb.grant(role, "ReadWrite", sb.ReadWriteStatements())
}

func (sb *SecureBucket) grant(role awsiam.IRole, verb string, statements []awsiam.PolicyStatement) awsiam.ManagedPolicy {
	policy := awsiam.NewManagedPolicy(sb.Construct, jsii.String(verb+"Grant"+iamx.SidSafe(*role.Node().Id())), &awsiam.ManagedPolicyProps{
		Description: jsii.String(verb + " access to " + *sb.Node().Path() + " for " + *role.Node().Path()),
		Statements:  &statements,
		Roles:       &[]awsiam.IRole{role},
	})
	bucketID := awscdk.Stack_Of(sb.Construct).Resolve(sb.Bucket.Node().DefaultChild().(awss3.CfnBucket).LogicalId())
	nag.Suppress(policy.Node().DefaultChild(), "AwsSolutions-IAM5",
		"Object actions (s3:GetObject, s3:PutObject) apply to keys, so they are granted on this one bucket's objects (<bucket-arn>/*); "+
			"no other wildcard is granted.",
		fmt.Sprintf("Resource::<%s.Arn>/*", bucketID))
	return policy
}

func (sb *SecureBucket) statements(verb string, s3Actions, kmsActions []string) []awsiam.PolicyStatement {
	name := iamx.SidSafe(*sb.Node().Id())
	out := []awsiam.PolicyStatement{iamx.Statement{
		Sid:       verb + name + "Objects",
		Actions:   s3Actions,
		Resources: []string{*sb.Bucket.BucketArn(), *sb.Bucket.ArnForObjects(jsii.String("*"))},
	}.Build()}
	if sb.Key != nil {
		// Only through S3 (SSE-KMS), never by calling KMS directly.
		out = append(out, iamx.Statement{
			Sid:       verb + name + "Key",
			Actions:   kmsActions,
			Resources: []string{*sb.Key.KeyArn()},
			Conditions: map[string]map[string]any{"StringEquals": {
				"kms:ViaService": "s3." + *awscdk.Stack_Of(sb.Construct).Region() + ".amazonaws.com"}},
		}.Build())
	}
	return out
}
