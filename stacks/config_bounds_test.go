package stacks_test

import (
	"testing"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

// TestBoundsConfig checks each rule of Config.Validate at its bound and one
// past it, on both sides, starting from the prod defaults (3 AZs, HA). It
// needs no synthesis; make mutate mutates config.go against it. want lists
// parts of the message; nil means accepted.
func TestBoundsConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *stacks.Config)
		want []string
	}{
		{"prod defaults", func(*stacks.Config) {}, nil},
		{"every default environment", nil, nil},

		{"account of 11 digits", func(c *stacks.Config) { c.Account = "12345678901" }, []string{`Account = "12345678901"`, "12 digits", "groundwork:prod:account="}},
		{"account of 13 digits", func(c *stacks.Config) { c.Account = "1234567890123" }, []string{"Account", "12 digits"}},
		{"account with a letter", func(c *stacks.Config) { c.Account = "12345678901a" }, []string{"Account"}},
		{"region with a capital", func(c *stacks.Config) { c.Region = "EU-west-1"; c.AvailabilityZones = nil }, []string{"Region", "not an AWS region name"}},
		{"GovCloud region", func(c *stacks.Config) {
			c.Region = "us-gov-west-1"
			c.AvailabilityZones = []string{"us-gov-west-1a"}
			c.NatGateways = 1
			c.Service.Image = "public.ecr.aws/x/api:1.2.3"
			c.Service.CertificateArn = "arn:aws-us-gov:acm:us-gov-west-1:" + c.Account + ":certificate/00000000-0000-0000-0000-000000000000"
		}, nil},

		{"AZ of another region", func(c *stacks.Config) { c.AvailabilityZones[2] = "eu-west-2c" }, []string{`AvailabilityZones = "eu-west-2c"`, "region name plus one letter"}},
		{"AZ with two letters", func(c *stacks.Config) { c.AvailabilityZones[2] = "eu-west-1cc" }, []string{`AvailabilityZones = "eu-west-1cc"`}},
		{"AZ without a letter", func(c *stacks.Config) { c.AvailabilityZones[2] = "eu-west-1" }, []string{`AvailabilityZones = "eu-west-1"`}},

		{"NAT gateways 0", func(c *stacks.Config) { c.NatGateways = 0 }, []string{"NatGateways = 0", "between 1 and one per AZ"}},
		{"NAT gateways 1", func(c *stacks.Config) { c.NatGateways = 1 }, nil},
		{"NAT gateways = AZs", func(c *stacks.Config) { c.NatGateways = 3 }, nil},
		{"NAT gateways = AZs + 1", func(c *stacks.Config) { c.NatGateways = 4 }, []string{"NatGateways = 4"}},

		{"issuer over http", func(c *stacks.Config) { c.Api.JwtIssuer = "http://issuer.example.com" }, []string{"Api.JwtIssuer", "https:// OIDC issuer URL"}},
		{"no audience", func(c *stacks.Config) { c.Api.JwtAudience = nil }, []string{"Api.JwtAudience", "at least one audience"}},
		{"one audience", func(c *stacks.Config) { c.Api.JwtAudience = []string{"a"} }, nil},

		{"budget 0", func(c *stacks.Config) { c.MonthlyBudgetUSD = 0 }, []string{"MonthlyBudgetUSD = 0", "positive amount"}},
		{"budget -1", func(c *stacks.Config) { c.MonthlyBudgetUSD = -1 }, []string{"MonthlyBudgetUSD = -1"}},
		{"budget 1", func(c *stacks.Config) { c.MonthlyBudgetUSD = 1 }, nil},

		{"owner without @", func(c *stacks.Config) { c.Owner = "platform-team" }, []string{"Owner", "the email of the team"}},
		{"owner with a display name", func(c *stacks.Config) { c.Owner = "Team <team@example.com>" }, []string{"Owner"}},
		{"alarm email with a display name", func(c *stacks.Config) { c.AlarmEmails = []string{"ok@example.com", "On call <oncall@example.com>"} }, []string{"AlarmEmails", "plain email address"}},
		{"alarm email not an address", func(c *stacks.Config) { c.AlarmEmails = []string{"oncall"} }, []string{"AlarmEmails"}},
		{"alarm emails", func(c *stacks.Config) { c.AlarmEmails = []string{"a@example.com", "b@example.com"} }, nil},

		{"throttle rate 0", func(c *stacks.Config) { c.Api.ThrottleRate = 0 }, []string{`Api.ThrottleBurst = "200 (rate 0)"`, "positive rate"}},
		{"throttle rate 1", func(c *stacks.Config) { c.Api.ThrottleRate = 1 }, nil},
		{"burst = rate", func(c *stacks.Config) { c.Api.ThrottleBurst = 100 }, nil},
		{"burst = rate - 1", func(c *stacks.Config) { c.Api.ThrottleBurst = 99 }, []string{`Api.ThrottleBurst = "99 (rate 100)"`}},
		{"reserved concurrency 0", func(c *stacks.Config) { c.Api.ReservedConcurrency = 0 }, []string{"Api.ReservedConcurrency = 0"}},
		{"reserved concurrency 1", func(c *stacks.Config) { c.Api.ReservedConcurrency = 1 }, nil},

		{"desired 0", func(c *stacks.Config) { c.Service.HighAvailability = false; c.Service.DesiredCount = 0 }, []string{`Service.MaxCount = "6 (desired 0)"`, "at least one task"}},
		{"desired 1 without HA", func(c *stacks.Config) { c.Service.HighAvailability = false; c.Service.DesiredCount = 1 }, nil},
		{"desired 1 with HA", func(c *stacks.Config) { c.Service.DesiredCount = 1 }, []string{"Service.DesiredCount = 1", "at least 2 tasks"}},
		{"desired 2 with HA", func(c *stacks.Config) { c.Service.DesiredCount = 2 }, nil},
		{"max = desired", func(c *stacks.Config) { c.Service.MaxCount = 2 }, nil},
		{"max = desired - 1", func(c *stacks.Config) { c.Service.MaxCount = 1 }, []string{`Service.MaxCount = "1 (desired 2)"`}},

		{"image in this account's registry", func(c *stacks.Config) { c.Service.Image = "333333333333.dkr.ecr.eu-west-1.amazonaws.com/other:2.0.0" }, nil},
		{"image in this account's registry elsewhere", func(c *stacks.Config) { c.Service.Image = "333333333333.dkr.ecr.us-east-1.amazonaws.com/api:1.2.3" }, []string{"Service.Image", "333333333333.dkr.ecr.eu-west-1.amazonaws.com"}},
		{"image in another account's registry", func(c *stacks.Config) { c.Service.Image = "999999999999.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3" }, []string{"Service.Image", "own ECR registry"}},
		{"public registry image", func(c *stacks.Config) { c.Service.Image = "public.ecr.aws/nginx/nginx:1.27" }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.edit == nil {
				for _, c := range stacks.Defaults() {
					if err := c.Validate(); err != nil {
						t.Errorf("%s: %v", c.Name, err)
					}
				}
				return
			}
			c := stacks.Defaults()[2]
			tc.edit(&c)
			err := c.Validate()
			testkit.Verdict(t, err, tc.want)
		})
	}
}
