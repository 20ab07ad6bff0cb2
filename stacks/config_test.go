package stacks_test

import (
	"strings"
	"testing"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

func TestDefaultsMatchDesign(t *testing.T) {
	want := map[string]struct {
		azs, nats        int
		endpoints        bool
		retain, protects bool
	}{
		"dev":     {2, 1, false, false, false},
		"staging": {3, 1, true, true, true},
		"prod":    {3, 3, true, true, true},
	}
	for _, c := range stacks.Defaults() {
		w := want[c.Name]
		if len(c.AvailabilityZones) != w.azs || c.NatGateways != w.nats || c.InterfaceEndpoints != w.endpoints ||
			c.RetainData != w.retain || c.TerminationProtection != w.protects {
			t.Errorf("%s: %+v does not match DESIGN.md's table %+v", c.Name, c, w)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

func TestFromContext(t *testing.T) {
	app := testkit.NewApp(map[string]any{
		"groundwork:environments":          "prod,dev",
		"groundwork:prod:account":          "444444444444",
		"groundwork:prod:region":           "eu-central-1",
		"groundwork:dev:availabilityZones": "eu-west-1b, eu-west-1c",
		"groundwork:dev:owner":             "dev-team@example.com",
	})
	configs, err := stacks.FromContext(app.Node())
	if err != nil {
		t.Fatal(err)
	}
	if len(configs) != 2 || configs[0].Name != "dev" || configs[1].Name != "prod" {
		t.Fatalf("want dev and prod, got %+v", configs)
	}
	dev, prod := configs[0], configs[1]
	if strings.Join(dev.AvailabilityZones, ",") != "eu-west-1b,eu-west-1c" || dev.Owner != "dev-team@example.com" {
		t.Errorf("dev overrides not applied: %+v", dev)
	}
	if prod.Account != "444444444444" || prod.Region != "eu-central-1" ||
		strings.Join(prod.AvailabilityZones, ",") != "eu-central-1a,eu-central-1b,eu-central-1c" {
		t.Errorf("prod overrides not applied: %+v", prod)
	}
	if stacks.Defaults()[2].Region != "eu-west-1" {
		t.Error("FromContext changed the defaults")
	}
}

func TestFromContextRejectsBadValues(t *testing.T) {
	tests := []struct {
		name string
		ctx  map[string]any
		want []string
	}{
		{"short account", map[string]any{"groundwork:dev:account": "1234"},
			[]string{"environment dev", `Account = "1234"`, "12 digits", "-c groundwork:dev:account=123456789012"}},
		{"bad region", map[string]any{"groundwork:staging:region": "europe"},
			[]string{"environment staging", `Region = "europe"`, "not an AWS region"}},
		{"AZ of another region", map[string]any{"groundwork:prod:availabilityZones": "us-east-1a,us-east-1b,us-east-1c"},
			[]string{"environment prod", `AvailabilityZones = "us-east-1a"`}},
		{"NATs above AZs", map[string]any{"groundwork:prod:availabilityZones": "eu-west-1a,eu-west-1b"},
			[]string{"environment prod", "NatGateways = 3", "between 1 and one per AZ"}},
		{"unknown environment", map[string]any{"groundwork:environments": "dev,qa"},
			[]string{`"qa"`, "not one of dev, staging, prod"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stacks.FromContext(testkit.NewApp(tc.ctx).Node())
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}
