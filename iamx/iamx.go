// Package iamx builds IAM statements and roles the way Groundwork requires them:
// every statement has a Sid, actions are listed explicitly, and every service
// trust policy is pinned to the account (and, where possible, the source ARN).
//
// Constructs use it instead of the L2 grant helpers, whose statements carry no
// Sid and often use action wildcards such as kms:GenerateDataKey*.
package iamx

import (
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Statement describes one policy statement in plain Go.
type Statement struct {
	// Sid is the readable statement id; required by the security invariants.
	Sid string
	// Deny makes the statement a Deny. Default: Allow.
	Deny bool
	// Actions are explicit IAM actions, e.g. "s3:GetObject".
	Actions []string
	// Resources are ARNs (tokens allowed).
	Resources []string
	// Principals for resource policies; empty for identity policies.
	Principals []awsiam.IPrincipal
	// Conditions, as in the JSON policy language: operator → key → value.
	Conditions map[string]map[string]any
}

// Build converts s to an awsiam.PolicyStatement.
func (s Statement) Build() awsiam.PolicyStatement {
	effect := awsiam.Effect_ALLOW
	if s.Deny {
		effect = awsiam.Effect_DENY
	}
	props := &awsiam.PolicyStatementProps{
		Sid:       jsii.String(s.Sid),
		Effect:    effect,
		Actions:   jsii.Strings(s.Actions...),
		Resources: jsii.Strings(s.Resources...),
	}
	if len(s.Principals) > 0 {
		props.Principals = &s.Principals
	}
	if len(s.Conditions) > 0 {
		c := make(map[string]any, len(s.Conditions))
		for op, kv := range s.Conditions {
			c[op] = kv
		}
		props.Conditions = &c
	}
	return awsiam.NewPolicyStatement(props)
}

// Document builds a policy document from statements.
func Document(statements ...Statement) awsiam.PolicyDocument {
	built := make([]awsiam.PolicyStatement, 0, len(statements))
	for _, s := range statements {
		built = append(built, s.Build())
	}
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &built})
}

// RoleProps configures NewServiceRole.
type RoleProps struct {
	// Service is the principal that assumes the role, e.g. "lambda.amazonaws.com".
	// Default: none (required).
	Service string
	// SourceArn pins the trust policy to the resource(s) the service acts for,
	// e.g. "arn:aws:lambda:eu-west-1:111111111111:function:*".
	// Default: only the account is pinned (aws:SourceAccount).
	SourceArn string
	// Description is shown in the IAM console.
	// Default: none.
	Description string
	// Statements form the role's own customer-managed policy (NIST 800-53 and
	// the guidance prefer managed policies to inline ones).
	// Default: none (no policy; the role has no permissions).
	Statements []Statement
}

// NewServiceRole creates a role for one workload. Its trust policy carries a
// Sid and the aws:SourceAccount (and aws:SourceArn) conditions that AWS's
// confused-deputy guidance asks for; its permissions are the given statements.
//
// Pass role.WithoutPolicyUpdates() to L2 constructs that take a role, so that
// their automatic grants (which carry no Sid) cannot widen it.
func NewServiceRole(scope constructs.Construct, id string, props RoleProps) awsiam.Role {
	stack := awscdk.Stack_Of(scope)
	roleProps := &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String(props.Service), nil),
		Description: jsii.String(props.Description),
	}
	role := awsiam.NewRole(scope, jsii.String(id), roleProps)
	if len(props.Statements) > 0 {
		awsiam.NewManagedPolicy(scope, jsii.String(id+"Policy"), &awsiam.ManagedPolicyProps{
			Description: jsii.String("Permissions of " + *role.Node().Path()),
			Document:    Document(props.Statements...),
			Roles:       &[]awsiam.IRole{role},
		})
	}
	conditions := map[string]map[string]any{
		"StringEquals": {"aws:SourceAccount": *stack.Account()},
	}
	if props.SourceArn != "" {
		conditions["ArnLike"] = map[string]any{"aws:SourceArn": props.SourceArn}
	}
	// The L2 Role renders its trust policy without a Sid and without
	// conditions; replace it whole.
	cfn := role.Node().DefaultChild().(awsiam.CfnRole)
	cfn.AddPropertyOverride(jsii.String("AssumeRolePolicyDocument"), map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":       "TrustService",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": props.Service},
			"Action":    "sts:AssumeRole",
			"Condition": conditions,
		}},
	})
	return role
}

// DenyInsecureTransport is the resource-policy statement that refuses any
// request not made over TLS, e.g. DenyInsecureTransport("sqs:*", queueArn).
// The L2 enforceSSL props add the same statement without a Sid.
func DenyInsecureTransport(action string, resources ...string) Statement {
	return Statement{
		Sid: "DenyInsecureTransport", Deny: true,
		Principals: []awsiam.IPrincipal{awsiam.NewStarPrincipal()},
		Actions:    []string{action},
		Resources:  resources,
		Conditions: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
	}
}

var notAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// SidSafe strips what a Sid may not contain (Sids are alphanumeric), e.g. to
// build a Sid from a construct id.
func SidSafe(s string) string { return notAlnum.ReplaceAllString(s, "") }
