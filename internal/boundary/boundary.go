// Package boundary creates the customer-managed permissions boundary that caps
// every IAM role in a Groundwork stack.
//
// The boundary is a ceiling, not a grant: a role can do only what both its own
// policies and the boundary allow. Each stack's boundary allows exactly the
// actions its roles use plus a written headroom (Ceiling), in this account and
// region only, and denies the privilege-escalation paths outright (IAM,
// Organizations, and assuming other roles). The stacks' tests check both
// directions: every action a role is granted is inside its stack's ceiling (a
// construct that starts to need a new action fails loudly instead of being
// denied at run time), and the ceiling allows nothing beyond its roles' needs
// and the headroom.
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

// Ceiling is what the roles of one stack may do at most: the union of what
// its roles are granted, plus a written headroom. Keeping it per stack (and
// not one list for the whole platform) means that a role compromised in one
// stack cannot be widened, out of band, to another stack's actions.
type Ceiling struct {
	// Actions are the actions the stack's roles are granted today. Actions
	// without resource-level permissions (audit.WildcardResourceActions) are
	// allowed on "*"; s3: actions on this account's buckets; all others on
	// this account's resources in this region.
	Actions []string
	// Headroom are actions no role of the stack is granted today but that the
	// ceiling allows anyway, each with the reason (e.g. an action the stack's
	// constructs add when an optional feature is turned on).
	Headroom map[string]string
}

// All is the ceiling's actions and headroom, sorted and without repeats.
func (c Ceiling) All() []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range c.Actions {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	for a := range c.Headroom {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Attach creates the boundary policy of ceiling in stack and applies it to
// every role in the stack, including roles that CDK creates on its own. A
// stack without roles needs no boundary: do not call Attach for it.
func Attach(stack awscdk.Stack, ceiling Ceiling) awsiam.ManagedPolicy {
	all := ceiling.All()
	scoped, objects, unscoped := split(all)
	s3 := "arn:" + *stack.Partition() + ":s3:::*"
	// One ARN pattern per service: IAM does not accept a wildcard service.
	var resources []string
	for _, svc := range services(scoped) {
		resources = append(resources, "arn:"+*stack.Partition()+":"+svc+":"+*stack.Region()+":"+*stack.Account()+":*")
	}
	var statements []iamx.Statement
	if len(scoped) > 0 {
		statements = append(statements, iamx.Statement{
			Sid:       "AllowWorkloadActionsInThisAccountAndRegion",
			Actions:   scoped,
			Resources: resources,
		})
	}
	if len(objects) > 0 {
		// S3 ARNs name no account: pin the bucket owner instead.
		statements = append(statements, iamx.Statement{
			Sid:        "AllowObjectActionsOnThisAccountsBuckets",
			Actions:    objects,
			Resources:  []string{s3},
			Conditions: map[string]map[string]any{"StringEquals": {"aws:ResourceAccount": *stack.Account()}},
		})
	}
	if len(unscoped) > 0 {
		statements = append(statements, iamx.Statement{
			Sid:       "AllowActionsWithoutResourceLevelPermissions",
			Actions:   unscoped,
			Resources: []string{"*"},
		})
	}
	statements = append(statements, iamx.Statement{
		Sid:       "DenyPrivilegeEscalation",
		Deny:      true,
		Actions:   []string{"iam:*", "organizations:*", "account:*", "sts:AssumeRole"},
		Resources: []string{"*"},
	})
	policy := awsiam.NewManagedPolicy(stack, jsii.String("PermissionsBoundary"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Groundwork permissions boundary: the most any role in " + *stack.StackName() + " may do"),
		Document:    iamx.Document(statements...),
	})
	awsiam.PermissionsBoundary_Of(stack).Apply(policy)
	var appliesTo []string
	if len(unscoped) > 0 {
		appliesTo = append(appliesTo, "Resource::*")
	}
	if len(objects) > 0 {
		appliesTo = append(appliesTo, nag.ResourceFinding(stack, s3))
	}
	// cdk-nag prints the ARNs with literals, or <AWS::Region> and the like in
	// an environment-agnostic stack.
	for _, r := range resources {
		appliesTo = append(appliesTo, nag.ResourceFinding(stack, r))
	}
	nag.Suppress(policy.Node().DefaultChild(), "AwsSolutions-IAM5",
		"This is a permissions boundary, a ceiling that grants nothing: it caps the explicit, resource-scoped "+
			"grants of each role at this account and region. The only bare * resource is for actions that have "+
			"no resource-level permissions (audit.WildcardResourceActions).",
		appliesTo...)
	return policy
}

// split sorts actions into those scoped to this account and region, the s3:
// ones (S3 ARNs name no account or region), and those without resource-level
// permissions.
func split(all []string) (scoped, objects, unscoped []string) {
	for _, a := range all {
		switch {
		case audit.WildcardResourceActions[a] != "":
			unscoped = append(unscoped, a)
		case strings.HasPrefix(a, "s3:"):
			objects = append(objects, a)
		default:
			scoped = append(scoped, a)
		}
	}
	return scoped, objects, unscoped
}

// services returns the service prefixes of actions, sorted.
func services(actions []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range actions {
		svc, _, _ := strings.Cut(a, ":")
		if !seen[svc] {
			seen[svc] = true
			out = append(out, svc)
		}
	}
	sort.Strings(out)
	return out
}
