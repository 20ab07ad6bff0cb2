package hardenedfunction_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/boundary"
	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// visits records the paths an aspect on a HardenedFunction visited; filled
// during the package's one synthesis.
var visits = &pathRecorder{}

type pathRecorder struct{ paths []string }

// Visit implements awscdk.IAspect.
func (r *pathRecorder) Visit(node constructs.IConstruct) {
	r.paths = append(r.paths, *node.Node().Path())
}

// constructChecks are facts about the construct tree gathered while the
// Construct scenario is built (jsii calls stay on the test's goroutine).
var constructChecks = map[string]bool{}

// buildConstructScenario uses a HardenedFunction wherever CDK takes a
// construct: Tags_Of, Aspects_Of, Stack_Of, Annotations_Of, AddDependency in
// both directions, and as the scope of other constructs.
func buildConstructScenario(st awscdk.Stack) {
	before := hardenedfunction.New(st, "Before", node(func(*hardenedfunction.Props) {}))
	fn := hardenedfunction.New(st, "Fn", node(func(*hardenedfunction.Props) {}))
	after := hardenedfunction.New(st, "After", node(func(*hardenedfunction.Props) {}))
	fn.Node().AddDependency(before)
	after.Node().AddDependency(fn)
	awscdk.Tags_Of(fn).Add(jsii.String("CostCenter"), jsii.String("orders-42"), nil)
	awscdk.Aspects_Of(fn).Add(visits, nil)
	awscdk.Annotations_Of(fn).AddInfo(jsii.String("annotated through the construct"))
	child := constructs.NewConstruct(fn, jsii.String("Child"))
	awscdk.NewCfnOutput(child, jsii.String("FunctionName"), &awscdk.CfnOutputProps{Value: fn.Function.FunctionName()})

	constructChecks["Stack_Of is the stack"] = *awscdk.Stack_Of(fn).StackName() == *st.StackName()
	constructChecks["child path under the function"] = *child.Node().Path() == "Construct/Fn/Child"
	constructChecks["ToString is the path"] = *fn.ToString() == "Construct/Fn"
	constructChecks["function found as a child of the stack"] = st.Node().TryFindChild(jsii.String("Fn")) != nil
	constructChecks["the function holds the role itself, not an immutable wrapper"] = *fn.Function.Role().Node().Path() == *fn.Role.Node().Path()
	var g grant.Grantee = fn
	constructChecks["GrantPolicy is the role's managed policy"] = *g.GrantPolicy().Node().Path() == "Construct/Fn/RolePolicy"
}

func TestIsAConstruct(t *testing.T) {
	s := stack(t, "Construct")
	for name, ok := range constructChecks {
		t.Run(name, func(t *testing.T) {
			if !ok {
				t.Error("does not hold")
			}
		})
	}
	t.Run("Tags_Of tags the function's resources and only them", func(t *testing.T) {
		tag := map[string]any{"Key": "CostCenter", "Value": "orders-42"}
		for _, path := range []string{"Fn/Function", "Fn/Role", "Fn/Key", "Fn/DeadLetterQueue"} {
			props, _ := s.Resource(t, s.LogicalID(t, path))["Properties"].(map[string]any)
			if !strings.Contains(toJSON(t, props["Tags"]), toJSON(t, tag)) {
				t.Errorf("%s: tags %s lack %v", path, toJSON(t, props["Tags"]), tag)
			}
		}
		props, _ := s.Resource(t, s.LogicalID(t, "Before/Function"))["Properties"].(map[string]any)
		if strings.Contains(toJSON(t, props["Tags"]), "CostCenter") {
			t.Error("the tag leaked to a sibling function")
		}
	})
	t.Run("Aspects_Of visits the function's subtree", func(t *testing.T) {
		for _, want := range []string{"Construct/Fn", "Construct/Fn/Function", "Construct/Fn/Role"} {
			if !slices.Contains(visits.paths, want) {
				t.Errorf("aspect did not visit %s (visited %d paths)", want, len(visits.paths))
			}
		}
		for _, p := range visits.paths {
			if !strings.HasPrefix(p, "Construct/Fn") {
				t.Errorf("aspect visited %s, outside the function", p)
			}
		}
	})
	dependsOn := func(t *testing.T, from, to string) {
		t.Helper()
		deps, _ := s.Resource(t, s.LogicalID(t, from))["DependsOn"].([]any)
		if !slices.Contains(deps, any(s.LogicalID(t, to))) {
			t.Errorf("%s DependsOn %v, want %s", from, deps, to)
		}
	}
	t.Run("AddDependency on another construct", func(t *testing.T) { dependsOn(t, "Fn/Function", "Before/Function") })
	t.Run("AddDependency from another construct", func(t *testing.T) { dependsOn(t, "After/Function", "Fn/Function") })
	t.Run("as a scope", func(t *testing.T) {
		outputs, _ := s.Template["Outputs"].(map[string]any)
		var found bool
		for id, o := range outputs {
			if strings.HasPrefix(id, "FnChildFunctionName") {
				found = toJSON(t, o.(map[string]any)["Value"]) == toJSON(t, s.Ref(t, "Fn/Function"))
			}
		}
		if !found {
			t.Errorf("no output FnChildFunctionName… with the function's name: %v", outputs)
		}
	})
	t.Run("Annotations_Of", func(t *testing.T) {
		for _, m := range s.Messages {
			if m.Level == "info" && m.Path == "/Construct/Fn" && m.Text == "annotated through the construct" {
				return
			}
		}
		t.Errorf("no info message on /Construct/Fn: %v", s.Messages)
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

// buildAgnosticScenario puts functions, one in a VPC, in a stack without an
// account or region.
func buildAgnosticScenario(app awscdk.App) {
	st := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
	boundary.Attach(st, ceiling)
	hardenedfunction.New(st, "Hello", &hardenedfunction.Props{Entry: hello, LogGroupName: "/groundwork/agnostic/hello"})
	vpc := awsec2.Vpc_FromVpcAttributes(st, jsii.String("Network"), &awsec2.VpcAttributes{
		VpcId:                      jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:          jsii.Strings("zone-a", "zone-b"),
		PrivateSubnetIds:           jsii.Strings("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"),
		PrivateSubnetRouteTableIds: jsii.Strings("rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2"),
	})
	hardenedfunction.New(st, "InVpc", node(func(p *hardenedfunction.Props) { p.Vpc = vpc }))
}

func TestEnvironmentAgnostic(t *testing.T) {
	s := stack(t, "Agnostic")
	text := string(s.JSON)
	for _, literal := range []string{"eu-west-1", "us-east-1", "123456789012", `"arn:aws:`, "arn:aws:", ".amazonaws.com.cn"} {
		t.Run("no literal "+literal, func(t *testing.T) {
			if strings.Contains(text, literal) {
				i := strings.Index(text, literal)
				t.Errorf("template holds %q: …%s…", literal, text[max(0, i-120):min(len(text), i+120)])
			}
		})
	}
	t.Run("pseudo parameters instead", func(t *testing.T) {
		for _, ref := range []string{`{"Ref":"AWS::Region"}`, `{"Ref":"AWS::AccountId"}`, `{"Ref":"AWS::Partition"}`} {
			if !strings.Contains(strings.Join(strings.Fields(text), ""), ref) {
				t.Errorf("template has no %s", ref)
			}
		}
	})
	t.Run("trust pinned to the deploying account", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::IAM::Role", map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
				"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}},
			}}, "Version": "2012-10-17"},
		})
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

// TestVpcActionsMatchReference compares the VPC actions the construct grants
// with AWS's reference policy for VPC functions.
func TestVpcActionsMatchReference(t *testing.T) {
	ref := hardenedfunction.VPCAccessReference
	if ref.Version != "v3" || ref.Date == "" || !strings.HasSuffix(ref.Policy, "/AWSLambdaVPCAccessExecutionRole") {
		t.Fatalf("reference table %+v does not record the policy, version and date", ref)
	}
	for _, name := range []string{"Vpc", "Agnostic"} {
		t.Run(name, func(t *testing.T) {
			s := stack(t, name)
			var got []string
			for _, id := range s.Resources("AWS::IAM::ManagedPolicy") {
				doc := s.Resource(t, id)["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
				if !strings.Contains(toJSON(t, doc), "VpcNetwork") {
					continue
				}
				got = nil
				for _, st := range doc["Statement"].([]any) {
					m := st.(map[string]any)
					switch m["Sid"] {
					case "CreateVpcNetworkInterfaces", "ManageVpcNetworkInterfaces", "DescribeVpcNetwork":
						for _, a := range testkit.Strings(m["Action"]) {
							if strings.HasPrefix(a, "ec2:") {
								got = append(got, a)
							}
						}
					}
				}
				slices.Sort(got)
				if !slices.Equal(got, ref.Actions) {
					t.Errorf("%s grants %v; %s %s (%s) grants %v", id, got, ref.Policy, ref.Version, ref.Date, ref.Actions)
				}
			}
			if got == nil {
				t.Fatal("no VPC statements found")
			}
		})
	}
	t.Run("the Describe actions are allowed on * by the audit and the boundary", func(t *testing.T) {
		for _, a := range []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"} {
			if _, ok := audit.WildcardResourceActions[a]; !ok {
				t.Errorf("%s is not in audit.WildcardResourceActions", a)
			}
			if !slices.Contains(ceiling.All(), a) {
				t.Errorf("%s is not inside the permissions boundary", a)
			}
		}
	})
}

// TestGrants checks the two grant paths: the grant package's statements land
// in GrantPolicy and count for AddToPolicy's Sid check; a CDK L2 grant on the
// Function lands in the role (where grant.GuardRole reports it) instead of
// silently doing nothing.
func TestGrants(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Grants")
	fn := hardenedfunction.New(st, "Fn", node(func(*hardenedfunction.Props) {}))
	fn.GrantPolicy().AddStatements(statement("ReadInvoices", []string{"s3:GetObject"}, []string{"arn:aws:s3:::invoices/*"}))
	t.Run("AddToPolicy refuses a Sid the grant package used", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() {
			fn.AddToPolicy(statement("ReadInvoices", []string{"s3:ListBucket"}, []string{"arn:aws:s3:::invoices"}))
		})
		testkit.Contains(t, "message", msg, []string{`hardenedfunction "Grants/Fn"`, `AddToPolicy[0].Sid = "ReadInvoices"`, "already used in the policy", "choose a unique Sid"}...)
	})
	t.Run("AddToPolicy refuses the construct's own Sids", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() {
			fn.AddToPolicy(statement("UseFunctionKeyViaSqs", []string{"kms:Decrypt"}, []string{"arn:aws:kms:eu-west-1:123456789012:key/x"}))
		})
		if !strings.Contains(msg, `AddToPolicy[0].Sid = "UseFunctionKeyViaSqs"`) {
			t.Errorf("message:\n%s", msg)
		}
	})
	t.Run("an L2 grant reaches the role", func(t *testing.T) {
		bucket := awss3.Bucket_FromBucketName(st, jsii.String("Invoices"), jsii.String("invoices"))
		bucket.GrantRead(fn.Function, nil)
		def := fn.Role.Node().TryFindChild(jsii.String("DefaultPolicy"))
		if def == nil {
			t.Fatal("bucket.GrantRead(fn.Function) added nothing to the role: the grant would silently do nothing")
		}
		doc := awscdk.Stack_Of(fn).Resolve(def.(awsiam.Policy).Document())
		if !strings.Contains(toJSON(t, doc), "s3:GetObject") {
			t.Errorf("default policy %s lacks the grant", toJSON(t, doc))
		}
	})
}
