package stacks

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/groundwork-cdk/groundwork/validate"
)

// BaselineConfig switches the account guardrails of Groundwork-<Env>-Baseline
// (see NewBaselineStack). Every service is on by default; switch one off when
// the organisation already runs it centrally (AWS Control Tower, the Landing
// Zone Accelerator, a delegated administrator), because a second copy either
// fails to deploy (one Config recorder, one GuardDuty detector and one
// Security Hub per account and region) or is paid twice (a second trail).
type BaselineConfig struct {
	// CloudTrail is a multi-region trail with log-file validation, delivered
	// to an encrypted bucket and an encrypted log group, with the CIS alarms
	// (root use, trail changes, recorder changes) on that log group. Switch it
	// off when an organisation trail already records the account.
	// Default: on.
	CloudTrail bool
	// CloudTrailDataEvents adds S3 object-level (data) events of the Storage
	// stack's invoices bucket to the trail, billed per 100,000 events.
	// Requires CloudTrail.
	// Default: on in prod, off in dev and staging.
	CloudTrailDataEvents bool
	// Config is the AWS Config recorder (all supported types), its delivery
	// channel and the managed rules that mirror the guidance. Switch it off
	// when Control Tower (or another landing zone) records the account: a
	// region holds one recorder only.
	// Default: on.
	Config bool
	// ConfigServiceLinkedRole creates AWSServiceRoleForConfig, the role the
	// recorder uses. Switch it off when the account already has it (IAM
	// rejects a second one). Requires Config.
	// Default: on.
	ConfigServiceLinkedRole bool
	// ConfigGlobalResources records the global resource types (IAM users,
	// roles, policies). Record them in one region only; each environment
	// deploys to one region, so it is on there.
	// Default: on.
	ConfigGlobalResources bool
	// AccessAnalyzer is an IAM Access Analyzer of account scope (external
	// access findings; free).
	// Default: on.
	AccessAnalyzer bool
	// GuardDuty is a GuardDuty detector with S3 protection. Switch it off when
	// a delegated administrator enables GuardDuty for the organisation.
	// Default: on.
	GuardDuty bool
	// SecurityHub enables Security Hub with the AWS Foundational Security
	// Best Practices standard. Its controls are Config rules: it needs a
	// recorder, this stack's or the landing zone's. Switch it off when a
	// delegated administrator enables it centrally.
	// Default: on.
	SecurityHub bool
	// S3AccountPublicAccessBlock blocks S3 public access at the account level
	// (all four settings). Default: on.
	S3AccountPublicAccessBlock bool
	// EbsEncryptionByDefault turns on EBS encryption by default with a
	// customer-managed key of this stack. Default: on.
	EbsEncryptionByDefault bool
	// RestoreOnDelete puts the account settings (S3 account public access
	// block, EBS encryption by default and its key) back to AWS's defaults when
	// the stack is deleted. Off, deleting the stack leaves the guardrails on.
	// Required where the stack deletes its keys (RetainData off): EBS would
	// otherwise keep a deleted default key and instances would fail to launch.
	// Default: on in dev, off in staging and prod.
	RestoreOnDelete bool
	// AuditLogRetentionDays is how long the trail and Config buckets keep
	// their objects (Standard-IA after 30 days, Glacier after 90).
	// Default: 365 in dev and staging, 2557 (7 years) in prod.
	AuditLogRetentionDays int
}

// defaultBaseline is the baseline of environment name: everything on.
func defaultBaseline(name string, retainData bool) BaselineConfig {
	b := BaselineConfig{
		CloudTrail: true, Config: true, ConfigServiceLinkedRole: true, ConfigGlobalResources: true,
		AccessAnalyzer: true, GuardDuty: true, SecurityHub: true,
		S3AccountPublicAccessBlock: true, EbsEncryptionByDefault: true,
		RestoreOnDelete: !retainData, AuditLogRetentionDays: 365,
	}
	if name == "prod" {
		b.CloudTrailDataEvents = true
		b.AuditLogRetentionDays = 2557
	}
	return b
}

// baselineServices are the names the baselineOff context key accepts.
var baselineServices = map[string]func(b *BaselineConfig){
	"cloudtrail":           func(b *BaselineConfig) { b.CloudTrail, b.CloudTrailDataEvents = false, false },
	"cloudtraildataevents": func(b *BaselineConfig) { b.CloudTrailDataEvents = false },
	"config": func(b *BaselineConfig) {
		b.Config, b.ConfigServiceLinkedRole, b.ConfigGlobalResources = false, false, false
	},
	"configservicelinkedrole":    func(b *BaselineConfig) { b.ConfigServiceLinkedRole = false },
	"accessanalyzer":             func(b *BaselineConfig) { b.AccessAnalyzer = false },
	"guardduty":                  func(b *BaselineConfig) { b.GuardDuty = false },
	"securityhub":                func(b *BaselineConfig) { b.SecurityHub = false },
	"s3accountpublicaccessblock": func(b *BaselineConfig) { b.S3AccountPublicAccessBlock = false },
	"ebsencryptionbydefault":     func(b *BaselineConfig) { b.EbsEncryptionByDefault = false },
}

// BaselineServiceNames are the names groundwork:<env>:baselineOff accepts, sorted.
func BaselineServiceNames() []string {
	out := make([]string, 0, len(baselineServices))
	for n := range baselineServices {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// fromContext applies the context keys of env:
//
//	groundwork:<env>:baselineOff              comma-separated services to switch off (BaselineServiceNames)
//	groundwork:<env>:baselineRestoreOnDelete  true or false
func (b *BaselineConfig) fromContext(env string, get func(string) string) []error {
	var errs []error
	for _, n := range splitList(get(env + ":baselineOff")) {
		off, ok := baselineServices[strings.ToLower(n)]
		if !ok {
			errs = append(errs, fmt.Errorf("environment %s: context %s%s:baselineOff names %q, which is not one of %s",
				env, contextPrefix, env, n, strings.Join(BaselineServiceNames(), ", ")))
			continue
		}
		off(b)
	}
	switch v := strings.ToLower(get(env + ":baselineRestoreOnDelete")); v {
	case "":
	case "true", "false":
		b.RestoreOnDelete = v == "true"
	default:
		errs = append(errs, fmt.Errorf("environment %s: context %s%s:baselineRestoreOnDelete = %q: use true or false", env, contextPrefix, env, v))
	}
	return errs
}

// AllOff reports whether the Baseline stack turns nothing on.
func (b BaselineConfig) AllOff() bool {
	return !b.CloudTrail && !b.Config && !b.AccessAnalyzer && !b.GuardDuty && !b.SecurityHub &&
		!b.S3AccountPublicAccessBlock && !b.EbsEncryptionByDefault
}

// validate checks the switches against each other and the environment.
func (b BaselineConfig) validate(c Config) error {
	var errs []error
	off := "pass -c " + contextPrefix + c.Name + ":baselineOff="
	if b.CloudTrailDataEvents && !b.CloudTrail {
		errs = append(errs, validate.Fail("Baseline.CloudTrailDataEvents", true,
			"data events are recorded by this stack's trail, which is off",
			off+"cloudtrail (also drops the data events), or turn CloudTrail on"))
	}
	if !b.Config && (b.ConfigServiceLinkedRole || b.ConfigGlobalResources) {
		errs = append(errs, validate.Fail("Baseline.Config", false,
			"ConfigServiceLinkedRole and ConfigGlobalResources configure this stack's recorder, which is off",
			off+"config (which switches all three off)"))
	}
	// AWS: "If you delete or disable the customer managed KMS key that you
	// specified for use with encryption by default, your instances will fail
	// to launch" (EC2 API reference, ModifyEbsDefaultKmsKeyId).
	if b.EbsEncryptionByDefault && !b.RestoreOnDelete && !c.RetainData {
		errs = append(errs, validate.Fail("Baseline.RestoreOnDelete", false,
			"this environment deletes its keys with the stack (RetainData off), and EBS would keep the deleted key as its default: "+
				"AWS documents that instances then fail to launch",
			"pass -c "+contextPrefix+c.Name+":baselineRestoreOnDelete=true, or "+off+"ebsencryptionbydefault"))
	}
	// Expiring before the Glacier transition (90 days) is rejected by S3; a
	// year is what incident investigations and PCI DSS 10.5.1 ask to keep.
	if b.AuditLogRetentionDays < 365 {
		errs = append(errs, validate.Fail("Baseline.AuditLogRetentionDays", b.AuditLogRetentionDays,
			"audit logs (CloudTrail, Config) are kept at least a year: incident investigations reach that far back (PCI DSS 10.5.1 asks for 12 months)",
			"use 365 or more"))
	}
	return errors.Join(errs...)
}
