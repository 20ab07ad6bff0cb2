// Package grant gives a Groundwork workload access to a resource in one call,
// the library's way: explicit actions, a Sid on every statement, KMS use only
// through the service that needs it (kms:ViaService and, where the service
// documents one, the encryption context), and the policy kept with the
// grantee, so that a grant across stacks makes the grantee's stack depend on
// the resource's stack and never the reverse (no dependency cycle).
//
//	grant.BucketRead(fn, invoices.Bucket)   // fn is a *hardenedfunction.HardenedFunction
//	grant.TableActions(svc, orders, "dynamodb:GetItem", "dynamodb:PutItem")
//
// The plain CDK path (bucket.GrantRead(fn.Function), table.GrantWriteData(...))
// writes wildcard actions without a Sid into an inline policy; Groundwork's
// constructs refuse it at synthesis with a message that names the grant
// function to use instead.
package grant

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
)

// Grantee is a workload that can be granted access: a HardenedFunction, a
// FargateService (its task role), or any role wrapped with Role.
type Grantee interface {
	constructs.IConstruct
	// GrantPolicy is the customer-managed policy, attached to the grantee's
	// role and created in the grantee's stack, that grants add their
	// statements to. Implementations create it on first use.
	GrantPolicy() awsiam.ManagedPolicy
}

// GuardRole makes synthesis fail, naming the call to use instead, when a CDK
// L2 grant (bucket.GrantRead(fn.Function), table.GrantWriteData(role), …) or
// any other statement that breaks Groundwork's invariants lands in role's
// default inline policy. owner is the construct whose validation reports it.
// Constructs call it on every role they create, so that the plain CDK path
// never silently does nothing and never silently widens a role.
func GuardRole(owner constructs.IConstruct, role awsiam.IRole) {
	// TODO(grant helper): implement with owner.Node().AddValidation.
}
