// Package boundary creates the customer-managed permissions boundary that caps
// every IAM role in a Groundwork stack.
//
// The boundary is a ceiling, not a grant: a role can do only what both its own
// policies and the boundary allow. Groundwork's boundary allows exactly the
// actions its workloads use (Actions), in this account and region only, and
// denies the privilege-escalation paths outright (IAM, Organizations, and
// tampering with the boundary itself). A test checks that every action any role
// is granted is inside the ceiling, so a construct that starts to need a new
// action fails loudly instead of being denied at run time.
package boundary

import (
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/nag"
)

// Actions is the set of actions Groundwork workloads may be granted, outside
// the ones without resource-level permissions (audit.WildcardResourceActions,
// which the boundary allows on "*": ec2:DescribeNetworkInterfaces and
// ec2:DescribeSubnets for Lambda functions in a VPC, among others).
var Actions = []string{
	// CloudWatch Logs: function and container log streams.
	"logs:CreateLogStream",
	"logs:PutLogEvents",
	"logs:DescribeLogStreams", // VPC flow logs check their stream exists
	// KMS: data keys for encrypted buckets, tables, queues, logs, env vars.
	"kms:Decrypt",
	"kms:Encrypt",
	"kms:GenerateDataKey",
	"kms:DescribeKey",
	// S3 objects in Groundwork buckets.
	"s3:GetObject",
	"s3:PutObject",
	"s3:ListBucket",
	// DynamoDB items.
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:UpdateItem",
	"dynamodb:Query",
	// DynamoDB Streams: the orders outbox pipe reads the table's stream.
	"dynamodb:DescribeStream",
	"dynamodb:GetRecords",
	"dynamodb:GetShardIterator",
	// EventBridge: the outbox pipe publishes order events.
	"events:PutEvents",
	// Secrets and parameters read at cold start / task start.
	"secretsmanager:GetSecretValue",
	"ssm:GetParameter",
	"ssm:GetParameters",
	// Dead-letter queues and alarm topics.
	"sqs:SendMessage",
	"sns:Publish",
	// Queue consumers (Lambda event source mappings poll with the function's role).
	"sqs:ReceiveMessage",
	"sqs:DeleteMessage",
	"sqs:ChangeMessageVisibility",
	"sqs:GetQueueAttributes",
	// Image pulls by the ECS execution role.
	"ecr:BatchCheckLayerAvailability",
	"ecr:GetDownloadUrlForLayer",
	"ecr:BatchGetImage",
	// Closing the VPC's default security group.
	"ec2:RevokeSecurityGroupIngress",
	"ec2:RevokeSecurityGroupEgress",
	// Lambda functions in a VPC: their network interfaces.
	"ec2:CreateNetworkInterface",
	"ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses",
	"ec2:UnassignPrivateIpAddresses",
}

// Allowed reports every action inside the ceiling, sorted.
func Allowed() []string {
	all := append([]string(nil), Actions...)
	for a := range audit.WildcardResourceActions {
		all = append(all, a)
	}
	sort.Strings(all)
	return all
}

// Attach creates the boundary policy in stack and applies it to every role in
// the stack, including roles that CDK creates on its own.
func Attach(stack awscdk.Stack) awsiam.ManagedPolicy {
	s3 := "arn:" + *stack.Partition() + ":s3:::*"
	// One ARN pattern per service: IAM does not accept a wildcard service.
	var resources []string
	for _, svc := range services() {
		resources = append(resources, "arn:"+*stack.Partition()+":"+svc+":"+*stack.Region()+":"+*stack.Account()+":*")
	}
	var unscoped []string
	for a := range audit.WildcardResourceActions {
		unscoped = append(unscoped, a)
	}
	sort.Strings(unscoped)
	policy := awsiam.NewManagedPolicy(stack, jsii.String("PermissionsBoundary"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Groundwork permissions boundary: the most any role in " + *stack.StackName() + " may do"),
		Document: iamx.Document(
			iamx.Statement{
				Sid:       "AllowWorkloadActionsInThisAccountAndRegion",
				Actions:   actions(false),
				Resources: resources,
			},
			// S3 ARNs name no account: pin the bucket owner instead.
			iamx.Statement{
				Sid:        "AllowObjectActionsOnThisAccountsBuckets",
				Actions:    actions(true),
				Resources:  []string{s3},
				Conditions: map[string]map[string]any{"StringEquals": {"aws:ResourceAccount": *stack.Account()}},
			},
			iamx.Statement{
				Sid:       "AllowActionsWithoutResourceLevelPermissions",
				Actions:   unscoped,
				Resources: []string{"*"},
			},
			iamx.Statement{
				Sid:       "DenyPrivilegeEscalation",
				Deny:      true,
				Actions:   []string{"iam:*", "organizations:*", "account:*", "sts:AssumeRole"},
				Resources: []string{"*"},
			},
		),
	})
	awsiam.PermissionsBoundary_Of(stack).Apply(policy)
	// cdk-nag prints the ARNs with literals, or <AWS::Region> and the like in
	// an environment-agnostic stack.
	partition, region, account := nagValue(stack, stack.Partition()), nagValue(stack, stack.Region()), nagValue(stack, stack.Account())
	appliesTo := []string{"Resource::*", "Resource::arn:" + partition + ":s3:::*"}
	for _, svc := range services() {
		appliesTo = append(appliesTo, "Resource::arn:"+partition+":"+svc+":"+region+":"+account+":*")
	}
	nag.Suppress(policy.Node().DefaultChild(), "AwsSolutions-IAM5",
		"This is a permissions boundary, a ceiling that grants nothing: it caps the explicit, resource-scoped "+
			"grants of each role at this account and region. The only bare * resource is for actions that have "+
			"no resource-level permissions (audit.WildcardResourceActions).",
		appliesTo...)
	return policy
}

// nagValue is how cdk-nag prints a pseudo parameter in a finding: the
// literal when the stack's environment is explicit, else <AWS::Name>.
func nagValue(stack awscdk.Stack, v *string) string {
	switch r := stack.Resolve(v).(type) {
	case string:
		return r
	case map[string]any:
		if ref, ok := r["Ref"].(string); ok {
			return "<" + ref + ">"
		}
	}
	panic("boundary: cannot render " + *v + " as cdk-nag does")
}

// actions returns the s3: actions of Actions, or all the others.
func actions(s3 bool) []string {
	var out []string
	for _, a := range Actions {
		if strings.HasPrefix(a, "s3:") == s3 {
			out = append(out, a)
		}
	}
	return out
}

// services returns the service prefixes of Actions other than s3, sorted.
func services() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range Actions {
		svc, _, _ := strings.Cut(a, ":")
		if svc != "s3" && !seen[svc] {
			seen[svc] = true
			out = append(out, svc)
		}
	}
	sort.Strings(out)
	return out
}
