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

func TestValidateRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *stacks.Config)
		want []string
	}{
		{"HA service with one task", func(c *stacks.Config) { c.Service.DesiredCount = 1 },
			[]string{"Service.DesiredCount = 1", "at least 2 tasks", "set DesiredCount to 2 or more"}},
		{"burst below rate", func(c *stacks.Config) { c.Api.ThrottleBurst = 10 },
			[]string{`Api.ThrottleBurst = "10 (rate 100)"`, "ThrottleBurst >= ThrottleRate"}},
		{"no reserved concurrency", func(c *stacks.Config) { c.Api.ReservedConcurrency = 0 },
			[]string{"Api.ReservedConcurrency = 0", "protect the table"}},
		{"scaling below desired", func(c *stacks.Config) { c.Service.MaxCount = 1 },
			[]string{`Service.MaxCount = "1 (desired 2)"`, "MaxCount >= DesiredCount"}},
		{"image in another account's registry", func(c *stacks.Config) {
			c.Service.Image = "999999999999.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3"
		}, []string{`Service.Image = "999999999999.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3"`, "own ECR registry", "ECR replication"}},
		{"no budget", func(c *stacks.Config) { c.MonthlyBudgetUSD = 0 },
			[]string{"MonthlyBudgetUSD = 0", "positive amount"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := stacks.Defaults()[2] // prod
			tc.edit(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("want an error")
			}
			testkit.Contains(t, "error", err.Error(), tc.want...)
		})
	}
}

func TestPlaceholders(t *testing.T) {
	c := stacks.Defaults()[0]
	if got := strings.Join(c.Placeholders(), ","); got != "Api.JwtIssuer,Api.JwtAudience,Service.Image,Service.CertificateArn,Account" {
		t.Errorf("placeholders %q", got)
	}
	c.Account = "444444444444"
	c.Api.JwtIssuer = "https://issuer.example.com"
	c.Service.CertificateArn = "arn:aws:acm:eu-west-1:444444444444:certificate/real"
	c.Api.JwtAudience = []string{"app-client"}
	c.Service.Image = "444444444444.dkr.ecr.eu-west-1.amazonaws.com/api:2.0.0"
	if got := c.Placeholders(); len(got) != 0 {
		t.Errorf("placeholders %q, want none", got)
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
		{"owner not an email", map[string]any{"groundwork:dev:owner": "platform team"},
			[]string{"environment dev", `Owner = "platform team"`, "email", "-c groundwork:dev:owner=team@example.com"}},
		{"alarm subscriber not an email", map[string]any{"groundwork:prod:alarmEmails": "oncall@example.com,pager"},
			[]string{"environment prod", `AlarmEmails = "pager"`, "plain email address"}},
		{"budget not a number", map[string]any{"groundwork:staging:monthlyBudgetUSD": "lots"},
			[]string{"environment staging", "monthlyBudgetUSD", `"lots"`, "whole number"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stacks.FromContext(testkit.NewApp(tc.ctx).Node())
			if err == nil {
				t.Fatal("want an error")
			}
			testkit.Contains(t, "error", err.Error(), tc.want...)
		})
	}
}
