package hardenedfunction

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// TestBoundsValidation feeds Props.validate each numeric rule at its bound and
// one past it, on both sides, and each other rule one accepted and one
// rejected case. Code (not Entry) keeps it free of Go builds and synthesis;
// make mutate mutates validate.go against it. want lists parts of the
// message; nil means accepted.
func TestBoundsValidation(t *testing.T) {
	code := awslambda.Code_FromInline(jsii.String("bootstrap"))
	secret := awssecretsmanager.Secret_FromSecretNameV2(testkit.NewStack(testkit.NewApp(nil), "Bounds"), jsii.String("Secret"), jsii.String("db"))
	with := func(edit func(p *Props)) Props {
		p := Props{Code: code}
		edit(&p)
		return p
	}
	env := func(vars map[string]string) Props { return with(func(p *Props) { p.Environment = vars }) }
	// envOf makes an environment of n bytes (names and values) in one variable.
	envOf := func(n int) map[string]string { return map[string]string{"AB": strings.Repeat("x", n-2)} }
	tests := []struct {
		name  string
		props Props
		want  []string
	}{
		{"defaults", with(func(*Props) {}), nil},

		{"memory 127", with(func(p *Props) { p.MemorySize = 127 }), []string{"MemorySize = 127", "Lambda memory is 128-10240 MB", "start at 512 MB"}},
		{"memory 128", with(func(p *Props) { p.MemorySize = 128 }), nil},
		{"memory 10240", with(func(p *Props) { p.MemorySize = 10240 }), nil},
		{"memory 10241", with(func(p *Props) { p.MemorySize = 10241 }), []string{"MemorySize = 10241"}},

		{"timeout 999 ms", with(func(p *Props) { p.Timeout = 999 * time.Millisecond }), []string{"Timeout = 999ms", "Lambda timeouts are 1 s to 900 s"}},
		{"timeout 1 s", with(func(p *Props) { p.Timeout = time.Second }), nil},
		{"timeout 1.5 s", with(func(p *Props) { p.Timeout = 1500 * time.Millisecond }), []string{"Timeout = 1.5s", "whole seconds", "e.g. 2s"}},
		{"timeout 300 s without a reason", with(func(p *Props) { p.Timeout = 300 * time.Second }), nil},
		{"timeout 301 s without a reason", with(func(p *Props) { p.Timeout = 301 * time.Second }), []string{"Timeout = 5m1s", "above 300 s it needs LongTimeoutReason"}},
		{"timeout 301 s, reason of 19", with(func(p *Props) { p.Timeout = 301 * time.Second; p.LongTimeoutReason = strings.Repeat("r", 19) + "   " }), []string{"LongTimeoutReason"}},
		{"timeout 301 s, reason of 20", with(func(p *Props) { p.Timeout = 301 * time.Second; p.LongTimeoutReason = strings.Repeat("r", 20) }), nil},
		{"timeout 900 s with a reason", with(func(p *Props) { p.Timeout = 900 * time.Second; p.LongTimeoutReason = "nightly export scans the table" }), nil},
		{"timeout 901 s with a reason", with(func(p *Props) { p.Timeout = 901 * time.Second; p.LongTimeoutReason = "nightly export scans the table" }), []string{"Timeout = 15m1s", "1 s to 900 s"}},

		{"reserved concurrency -1", with(func(p *Props) { p.ReservedConcurrency = boundsInt(-1) }), []string{"ReservedConcurrency = -1", "must be positive", "nil for 100"}},
		{"reserved concurrency 0", with(func(p *Props) { p.ReservedConcurrency = boundsInt(0) }), []string{"ReservedConcurrency = 0"}},
		{"reserved concurrency 1", with(func(p *Props) { p.ReservedConcurrency = boundsInt(1) }), nil},

		{"retries -1", with(func(p *Props) { p.RetryAttempts = boundsInt(-1) }), []string{"RetryAttempts = -1", "0-2 times", "nil for 2"}},
		{"retries 0", with(func(p *Props) { p.RetryAttempts = boundsInt(0) }), nil},
		{"retries 2", with(func(p *Props) { p.RetryAttempts = boundsInt(2) }), nil},
		{"retries 3", with(func(p *Props) { p.RetryAttempts = boundsInt(3) }), []string{"RetryAttempts = 3"}},

		{"event age 59 s", with(func(p *Props) { p.MaxEventAge = 59 * time.Second }), []string{"MaxEventAge = 59s", "between 60 s and 6 h"}},
		{"event age 60 s", with(func(p *Props) { p.MaxEventAge = 60 * time.Second }), nil},
		{"event age 6 h", with(func(p *Props) { p.MaxEventAge = 6 * time.Hour }), nil},
		{"event age 6 h 1 s", with(func(p *Props) { p.MaxEventAge = 6*time.Hour + time.Second }), []string{"MaxEventAge = 6h0m1s"}},
		{"event age 60.5 s", with(func(p *Props) { p.MaxEventAge = 60500 * time.Millisecond }), []string{"MaxEventAge = 1m0.5s", "in whole seconds"}},

		{"errors alarm -1", with(func(p *Props) { p.Alarms.Errors = -1 }), []string{"Alarms.Errors = -1", "cannot be negative"}},
		{"throttles alarm -1", with(func(p *Props) { p.Alarms.Throttles = -1 }), []string{"Alarms.Throttles = -1"}},
		{"DLQ alarm -1", with(func(p *Props) { p.Alarms.DeadLetterMessages = -1 }), []string{"Alarms.DeadLetterMessages = -1"}},
		{"alarms 0 (defaults)", with(func(p *Props) { p.Alarms = AlarmThresholds{} }), nil},
		{"duration -1 %", with(func(p *Props) { p.Alarms.DurationPercentOfTimeout = -1 }), []string{"Alarms.DurationPercentOfTimeout = -1", "from 1 to 100"}},
		{"duration 100 %", with(func(p *Props) { p.Alarms.DurationPercentOfTimeout = 100 }), nil},
		{"duration 101 %", with(func(p *Props) { p.Alarms.DurationPercentOfTimeout = 101 }), []string{"Alarms.DurationPercentOfTimeout = 101"}},

		{"function name of 64", with(func(p *Props) { p.FunctionName = strings.Repeat("f", 64) }), nil},
		{"function name of 65", with(func(p *Props) { p.FunctionName = strings.Repeat("f", 65) }), []string{"FunctionName", "1-64 letters"}},
		{"function name with a dot", with(func(p *Props) { p.FunctionName = "a.b" }), []string{"FunctionName"}},
		{"log group name of 512", with(func(p *Props) { p.LogGroupName = "/" + strings.Repeat("g", 511) }), nil},
		{"log group name of 513", with(func(p *Props) { p.LogGroupName = "/" + strings.Repeat("g", 512) }), []string{"LogGroupName", "1-512 characters"}},
		{"log retention not a period", with(func(p *Props) { p.LogRetention = awslogs.RetentionDays("FOUR_DAYS") }), []string{"LogRetention", "fixed retention periods"}},
		{"log retention two weeks", with(func(p *Props) { p.LogRetention = awslogs.RetentionDays_TWO_WEEKS }), nil},
		{"unknown application log level", with(func(p *Props) { p.ApplicationLogLevel = "LOUD" }), []string{"ApplicationLogLevel", "unknown application log level"}},
		{"application log level DEBUG", with(func(p *Props) { p.ApplicationLogLevel = awslambda.ApplicationLogLevel_DEBUG }), nil},
		{"unknown system log level", with(func(p *Props) { p.SystemLogLevel = "TRACE" }), []string{"SystemLogLevel", "unknown system log level"}},
		{"system log level WARN", with(func(p *Props) { p.SystemLogLevel = awslambda.SystemLogLevel_WARN }), nil},

		{"no code", Props{}, []string{"Entry", "needs code"}},
		{"Entry and Code", with(func(p *Props) { p.Entry = "./x" }), []string{"Entry", "mutually exclusive"}},
		{"Entry on another runtime", Props{Entry: "./x", Runtime: "nodejs22.x"}, []string{"Entry builds a Go bootstrap", "Runtime is nodejs22.x"}},
		{"Entry with a handler", Props{Entry: "./x", Handler: "main"}, []string{"Handler", "runs the binary bootstrap"}},
		{"Code on another runtime without a handler", with(func(p *Props) { p.Runtime = "nodejs22.x" }), []string{"Handler", "needs the handler's entry point"}},
		{"Code on another runtime with a handler", with(func(p *Props) { p.Runtime = "nodejs22.x"; p.Handler = "index.handler" }), nil},
		{"deprecated runtime", with(func(p *Props) { p.Runtime = "go1.x"; p.Handler = "main" }), []string{"Runtime", "deprecated"}},
		{"unknown runtime", with(func(p *Props) { p.Runtime = "cobol"; p.Handler = "main" }), []string{"Runtime", "not on the allow-list"}},

		{"environment of 4096 bytes", env(envOf(4096)), nil},
		{"environment of 4097 bytes", env(envOf(4097)), []string{`Environment = "4097 bytes in 1 variables"`, "4 KB (4096 bytes)"}},
		{"variable name of 1", env(map[string]string{"A": "x"}), []string{"Environment[A]", "at least 2 letters"}},
		{"variable name of 2", env(map[string]string{"AB": "x"}), nil},
		{"reserved variable", env(map[string]string{"AWS_REGION": "x"}), []string{"Environment[AWS_REGION]", "Lambda sets this variable itself"}},
		{"secret-like name", env(map[string]string{"DB_PASSWORD": "x"}), []string{"Environment[DB_PASSWORD]", "DB_PASSWORD_ARN"}},
		{"literal access key", env(map[string]string{"KEY_ID": "AKIAABCDEFGHIJKLMNOP"}), []string{"Environment[KEY_ID]", "an AWS access key id", "not repeated here"}},
		// Entry is built only when everything else is valid; a package
		// outside the module fails before any build.
		{"Entry outside the module", Props{Entry: "../../../outside"}, []string{"Entry", "must be inside the module"}},
		{"environment of 4097 bytes with a secret", with(func(p *Props) {
			p.Environment = envOf(4097)
			p.Secrets = map[string]awssecretsmanager.ISecret{"DB_ARN": secret}
		}), []string{`"4158 bytes in 2 variables"`}}, // 4097 + "DB_ARN" + the ARN's 55 literal bytes
		{"a secret", with(func(p *Props) { p.Secrets = map[string]awssecretsmanager.ISecret{"DB_ARN": secret} }), nil},
		{"a nil secret", with(func(p *Props) { p.Secrets = map[string]awssecretsmanager.ISecret{"DB_ARN": nil} }), []string{"Secrets[DB_ARN]", "the secret is nil"}},
		{"a secret without _ARN", with(func(p *Props) { p.Secrets = map[string]awssecretsmanager.ISecret{"DB_PASSWORD": secret} }), []string{"Secrets[DB_PASSWORD]", "name it DB_PASSWORD_ARN"}},
		{"a secret also in Environment", with(func(p *Props) {
			p.Secrets = map[string]awssecretsmanager.ISecret{"DB_ARN": secret}
			p.Environment = map[string]string{"DB_ARN": "x"}
		}), []string{"Secrets[DB_ARN]", "also in Environment"}},
		{"no VPC but subnets", with(func(p *Props) { p.AllowAllOutbound = true }), []string{"AllowAllOutbound", "only with Vpc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.props.validate()
			testkit.Verdict(t, err, tc.want)
		})
	}
}

func boundsInt(v int) *int { return &v }
