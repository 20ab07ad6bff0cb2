package boundary_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/boundary"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// synth builds one stack whose ceiling has every kind of action: scoped ones
// of two services, S3 object actions, an action without resource-level
// permissions, and headroom (one repeating an action).
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	stack := testkit.NewStack(app, "Bounded")
	awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
	boundary.Attach(stack, boundary.Ceiling{
		Actions:  []string{"s3:PutObject", "dynamodb:GetItem", "s3:GetObject", "xray:PutTraceSegments", "dynamodb:GetItem"},
		Headroom: map[string]string{"sqs:SendMessage": "a dead-letter queue when one is configured", "s3:GetObject": "repeated"},
	})
	return app
})

func TestCeilingAll(t *testing.T) {
	c := boundary.Ceiling{Actions: []string{"b:X", "a:Y", "b:X"}, Headroom: map[string]string{"c:Z": "r", "a:Y": "r"}}
	if got, want := c.All(), []string{"a:Y", "b:X", "c:Z"}; !reflect.DeepEqual(got, want) {
		t.Errorf("All() = %v, want %v", got, want)
	}
}

// TestBoundaryStatements pins each statement of the boundary: the deny of the
// privilege-escalation paths, and each allow's account (and region) pin.
func TestBoundaryStatements(t *testing.T) {
	s := synth.Stack(t, "Bounded")
	var doc struct {
		Statement []map[string]any
	}
	var policies int
	var id string
	for lid, r := range s.Template["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::IAM::ManagedPolicy" {
			continue
		}
		policies++
		id = lid
		b, _ := json.Marshal(res["Properties"].(map[string]any)["PolicyDocument"])
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
	}
	if policies != 1 {
		t.Fatalf("want one managed policy, got %d", policies)
	}
	want := []map[string]any{
		{"Sid": "AllowWorkloadActionsInThisAccountAndRegion", "Effect": "Allow",
			"Action":   []any{"dynamodb:GetItem", "sqs:SendMessage"},
			"Resource": []any{"arn:aws:dynamodb:eu-west-1:123456789012:*", "arn:aws:sqs:eu-west-1:123456789012:*"}},
		{"Sid": "AllowObjectActionsOnThisAccountsBuckets", "Effect": "Allow",
			"Action": []any{"s3:GetObject", "s3:PutObject"}, "Resource": "arn:aws:s3:::*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceAccount": "123456789012"}}},
		{"Sid": "AllowActionsWithoutResourceLevelPermissions", "Effect": "Allow",
			"Action": "xray:PutTraceSegments", "Resource": "*"},
		{"Sid": "DenyPrivilegeEscalation", "Effect": "Deny",
			"Action": []any{"account:*", "iam:*", "organizations:*", "sts:AssumeRole"}, "Resource": "*"},
	}
	if len(doc.Statement) != len(want) {
		t.Errorf("want %d statements, got %d: %v", len(want), len(doc.Statement), doc.Statement)
	}
	for i, w := range want {
		if i >= len(doc.Statement) {
			break
		}
		if got := doc.Statement[i]; !reflect.DeepEqual(got, w) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(w)
			t.Errorf("statement %d:\n got %s\nwant %s", i, gj, wj)
		}
	}
	// The role is capped by it.
	s.HasResourceProperties(t, "AWS::IAM::Role", map[string]any{"PermissionsBoundary": map[string]any{"Ref": id}})
}
