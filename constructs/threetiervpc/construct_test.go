package threetiervpc_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

// badInputCount counts the cases of every bad-input table in the package.
var badInputCount int

// recorder is an aspect that records the paths it visits.
type recorder struct{ visited []string }

func (r *recorder) Visit(node constructs.IConstruct) {
	r.visited = append(r.visited, *node.Node().Path())
}

var (
	aspect     = &recorder{}
	stackOfVpc string
)

// A second App for the construct contract and a region-only stack.
var contract = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	st := testkit.NewStack(app, "Construct")
	v := threetiervpc.New(st, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs[:2], NatGateways: 1})
	awscdk.Tags_Of(v).Add(jsii.String("CostCentre"), jsii.String("42"), nil)
	awscdk.Aspects_Of(v).Add(aspect, nil)
	stackOfVpc = *awscdk.Stack_Of(v).Node().Path()
	before := awscdk.NewCfnWaitConditionHandle(st, jsii.String("Before"), nil)
	after := awscdk.NewCfnWaitConditionHandle(st, jsii.String("After"), nil)
	v.Node().AddDependency(before)
	after.Node().AddDependency(v)
	v.NewSecurityGroup(v, "Inside", threetiervpc.RoleApp)
	awscdk.Annotations_Of(v).AddWarningV2(jsii.String("test:warning"), jsii.String("a warning on the ThreeTierVpc"), nil)

	// An explicit region without an account: AZ names fit the region, and
	// there is no AZ lookup to pin.
	regionOnly := awscdk.NewStack(app, jsii.String("RegionOnly"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	threetiervpc.New(regionOnly, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs[:2], NatGateways: 1})
	return app
})

func TestConstructContract(t *testing.T) {
	s := contract.Stack(t, "Construct")
	vpc := s.LogicalID(t, "Network/Vpc")
	tagged := []string{vpc, s.LogicalID(t, "Network/Vpc/PublicSubnet1/Subnet"), s.LogicalID(t, "Network/Key"), s.LogicalID(t, "Network/FlowLogs")}
	t.Run("Tags_Of lands on the construct's resources", func(t *testing.T) {
		for _, id := range tagged {
			tags, _ := s.Resource(t, id)["Properties"].(map[string]any)["Tags"].([]any)
			if !slices.ContainsFunc(tags, func(v any) bool {
				m, _ := v.(map[string]any)
				return m["Key"] == "CostCentre" && m["Value"] == "42"
			}) {
				t.Errorf("%s: Tags %v lack CostCentre=42", id, tags)
			}
		}
	})
	t.Run("Aspects_Of visits the construct's children", func(t *testing.T) {
		for _, want := range []string{"Construct/Network", "Construct/Network/Vpc/Resource", "Construct/Network/FlowLog/FlowLog"} {
			if !slices.Contains(aspect.visited, want) {
				t.Errorf("aspect did not visit %s", want)
			}
		}
	})
	t.Run("Stack_Of", func(t *testing.T) {
		if stackOfVpc != "Construct" {
			t.Errorf("Stack_Of(vpc) = %q, want Construct", stackOfVpc)
		}
	})
	t.Run("AddDependency on the construct: its resources wait", func(t *testing.T) {
		for _, id := range tagged {
			deps, _ := s.Resource(t, id)["DependsOn"].([]any)
			if !slices.Contains(deps, any(s.LogicalID(t, "Before"))) {
				t.Errorf("%s: DependsOn %v lacks Before", id, deps)
			}
		}
	})
	t.Run("AddDependency of another construct on it", func(t *testing.T) {
		deps, _ := s.Resource(t, s.LogicalID(t, "After"))["DependsOn"].([]any)
		for _, id := range tagged {
			if !slices.Contains(deps, any(id)) {
				t.Errorf("After: DependsOn lacks %s", id)
			}
		}
	})
	t.Run("as a scope", func(t *testing.T) {
		if r := s.Resource(t, s.LogicalID(t, "Network/Inside")); r["Type"] != "AWS::EC2::SecurityGroup" {
			t.Errorf("Network/Inside is a %v", r["Type"])
		}
	})
	t.Run("Annotations_Of", func(t *testing.T) {
		for _, m := range s.Messages {
			if m.Path == "/Construct/Network" && m.Level == "warning" && strings.HasPrefix(m.Text, "a warning on the ThreeTierVpc") {
				return
			}
		}
		t.Errorf("no warning on /Construct/Network")
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

func TestRegionOnlyStack(t *testing.T) {
	s := contract.Stack(t, "RegionOnly")
	for i, az := range threeAZs[:2] {
		r := s.Resource(t, s.LogicalID(t, "Network/Vpc/PublicSubnet"+string(rune('1'+i))+"/Subnet"))
		if got := r["Properties"].(map[string]any)["AvailabilityZone"]; got != az {
			t.Errorf("PublicSubnet%d in %v, want %s", i+1, got, az)
		}
	}
	testkit.RequireNagClean(t, s)
}

// An environment-agnostic stack must never get a region-locked template:
// New and PinAvailabilityZones reject it with the fix.
func TestEnvironmentAgnosticIsRejected(t *testing.T) {
	app := testkit.NewApp(nil)
	agnostic := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
	accountOnly := awscdk.NewStack(app, jsii.String("AccountOnly"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012")}})
	late := testkit.NewStack(app, "Late")
	constructs.NewConstruct(late, jsii.String("First"))
	pinned := awscdk.NewStack(app, jsii.String("Pinned"), &awscdk.StackProps{Env: testkit.TestEnv})
	fixEnv := "give the stack an explicit environment"
	tests := []struct {
		name string
		fn   func()
		want []string
	}{
		{"AZ names in an agnostic stack", func() {
			threetiervpc.New(agnostic, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs})
		}, []string{`threetiervpc "Agnostic/Network"`, `AvailabilityZones = "eu-west-1a,eu-west-1b,eu-west-1c"`,
			"no explicit region (an environment-agnostic stack", "would fail to deploy anywhere else", fixEnv, "PinAvailabilityZones"}},
		{"AZ names in a stack with an account but no region", func() {
			threetiervpc.New(accountOnly, "Network", &threetiervpc.Props{AvailabilityZones: threeAZs})
		}, []string{`threetiervpc "AccountOnly/Network"`, "no explicit region", fixEnv}},
		{"pin an agnostic stack", func() { threetiervpc.PinAvailabilityZones(agnostic, threeAZs...) },
			[]string{`threetiervpc "Agnostic"`, `stack = "Agnostic"`, "environment-agnostic (no explicit account and region)", fixEnv}},
		{"pin a stack without a region", func() { threetiervpc.PinAvailabilityZones(accountOnly, threeAZs...) },
			[]string{`stack = "AccountOnly"`, "environment-agnostic"}},
		{"pin after adding constructs", func() { threetiervpc.PinAvailabilityZones(late, threeAZs...) },
			[]string{`stack = "Late"`, "already has 1 construct(s)", "call PinAvailabilityZones right after creating the stack"}},
		{"pin AZs of another region", func() { threetiervpc.PinAvailabilityZones(pinned, "eu-west-1a", "us-east-1a") },
			[]string{`azs = "us-east-1a"`, "region eu-west-1 is the region followed by one letter a-f", "pin AZs such as eu-west-1a"}},
		{"pin a region as an AZ", func() { threetiervpc.PinAvailabilityZones(pinned, "eu-west-1") },
			[]string{`azs = "eu-west-1"`, "followed by one letter a-f"}},
		{"pin nothing", func() { threetiervpc.PinAvailabilityZones(pinned) },
			[]string{`azs = ""`, "pinning no AZs"}},
		{"pin a nil stack", func() { threetiervpc.PinAvailabilityZones(nil, threeAZs...) },
			[]string{"stack = <nil>", "pass the stack right after creating it"}},
	}
	badInputCount += len(tests)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, tc.fn)
			testkit.Contains(t, "message", msg, tc.want...)
		})
	}
	t.Run("nothing is added to a rejected stack", func(t *testing.T) {
		if n := len(*agnostic.Node().Children()); n != 0 {
			t.Errorf("agnostic stack has %d children", n)
		}
		if got := agnostic.Node().TryGetContext(jsii.String("availability-zones:account=123456789012:region=eu-west-1")); got != nil {
			t.Errorf("context set: %v", got)
		}
	})
}
