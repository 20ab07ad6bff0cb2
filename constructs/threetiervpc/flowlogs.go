package threetiervpc

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/kmskey"
)

// flowLogActions are what VPC Flow Logs needs on an existing log group. AWS
// documents logs:DescribeLogGroups as well, but that action lists every log
// group of the account and cannot be scoped to one, so it is left out (CDK's
// own FlowLog grants only CreateLogStream and PutLogEvents).
var flowLogActions = []string{
	"logs:CreateLogStream",
	"logs:PutLogEvents",
	"logs:DescribeLogStreams",
}

// Ids of the construct's log groups, which are named (kmskey.LogGroupName) so
// that the key grants CloudWatch Logs exactly these groups.
const (
	flowLogsID   = "FlowLogs"
	closerLogsID = "DefaultSecurityGroupCloserLogs"
)

// newKey creates the customer-managed key of the construct's log groups,
// usable by CloudWatch Logs for those two groups only.
func newKey(scope constructs.Construct, removal awscdk.RemovalPolicy) awskms.Key {
	return kmskey.New(scope, "Key", "Encrypts the flow logs and function logs of "+*scope.Node().Path(), removal,
		kmskey.CloudWatchLogs(scope, kmskey.LogGroupName(scope, flowLogsID), kmskey.LogGroupName(scope, closerLogsID)))
}

// newLogGroup creates a log group encrypted with the construct's key.
func (v *ThreeTierVpc) newLogGroup(id string, s settings) awslogs.LogGroup {
	return awslogs.NewLogGroup(v, jsii.String(id), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(kmskey.LogGroupName(v, id)),
		EncryptionKey: v.Key,
		Retention:     s.retention,
		RemovalPolicy: s.removal,
	})
}

// addFlowLog records ALL traffic of the VPC in an encrypted log group, through
// a role that may only write to that group.
func (v *ThreeTierVpc) addFlowLog(s settings) {
	if days := retentionDays[s.retention]; days < retentionDays[DefaultLogRetention] {
		awscdk.Annotations_Of(v).AddWarningV2(jsii.String("groundwork:threetiervpc:retention"),
			jsii.String("flow logs are kept for less than a year ("+string(s.retention)+"); incident investigations often reach further back"), nil)
	}
	stack := awscdk.Stack_Of(v)
	v.FlowLogGroup = v.newLogGroup(flowLogsID, s)
	v.FlowLogRole = iamx.NewServiceRole(v, "FlowLogRole", iamx.RoleProps{
		Service:     "vpc-flow-logs.amazonaws.com",
		SourceArn:   "arn:" + *stack.Partition() + ":ec2:" + *stack.Region() + ":" + *stack.Account() + ":vpc-flow-log/*",
		Description: "VPC Flow Logs of " + *v.Node().Path() + " write to their log group",
		Statements: []iamx.Statement{{
			Sid:     "WriteFlowLogs",
			Actions: flowLogActions,
			// The log group's Arn attribute ends in ":*", which covers its streams.
			Resources: []string{*v.FlowLogGroup.LogGroupArn()},
		}},
	})
	v.FlowLog = awsec2.NewFlowLog(v, jsii.String("FlowLog"), &awsec2.FlowLogProps{
		ResourceType: awsec2.FlowLogResourceType_FromVpc(v.Vpc),
		TrafficType:  awsec2.FlowLogTrafficType_ALL,
		// WithoutPolicyUpdates: the destination's automatic grant (no Sid,
		// plus an iam:PassRole) cannot widen the role.
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(v.FlowLogGroup, v.FlowLogRole.WithoutPolicyUpdates(nil)),
	})
	// Deliver only once the role can write.
	v.FlowLog.Node().AddDependency(managedPolicy(v, "FlowLogRole"))
}

// managedPolicy is the policy iamx.NewServiceRole created for the role id.
func managedPolicy(scope constructs.Construct, roleID string) constructs.IConstruct {
	return scope.Node().FindChild(jsii.String(roleID + "Policy"))
}
