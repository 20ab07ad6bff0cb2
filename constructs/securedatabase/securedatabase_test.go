package securedatabase_test

import (
	"os"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/constructs/securedatabase"
	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// M and L are JSON object and array shorthands for assertions.
type (
	M = map[string]any
	L = []any
)

// network is a ThreeTierVpc and a client security group in stack.
func network(stack awscdk.Stack) (*threetiervpc.ThreeTierVpc, awsec2.SecurityGroup) {
	vpc := threetiervpc.New(stack, "Vpc", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}})
	client := awsec2.NewSecurityGroup(stack, jsii.String("Client"), &awsec2.SecurityGroupProps{Vpc: vpc.Vpc, AllowAllOutbound: jsii.Bool(false)})
	return vpc, client
}

// One App, one synth for the whole package: each scenario is its own stack.
//   - Default: every default (no alarm topic).
//   - Prod: HighAvailability, alarms, 35-day backups.
//   - Dev: ScaleToZero, DESTROY, no deletion protection, 7-day backups.
var app = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	st := testkit.NewStack(app, "Default")
	vpc, client := network(st)
	securedatabase.New(st, "Db", &securedatabase.Props{Vpc: vpc.Vpc, AllowFrom: []awsec2.ISecurityGroup{client}})

	st = testkit.NewStack(app, "Prod")
	vpc, client = network(st)
	topic := awssns.Topic_FromTopicArn(st, jsii.String("Topic"), jsii.String("arn:aws:sns:eu-west-1:123456789012:alarms"))
	securedatabase.New(st, "Db", &securedatabase.Props{Vpc: vpc.Vpc, AllowFrom: []awsec2.ISecurityGroup{client},
		HighAvailability: true, AlarmTopic: topic, MaxCapacity: 8})

	st = testkit.NewStack(app, "Dev")
	vpc, client = network(st)
	securedatabase.New(st, "Db", &securedatabase.Props{Vpc: vpc.Vpc, AllowFrom: []awsec2.ISecurityGroup{client},
		ScaleToZero: true, AutoPauseAfter: 10 * time.Minute, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		DisableDeletionProtection: true, BackupRetentionDays: 7, RotationDays: 90})
	return app
})

func stack(t *testing.T, name string) *testkit.Stack { return app.Stack(t, name) }

func TestNagClean(t *testing.T) {
	for _, name := range []string{"Default", "Prod", "Dev"} {
		t.Run(name, func(t *testing.T) { testkit.RequireNagClean(t, stack(t, name)) })
	}
}

func TestSecurityInvariants(t *testing.T) {
	for _, name := range []string{"Default", "Prod", "Dev"} {
		t.Run(name, func(t *testing.T) {
			s := stack(t, name)
			for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: name != "Dev"}) {
				if f.Rule == audit.RuleTags || f.Rule == audit.RuleBoundary {
					continue
				}
				t.Error(f)
			}
		})
	}
}

func TestDump(t *testing.T) {
	s := stack(t, "Prod")
	_ = os.WriteFile("/tmp/dbprod.json", s.JSON, 0o644)
}
