package hardenedfunction

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/validate"
)

var (
	functionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	logGroupName = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
)

// retentionDays are the retention periods CloudWatch Logs accepts.
var retentionDays = map[awslogs.RetentionDays]bool{
	awslogs.RetentionDays_ONE_DAY:         true,
	awslogs.RetentionDays_THREE_DAYS:      true,
	awslogs.RetentionDays_FIVE_DAYS:       true,
	awslogs.RetentionDays_ONE_WEEK:        true,
	awslogs.RetentionDays_TWO_WEEKS:       true,
	awslogs.RetentionDays_ONE_MONTH:       true,
	awslogs.RetentionDays_TWO_MONTHS:      true,
	awslogs.RetentionDays_THREE_MONTHS:    true,
	awslogs.RetentionDays_FOUR_MONTHS:     true,
	awslogs.RetentionDays_FIVE_MONTHS:     true,
	awslogs.RetentionDays_SIX_MONTHS:      true,
	awslogs.RetentionDays_ONE_YEAR:        true,
	awslogs.RetentionDays_THIRTEEN_MONTHS: true,
	awslogs.RetentionDays_EIGHTEEN_MONTHS: true,
	awslogs.RetentionDays_TWO_YEARS:       true,
	awslogs.RetentionDays_THREE_YEARS:     true,
	awslogs.RetentionDays_FIVE_YEARS:      true,
	awslogs.RetentionDays_SIX_YEARS:       true,
	awslogs.RetentionDays_SEVEN_YEARS:     true,
	awslogs.RetentionDays_EIGHT_YEARS:     true,
	awslogs.RetentionDays_NINE_YEARS:      true,
	awslogs.RetentionDays_TEN_YEARS:       true,
	awslogs.RetentionDays_INFINITE:        true,
}

// validate checks p before any resource exists. For a Go function it also
// builds Entry, since a package that does not compile is an invalid prop; the
// build is returned for New to package.
func (p *Props) validate() (*goPackage, error) {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	runtime := p.runtime()
	runtimeOK := true
	if _, ok := runtimes[runtime]; !ok {
		runtimeOK = false
		if use := replacementFor(runtime); use != "" {
			add(validate.Fail("Runtime", p.Runtime, "the runtime is deprecated or scheduled for deprecation (the guidance: pin a current runtime)",
				"use "+use))
		} else {
			add(validate.Fail("Runtime", p.Runtime, "the runtime is not on the allow-list of current runtimes",
				fmt.Sprintf("use one of %s (default %s)", strings.Join(AllowedRuntimes(), ", "), DefaultRuntime)))
		}
	}
	a := p.Alarms
	for _, f := range []struct {
		name string
		v    int
	}{{"Alarms.Errors", a.Errors}, {"Alarms.Throttles", a.Throttles}, {"Alarms.DeadLetterMessages", a.DeadLetterMessages}} {
		if f.v < 0 {
			add(validate.Fail(f.name, f.v, "an alarm threshold counts events and cannot be negative", "use 1 or more, or 0 for the default (1)"))
		}
	}
	if a.DurationPercentOfTimeout < 0 || a.DurationPercentOfTimeout > 100 {
		add(validate.Fail("Alarms.DurationPercentOfTimeout", a.DurationPercentOfTimeout,
			"a share of the timeout is a percentage from 1 to 100", "use e.g. 80 (the default, or 0)"))
	}
	switch {
	case p.Entry != "" && p.Code != nil:
		add(validate.Fail("Entry", p.Entry, "Entry and Code are mutually exclusive",
			"set Entry to build a Go handler, or Code for prebuilt code, not both"))
	case p.Entry == "" && p.Code == nil:
		add(validate.Fail("Entry", p.Entry, "the function needs code: a Go package (Entry) or Code",
			`set Entry to the handler's package main, e.g. "./functions/processorder"`))
	case p.Entry != "" && runtimeOK && runtime != DefaultRuntime:
		add(validate.Fail("Entry", p.Entry, "Entry builds a Go bootstrap, which runs only on "+DefaultRuntime+", but Runtime is "+runtime,
			"leave Runtime empty for a Go handler, or give Code for "+runtime))
	}
	switch {
	case runtime == DefaultRuntime && p.Entry != "" && p.Handler != "" && p.Handler != "bootstrap":
		add(validate.Fail("Handler", p.Handler, "a function built from Entry runs the binary bootstrap",
			"leave Handler empty"))
	case runtimeOK && runtime != DefaultRuntime && p.Handler == "":
		add(validate.Fail("Handler", p.Handler, "runtime "+runtime+" needs the handler's entry point",
			`set Handler, e.g. "index.handler" for Node.js or "app.handler" for Python`))
	}
	if p.FunctionName != "" && !functionName.MatchString(p.FunctionName) {
		add(validate.Fail("FunctionName", p.FunctionName, "Lambda function names are 1-64 letters, digits, hyphens and underscores",
			"choose a conforming name, or leave FunctionName empty to let CloudFormation generate one"))
	}
	if m := p.MemorySize; m != 0 && (m < 128 || m > 10240) {
		add(validate.Fail("MemorySize", m, "Lambda memory is 128-10240 MB",
			fmt.Sprintf("start at %d MB (the guidance), profile with Lambda Power Tuning, then right-size", DefaultMemorySize)))
	}
	add(p.validateTimeout())
	if c := p.ReservedConcurrency; c != nil && *c <= 0 {
		add(validate.Fail("ReservedConcurrency", *c, "reserved concurrency must be positive: 0 throttles every invocation and negative values are invalid",
			fmt.Sprintf("set the peak concurrency downstream services can take, or leave it nil for %d", DefaultReservedConcurrency)))
	}
	errs = append(errs, p.validateEnvironment()...)
	if p.LogGroupName != "" && !logGroupName.MatchString(p.LogGroupName) {
		add(validate.Fail("LogGroupName", p.LogGroupName, "log group names are 1-512 characters of letters, digits and . - _ / #",
			"choose a conforming name, or leave LogGroupName empty to let CloudFormation generate one"))
	}
	if r := p.LogRetention; r != "" && !retentionDays[r] {
		add(validate.Fail("LogRetention", string(r), "CloudWatch Logs accepts only its fixed retention periods",
			"use an awslogs.RetentionDays constant, e.g. RetentionDays_TWO_WEEKS (the default)"))
	}
	switch p.ApplicationLogLevel {
	case "", awslambda.ApplicationLogLevel_TRACE, awslambda.ApplicationLogLevel_DEBUG, awslambda.ApplicationLogLevel_INFO,
		awslambda.ApplicationLogLevel_WARN, awslambda.ApplicationLogLevel_ERROR, awslambda.ApplicationLogLevel_FATAL:
	default:
		add(validate.Fail("ApplicationLogLevel", string(p.ApplicationLogLevel), "unknown application log level",
			"use an awslambda.ApplicationLogLevel constant (default INFO)"))
	}
	switch p.SystemLogLevel {
	case "", awslambda.SystemLogLevel_DEBUG, awslambda.SystemLogLevel_INFO, awslambda.SystemLogLevel_WARN:
	default:
		add(validate.Fail("SystemLogLevel", string(p.SystemLogLevel), "unknown system log level",
			"use an awslambda.SystemLogLevel constant (default INFO)"))
	}
	if r := p.RetryAttempts; r != nil && (*r < 0 || *r > 2) {
		add(validate.Fail("RetryAttempts", *r, "Lambda retries a failed asynchronous invocation 0-2 times",
			fmt.Sprintf("use 0, 1 or 2, or leave it nil for %d", DefaultRetryAttempts)))
	}
	if a := p.MaxEventAge; a != 0 && (a < time.Minute || a > 6*time.Hour || a%time.Second != 0) {
		add(validate.Fail("MaxEventAge", a, "Lambda keeps an asynchronous event between 60 s and 6 h, in whole seconds",
			"use a value in that range, or 0 for 6 h"))
	}
	errs = append(errs, p.validateNetwork()...)
	errs = append(errs, iamx.CheckStatements("Statements", p.Statements, reservedSids(p))...)
	add(validate.RemovalPolicy(string(p.RemovalPolicy), "KMS keys, log groups and queues"))
	// Build only when nothing else is wrong with the code props: the build is
	// the slow part, and its error is the one the user needs next.
	if len(errs) > 0 || p.Entry == "" {
		return nil, errors.Join(errs...)
	}
	pkg, err := resolveEntry(p.Entry)
	if err == nil {
		err = pkg.prepare()
	}
	return pkg, err
}

func (p *Props) runtime() string {
	if p.Runtime == "" {
		return DefaultRuntime
	}
	return p.Runtime
}

func (p *Props) validateTimeout() error {
	t := p.Timeout
	switch {
	case t == 0:
		return nil
	case t < time.Second || t > 900*time.Second:
		return validate.Fail("Timeout", t, "Lambda timeouts are 1 s to 900 s",
			fmt.Sprintf("set the expected P99 plus a buffer (default %s), or 0 for the default", DefaultTimeout))
	case t%time.Second != 0:
		return validate.Fail("Timeout", t, "Lambda timeouts are whole seconds",
			fmt.Sprintf("round to whole seconds, e.g. %s", t.Round(time.Second)))
	case t > MaxTimeoutWithoutReason && len(strings.TrimSpace(p.LongTimeoutReason)) < 20:
		return validate.Fail("Timeout", t, "the guidance: set the timeout to the expected P99 plus a buffer, never the maximum unless truly needed; above 300 s it needs LongTimeoutReason",
			`lower it, or set LongTimeoutReason to why, e.g. "nightly export scans the whole table"`)
	}
	return nil
}

func (p *Props) validateEnvironment() []error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(p.Environment)) {
		value := p.Environment[name]
		field := "Environment[" + name + "]"
		switch {
		case !envName.MatchString(name):
			errs = append(errs, validate.Fail(field, name, "Lambda environment variable names are at least 2 letters, digits and underscores, starting with a letter",
				"rename the variable"))
		case reservedEnv[name]:
			errs = append(errs, validate.Fail(field, name, "Lambda sets this variable itself and rejects it in the configuration",
				"drop it; read it from the runtime environment"))
		case looksLikeSecretName(name):
			errs = append(errs, validate.Fail(field, name, "the name says it holds a secret; secrets never go into environment variables (the guidance: read them from Secrets Manager at cold start)",
				`pass an awssecretsmanager.ISecret in Secrets, e.g. Secrets: {"`+secretRefName(name)+`": secret}, and read the value at cold start`))
		}
		if isToken(value) {
			continue
		}
		if what, ok := looksLikeLiteralSecret(name, value); ok {
			fix := "store it in Secrets Manager and pass the awssecretsmanager.ISecret in Secrets instead"
			if strings.HasPrefix(what, "a hex key") {
				fix += "; if it is a digest, not a key, name the variable so (…_SHA, …_HASH, …_DIGEST or …_CHECKSUM)"
			}
			errs = append(errs, validate.Fail(field, redact(value, what), "a literal secret would sit in the template and the function configuration (the value is not repeated here)",
				fix))
		}
	}
	if n := p.environmentBytes(); n > MaxEnvironmentBytes {
		errs = append(errs, validate.Fail("Environment", fmt.Sprintf("%d bytes in %d variables", n, len(p.Environment)+len(p.Secrets)),
			fmt.Sprintf("Lambda limits the total size of a function's environment variables, names and values, to 4 KB (%d bytes); the function would fail to deploy", MaxEnvironmentBytes),
			"move bulky configuration to SSM Parameter Store or S3 and pass its name or ARN instead"))
	}
	for _, name := range slices.Sorted(maps.Keys(p.Secrets)) {
		field := "Secrets[" + name + "]"
		switch {
		case !envName.MatchString(name):
			errs = append(errs, validate.Fail(field, name, "Lambda environment variable names are at least 2 letters, digits and underscores, starting with a letter",
				"rename the variable"))
		case !strings.HasSuffix(name, "_ARN"):
			errs = append(errs, validate.Fail(field, name, "the variable carries the secret's ARN, not its value, and its name must say so",
				"name it "+secretRefName(name)))
		case reservedEnv[name]:
			errs = append(errs, validate.Fail(field, name, "Lambda sets this variable itself", "choose another name"))
		}
		if _, dup := p.Environment[name]; dup {
			errs = append(errs, validate.Fail(field, name, "the name is also in Environment", "keep the variable in one of them"))
		}
		if p.Secrets[name] == nil {
			errs = append(errs, validate.Fail(field, "<nil>", "the secret is nil", "pass the awssecretsmanager.ISecret, or drop the entry"))
		}
	}
	return errs
}

// environmentBytes is the size Lambda counts against its 4 KB limit: every
// name and value, in bytes. A value that is an unresolved token (a table
// name, a secret created in the same app) counts with its literal parts only,
// since its length is unknown until deployment.
func (p *Props) environmentBytes() int {
	n := 0
	for name, value := range p.Environment {
		n += len(name) + len(withoutTokens(value))
	}
	for name, secret := range p.Secrets {
		n += len(name)
		if secret == nil {
			continue
		}
		if arn := secret.SecretArn(); arn != nil {
			n += len(withoutTokens(*arn))
		}
	}
	return n
}

func (p *Props) validateNetwork() []error {
	var errs []error
	if p.Vpc == nil {
		if p.VpcSubnets != nil {
			errs = append(errs, validate.Fail("VpcSubnets", "set", "subnets are only used with Vpc", "set Vpc, or drop VpcSubnets"))
		}
		if p.AllowAllOutbound {
			errs = append(errs, validate.Fail("AllowAllOutbound", true, "the security group exists only with Vpc", "set Vpc, or drop AllowAllOutbound"))
		}
		return errs
	}
	n, err := countSubnets(p.Vpc, p.subnets())
	if err != nil || n == 0 {
		detail := "no subnets match"
		if err != nil {
			detail = err.Error()
		}
		errs = append(errs, validate.Fail("VpcSubnets", describeSelection(p.VpcSubnets), "the function needs private subnets with egress to reach AWS APIs ("+detail+")",
			"give a VPC with private subnets (SubnetType PRIVATE_WITH_EGRESS), or select existing subnets in VpcSubnets"))
	}
	return errs
}

func (p *Props) subnets() *awsec2.SubnetSelection {
	if p.VpcSubnets != nil {
		return p.VpcSubnets
	}
	return &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
}

// countSubnets selects the subnets, turning the jsii error for a missing
// subnet type into an error value.
func countSubnets(vpc awsec2.IVpc, sel *awsec2.SubnetSelection) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := fmt.Sprint(r)
			msg, _, _ = strings.Cut(msg, "\n")
			// Drop jsii's error-class prefix ("NoSubnetGroups: There are …").
			if prefix, rest, ok := strings.Cut(msg, ": "); ok && !strings.Contains(prefix, " ") {
				msg = rest
			}
			err = errors.New(strings.TrimSpace(msg))
		}
	}()
	if s := vpc.SelectSubnets(sel).SubnetIds; s != nil {
		n = len(*s)
	}
	return n, nil
}

func describeSelection(s *awsec2.SubnetSelection) string {
	if s == nil {
		return "default (PRIVATE_WITH_EGRESS)"
	}
	if s.SubnetType != "" {
		return string(s.SubnetType)
	}
	return "custom selection"
}

// reservedSids are the Sids of the statements the construct writes itself.
func reservedSids(p *Props) map[string]bool {
	sids := map[string]bool{sidLogs: true, sidTraces: true, sidKey: true, sidDLQ: true,
		sidCreateENI: true, sidENI: true, sidDescribe: true}
	for name := range p.Secrets {
		sids[secretSid(name)] = true
		sids[secretKeySid(name)] = true
	}
	return sids
}

// secretRefName is the _ARN name the fix suggests for name.
func secretRefName(name string) string {
	for _, suffix := range []string{"_VALUE", "_STRING"} {
		name = strings.TrimSuffix(name, suffix)
	}
	if strings.HasSuffix(name, "_ARN") {
		return name
	}
	return name + "_ARN"
}

// redacted stands in for a suspected secret in an error message: only its
// length and the kind of credential it resembles, none of its characters, so
// that the message (printed in CI logs and terminals) leaks nothing of it.
type redacted struct {
	length int
	kind   string
}

// redact describes value, which looks like kind, without repeating it.
func redact(value, kind string) redacted {
	return redacted{length: utf8.RuneCountInString(value), kind: kind}
}

// String renders r as validation messages show it.
func (r redacted) String() string {
	return fmt.Sprintf("<a %d-character value that looks like %s>", r.length, r.kind)
}
