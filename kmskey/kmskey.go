// Package kmskey creates the customer-managed KMS keys Groundwork encrypts
// business data with: rotation on, and a key policy whose only "kms:*" is the
// account-root statement that keeps the key manageable. A service that must
// use the key itself (CloudWatch Logs, for instance) gets an explicit,
// Sid-named statement with its actions listed and a confused-deputy condition.
//
// Every key policy also denies kms:CreateGrant unless the grant is for an AWS
// resource or the caller is an AWS service (AWS Control Tower control
// CT.KMS.PR.3): a principal can no longer hand its key access on to another
// principal through a grant, while the services that create grants on a
// caller's behalf (Lambda environment encryption, DynamoDB, Secrets Manager,
// RDS, EBS, ...) keep working — their grants are for AWS resources.
package kmskey

import (
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/iamx"
)

// DenyCreateGrant is the key-policy statement of Control Tower control
// CT.KMS.PR.3, in the exact shape its guard rule accepts: Deny kms:CreateGrant
// to every principal when kms:GrantIsForAWSResource and
// aws:PrincipalIsAWSService are both false (BoolIfExists). Conditions in one
// operator are ANDed, so a grant that an AWS service creates for an AWS
// resource (kms:GrantIsForAWSResource true), or a call made by a service
// principal itself, is not denied; it overrides the account-root kms:* only for
// grants to non-AWS resources.
func DenyCreateGrant() iamx.Statement {
	return iamx.Statement{
		Sid:        audit.DenyCreateGrantSid,
		Deny:       true,
		Actions:    []string{"kms:CreateGrant"},
		Resources:  []string{"*"}, // in a key policy, * is this key
		Principals: []awsiam.IPrincipal{awsiam.NewStarPrincipal()},
		Conditions: map[string]map[string]any{
			"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"},
		},
	}
}

// ServiceGrant lets a service principal use the key.
type ServiceGrant struct {
	// Sid names the key-policy statement.
	Sid string
	// Service is the service principal, e.g. "logs.eu-west-1.amazonaws.com".
	Service string
	// Actions are the explicit KMS actions it may call.
	Actions []string
	// Conditions pin the grant (confused-deputy keys or encryption context).
	Conditions map[string]map[string]any
}

// New creates a key with annual rotation, removal policy removal, and a
// policy made of the account-root administration statement, the grants, and
// DenyCreateGrant (last).
func New(scope constructs.Construct, id, description string, removal awscdk.RemovalPolicy, grants ...ServiceGrant) awskms.Key {
	statements := []iamx.Statement{{
		Sid:        "AllowAccountAdministration",
		Actions:    []string{"kms:*"},
		Resources:  []string{"*"},
		Principals: []awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
	}}
	for _, g := range grants {
		statements = append(statements, iamx.Statement{
			Sid:        g.Sid,
			Actions:    g.Actions,
			Resources:  []string{"*"}, // in a key policy, * is this key
			Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(g.Service), nil)},
			Conditions: g.Conditions,
		})
	}
	statements = append(statements, DenyCreateGrant())
	return awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
		Policy:            iamx.Document(statements...),
	})
}

// CloudWatchLogs lets CloudWatch Logs encrypt and decrypt the named log
// groups with the key, pinned by the encryption context AWS documents for it
// (kms:EncryptionContext:aws:logs:arn). Without names it covers this account's
// log groups in this region: a log group named by CloudFormation references
// the key, so the key cannot name it back.
func CloudWatchLogs(scope constructs.Construct, logGroupNames ...string) ServiceGrant {
	stack := awscdk.Stack_Of(scope)
	prefix := "arn:" + *stack.Partition() + ":logs:" + *stack.Region() + ":" + *stack.Account() + ":log-group:"
	var groups any = prefix + "*"
	if len(logGroupNames) > 0 {
		arns := make([]string, len(logGroupNames))
		for i, n := range logGroupNames {
			arns[i] = prefix + n
		}
		groups = arns
		if len(arns) == 1 {
			groups = arns[0]
		}
	}
	return ServiceGrant{
		Sid:     "AllowCloudWatchLogs",
		Service: "logs." + *stack.Region() + ".amazonaws.com",
		Actions: []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
			"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"},
		Conditions: map[string]map[string]any{
			"ArnLike": {"kms:EncryptionContext:aws:logs:arn": groups},
		},
	}
}

// logGroupChars are the characters a log group name may not contain.
var logGroupChars = regexp.MustCompile(`[^A-Za-z0-9._/#-]`)

// LogGroupName is a deterministic name for the log group id under scope:
// "/<stack name>/<path below the stack>/<id>". Naming log groups lets a key
// policy grant CloudWatch Logs exactly those groups (a generated name is
// unknown to the key, which the log group references).
func LogGroupName(scope constructs.Construct, id string) string {
	stack := awscdk.Stack_Of(scope)
	path := *scope.Node().Path()
	if sp := *stack.Node().Path(); sp != "" {
		path = strings.TrimPrefix(strings.TrimPrefix(path, sp), "/")
	}
	name := "/" + *stack.StackName()
	if path != "" {
		name += "/" + path
	}
	return logGroupChars.ReplaceAllString(name+"/"+id, "-")
}
