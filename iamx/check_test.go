package iamx_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// PolicyStatement is a jsii object: the tests need the kernel.
func TestMain(m *testing.M) { testkit.Main(m) }

const table = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"

// allow is an Allow statement; edit changes its props before it is built.
func allow(sid string, actions []string, resources []string, edit ...func(*awsiam.PolicyStatementProps)) awsiam.PolicyStatement {
	p := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
	if sid == "" {
		p.Sid = nil
	}
	for _, e := range edit {
		e(p)
	}
	return awsiam.NewPolicyStatement(p)
}

func deny(p *awsiam.PolicyStatementProps) { p.Effect = awsiam.Effect_DENY }

func TestCheckStatements(t *testing.T) {
	const (
		unique = `IAM rejects the policy at deploy: "Statement IDs (SID) in a single policy must be unique"`
		noStar = `only actions without resource-level permissions may use * (the guidance: never use * in Resource); name the resource ARNs, e.g. the table's ARN`
	)
	getItem := []string{"dynamodb:GetItem"}
	tests := []struct {
		name       string
		statements []awsiam.PolicyStatement
		reserved   map[string]bool
		want       []string
	}{
		// Statements that pass.
		{"explicit actions on named resources", []awsiam.PolicyStatement{
			allow("ReadOrders", []string{"dynamodb:GetItem", "dynamodb:Query"}, []string{table, table + "/index/*"}),
			allow("WriteOrders", []string{"dynamodb:PutItem"}, []string{table}),
		}, map[string]bool{"WriteLogs": true}, nil},
		{"resource * for an action without resource-level permissions", []awsiam.PolicyStatement{
			allow("WriteXRayTraces", []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, []string{"*"}),
		}, nil, nil},
		{"a Deny may use * in actions and resources", []awsiam.PolicyStatement{
			allow("DenyDeletes", []string{"dynamodb:Delete*"}, []string{"*"}, deny),
		}, nil, nil},
		{"no statements", nil, nil, nil},

		// One rule each.
		{"nil statement", []awsiam.PolicyStatement{nil}, nil,
			[]string{`S[0] = <nil>: the statement is nil; remove it`}},
		{"no Sid", []awsiam.PolicyStatement{allow("", getItem, []string{table})}, nil,
			[]string{`S[0].Sid = "": every statement needs a readable Sid (security invariants); set Sid, e.g. "ReadOrdersTable"`}},
		{"Sid with a hyphen", []awsiam.PolicyStatement{allow("Read-Orders", getItem, []string{table})}, nil,
			[]string{`S[0].Sid = "Read-Orders": a Sid is letters and digits only; remove the other characters, e.g. "ReadOrders"`}},
		{"Sid of punctuation only", []awsiam.PolicyStatement{allow("--", getItem, []string{table})}, nil,
			[]string{`S[0].Sid = "--": a Sid is letters and digits only; remove the other characters`}},
		{"Sid already in the policy", []awsiam.PolicyStatement{allow("WriteLogs", getItem, []string{table})}, map[string]bool{"WriteLogs": true},
			[]string{`S[0].Sid = "WriteLogs": the Sid is already used in the policy (` + unique + `); choose a unique Sid`}},
		{"Sid repeated among the statements", []awsiam.PolicyStatement{
			allow("Orders", getItem, []string{table}),
			allow("Other", getItem, []string{table}),
			allow("Orders", []string{"dynamodb:PutItem"}, []string{table}),
		}, nil, []string{`S[2].Sid = "Orders": the Sid is already used by S[0] (` + unique + `); choose a unique Sid`}},
		{"NotAction", []awsiam.PolicyStatement{allow("AllButIam", nil, []string{table}, func(p *awsiam.PolicyStatementProps) {
			p.NotActions = jsii.Strings("iam:*")
		})}, nil, []string{
			`S[0] = "AllButIam": NotAction and NotResource grant everything else; list the actions and resources explicitly`,
			`S[0].Actions = []: the statement grants no action; list the actions explicitly`,
		}},
		{"NotResource", []awsiam.PolicyStatement{allow("NotOrders", getItem, nil, func(p *awsiam.PolicyStatementProps) {
			p.NotResources = jsii.Strings(table)
		})}, nil, []string{
			`S[0] = "NotOrders": NotAction and NotResource grant everything else; list the actions and resources explicitly`,
			`S[0].Resources = []: the statement names no resource; name the resource ARNs`,
		}},
		{"principal", []awsiam.PolicyStatement{allow("Trust", getItem, []string{table}, func(p *awsiam.PolicyStatementProps) {
			p.Principals = &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)}
		})}, nil, []string{`S[0] = "Trust": a role's permissions are an identity policy and name no principal; remove the principal`}},
		{"no action", []awsiam.PolicyStatement{allow("Nothing", nil, []string{table})}, nil,
			[]string{`S[0].Actions = []: the statement grants no action; list the actions explicitly`}},
		{"wildcard action", []awsiam.PolicyStatement{allow("ReadOrders", []string{"dynamodb:GetItem", "dynamodb:Batch*"}, []string{table})}, nil,
			[]string{`S[0].Actions = "dynamodb:Batch*": no * in an Allow statement's actions (the guidance: never use * in Action); list the actions explicitly`}},
		{"no resource", []awsiam.PolicyStatement{allow("ReadOrders", getItem, nil)}, nil,
			[]string{`S[0].Resources = []: the statement names no resource; name the resource ARNs`}},
		{"resource * for an action with resource-level permissions", []awsiam.PolicyStatement{
			allow("Traces", []string{"xray:PutTraceSegments", "dynamodb:GetItem"}, []string{"*"}),
		}, nil, []string{`S[0].Resources = "*": dynamodb:GetItem on every resource: ` + noStar}},

		// Problems of several statements are all reported, in order.
		{"several problems", []awsiam.PolicyStatement{
			allow("", []string{"s3:*"}, []string{"*"}),
			allow("Ok", getItem, []string{table}),
			nil,
		}, nil, []string{
			`S[0].Sid = "": every statement needs a readable Sid (security invariants); set Sid, e.g. "ReadOrdersTable"`,
			`S[0].Actions = "s3:*": no * in an Allow statement's actions (the guidance: never use * in Action); list the actions explicitly`,
			`S[0].Resources = "*": s3:* on every resource: ` + noStar,
			`S[2] = <nil>: the statement is nil; remove it`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, err := range iamx.CheckStatements("S", tc.statements, tc.reserved) {
				got = append(got, err.Error())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("CheckStatements:\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

// TestCheckStatementsLeavesReservedAlone checks that the caller's set of Sids
// is only read: the caller records the Sids once the statements are added.
func TestCheckStatementsLeavesReservedAlone(t *testing.T) {
	reserved := map[string]bool{"WriteLogs": true}
	iamx.CheckStatements("S", []awsiam.PolicyStatement{allow("ReadOrders", []string{"dynamodb:GetItem"}, []string{table})}, reserved)
	if len(reserved) != 1 {
		t.Errorf("reserved = %v, want it unchanged", reserved)
	}
}
