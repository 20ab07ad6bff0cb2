package stacks_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/groundwork-cdk/groundwork/internal/audit"
	"github.com/groundwork-cdk/groundwork/internal/boundary"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// synth builds every environment once for the whole package.
var synth = sync.OnceValues(func() (*testkit.Assembly, error) {
	app := testkit.NewApp(nil)
	stacks.Build(app, stacks.Defaults(), stacks.Options{})
	return testkit.Synth(app)
})

func assembly(t *testing.T) *testkit.Assembly {
	t.Helper()
	asm, err := synth()
	if err != nil {
		t.Fatal(err)
	}
	return asm
}

// parts are the stacks every environment has.
var parts = []string{"Storage"}

// forEachStack runs fn for every stack of every environment.
func forEachStack(t *testing.T, fn func(t *testing.T, cfg stacks.Config, s *testkit.Stack)) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		for _, part := range parts {
			name := cfg.StackName(part)
			t.Run(name, func(t *testing.T) { fn(t, cfg, asm.Stack(t, name)) })
		}
	}
}

func TestStackNames(t *testing.T) {
	var want []string
	for _, cfg := range stacks.Defaults() {
		for _, part := range parts {
			want = append(want, cfg.StackName(part))
		}
	}
	sort.Strings(want)
	if got := assembly(t).Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("stacks %v, want %v", got, want)
	}
}

func TestNagClean(t *testing.T) {
	forEachStack(t, func(t *testing.T, _ stacks.Config, s *testkit.Stack) { testkit.RequireNagClean(t, s) })
}

func TestSecurityInvariants(t *testing.T) {
	forEachStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: cfg.RetainData}) {
			t.Error(f)
		}
	})
}

func TestGoldenTemplates(t *testing.T) {
	forEachStack(t, func(t *testing.T, _ stacks.Config, s *testkit.Stack) {
		testkit.Golden(t, s.Name+".template.json", testkit.Normalize(s.Template))
	})
}

// TestBoundaryCoversEveryGrant checks that the permissions boundary is not
// tighter than what the roles are granted: an action outside it would be
// denied at run time, silently.
func TestBoundaryCoversEveryGrant(t *testing.T) {
	allowed := map[string]bool{}
	for _, a := range boundary.Allowed() {
		allowed[a] = true
	}
	forEachStack(t, func(t *testing.T, _ stacks.Config, s *testkit.Stack) {
		boundaryID := s.LogicalID(t, "PermissionsBoundary")
		for _, act := range grantedActions(s, boundaryID) {
			if !allowed[act] {
				t.Errorf("%s is granted but outside the permissions boundary; add it to boundary.Actions", act)
			}
		}
	})
}

// grantedActions lists the Allow actions of identity policies, except the
// boundary itself.
func grantedActions(s *testkit.Stack, boundaryID string) []string {
	var out []string
	resources, _ := s.Template["Resources"].(map[string]any)
	collect := func(doc any) {
		d, _ := doc.(map[string]any)
		st, _ := d["Statement"].([]any)
		for _, e := range st {
			m, _ := e.(map[string]any)
			if m["Effect"] != "Allow" {
				continue
			}
			switch a := m["Action"].(type) {
			case string:
				out = append(out, a)
			case []any:
				for _, x := range a {
					out = append(out, fmt.Sprint(x))
				}
			}
		}
	}
	for id, r := range resources {
		res, _ := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			if id != boundaryID {
				collect(props["PolicyDocument"])
			}
		case "AWS::IAM::Role":
			pols, _ := props["Policies"].([]any)
			for _, p := range pols {
				pm, _ := p.(map[string]any)
				collect(pm["PolicyDocument"])
			}
		}
	}
	return out
}

func TestEnvironmentSettings(t *testing.T) {
	forEachStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		if s.TerminationProtection != cfg.TerminationProtection {
			t.Errorf("termination protection %v, want %v", s.TerminationProtection, cfg.TerminationProtection)
		}
		want := "Delete"
		if cfg.RetainData {
			want = "Retain"
		}
		for _, id := range s.Resources("AWS::S3::Bucket") {
			if got := s.Resource(t, id)["DeletionPolicy"]; got != want {
				t.Errorf("%s: DeletionPolicy %v, want %s", id, got, want)
			}
		}
		s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
			"Tags": []any{
				map[string]any{"Key": "Environment", "Value": cfg.Name},
				map[string]any{"Key": "Owner", "Value": cfg.Owner},
				map[string]any{"Key": "Project", "Value": stacks.Project},
			},
		})
		s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
			"Description": "Groundwork permissions boundary: the most any role in " + s.Name + " may do",
		})
	})
}

func TestStorageStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Storage"))
		t.Run(s.Name, func(t *testing.T) {
			s.ResourceCountIs(t, "AWS::S3::Bucket", 2) // invoices + its access logs
			s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
				"LoggingConfiguration": map[string]any{
					"DestinationBucketName": s.Ref(t, "Invoices/AccessLogs"),
					"LogFilePrefix":         "Invoices/",
				},
			})
			for _, p := range []struct{ name, path string }{
				{"/groundwork/" + cfg.Name + "/storage/invoices/bucket-name", "Invoices/Bucket"},
				{"/groundwork/" + cfg.Name + "/storage/invoices/key-arn", "Invoices/Key"},
			} {
				s.HasResourceProperties(t, "AWS::SSM::Parameter", map[string]any{"Name": p.name, "Type": "String"})
			}
		})
	}
}
