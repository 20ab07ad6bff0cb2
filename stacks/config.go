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
	"net/mail"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/validate"
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
	// RetainData keeps stateful resources on stack delete and on replacement
	// (but not when the stack's first create rolls back); see RemovalPolicy.
	RetainData bool
	// TerminationProtection protects the stacks (and, where a resource has
	// one, its deletion protection) from deletion.
	TerminationProtection bool
	// Owner is the Owner tag: the team (an email) that answers for the costs.
	Owner string
	// Api configures the orders API (Groundwork-<Env>-Api).
	Api APIConfig
	// Service configures the api-service (Groundwork-<Env>-Service).
	Service ServiceConfig
	// Data configures the Aurora cluster (Groundwork-<Env>-Data).
	Data DataConfig
	// MonthlyBudgetUSD is the AWS Budgets monthly cost budget; notifications
	// go out at 80 % (actual) and 100 % (forecasted).
	MonthlyBudgetUSD int
	// AlarmEmails subscribe to the environment's alarm topic. Default: Owner.
	AlarmEmails []string
	// Baseline switches the account guardrails (Groundwork-<Env>-Baseline).
	// Default: everything on (see BaselineConfig).
	Baseline BaselineConfig
	// Domain configures the custom domains of the API and the api-service.
	// Default: none (AWS endpoints, with a synthesis warning).
	Domain DomainConfig
}

// AlarmTopicName is the name of the environment's alarm topic. It is fixed so
// that every stack can address the topic by ARN without a cross-stack
// reference (the Observability stack, which owns the topic, depends on the
// workload stacks for its dashboard).
func (c Config) AlarmTopicName() string { return "groundwork-" + c.Name + "-alarms" }

// AlarmTopicArn is the ARN of the alarm topic.
func (c Config) AlarmTopicArn() string {
	return "arn:" + c.Partition() + ":sns:" + c.Region + ":" + c.Account + ":" + c.AlarmTopicName()
}

// Partition is the AWS partition of the region.
func (c Config) Partition() string {
	switch {
	case strings.HasPrefix(c.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(c.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// APIConfig configures the orders HTTP API and its function.
type APIConfig struct {
	// JwtIssuer is the OIDC issuer URL the JWT authorizer trusts.
	JwtIssuer string
	// JwtAudience are the accepted "aud" values (app client ids).
	JwtAudience []string
	// ThrottleRate and ThrottleBurst are the default-route limits (requests
	// per second, and burst).
	ThrottleRate, ThrottleBurst int
	// ReservedConcurrency caps the function, protecting the table from bursts.
	ReservedConcurrency int
}

// ServiceConfig configures the api-service on Fargate.
type ServiceConfig struct {
	// Image is the pinned container image (semver tag or digest).
	Image string
	// CertificateArn is the ACM certificate of the HTTPS listener.
	CertificateArn string
	// DesiredCount is the floor of the task count (the service's
	// MinCapacity); MaxCount bounds autoscaling. The service itself carries
	// no DesiredCount, so that a deploy keeps the running count.
	DesiredCount, MaxCount int
	// HighAvailability requires at least 2 tasks (staging and prod).
	HighAvailability bool
}

// DataConfig configures the Aurora PostgreSQL Serverless v2 cluster.
type DataConfig struct {
	// MinCapacity and MaxCapacity are the capacity range in ACUs (ignored
	// minimum with ScaleToZero).
	MinCapacity, MaxCapacity float64
	// ScaleToZero pauses the idle cluster at 0 ACUs (dev).
	ScaleToZero bool
	// BackupRetentionDays keeps automated backups (1-35 days).
	BackupRetentionDays int
	// HighAvailability adds a reader in a second AZ (prod).
	HighAvailability bool
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

// RemovalPolicy is what stateful resources do on delete and replacement:
// outside dev (RetainData) they are kept when the stack deletes or replaces
// them, but deleted when the stack's first create fails and rolls back
// (RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE renders DeletionPolicy
// RetainExceptOnCreate and UpdateReplacePolicy Retain). With plain RETAIN the
// rollback of a failed first deploy would leave the named log groups behind
// and every retry would fail with "already exists". In dev they are destroyed.
func (c Config) RemovalPolicy() awscdk.RemovalPolicy {
	if c.RetainData {
		return awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
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
	api := func(rate, burst, concurrency int) APIConfig {
		return APIConfig{ThrottleRate: rate, ThrottleBurst: burst, ReservedConcurrency: concurrency}
	}
	configs := []Config{
		{Name: "dev", Account: "111111111111", Region: region, AvailabilityZones: azs(2),
			NatGateways: 1, Owner: "platform-team@example.com", MonthlyBudgetUSD: 150,
			Api: api(10, 20, 5), Service: ServiceConfig{DesiredCount: 1, MaxCount: 2},
			Data: DataConfig{MaxCapacity: 2, ScaleToZero: true, BackupRetentionDays: 7}},
		{Name: "staging", Account: "222222222222", Region: region, AvailabilityZones: azs(3),
			NatGateways: 1, InterfaceEndpoints: true, RetainData: true, TerminationProtection: true,
			Owner: "platform-team@example.com", MonthlyBudgetUSD: 450,
			Api: api(50, 100, 20), Service: ServiceConfig{DesiredCount: 2, MaxCount: 4, HighAvailability: true},
			Data: DataConfig{MinCapacity: 0.5, MaxCapacity: 4, BackupRetentionDays: 35}},
		{Name: "prod", Account: "333333333333", Region: region, AvailabilityZones: azs(3),
			NatGateways: 3, InterfaceEndpoints: true, RetainData: true, TerminationProtection: true,
			Owner: "platform-team@example.com", MonthlyBudgetUSD: 750,
			Api: api(100, 200, 100), Service: ServiceConfig{DesiredCount: 2, MaxCount: 6, HighAvailability: true},
			Data: DataConfig{MinCapacity: 1, MaxCapacity: 8, BackupRetentionDays: 35, HighAvailability: true}},
	}
	for i := range configs {
		configs[i].placeholders()
		configs[i].Baseline = defaultBaseline(configs[i].Name, configs[i].RetainData)
	}
	return configs
}

// placeholders sets the account- and region-specific defaults (issuer,
// audience, image, certificate) from c.Account and c.Region; FromContext calls
// it again after an account or region override.
func (c *Config) placeholders() {
	c.Api.JwtIssuer = "https://cognito-idp." + c.Region + ".amazonaws.com/" + c.Region + "_groundwork" + c.Name
	c.Api.JwtAudience = []string{"groundwork-" + c.Name}
	c.Service.Image = c.Account + ".dkr.ecr." + c.Region + ".amazonaws.com/api:1.2.3"
	c.Service.CertificateArn = "arn:" + c.Partition() + ":acm:" + c.Region + ":" + c.Account + ":certificate/00000000-0000-0000-0000-000000000000"
}

// Context keys that override a default, with <env> the environment name:
//
//	groundwork:<env>:account            12-digit account id
//	groundwork:<env>:region             region; AZs default to <region>a, b, c
//	groundwork:<env>:availabilityZones  comma-separated AZ names
//	groundwork:<env>:owner              Owner tag
//	groundwork:<env>:alarmEmails        comma-separated alarm subscribers (default: owner)
//	groundwork:<env>:monthlyBudgetUSD   monthly cost budget in USD
//	groundwork:<env>:jwtIssuer          OIDC issuer URL of the API's JWT authorizer
//	groundwork:<env>:jwtAudience        comma-separated accepted audiences
//	groundwork:<env>:image              api-service image (semver tag or digest)
//	groundwork:<env>:certificateArn     ACM certificate of the api-service HTTPS listener
//	groundwork:<env>:baselineOff        comma-separated Baseline services to switch off (BaselineServiceNames)
//	groundwork:<env>:baselineRestoreOnDelete  true/false: restore the account settings on stack delete
//	groundwork:<env>:hostedZoneId       Route 53 hosted zone of the custom domains (no lookup)
//	groundwork:<env>:hostedZoneName     that zone's name, e.g. example.com
//	groundwork:<env>:apiDomainName      the API's domain (default api.<zone>)
//	groundwork:<env>:apiCertificateArn  ACM certificate of the API's domain, in the region
//	groundwork:<env>:apiVersionPath     API mapping key (default v1)
//	groundwork:<env>:serviceDomainName  the api-service's domain (default service.<zone>)
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
		for _, n := range splitList(s) {
			only[n] = true
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
		c.placeholders()
		if v := get(c.Name + ":availabilityZones"); v != "" {
			c.AvailabilityZones = splitList(v)
		}
		if v := get(c.Name + ":owner"); v != "" {
			c.Owner = v
		}
		if v := get(c.Name + ":alarmEmails"); v != "" {
			c.AlarmEmails = splitList(v)
		}
		if v := get(c.Name + ":monthlyBudgetUSD"); v != "" {
			if _, err := fmt.Sscan(v, &c.MonthlyBudgetUSD); err != nil {
				errs = append(errs, fmt.Errorf("environment %s: context %s%s:monthlyBudgetUSD = %q: not a whole number of dollars", c.Name, contextPrefix, c.Name, v))
			}
		}
		if v := get(c.Name + ":jwtIssuer"); v != "" {
			c.Api.JwtIssuer = v
		}
		if v := get(c.Name + ":jwtAudience"); v != "" {
			c.Api.JwtAudience = splitList(v)
		}
		if v := get(c.Name + ":image"); v != "" {
			c.Service.Image = v
		}
		if v := get(c.Name + ":certificateArn"); v != "" {
			c.Service.CertificateArn = v
		}
		errs = append(errs, c.Baseline.fromContext(c.Name, get)...)
		c.Domain.fromContext(func(key string) string { return get(c.Name + ":" + key) })
		if err := c.Validate(); err != nil {
			errs = append(errs, &validate.Error{Construct: "config", Path: "environment " + c.Name, Err: err})
		}
		out = append(out, c)
	}
	for n := range only {
		errs = append(errs, fmt.Errorf("context %senvironments names %q, which is not one of dev, staging, prod", contextPrefix, n))
	}
	return out, errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
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
	if !strings.HasPrefix(c.Api.JwtIssuer, "https://") {
		errs = append(errs, validate.Fail("Api.JwtIssuer", c.Api.JwtIssuer, "a JWT issuer is an https:// OIDC issuer URL",
			"pass -c "+contextPrefix+c.Name+":jwtIssuer=https://cognito-idp.<region>.amazonaws.com/<pool-id>"))
	}
	if len(c.Api.JwtAudience) == 0 {
		errs = append(errs, validate.Fail("Api.JwtAudience", c.Api.JwtAudience, "the JWT authorizer needs at least one audience",
			"pass -c "+contextPrefix+c.Name+":jwtAudience=<app-client-id>"))
	}
	if c.MonthlyBudgetUSD <= 0 {
		errs = append(errs, validate.Fail("MonthlyBudgetUSD", c.MonthlyBudgetUSD, "the cost budget must be a positive amount",
			"pass -c "+contextPrefix+c.Name+":monthlyBudgetUSD=100"))
	}
	if _, err := mail.ParseAddress(c.Owner); err != nil || !strings.Contains(c.Owner, "@") || strings.ContainsAny(c.Owner, "<> ") {
		errs = append(errs, validate.Fail("Owner", c.Owner,
			"the Owner tag is the email of the team that answers for the costs (it also receives the budget notifications)",
			"pass -c "+contextPrefix+c.Name+":owner=team@example.com"))
	}
	for _, e := range c.AlarmEmails {
		if _, err := mail.ParseAddress(e); err != nil || strings.ContainsAny(e, "<> ") {
			errs = append(errs, validate.Fail("AlarmEmails", e, "an alarm subscriber is a plain email address",
				"pass -c "+contextPrefix+c.Name+":alarmEmails=oncall@example.com,team@example.com"))
		}
	}
	a := c.Api
	if a.ThrottleRate <= 0 || a.ThrottleBurst < a.ThrottleRate {
		errs = append(errs, validate.Fail("Api.ThrottleBurst", fmt.Sprintf("%d (rate %d)", a.ThrottleBurst, a.ThrottleRate),
			"the default-route throttle needs a positive rate and a burst at least as large",
			"set ThrottleRate > 0 and ThrottleBurst >= ThrottleRate"))
	}
	if a.ReservedConcurrency <= 0 {
		errs = append(errs, validate.Fail("Api.ReservedConcurrency", a.ReservedConcurrency,
			"the guidance reserves concurrency to protect the table from bursts", "use a positive number, e.g. 5 in dev"))
	}
	svc := c.Service
	if svc.DesiredCount < 1 || svc.MaxCount < svc.DesiredCount {
		errs = append(errs, validate.Fail("Service.MaxCount", fmt.Sprintf("%d (desired %d)", svc.MaxCount, svc.DesiredCount),
			"the service runs at least one task and scales up to at least its desired count",
			"set DesiredCount >= 1 and MaxCount >= DesiredCount"))
	}
	// The permissions boundary lets roles pull images only from this
	// account's ECR repositories in this region.
	if repo, _, _ := strings.Cut(svc.Image, "/"); strings.Contains(repo, ".dkr.ecr.") && repo != c.Account+".dkr.ecr."+c.Region+".amazonaws.com" {
		errs = append(errs, validate.Fail("Service.Image", svc.Image,
			"the permissions boundary allows image pulls only from this environment's own ECR registry ("+c.Account+".dkr.ecr."+c.Region+".amazonaws.com)",
			"replicate the image into the environment's registry (ECR replication), or use a public registry image"))
	}
	if svc.HighAvailability && svc.DesiredCount < 2 {
		errs = append(errs, validate.Fail("Service.DesiredCount", svc.DesiredCount,
			"a highly available service runs at least 2 tasks, one per AZ at least (the guidance: 2+ outside dev)",
			"set DesiredCount to 2 or more, or turn HighAvailability off (dev only)"))
	}
	if err := c.Baseline.validate(c); err != nil {
		errs = append(errs, err)
	}
	if err := validateCertificateArn("Service.CertificateArn", svc.CertificateArn, c.Region,
		"an Application Load Balancer", contextPrefix+c.Name+":certificateArn"); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Domain.validate(c.Name, c.Region)...)
	return errors.Join(errs...)
}

// Placeholders lists the settings still at their placeholder values (the
// account, the JWT issuer and audience, the image, the certificate): fine for
// synth, wrong for a real deploy. The app warns about each.
func (c Config) Placeholders() []string {
	var out []string
	d := Config{Name: c.Name, Account: c.Account, Region: c.Region}
	d.placeholders()
	for _, p := range []struct{ field, value, placeholder string }{
		{"Api.JwtIssuer", c.Api.JwtIssuer, d.Api.JwtIssuer},
		{"Api.JwtAudience", strings.Join(c.Api.JwtAudience, ","), strings.Join(d.Api.JwtAudience, ",")},
		{"Service.Image", c.Service.Image, d.Service.Image},
		{"Service.CertificateArn", c.Service.CertificateArn, d.Service.CertificateArn},
	} {
		if p.value == p.placeholder {
			out = append(out, p.field)
		}
	}
	for _, def := range Defaults() {
		if def.Name == c.Name && def.Account == c.Account {
			out = append(out, "Account")
		}
	}
	return out
}
