package threetiervpc

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// singletonID is the construct id of the Lambda function that every
// AwsCustomResource of a stack shares (created at the stack's root).
func singletonID() string {
	return "AWS" + strings.ReplaceAll(*customresources.AwsCustomResource_PROVIDER_FUNCTION_UUID(), "-", "")
}

// checkSingletonFree fails when the stack already holds the AwsCustomResource
// Lambda function: it would keep the role it was created with, so this
// construct's role, the only one allowed to revoke the default security
// group's rules, would never be used and the revoke would fail at deploy time.
func checkSingletonFree(stack awscdk.Stack) error {
	if stack.Node().TryFindChild(jsii.String(singletonID())) == nil {
		return nil
	}
	return validate.Fail("scope", *stack.Node().Path(),
		"the stack already has an AwsCustomResource function (one per stack, keeping the role it was created with), "+
			"so this VPC's default-security-group closer could not use its own role",
		"create the ThreeTierVpc before any other AwsCustomResource in the stack, or give it a stack of its own")
}

// closeDefaultSecurityGroup revokes the default security group's two rules
// (all traffic from the group itself, all traffic out to 0.0.0.0/0), so that a
// resource that lands in it by accident can reach nothing and be reached by
// nothing. CloudFormation cannot change the default group, hence a custom
// resource; unlike CDK's RestrictDefaultSecurityGroup it runs with our own
// role: Sid'd statements scoped to this one group, a pinned trust policy, and
// a KMS-encrypted log group.
func (v *ThreeTierVpc) closeDefaultSecurityGroup(s settings) {
	stack := awscdk.Stack_Of(v)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	sg := v.Vpc.VpcDefaultSecurityGroup()
	sgArn := "arn:" + partition + ":ec2:" + region + ":" + account + ":security-group/" + *sg

	v.DefaultSecurityGroupLogs = v.newLogGroup(closerLogsID, s)
	v.DefaultSecurityGroupCloser = iamx.NewServiceRole(v, "DefaultSecurityGroupCloser", iamx.RoleProps{
		Service: "lambda.amazonaws.com",
		// Lambda execution roles are pinned with aws:SourceAccount only: a trust
		// that requires aws:SourceArn is not what Lambda is shown to send
		// (audit.TrustConditionKeys; aws/aws-parallelcluster#6926).
		Description: "Revokes the rules of the default security group of " + *v.Node().Path(),
		Statements: []iamx.Statement{
			{
				Sid:       "RevokeDefaultSecurityGroupRules",
				Actions:   []string{"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"},
				Resources: []string{sgArn},
			},
			{
				Sid:       "WriteFunctionLogs",
				Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				Resources: []string{*v.DefaultSecurityGroupLogs.LogGroupArn()},
			},
		},
	})
	policy := managedPolicy(v, "DefaultSecurityGroupCloser")

	calls := []struct {
		id, action string
		permission map[string]any
	}{
		{"RevokeDefaultIngress", "revokeSecurityGroupIngress", map[string]any{
			"IpProtocol":       "-1",
			"UserIdGroupPairs": []any{map[string]any{"GroupId": *sg, "UserId": account}},
		}},
		{"RevokeDefaultEgress", "revokeSecurityGroupEgress", map[string]any{
			"IpProtocol": "-1",
			"IpRanges":   []any{map[string]any{"CidrIp": "0.0.0.0/0"}},
		}},
	}
	for _, c := range calls {
		call := &customresources.AwsSdkCall{
			Service:    jsii.String("EC2"),
			Action:     jsii.String(c.action),
			Parameters: map[string]any{"GroupId": *sg, "IpPermissions": []any{c.permission}},
			// One physical id per group: a replaced VPC (new default group)
			// is revoked again, an unchanged one is left alone.
			PhysicalResourceId: customresources.PhysicalResourceId_Of(jsii.String(*sg + "-" + c.id)),
			// A rule already revoked (by hand, or by a re-run) is not an error.
			IgnoreErrorCodesMatching: jsii.String("InvalidPermission.NotFound"),
		}
		cr := customresources.NewAwsCustomResource(v, jsii.String(c.id), &customresources.AwsCustomResourceProps{
			OnCreate:            call,
			OnUpdate:            call,
			Role:                v.DefaultSecurityGroupCloser.WithoutPolicyUpdates(nil),
			LogGroup:            v.DefaultSecurityGroupLogs,
			InstallLatestAwsSdk: jsii.Bool(false),
			// Explicit: one SDK call needs little memory, but Lambda scales
			// CPU with memory and the EC2 client of SDK v3 loads faster.
			MemorySize:   jsii.Number(256),
			ResourceType: jsii.String("Custom::VpcDefaultSecurityGroupRevoke"),
		})
		// The function runs as soon as the custom resource is created; make
		// sure its permissions are attached by then.
		cr.Node().AddDependency(policy)
	}
	v.suppressSingletonFindings()
	nag.SuppressDefault(v.Vpc, "NIST.800.53.R5-VPCDefaultSecurityGroupClosed",
		"The default security group is closed by this construct's RevokeDefaultIngress and RevokeDefaultEgress custom resources "+
			"(own role, scoped to this group); the rule only recognises CDK's RestrictDefaultSecurityGroup custom resource, which is "+
			"off because its role has an unconditioned trust policy and statements without a Sid.")
}

// suppressSingletonFindings answers cdk-nag's Lambda rules on the
// AwsCustomResource function, which CDK builds and owns: a deploy-time helper
// that CloudFormation invokes when the VPC is created or replaced.
func (v *ThreeTierVpc) suppressSingletonFindings() {
	fn := awscdk.Stack_Of(v).Node().TryFindChild(jsii.String(singletonID()))
	if fn == nil {
		panic(fmt.Sprintf("threetiervpc: AwsCustomResource function %s not found", singletonID()))
	}
	res := fn.Node().DefaultChild()
	nag.Suppress(res, "NIST.800.53.R5-LambdaConcurrency",
		"CloudFormation invokes this deploy-time function a few times per VPC lifetime, so there is no burst to cap; "+
			"reserving concurrency would also fail in new accounts whose concurrency quota is 10, where unreserved concurrency may not drop below 10.")
	dlq := "CloudFormation invokes this custom-resource handler and waits for its response: a failure fails and rolls back the stack " +
		"with the error in the stack events and the encrypted function log, so a dead-letter queue would only hold events nobody acts on."
	nag.Suppress(res, "NIST.800.53.R5-LambdaDLQ", dlq)
	nag.Suppress(res, "Serverless-LambdaDLQ", dlq)
	nag.Suppress(res, "NIST.800.53.R5-LambdaInsideVPC",
		"The function calls only the EC2 API to revoke the default security group's rules of the VPC being created; placing it in that VPC "+
			"would make it depend on its own target and NAT, add ENIs that delay stack deletion, and need ec2:CreateNetworkInterface on *.")
	nag.Suppress(res, "Serverless-LambdaTracing",
		"The function makes one EC2 API call at deploy time; the call is recorded in CloudTrail and the function's encrypted log, "+
			"so X-Ray tracing would add xray:PutTraceSegments on * and nothing to learn.")
}
