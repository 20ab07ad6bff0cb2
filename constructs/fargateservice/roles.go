package fargateservice

import (
	"errors"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// ecsTasks is the service principal of both roles.
const ecsTasks = "ecs-tasks.amazonaws.com"

// pullActions read image layers from one ECR repository.
var pullActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"}

// ecsSourceArn pins a role's trust policy to ECS in this account and region:
// AWS's documented confused-deputy condition for ecs-tasks.amazonaws.com.
func (fs *FargateService) ecsSourceArn() string {
	stack := awscdk.Stack_Of(fs)
	return "arn:" + *stack.Partition() + ":ecs:" + *stack.Region() + ":" + *stack.Account() + ":*"
}

// newExecutionRole creates the role ECS itself uses to start a task: pull the
// image, write the log stream and read exactly the injected secrets. Nothing
// else; the application's own permissions live on the task role.
func (fs *FargateService) newExecutionRole(s *settings, images ...image) {
	var statements []iamx.Statement
	var repoArns []string
	for _, img := range images {
		if img.repository != nil {
			repoArns = appendUnique(repoArns, *img.repository.RepositoryArn())
		}
	}
	if len(repoArns) > 0 {
		statements = append(statements,
			iamx.Statement{
				Sid:     "PullImageAuthorization",
				Actions: []string{"ecr:GetAuthorizationToken"},
				// The registry token is account-wide; the API takes no resource.
				Resources: []string{"*"},
			},
			iamx.Statement{
				Sid:       "PullImage",
				Actions:   pullActions,
				Resources: repoArns,
			})
	}
	statements = append(statements, iamx.Statement{
		Sid:     "WriteLogs",
		Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		// The log group's Arn attribute ends in ":*", which covers its streams.
		Resources: []string{*fs.LogGroup.LogGroupArn()},
	})

	var secretArns, keyArns []string
	for _, name := range slices.Sorted(maps.Keys(s.SecretsManager)) {
		secret := s.SecretsManager[name]
		// A complete ARN ends in the six random characters Secrets Manager
		// appends; a partial one gets "-??????", as the L2 grant does.
		arn := *secret.SecretArn() + "-??????"
		if full := secret.SecretFullArn(); full != nil {
			arn = *full
		}
		secretArns = appendUnique(secretArns, arn)
		if key := secret.EncryptionKey(); key != nil {
			keyArns = appendUnique(keyArns, *key.KeyArn())
		}
	}
	if len(secretArns) > 0 {
		statements = append(statements, iamx.Statement{
			Sid: "ReadSecrets", Actions: []string{"secretsmanager:GetSecretValue"}, Resources: secretArns,
		})
	}
	var paramArns []string
	for _, name := range slices.Sorted(maps.Keys(s.Parameters)) {
		paramArns = appendUnique(paramArns, *s.Parameters[name].ParameterArn())
	}
	if len(paramArns) > 0 {
		statements = append(statements, iamx.Statement{
			Sid: "ReadParameters", Actions: []string{"ssm:GetParameters"}, Resources: paramArns,
		})
	}
	for _, key := range s.SecretKeys {
		keyArns = appendUnique(keyArns, *key.KeyArn())
	}
	if len(keyArns) > 0 {
		region := *awscdk.Stack_Of(fs).Region()
		statements = append(statements, iamx.Statement{
			Sid: "DecryptSecrets", Actions: []string{"kms:Decrypt"}, Resources: keyArns,
			// Only when Secrets Manager or SSM decrypts on the role's behalf.
			Conditions: map[string]map[string]any{"StringEquals": {"kms:ViaService": []string{
				"secretsmanager." + region + ".amazonaws.com",
				"ssm." + region + ".amazonaws.com",
			}}},
		})
	}

	fs.ExecutionRole = iamx.NewServiceRole(fs, "ExecutionRole", iamx.RoleProps{
		Service:     ecsTasks,
		SourceArn:   fs.ecsSourceArn(),
		Description: "ECS task execution role of " + *fs.Node().Path() + ": image pull, log writes, secret reads",
		Statements:  statements,
	})
	if len(repoArns) > 0 {
		nag.Suppress(fs.Node().FindChild(jsii.String("ExecutionRolePolicy")).Node().DefaultChild(), "AwsSolutions-IAM5",
			"ecr:GetAuthorizationToken has no resource-level permissions (the registry token is account-wide), so its "+
				"Resource is *; the layer and image reads are scoped to the repositories of the task's images.",
			"Resource::*")
	}
}

// newTaskRole creates the application's role; its permissions come from
// TaskRoleStatements, AddToTaskRolePolicy and the grant package, all through
// one customer-managed policy (GrantPolicy).
func (fs *FargateService) newTaskRole() {
	fs.TaskRole = iamx.NewServiceRole(fs, "TaskRole", iamx.RoleProps{
		Service:     ecsTasks,
		SourceArn:   fs.ecsSourceArn(),
		Description: "Task role of " + *fs.Node().Path() + ": the application's own AWS access",
	})
}

// GrantPolicy returns the customer-managed policy attached to the task role,
// in the service's stack, that TaskRoleStatements, AddToTaskRolePolicy and
// the grant package (grant.BucketRead(svc, bucket), …) add their statements
// to. It is created on the first call; the service waits for it, so that
// tasks start with their permissions in place. It implements grant.Grantee.
func (fs *FargateService) GrantPolicy() awsiam.ManagedPolicy {
	if fs.taskPolicy == nil {
		fs.taskPolicy = awsiam.NewManagedPolicy(fs, jsii.String("TaskRolePolicy"), &awsiam.ManagedPolicyProps{
			Description: jsii.String("Permissions of " + *fs.TaskRole.Node().Path()),
			Roles:       &[]awsiam.IRole{fs.TaskRole},
		})
		fs.Service.Node().AddDependency(fs.taskPolicy)
	}
	return fs.taskPolicy
}

// AddToTaskRolePolicy grants the application the given statements through the
// task role's customer-managed policy (GrantPolicy). Each statement needs a
// Sid not yet added through this method, explicit actions (no "*") and no
// bare "*" resource (the rules of iamx.CheckStatements); it panics with a
// *validate.Error otherwise.
//
// Use it, or the grant package, instead of L2 grants
// (bucket.GrantRead(svc.TaskRole), svc.TaskDefinition.AddToTaskRolePolicy):
// those write wildcard actions without a Sid into the role's inline default
// policy, and the construct fails synthesis when they do (grant.GuardRole).
func (fs *FargateService) AddToTaskRolePolicy(statements ...awsiam.PolicyStatement) {
	validate.Check("fargateservice", *fs.Node().Path(), errors.Join(iamx.CheckStatements("AddToTaskRolePolicy", statements, fs.taskSids)...))
	if len(statements) == 0 {
		return
	}
	if fs.taskSids == nil {
		fs.taskSids = map[string]bool{}
	}
	for _, st := range statements {
		fs.taskSids[*st.Sid()] = true
	}
	fs.GrantPolicy().AddStatements(statements...)
}

func appendUnique(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
