package grant

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/validate"
)

// rolePolicyID is the id of the policy Role creates under a role.
const rolePolicyID = "GrantPolicy"

// roleGrantee adapts a role to Grantee.
type roleGrantee struct {
	awsiam.IRole
}

// Role adapts any role to Grantee, for roles Groundwork's constructs do not
// own (a CodeBuild project's, a Step Functions state machine's, …). Grants
// go into one customer-managed policy attached to r: "GrantPolicy" under r,
// in r's stack, created on the first grant and reused by every later one
// (and by every later Role(r)). An imported role that is not a construct
// scope gets the policy in its stack instead, named after its unique id.
//
// Role does not guard r's default inline policy; constructs that create
// roles call GuardRole. It panics with a *validate.Error when r is nil.
func Role(r awsiam.IRole) Grantee {
	if isNil(r) {
		validate.Check("grant.Role", "", validate.Fail("r", nil, "Role adapts a role and needs one",
			"pass the role, e.g. project.Role()"))
	}
	return &roleGrantee{IRole: r}
}

// GrantPolicy returns the role's grant policy, creating it on first use.
func (g *roleGrantee) GrantPolicy() awsiam.ManagedPolicy {
	scope, id := constructs.Construct(nil), rolePolicyID
	if c, ok := g.IRole.(constructs.Construct); ok {
		scope = c
	} else {
		scope, id = awscdk.Stack_Of(g.IRole), rolePolicyID+uid(g.IRole)
	}
	if existing := scope.Node().TryFindChild(jsii.String(id)); existing != nil {
		return existing.(awsiam.ManagedPolicy)
	}
	return awsiam.NewManagedPolicy(scope, jsii.String(id), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Grants to " + describe(g.IRole) + " (package grant)"),
		Roles:       &[]awsiam.IRole{g.IRole},
	})
}
