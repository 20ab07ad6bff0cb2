// Package stacks composes Groundwork's constructs into the baseline platform,
// one set of stacks per environment, named Groundwork-<Env>-<Part>.
//
// Each environment is described by a typed Config. Accounts, region and
// availability zones are explicit, so synthesis needs no AWS credentials and
// does no context lookups; CDK context (-c or cdk.json) overrides them.
package stacks

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/validate"
)

// Project is the value of the Project tag on every resource.
const Project = "groundwork"

// Config describes one environment.
type Config struct {
	// Name is the lower-case environment name: "dev", "staging" or "prod".
	Name string
	// Account is the 12-digit AWS account id.
	Account string
	// Region is the AWS region, e.g. "eu-west-1".
	Region string
	// AvailabilityZones are the AZs the network spans, in order.
	AvailabilityZones []string
	// NatGateways is the number of NAT gateways: 1, or one per AZ.
	NatGateways int
	// InterfaceEndpoints turns on the ECR, Secrets Manager, Logs and STS
	// interface endpoints.
	InterfaceEndpoints bool
	// RetainData keeps stateful resources on stack delete and on replacement.
	RetainData bool
	// TerminationProtection protects the stacks (and, where a resource has
	// one, its deletion protection) from deletion.
	TerminationProtection bool
	// Owner is the Owner tag: the team (an email) that answers for the costs.
	Owner string
}

// Title is the environment name as used in stack names: "Dev", "Staging", "Prod".
func (c Config) Title() string {
	if c.Name == "" {
		return ""
	}
	return strings.ToUpper(c.Name[:1]) + c.Name[1:]
}

// StackName returns "Groundwork-<Env>-<part>".
func (c Config) StackName(part string) string {
	return "Groundwork-" + c.Title() + "-" + part
}

// RemovalPolicy is what stateful resources do on delete and replacement.
func (c Config) RemovalPolicy() awscdk.RemovalPolicy {
	if c.RetainData {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}

// Defaults returns the three environments with DESIGN.md's settings and
// placeholder accounts.
func Defaults() []Config {
	const region = "eu-west-1"
	azs := func(n int) []string {
		all := []string{region + "a", region + "b", region + "c"}
		return all[:n]
	}
	return []Config{
		{Name: "dev", Account: "111111111111", Region: region, AvailabilityZones: azs(2),
			NatGateways: 1, Owner: "platform-team@example.com"},
		{Name: "staging", Account: "222222222222", Region: region, AvailabilityZones: azs(3),
			NatGateways: 1, InterfaceEndpoints: true, RetainData: true, TerminationProtection: true,
			Owner: "platform-team@example.com"},
		{Name: "prod", Account: "333333333333", Region: region, AvailabilityZones: azs(3),
			NatGateways: 3, InterfaceEndpoints: true, RetainData: true, TerminationProtection: true,
			Owner: "platform-team@example.com"},
	}
}

// Context keys that override a default, with <env> the environment name:
//
//	groundwork:<env>:account            12-digit account id
//	groundwork:<env>:region             region; AZs default to <region>a, b, c
//	groundwork:<env>:availabilityZones  comma-separated AZ names
//	groundwork:<env>:owner              Owner tag
//	groundwork:environments             comma-separated subset to build, e.g. "dev"
const contextPrefix = "groundwork:"

// FromContext returns Defaults() with the overrides found in node's context,
// filtered to groundwork:environments when set, and validated.
func FromContext(node constructs.Node) ([]Config, error) {
	get := func(key string) string {
		v := node.TryGetContext(jsii.String(contextPrefix + key))
		if v == nil {
			return ""
		}
		return strings.TrimSpace(fmt.Sprint(v))
	}
	var only map[string]bool
	if s := get("environments"); s != "" {
		only = map[string]bool{}
		for _, n := range strings.Split(s, ",") {
			only[strings.TrimSpace(n)] = true
		}
	}
	var out []Config
	var errs []error
	for _, c := range Defaults() {
		if only != nil && !only[c.Name] {
			continue
		}
		delete(only, c.Name)
		if v := get(c.Name + ":account"); v != "" {
			c.Account = v
		}
		if v := get(c.Name + ":region"); v != "" {
			c.Region = v
			for i := range c.AvailabilityZones {
				c.AvailabilityZones[i] = v + string(rune('a'+i))
			}
		}
		if v := get(c.Name + ":availabilityZones"); v != "" {
			c.AvailabilityZones = nil
			for _, az := range strings.Split(v, ",") {
				c.AvailabilityZones = append(c.AvailabilityZones, strings.TrimSpace(az))
			}
		}
		if v := get(c.Name + ":owner"); v != "" {
			c.Owner = v
		}
		if err := c.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("environment %s: %w", c.Name, err))
		}
		out = append(out, c)
	}
	for n := range only {
		errs = append(errs, fmt.Errorf("context %senvironments names %q, which is not one of dev, staging, prod", contextPrefix, n))
	}
	return out, errors.Join(errs...)
}

var (
	accountRe = regexp.MustCompile(`^\d{12}$`)
	regionRe  = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)
)

// Validate checks the settings that synthesis depends on.
func (c Config) Validate() error {
	var errs []error
	if !accountRe.MatchString(c.Account) {
		errs = append(errs, validate.Fail("Account", c.Account, "an AWS account id is 12 digits",
			"pass -c "+contextPrefix+c.Name+":account=123456789012"))
	}
	if !regionRe.MatchString(c.Region) {
		errs = append(errs, validate.Fail("Region", c.Region, "not an AWS region name",
			"pass -c "+contextPrefix+c.Name+":region=eu-west-1"))
	}
	for _, az := range c.AvailabilityZones {
		if !strings.HasPrefix(az, c.Region) || len(az) != len(c.Region)+1 {
			errs = append(errs, validate.Fail("AvailabilityZones", az, "an AZ name is the region name plus one letter",
				"pass -c "+contextPrefix+c.Name+":availabilityZones="+c.Region+"a,"+c.Region+"b"))
		}
	}
	if c.NatGateways < 1 || c.NatGateways > len(c.AvailabilityZones) {
		errs = append(errs, validate.Fail("NatGateways", c.NatGateways, "between 1 and one per AZ",
			"use 1 (dev, staging) or one per AZ (prod)"))
	}
	if c.Owner == "" {
		errs = append(errs, validate.Fail("Owner", c.Owner, "every resource carries an Owner tag",
			"pass -c "+contextPrefix+c.Name+":owner=team@example.com"))
	}
	return errors.Join(errs...)
}
