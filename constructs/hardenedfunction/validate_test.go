package hardenedfunction_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/hardenedfunction"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// inline is valid code for the cases that test other props, so that they
// need no Go build.
func inline() awslambda.Code {
	return awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({});"))
}

// node returns valid Node.js props with change applied.
func node(change func(p *hardenedfunction.Props)) *hardenedfunction.Props {
	p := &hardenedfunction.Props{Runtime: "nodejs24.x", Handler: "index.handler", Code: inline()}
	change(p)
	return p
}

func statement(sid string, actions, resources []string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)})
}

func TestValidation(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Invalid")
	publicOnly := awsec2.Vpc_FromVpcAttributes(st, jsii.String("PublicOnly"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("eu-west-1a"),
		PublicSubnetIds:   jsii.Strings("subnet-0ccccccccccccccc3"),
	})
	secret := awssecretsmanager.Secret_FromSecretNameV2(st, jsii.String("Secret"), jsii.String("prod/api-key"))
	outside := t.TempDir()
	table := "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
	tests := []struct {
		name  string
		props *hardenedfunction.Props
		want  []string
	}{
		// Code and runtime.
		{"no code", nil, []string{`Entry = ""`, "needs code", "set Entry"}},
		{"Entry and Code", &hardenedfunction.Props{Entry: hello, Code: inline()},
			[]string{"Entry = ", "mutually exclusive", "not both"}},
		{"Entry does not exist", &hardenedfunction.Props{Entry: "./functions/nope"},
			[]string{`Entry = "./functions/nope"`, "there is no directory", "functions/nope", "relative to the module root", "package main"}},
		{"Entry does not build", &hardenedfunction.Props{Entry: "./constructs/hardenedfunction/testdata/broken"},
			[]string{`Entry = "./constructs/hardenedfunction/testdata/broken"`, "does not build for linux/arm64",
				`main.go:6:14: cannot use "not a number"`, "reproduce with", "GOARCH=arm64"}},
		{"Entry is not package main", &hardenedfunction.Props{Entry: "./constructs/hardenedfunction/testdata/notmain"},
			[]string{"Entry = ", "is package notmain", "package main"}},
		{"Entry outside the module", &hardenedfunction.Props{Entry: "../outside"},
			[]string{`Entry = "../outside"`, "inside the module", "relative to the module root"}},
		{"absolute Entry outside any module", &hardenedfunction.Props{Entry: outside},
			[]string{"Entry = ", "no go.mod in", "inside a Go module"}},
		{"deprecated go1.x", &hardenedfunction.Props{Entry: hello, Runtime: "go1.x"},
			[]string{`Runtime = "go1.x"`, "deprecated", "use provided.al2023"}},
		{"deprecated provided.al2", &hardenedfunction.Props{Entry: hello, Runtime: "provided.al2"},
			[]string{`Runtime = "provided.al2"`, "deprecated", "use provided.al2023"}},
		{"deprecated nodejs16.x", node(func(p *hardenedfunction.Props) { p.Runtime = "nodejs16.x" }),
			[]string{`Runtime = "nodejs16.x"`, "deprecated", "use nodejs24.x"}},
		{"deprecated python3.8", node(func(p *hardenedfunction.Props) { p.Runtime = "python3.8" }),
			[]string{`Runtime = "python3.8"`, "deprecated", "use python3.14"}},
		{"unknown runtime", node(func(p *hardenedfunction.Props) { p.Runtime = "cobol85" }),
			[]string{`Runtime = "cobol85"`, "allow-list", "provided.al2023"}},
		{"Entry with another runtime", &hardenedfunction.Props{Entry: hello, Runtime: "python3.14", Handler: "app.handler"},
			[]string{"Entry = ", "runs only on provided.al2023", "leave Runtime empty"}},
		{"missing handler", node(func(p *hardenedfunction.Props) { p.Handler = "" }),
			[]string{`Handler = ""`, "needs the handler's entry point", "index.handler"}},
		{"handler with Entry", &hardenedfunction.Props{Entry: hello, Handler: "main"},
			[]string{`Handler = "main"`, "runs the binary bootstrap", "leave Handler empty"}},
		{"bad function name", node(func(p *hardenedfunction.Props) { p.FunctionName = "process order" }),
			[]string{`FunctionName = "process order"`, "1-64 letters"}},
		// Sizes and times.
		{"negative error threshold", node(func(p *hardenedfunction.Props) { p.Alarms.Errors = -1 }),
			[]string{"Alarms.Errors = -1", "cannot be negative", "use 1 or more"}},
		{"duration share above 100", node(func(p *hardenedfunction.Props) { p.Alarms.DurationPercentOfTimeout = 120 }),
			[]string{"Alarms.DurationPercentOfTimeout = 120", "percentage from 1 to 100"}},
		{"memory 64", node(func(p *hardenedfunction.Props) { p.MemorySize = 64 }),
			[]string{"MemorySize = 64", "128-10240 MB", "start at 512 MB"}},
		{"memory 20000", node(func(p *hardenedfunction.Props) { p.MemorySize = 20000 }),
			[]string{"MemorySize = 20000", "128-10240 MB"}},
		{"timeout below 1 s", node(func(p *hardenedfunction.Props) { p.Timeout = 500 * time.Millisecond }),
			[]string{"Timeout = 500ms", "1 s to 900 s", "P99 plus a buffer"}},
		{"negative timeout", node(func(p *hardenedfunction.Props) { p.Timeout = -time.Second }),
			[]string{"Timeout = -1s", "1 s to 900 s"}},
		{"timeout 901 s", node(func(p *hardenedfunction.Props) { p.Timeout = 901 * time.Second }),
			[]string{"Timeout = 15m1s", "1 s to 900 s"}},
		{"fractional timeout", node(func(p *hardenedfunction.Props) { p.Timeout = 1500 * time.Millisecond }),
			[]string{"Timeout = 1.5s", "whole seconds", "round to whole seconds, e.g. 2s"}},
		{"timeout 600 s without a reason", node(func(p *hardenedfunction.Props) { p.Timeout = 600 * time.Second }),
			[]string{"Timeout = 10m0s", "never the maximum unless truly needed", "above 300 s it needs LongTimeoutReason", "set LongTimeoutReason"}},
		{"timeout 600 s with a thin reason", node(func(p *hardenedfunction.Props) {
			p.Timeout, p.LongTimeoutReason = 600*time.Second, "slow"
		}), []string{"Timeout = 10m0s", "LongTimeoutReason"}},
		{"reserved concurrency 0", node(func(p *hardenedfunction.Props) { p.ReservedConcurrency = new(0) }),
			[]string{"ReservedConcurrency = 0", "must be positive", "0 throttles every invocation", "leave it nil for 100"}},
		{"negative reserved concurrency", node(func(p *hardenedfunction.Props) { p.ReservedConcurrency = new(-5) }),
			[]string{"ReservedConcurrency = -5", "must be positive"}},
		{"retry attempts 3", node(func(p *hardenedfunction.Props) { p.RetryAttempts = new(3) }),
			[]string{"RetryAttempts = 3", "0-2 times"}},
		{"max event age 30 s", node(func(p *hardenedfunction.Props) { p.MaxEventAge = 30 * time.Second }),
			[]string{"MaxEventAge = 30s", "between 60 s and 6 h"}},
		// Environment and secrets.
		{"one-letter env var name", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"X": "1"} }),
			[]string{`Environment[X] = "X"`, "at least 2 letters", "rename the variable"}},
		{"env var named DB_PASSWORD", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"DB_PASSWORD": "x"} }),
			[]string{`Environment[DB_PASSWORD] = "DB_PASSWORD"`, "says it holds a secret", "pass an awssecretsmanager.ISecret in Secrets", "DB_PASSWORD_ARN"}},
		{"reserved env var", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"AWS_REGION": "eu-west-1"} }),
			[]string{`Environment[AWS_REGION] = "AWS_REGION"`, "Lambda sets this variable itself"}},
		{"secret name without _ARN", node(func(p *hardenedfunction.Props) {
			p.Secrets = map[string]awssecretsmanager.ISecret{"API_SECRET": secret}
		}), []string{`Secrets[API_SECRET] = "API_SECRET"`, "ARN, not its value", "name it API_SECRET_ARN"}},
		{"nil secret", node(func(p *hardenedfunction.Props) {
			p.Secrets = map[string]awssecretsmanager.ISecret{"API_SECRET_ARN": nil}
		}),
			[]string{"Secrets[API_SECRET_ARN]", "the secret is nil"}},
		{"secret also in Environment", node(func(p *hardenedfunction.Props) {
			p.Secrets = map[string]awssecretsmanager.ISecret{"API_SECRET_ARN": secret}
			p.Environment = map[string]string{"API_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"}
		}), []string{"Secrets[API_SECRET_ARN]", "also in Environment"}},
		// Logs, network, policy, removal.
		{"bad log retention", node(func(p *hardenedfunction.Props) { p.LogRetention = awslogs.RetentionDays("TWO_DAYS") }),
			[]string{`LogRetention = "TWO_DAYS"`, "fixed retention periods", "RetentionDays_TWO_WEEKS"}},
		{"bad log group name", node(func(p *hardenedfunction.Props) { p.LogGroupName = "logs for orders" }),
			[]string{`LogGroupName = "logs for orders"`, "1-512 characters"}},
		{"bad log level", node(func(p *hardenedfunction.Props) { p.ApplicationLogLevel = "VERBOSE" }),
			[]string{`ApplicationLogLevel = "VERBOSE"`, "unknown application log level"}},
		{"subnets without a VPC", node(func(p *hardenedfunction.Props) {
			p.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		}), []string{"VpcSubnets", "only used with Vpc"}},
		{"all outbound without a VPC", node(func(p *hardenedfunction.Props) { p.AllowAllOutbound = true }),
			[]string{"AllowAllOutbound = true", "only with Vpc"}},
		{"VPC without private subnets", node(func(p *hardenedfunction.Props) { p.Vpc = publicOnly }),
			[]string{`VpcSubnets = "default (PRIVATE_WITH_EGRESS)"`, "private subnets with egress", "(There are no 'Private' subnet groups", "SubnetType PRIVATE_WITH_EGRESS"}},
		{"statement without a Sid", node(func(p *hardenedfunction.Props) {
			p.Statements = []awsiam.PolicyStatement{statement("", []string{"dynamodb:GetItem"}, []string{table})}
		}), []string{`Statements[0].Sid = ""`, "needs a readable Sid"}},
		{"statement with a wildcard action", node(func(p *hardenedfunction.Props) {
			p.Statements = []awsiam.PolicyStatement{statement("Orders", []string{"dynamodb:*"}, []string{table})}
		}), []string{`Statements[0].Actions = "dynamodb:*"`, "never use * in Action", "list the actions explicitly"}},
		{"statement on resource *", node(func(p *hardenedfunction.Props) {
			p.Statements = []awsiam.PolicyStatement{statement("Orders", []string{"dynamodb:GetItem"}, []string{"*"})}
		}), []string{`Statements[0].Resources = "*"`, "dynamodb:GetItem on every resource", "name the resource ARNs"}},
		{"statement reusing a construct Sid", node(func(p *hardenedfunction.Props) {
			p.Statements = []awsiam.PolicyStatement{statement("WriteXRayTraces", []string{"xray:PutTraceSegments"}, []string{"*"})}
		}), []string{`Statements[0].Sid = "WriteXRayTraces"`, "already used in the policy", "must be unique", "choose a unique Sid"}},
		{"two statements with one Sid", node(func(p *hardenedfunction.Props) {
			p.Statements = []awsiam.PolicyStatement{
				statement("Orders", []string{"dynamodb:GetItem"}, []string{table}),
				statement("Orders", []string{"dynamodb:PutItem"}, []string{table}),
			}
		}), []string{`Statements[1].Sid = "Orders"`, "already used by Statements[0]", "choose a unique Sid"}},
		{"Sid with a hyphen", node(func(p *hardenedfunction.Props) {
			p.Statements = []awsiam.PolicyStatement{statement("Read-Orders", []string{"dynamodb:GetItem"}, []string{table})}
		}), []string{`Statements[0].Sid = "Read-Orders"`, "letters and digits only", `e.g. "ReadOrders"`}},
		// Environment names that say they hold a secret.
		{"env var named DB_PASS", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"DB_PASS": "x"} }),
			[]string{`Environment[DB_PASS] = "DB_PASS"`, "says it holds a secret", "DB_PASS_ARN"}},
		{"env var named DBPASS", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"DBPASS": "x"} }),
			[]string{`Environment[DBPASS] = "DBPASS"`, "says it holds a secret"}},
		{"env var named ADMIN_PWD", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"ADMIN_PWD": "x"} }),
			[]string{`Environment[ADMIN_PWD] = "ADMIN_PWD"`, "says it holds a secret"}},
		{"env var named GPG_PASSPHRASE", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"GPG_PASSPHRASE": "x"} }),
			[]string{`Environment[GPG_PASSPHRASE] = "GPG_PASSPHRASE"`, "says it holds a secret"}},
		{"env var named TLS_PRIVATE_KEY", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"TLS_PRIVATE_KEY": "x"} }),
			[]string{`Environment[TLS_PRIVATE_KEY] = "TLS_PRIVATE_KEY"`, "says it holds a secret"}},
		{"env var named JWT_SIGNING_KEY", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"JWT_SIGNING_KEY": "x"} }),
			[]string{`Environment[JWT_SIGNING_KEY] = "JWT_SIGNING_KEY"`, "says it holds a secret"}},
		{"env var named SMTP_CREDS", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"SMTP_CREDS": "x"} }),
			[]string{`Environment[SMTP_CREDS] = "SMTP_CREDS"`, "says it holds a secret"}},
		// Lambda's 4 KB environment limit.
		{"environment over 4 KB", node(func(p *hardenedfunction.Props) {
			p.Environment = map[string]string{"CONFIG": strings.Repeat("x", 4000), "MORE": strings.Repeat("y", 100)}
		}), []string{`Environment = "4110 bytes in 2 variables"`, "4 KB (4096 bytes)", "SSM Parameter Store or S3"}},
		{"environment over 4 KB with a secret ARN", node(func(p *hardenedfunction.Props) {
			p.Environment = map[string]string{"CONFIG": strings.Repeat("x", 4060)}
			p.Secrets = map[string]awssecretsmanager.ISecret{"API_SECRET_ARN": secret}
		}), []string{`Environment = "`, "bytes in 2 variables", "4 KB (4096 bytes)"}},
		{"snapshot removal policy", node(func(p *hardenedfunction.Props) { p.RemovalPolicy = awscdk.RemovalPolicy_SNAPSHOT }),
			[]string{`RemovalPolicy = "SNAPSHOT"`, "use RemovalPolicy_RETAIN"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("Fn%d", i)
			msg := testkit.ValidationError(t, func() { hardenedfunction.New(st, id, tc.props) })
			testkit.Contains(t, "message", msg, append([]string{`hardenedfunction "Invalid/` + id + `": invalid props`}, tc.want...)...)
		})
	}
	t.Run("all problems are reported together", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() {
			hardenedfunction.New(st, "Many", node(func(p *hardenedfunction.Props) {
				p.MemorySize, p.Timeout, p.ReservedConcurrency = 64, 901*time.Second, new(0)
			}))
		})
		if n := strings.Count(msg, "\n  - "); n != 3 {
			t.Errorf("want 3 problems, got %d:\n%s", n, msg)
		}
	})
	t.Run("absolute Entry inside a module", func(t *testing.T) {
		abs, err := filepath.Abs("testdata/broken")
		if err != nil {
			t.Fatal(err)
		}
		msg := testkit.ValidationError(t, func() { hardenedfunction.New(st, "Abs", &hardenedfunction.Props{Entry: abs}) })
		if !strings.Contains(msg, "does not build") {
			t.Errorf("an absolute Entry should resolve and build:\n%s", msg)
		}
	})
}

// TestLiteralSecrets feeds credential-shaped values and checks that each is
// rejected with a pointer to Secrets, naming only its length and kind.
func TestLiteralSecrets(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Literals")
	for i, tc := range []struct{ name, value, kind string }{
		{"AWS access key", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"},
		{"PEM key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow...", "a PEM block"},
		{"Stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "a Stripe live key"},
		{"GitHub token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "a GitHub token"},
		{"password pair", "user=app;password=hunter2", "a password=… style pair"},
		{"short password pair", "pwd=x1y2", "a password=… style pair"},
		{"URL with credentials", "postgres://app:s3cr3t@db.internal:5432/orders", "a URL with embedded credentials"},
		{"random key", "q8Zr3Vt0LmX9wKp2Yb7Nc4Hd6Jf1Gs5T", "a long high-entropy string"},
		{"JWT", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "a JSON Web Token"},
		{"AES-128 key in hex", "00112233445566778899aabbccddeeff", "a hex key of 32 or more digits"},
		{"HMAC key in hex, upper case", "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08", "a hex key of 32 or more digits"},
		{"temporary access key id", "ASIAY34FZKBOKMUTVV7A", "an AWS access key id"},
		{"URL with a password and no user", "redis://:s3cr3tpass@cache.internal:6379/0", "a URL with embedded credentials"},
		{"Bearer token", "Bearer abc123def456ghi789", "an HTTP Authorization header credential"},
		{"Basic credentials", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "an HTTP Authorization header credential"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("Fn%d", i)
			msg := testkit.ValidationError(t, func() {
				hardenedfunction.New(st, id, node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"SETTING": tc.value} }))
			})
			want := fmt.Sprintf("Environment[SETTING] = <a %d-character value that looks like %s", utf8.RuneCountInString(tc.value), tc.kind)
			testkit.Contains(t, "message", msg, []string{want, "pass the awssecretsmanager.ISecret in Secrets"}...)
			// Not even a prefix of the value: the message ends up in CI logs.
			if strings.Contains(msg, tc.value[:4]) {
				t.Errorf("message repeats the start of the secret value (%q):\n%s", tc.value[:4], msg)
			}
		})
	}
}

// TestHexDigestNamedSo checks the fix for a hex value: a digest passes when
// its name says so, and the same value under another name is refused with
// that fix.
func TestHexDigestNamedSo(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Digest")
	sha := "3f786850e387550fdab836ed7e6dc881de23001b"
	msg := testkit.ValidationError(t, func() {
		hardenedfunction.New(st, "Key", node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{"BUILD": sha} }))
	})
	testkit.Contains(t, "message", msg, []string{"Environment[BUILD] = <a 40-character value that looks like a hex key", "name the variable so (…_SHA, …_HASH"}...)
	for i, name := range []string{"BUILD_SHA", "CONFIG_HASH", "PAYLOAD_DIGEST", "FILE_CHECKSUM"} {
		testkit.Must(t, func() {
			hardenedfunction.New(st, fmt.Sprintf("Ok%d", i), node(func(p *hardenedfunction.Props) { p.Environment = map[string]string{name: sha} }))
		})
	}
}

// TestAcceptedEnvironment checks names and values that look close to the
// rules but are plain configuration, and the 4 KB limit's edge.
func TestAcceptedEnvironment(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Accepted")
	for i, env := range []map[string]string{
		{"BYPASS_CACHE": "true", "PASSENGER_LIMIT": "4", "COMPASS_URL": "https://example.com"},
		{"SIGNING_KEY_ARN": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "KMS_KEY_ID": "alias/orders"},
		{"REQUEST_ID": "123e4567-e89b-12d3-a456-426614174000", "AUTH_MODE": "Bearer", "DOCS": "https://example.com/a/b?c=d"},
		{"CONFIG": strings.Repeat("x", 4096-len("CONFIG"))}, // exactly 4 KB
	} {
		testkit.Must(t, func() {
			hardenedfunction.New(st, fmt.Sprintf("Fn%d", i), node(func(p *hardenedfunction.Props) { p.Environment = env }))
		})
	}
}

// TestScope checks where the construct may go.
func TestScope(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Scope")
	hardenedfunction.New(st, "Taken", node(func(*hardenedfunction.Props) {}))
	for _, tc := range []struct {
		name  string
		scope awscdk.Stack
		id    string
		want  []string
	}{
		{"nil scope", nil, "Fn", []string{`hardenedfunction "Fn": invalid props`, "scope = <nil>", "needs a parent", "pass the stack"}},
		{"empty id", st, "", []string{`hardenedfunction "Scope/"`, `id = ""`, "must not be empty", "pass a non-empty id"}},
		{"duplicate id", st, "Taken", []string{`hardenedfunction "Scope/Taken"`, `id = "Taken"`, `ids are unique within a scope: "Scope/Taken" already exists`, "give this construct another id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, func() {
				var scope constructsConstruct
				if tc.scope != nil {
					scope = tc.scope
				}
				hardenedfunction.New(scope, tc.id, node(func(*hardenedfunction.Props) {}))
			})
			testkit.Contains(t, "message", msg, tc.want...)
		})
	}
}

// TestAddToPolicyValidation checks that statements added after construction
// meet the same rules.
func TestAddToPolicyValidation(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Later")
	fn := hardenedfunction.New(st, "Fn", node(func(*hardenedfunction.Props) {}))
	fn.AddToPolicy(statement("ReadOrders", []string{"dynamodb:GetItem"}, []string{"arn:aws:dynamodb:eu-west-1:123456789012:table/orders"}))
	for _, tc := range []struct {
		name string
		st   awsiam.PolicyStatement
		want string
	}{
		{"wildcard action", statement("All", []string{"s3:*"}, []string{"arn:aws:s3:::bucket/*"}), `AddToPolicy[0].Actions = "s3:*"`},
		{"Sid used before", statement("ReadOrders", []string{"dynamodb:Query"}, []string{"arn:aws:dynamodb:eu-west-1:123456789012:table/orders"}),
			`AddToPolicy[0].Sid = "ReadOrders"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, func() { fn.AddToPolicy(tc.st) })
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, `hardenedfunction "Later/Fn"`) {
				t.Errorf("message lacks %q:\n%s", tc.want, msg)
			}
		})
	}
}

// TestBundlingCost measures what building and bundling the Go handler adds
// to a synth: an App with one function from Code (no bundling) against the
// same App with the function from Entry, with the binary cache warm and
// cold (the Go build cache stays warm, as on a developer machine).
func TestBundlingCost(t *testing.T) {
	if testing.Short() {
		t.Skip("timing only")
	}
	synthWith := func(props *hardenedfunction.Props) time.Duration {
		start := time.Now()
		app := testkit.NewApp(nil)
		hardenedfunction.New(testkit.NewStack(app, "Timing"), "Fn", props)
		if _, err := testkit.Synth(app); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	synthWith(node(func(*hardenedfunction.Props) {})) // warm the kernel's code paths
	base := synthWith(node(func(*hardenedfunction.Props) {}))
	warm := synthWith(&hardenedfunction.Props{Entry: hello})
	t.Setenv(hardenedfunction.BuildCacheEnv, t.TempDir())
	cold := synthWith(&hardenedfunction.Props{Entry: hello})
	t.Logf("synth without bundling %v; with the Go handler: binary cached %v (+%v), binary built %v (+%v)",
		base.Round(time.Millisecond), warm.Round(time.Millisecond), (warm - base).Round(time.Millisecond),
		cold.Round(time.Millisecond), (cold - base).Round(time.Millisecond))
	entries, err := os.ReadDir(os.Getenv(hardenedfunction.BuildCacheEnv))
	if err != nil || len(entries) != 1 {
		t.Errorf("cold build left %d entries in the build cache (%v), want 1", len(entries), err)
	}
}

// TestAssetHashFollowsSources checks that the asset hash changes with the
// sources the build reads (here a package the handler imports) and not with
// files it does not read (tests, docs). The handler lives in a throwaway
// module, given as an absolute Entry.
func TestAssetHashFollowsSources(t *testing.T) {
	mod := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(mod, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/fn\n\ngo 1.26\n")
	write("cmd/fn/main.go", "package main\n\nimport \"example.com/fn/greet\"\n\nfunc main() { println(greet.Hello) }\n")
	write("greet/greet.go", "package greet\n\n// Hello is the greeting.\nconst Hello = \"hello\"\n")
	assetKey := func() string {
		t.Helper()
		app := testkit.NewApp(nil)
		hardenedfunction.New(testkit.NewStack(app, "Hash"), "Fn", &hardenedfunction.Props{Entry: filepath.Join(mod, "cmd", "fn")})
		asm, err := testkit.Synth(app)
		if err != nil {
			t.Fatal(err)
		}
		s := asm.Stack(t, "Hash")
		fn := s.Resource(t, s.LogicalID(t, "Fn/Function"))
		return fn["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"].(string)
	}
	first := assetKey()
	write("greet/greet_test.go", "package greet\n")
	write("README.md", "docs\n")
	if got := assetKey(); got != first {
		t.Errorf("a test file and a README changed the asset hash: %s → %s", first, got)
	}
	write("greet/greet.go", "package greet\n\n// Hello is the greeting.\nconst Hello = \"hi\"\n")
	if got := assetKey(); got == first {
		t.Error("changing an imported package of the module left the asset hash unchanged")
	}
}

type constructsConstruct = constructs.Construct
