package grant_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// TestGuardRole checks that a CDK L2 grant to a guarded role fails synthesis
// with one message per service, naming the role, the actions, the reason
// and the library call to use instead. Each case is its own App: synthesis
// fails.
func TestGuardRole(t *testing.T) {
	const why = "L2 grants (bucket.GrantRead(fn.Function), table.GrantWriteData(role), …) write wildcard actions with no Sid " +
		"into an inline policy, which Groundwork's invariants (explicit actions, a Sid on every statement) and " +
		"NIST.800.53.R5-IAMNoInlinePolicy forbid. Instead, use "
	msg := func(actions, use string) string {
		return "[Guarded/Owner] a CDK grant or AddToPrincipalPolicy put " + actions +
			" into the inline default policy of role Guarded/Owner/Role (Guarded/Owner/Role/DefaultPolicy), on behalf of Guarded/Owner. " + why + use
	}
	kmsUse := "grant.KeyUse(grantee, key, service, actions...); the bucket, table, queue, topic and secret functions already grant the resource's key through its service"
	tests := []struct {
		name  string
		grant func(scope constructs.Construct, role awsiam.Role)
		want  []string
	}{
		{"bucket.GrantRead", func(scope constructs.Construct, role awsiam.Role) {
			awss3.NewBucket(scope, jsii.String("Bucket"), nil).GrantRead(role, nil)
		}, []string{msg("s3:GetBucket*, s3:GetObject*, s3:List*", "grant.BucketRead, grant.BucketWrite or grant.BucketReadWrite(grantee, bucket)")}},
		{"table.GrantWriteData", func(scope constructs.Construct, role awsiam.Role) {
			newTable(scope, "Table", newKey(scope, "TableKey")).GrantWriteData(role)
		}, []string{
			msg("dynamodb:BatchWriteItem, dynamodb:DeleteItem, dynamodb:DescribeTable, dynamodb:PutItem, dynamodb:UpdateItem",
				"grant.TableRead, grant.TableWrite or grant.TableActions(grantee, table, actions...)"),
			msg("kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt*", kmsUse),
		}},
		{"secret.GrantRead", func(scope constructs.Construct, role awsiam.Role) {
			awssecretsmanager.NewSecret(scope, jsii.String("Secret"), nil).GrantRead(role, nil)
		}, []string{msg("secretsmanager:DescribeSecret, secretsmanager:GetSecretValue", "grant.SecretRead(grantee, secret)")}},
		{"key.GrantDecrypt", func(scope constructs.Construct, role awsiam.Role) {
			awskms.NewKey(scope, jsii.String("Key"), nil).GrantDecrypt(role)
		}, []string{msg("kms:Decrypt", kmsUse)}},
		{"queue.GrantSendMessages", func(scope constructs.Construct, role awsiam.Role) {
			awssqs.NewQueue(scope, jsii.String("Queue"), nil).GrantSendMessages(role)
		}, []string{msg("sqs:GetQueueAttributes, sqs:GetQueueUrl, sqs:SendMessage", "grant.QueueSend or grant.QueueConsume(grantee, queue)")}},
		{"AddToPrincipalPolicy of another service", func(scope constructs.Construct, role awsiam.Role) {
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("Traces"), Actions: jsii.Strings("xray:PutTraceSegments"), Resources: jsii.Strings("*")}))
		}, []string{msg("xray:PutTraceSegments",
			"the construct's AddToPolicy with Sid-named statements that list their actions explicitly (iamx.Statement)")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := testkit.NewApp(nil)
			owner := constructs.NewConstruct(testkit.NewStack(app, "Guarded"), jsii.String("Owner"))
			role := newRole(owner, "Role")
			grant.GuardRole(owner, role)
			tc.grant(owner, role) // CDK sorts the actions it renders
			got := testkit.SynthError(t, app)
			if !strings.Contains(got, "Validation failed with the following errors") {
				t.Errorf("want CDK's validation failure, got %s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("synthesis error lacks\n  %s\ngot\n  %s", w, got)
				}
			}
			if n := strings.Count(got, "[Guarded/Owner]"); n != len(tc.want) {
				t.Errorf("%d messages, want %d:\n%s", n, len(tc.want), got)
			}
		})
	}
}

// TestGuardRoleAllowsLibraryGrants: the guarded role in the shared App got
// every grant function and synthesized (the other tests read its template).
func TestGuardRoleAllowsLibraryGrants(t *testing.T) {
	s := synth.Stack(t, "Same")
	if _, sids := statements(t, s, "Worker/GrantPolicy"); len(sids) == 0 {
		t.Error("the guarded worker has no grants")
	}
	s.ResourceCountIs(t, "AWS::IAM::Policy", 0)
}
