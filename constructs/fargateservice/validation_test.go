package fargateservice_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

func statement(sid string, actions []string, resources ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...),
	})
}

func TestValidation(t *testing.T) {
	// Validation runs before any resource exists, so this App is never
	// synthesized.
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Invalid")
	vpc := newVpc(st)
	certificate := cert(st)
	secret := awssecretsmanager.Secret_FromSecretCompleteArn(st, jsii.String("Secret"), jsii.String(dbSecretArn))
	web := func(edit func(p *fargateservice.Props)) *fargateservice.Props {
		p := &fargateservice.Props{Vpc: vpc, Image: ecrImage, Certificate: certificate}
		edit(p)
		return p
	}
	tests := []struct {
		name  string
		props *fargateservice.Props
		want  []string
	}{
		{"WAF rate limit below AWS WAF's minimum", web(func(p *fargateservice.Props) { p.Waf.RateLimit = 5 }),
			[]string{"Waf.RateLimit = 5", "from 10 to 2000000000 requests per window", "rate-based rule statement", "0 for the default (2000 per 5m0s)"}},
		{"WAF rate limit above AWS WAF's maximum", web(func(p *fargateservice.Props) { p.Waf.RateLimit = 3_000_000_000 }),
			[]string{"Waf.RateLimit = 3000000000", "from 10 to 2000000000"}},
		{"WAF rate window AWS WAF does not offer", web(func(p *fargateservice.Props) { p.Waf.RateLimitWindow = 3 * time.Minute }),
			[]string{"Waf.RateLimitWindow = 3m0s", "1, 2, 5 or 10 minutes", "EvaluationWindowSec"}},
		{"unknown managed rule group", web(func(p *fargateservice.Props) {
			p.Waf.ManagedRuleGroups = []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesBotControlRuleSet"}
		}), []string{`Waf.ManagedRuleGroups[1] = "AWSManagedRulesBotControlRuleSet"`, "not an AWS managed rule group Groundwork accepts by name", "AWSManagedRulesKnownBadInputsRuleSet", "through WebAcl"}},
		{"managed rule group listed twice", web(func(p *fargateservice.Props) {
			p.Waf.ManagedRuleGroups = []string{"AWSManagedRulesSQLiRuleSet", "AWSManagedRulesSQLiRuleSet"}
		}), []string{`Waf.ManagedRuleGroups[1] = "AWSManagedRulesSQLiRuleSet"`, "listed twice"}},
		{"count override for a group the web ACL does not run", web(func(p *fargateservice.Props) {
			p.Waf.CountRuleGroups = []string{"AWSManagedRulesSQLiRuleSet"}
		}), []string{`Waf.CountRuleGroups[0] = "AWSManagedRulesSQLiRuleSet"`, "only a group the web ACL runs", "add it to Waf.ManagedRuleGroups"}},
		{"count override of a rule with an invalid name", web(func(p *fargateservice.Props) {
			p.Waf.CountRules = map[string][]string{"AWSManagedRulesCommonRuleSet": {"Size Restrictions"}}
		}), []string{`Waf.CountRules["AWSManagedRulesCommonRuleSet"] = "Size Restrictions"`, "RuleActionOverride.Name"}},
		{"WAF both disabled and enabled", web(func(p *fargateservice.Props) { p.Waf.Disable = true; p.Waf.Enable = true }),
			[]string{"Waf.Enable = true", "contradict", "set one of them"}},
		{"worker with WAF options", web(func(p *fargateservice.Props) { p.Certificate = nil; p.Worker = true; p.Waf.RateLimit = 100 }),
			[]string{`Waf = "set"`, "a Worker has no load balancer", "drop Waf"}},
		{"plain HTTP to the targets without the opt-out", web(func(p *fargateservice.Props) { p.TargetProtocol = fargateservice.TargetProtocolHTTP }),
			[]string{"TargetProtocol = TargetProtocolHTTP", "plain HTTP from the load balancer to the tasks is an explicit opt-out", "TLS between all components, ALB to ECS",
				"self-signed certificate generated at start", "set PlainHttpReason"}},
		{"plain HTTP reason with HTTPS", web(func(p *fargateservice.Props) { p.PlainHttpReason = "legacy" }),
			[]string{`PlainHttpReason = "legacy"`, "only goes with TargetProtocolHTTP"}},
		{"unknown target protocol", web(func(p *fargateservice.Props) { p.TargetProtocol = 7 }),
			[]string{"TargetProtocol = TargetProtocol(7)", "unknown protocol"}},
		{"negative blocked-requests threshold", web(func(p *fargateservice.Props) { p.Alarms.WafBlockedRequests = -1 }),
			[]string{"Alarms.WafBlockedRequests = -1", "cannot be negative"}},
		{"negative 5xx threshold", web(func(p *fargateservice.Props) { p.Alarms.Http5xx = -2 }),
			[]string{"Alarms.Http5xx = -2", "cannot be negative", "use 1 or more"}},
		{"memory threshold above 100 %", web(func(p *fargateservice.Props) { p.Alarms.MemoryPercent = 150 }),
			[]string{"Alarms.MemoryPercent = 150", "percentage from 1 to 100"}},
		{"image tagged latest", web(func(p *fargateservice.Props) { p.Image = "nginx:latest" }),
			[]string{`Image = "nginx:latest"`, `"latest" moves with every push`, "never latest", "pin the digest (nginx@sha256:<64 hex>", "or a full semantic version (nginx:1.2.3)"}},
		{"image without a tag", web(func(p *fargateservice.Props) { p.Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api" }),
			[]string{`Image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api"`, "without a tag pulls \"latest\"", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3"}},
		{"image with a moving minor tag", web(func(p *fargateservice.Props) { p.Image = "registry.example.com:5000/team/api:1.2" }),
			[]string{`Image = "registry.example.com:5000/team/api:1.2"`, `tag "1.2" is not a full MAJOR.MINOR.PATCH version`, "registry.example.com:5000/team/api:1.2.3"}},
		{"image with a named tag", web(func(p *fargateservice.Props) { p.Image = "ghcr.io/acme/api:stable" }),
			[]string{`tag "stable" is not a full MAJOR.MINOR.PATCH`, "pin the digest"}},
		{"image with a short digest", web(func(p *fargateservice.Props) { p.Image = "nginx@sha256:abc" }),
			[]string{`Image = "nginx@sha256:abc"`, "64 lowercase hex digits"}},
		{"no image", web(func(p *fargateservice.Props) { p.Image = "" }),
			[]string{`Image = ""`, "a container image is required", "or ImageAsset"}},
		{"image and image asset", web(func(p *fargateservice.Props) { p.ImageAsset = "testdata/app" }),
			[]string{`ImageAsset = "testdata/app"`, "alternatives", "set only one"}},
		{"image asset without a Dockerfile", web(func(p *fargateservice.Props) { p.Image = ""; p.ImageAsset = "testdata" }),
			[]string{`ImageAsset = "testdata"`, "containing a Dockerfile"}},
		{"invalid CPU/memory pair", web(func(p *fargateservice.Props) { p.Cpu = 512; p.MemoryMiB = 512 }),
			[]string{"MemoryMiB = 512", "with Cpu 512, Fargate accepts MemoryMiB 1024, 2048, 3072, 4096", "choose a listed memory size"}},
		{"memory off the step", web(func(p *fargateservice.Props) { p.Cpu = 8192; p.MemoryMiB = 18432 }),
			[]string{"MemoryMiB = 18432", "with Cpu 8192, Fargate accepts MemoryMiB 16384, 20480, 24576"}},
		{"invalid CPU", web(func(p *fargateservice.Props) { p.Cpu = 300 }),
			[]string{"Cpu = 300", "256, 512, 1024, 2048, 4096, 8192 or 16384", "choose one of them"}},
		{"grace period shorter than the start period", web(func(p *fargateservice.Props) { p.HealthCheckGracePeriod = 30 * time.Second }),
			[]string{"HealthCheckGracePeriod = 30s", "at least the container's start period (1m0s)", "set it to 1m0s or more"}},
		{"grace period shorter than a custom start period", web(func(p *fargateservice.Props) {
			p.HealthCheck = &fargateservice.HealthCheck{StartPeriod: 200 * time.Second}
			p.HealthCheckGracePeriod = 120 * time.Second
		}), []string{"HealthCheckGracePeriod = 2m0s", "start period (3m20s)", "set it to 3m20s or more"}},
		{"secret-looking environment variable", web(func(p *fargateservice.Props) {
			p.Environment = map[string]string{"DB_PASSWORD": "hunter2", "DB_SECRET_ARN": dbSecretArn}
		}), []string{`Environment = "DB_PASSWORD"`, "looks like a secret", "inject secrets via the secrets block", "pass it through SecretsManager or Parameters"}},
		{"variable set twice", web(func(p *fargateservice.Props) {
			p.Environment = map[string]string{"DB": "x"}
			p.SecretsManager = map[string]awssecretsmanager.ISecret{"DB": secret}
		}), []string{`SecretsManager = "DB"`, "also set by Environment", "one place only"}},
		{"invalid variable name", web(func(p *fargateservice.Props) { p.Environment = map[string]string{"1X": "y"} }),
			[]string{`Environment = "1X"`, "letters, digits and underscores"}},
		{"tasks in public subnets", web(func(p *fargateservice.Props) {
			p.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}
		}), []string{`VpcSubnets = "SubnetType_PUBLIC"`, "tasks run in private subnets", "select PRIVATE_WITH_EGRESS subnets"}},
		{"tasks in public subnets by group name", web(func(p *fargateservice.Props) {
			p.VpcSubnets = &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Public")}
		}), []string{`VpcSubnets = "SubnetGroupName Public"`, "contains public subnets", "select PRIVATE_WITH_EGRESS"}},
		{"public IP", web(func(p *fargateservice.Props) { p.AssignPublicIp = true }),
			[]string{"AssignPublicIp = true", "without public IPs", "NAT gateway or VPC interface endpoints"}},
		{"web service without a certificate", web(func(p *fargateservice.Props) { p.Certificate = nil }),
			[]string{"Certificate = <nil>", "serves HTTPS on 443", "needs an ACM certificate", "Certificate_FromCertificateArn", "or set Worker"}},
		{"Spot with a load balancer", web(func(p *fargateservice.Props) { p.Spot = true }),
			[]string{"Spot = true", "not user-facing services", "set Worker: true"}},
		{"worker with load-balancer settings", web(func(p *fargateservice.Props) { p.Worker = true; p.Internal = true }),
			[]string{`Certificate = "Invalid/Cert"`, "Internal = true", "a Worker has no load balancer", "drop Internal"}},
		{"root user", web(func(p *fargateservice.Props) { p.User = "root" }),
			[]string{`User = "root"`, "must not run as root", `"1000:1000"`}},
		{"root uid with a group", web(func(p *fargateservice.Props) { p.User = "0:1000" }),
			[]string{`User = "0:1000"`, "must not run as root"}},
		{"no VPC", web(func(p *fargateservice.Props) { p.Vpc = nil }),
			[]string{"Vpc = <nil>", "need a VPC", "threetiervpc"}},
		{"high availability with one task", web(func(p *fargateservice.Props) { p.RequireHighAvailability = true; p.DesiredCount = 1 }),
			[]string{"DesiredCount = 1", "RequireHighAvailability asks for a floor (MinCapacity, by default DesiredCount) of at least 2 tasks", "the floor here is 1", "set MinCapacity to 2 or more"}},
		{"high availability scaling in to one", web(func(p *fargateservice.Props) {
			p.RequireHighAvailability = true
			p.MinCapacity = 1
			p.MaxCapacity = 6
		}), []string{"MinCapacity = 1", "at least 2 tasks", "the floor here is 1", "set MinCapacity to 2 or more"}},
		{"unordered counts", web(func(p *fargateservice.Props) { p.MinCapacity = 4; p.MaxCapacity = 3 }),
			[]string{"MaxCapacity = 3", "MinCapacity (4) <= MaxCapacity (3)", "or set it equal to MinCapacity for a fixed count"}},
		{"DesiredCount beside a different MinCapacity", web(func(p *fargateservice.Props) { p.DesiredCount = 3; p.MinCapacity = 2; p.MaxCapacity = 6 }),
			[]string{"DesiredCount = 3", "MinCapacity (2) is the floor", "would reset the running count on every deployment", "drop DesiredCount and keep MinCapacity"}},
		{"negative maximum", web(func(p *fargateservice.Props) { p.MaxCapacity = -1 }),
			[]string{"MaxCapacity = -1", "cannot be negative"}},
		{"task role statement without a Sid", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{statement("", []string{"s3:GetObject"}, "arn:aws:s3:::b/*")}
		}), []string{`TaskRoleStatements[0].Sid = ""`, "readable Sid", "set Sid"}},
		{"task role statement with a wildcard action", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{statement("All", []string{"dynamodb:*"}, ordersTable)}
		}), []string{`TaskRoleStatements[0].Actions = "dynamodb:*"`, "never use * in Action", "list the actions explicitly"}},
		{"task role statement on every resource", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{statement("Everything", []string{"s3:GetObject"}, "*")}
		}), []string{`TaskRoleStatements[0].Resources = "*"`, "s3:GetObject on every resource", "name the resource ARNs"}},
		{"task role statements sharing a Sid", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{
				statement("Orders", []string{"dynamodb:GetItem"}, ordersTable),
				statement("Orders", []string{"dynamodb:PutItem"}, ordersTable),
			}
		}), []string{`TaskRoleStatements[1].Sid = "Orders"`, "already used by TaskRoleStatements[0]", "must be unique", "choose a unique Sid"}},
		{"task role statement Sid with a hyphen", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{statement("Read-Orders", []string{"dynamodb:GetItem"}, ordersTable)}
		}), []string{`TaskRoleStatements[0].Sid = "Read-Orders"`, "letters and digits only", `e.g. "ReadOrders"`}},
		{"health check command without CMD", web(func(p *fargateservice.Props) {
			p.HealthCheck = &fargateservice.HealthCheck{Command: []string{"curl localhost"}}
		}), []string{"HealthCheck.Command", `["CMD", exe, args...]`}},
		{"health check out of range", web(func(p *fargateservice.Props) {
			p.HealthCheck = &fargateservice.HealthCheck{Interval: time.Second, Retries: 11}
		}), []string{"HealthCheck.Interval = 1s", "from 5s to 5m0s", "HealthCheck.Retries = 11", "1 to 10 retries"}},
		{"grace period for a worker without health checks", &fargateservice.Props{Vpc: vpc, Image: ecrImage, Worker: true,
			HealthCheckGracePeriod: time.Minute}, []string{"HealthCheckGracePeriod = 1m0s", "has neither", "set HealthCheck"}},
		{"access log prefix with AWSLogs", web(func(p *fargateservice.Props) { p.AccessLogsPrefix = "x/AWSLogs" }),
			[]string{`AccessLogsPrefix = "x/AWSLogs"`, "must not contain AWSLogs"}},
		{"internet-facing load balancer in private subnets", web(func(p *fargateservice.Props) {
			p.LoadBalancerSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		}), []string{`LoadBalancerSubnets = "SubnetType_PRIVATE_WITH_EGRESS"`, "needs public subnets", "or set Internal"}},
		{"snapshot removal policy", web(func(p *fargateservice.Props) { p.RemovalPolicy = awscdk.RemovalPolicy_SNAPSHOT }),
			[]string{`RemovalPolicy = "SNAPSHOT"`, "use RemovalPolicy_RETAIN"}},
		{"unknown architecture", web(func(p *fargateservice.Props) { p.Architecture = fargateservice.Architecture(7) }),
			[]string{"Architecture = Architecture(7)", "ArchitectureARM64"}},
		{"port out of range", web(func(p *fargateservice.Props) { p.ContainerPort = 70000 }),
			[]string{"ContainerPort = 70000", "a port is 1-65535"}},
		{"container name with a space", web(func(p *fargateservice.Props) { p.ContainerName = "my app" }),
			[]string{`ContainerName = "my app"`, "up to 255 letters, digits, hyphens and underscores (ECS ContainerDefinition name)", `"order-api"`}},
		{"container name too long for the init container's suffix", web(func(p *fargateservice.Props) { p.ContainerName = strings.Repeat("a", 251) }),
			[]string{"ContainerName = \"aaaa", `the init container adds "-init", so up to 250 here`}},
		{"fractional grace period", web(func(p *fargateservice.Props) { p.HealthCheckGracePeriod = 1500 * time.Millisecond }),
			[]string{"HealthCheckGracePeriod = 1.5s", "whole, non-negative number of seconds"}},
		{"negative count", web(func(p *fargateservice.Props) { p.DesiredCount = -1 }),
			[]string{"DesiredCount = -1", "cannot be negative"}},
		{"nil secret", web(func(p *fargateservice.Props) {
			p.SecretsManager = map[string]awssecretsmanager.ISecret{"TOKEN": nil}
		}), []string{`SecretsManager = "TOKEN"`, "the secret is nil"}},
		{"task role statement with a principal", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("Trust"), Actions: jsii.Strings("sts:AssumeRole"), Resources: jsii.Strings("*"),
				Principals: &[]awsiam.IPrincipal{awsiam.NewAccountRootPrincipal()},
			})}
		}), []string{`TaskRoleStatements[0] = "Trust"`, "name no principal", `TaskRoleStatements[0].Resources = "*"`}},
		{"task role statement with NotAction", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String("AllButIam"), NotActions: jsii.Strings("iam:PassRole"), Resources: jsii.Strings(ordersTable),
			})}
		}), []string{`TaskRoleStatements[0] = "AllButIam"`, "NotAction and NotResource grant everything else", "grants no action"}},
		{"health check path without a slash", web(func(p *fargateservice.Props) { p.HealthCheckPath = "health" }),
			[]string{`HealthCheckPath = "health"`, "starts with /"}},
		{"relative writable path", web(func(p *fargateservice.Props) { p.WritablePaths = []string{"tmp"} }),
			[]string{`WritablePaths[0] = "tmp"`, "absolute directory other than /", `use e.g. "/tmp"`}},
		{"root as a writable path", web(func(p *fargateservice.Props) { p.WritablePaths = []string{"/tmp", "//"} }),
			[]string{`WritablePaths[1] = "//"`, "absolute directory other than /"}},
		{"duplicate writable path", web(func(p *fargateservice.Props) { p.WritablePaths = []string{"/tmp", "/var/cache", "/tmp/"} }),
			[]string{`WritablePaths[2] = "/tmp/"`, `already WritablePaths[0] ("/tmp")`, "mounts two volumes at one container path", "list each path once"}},
		{"init image by tag", web(func(p *fargateservice.Props) { p.InitImage = "public.ecr.aws/docker/library/busybox:1.36.1" }),
			[]string{`InitImage = "public.ecr.aws/docker/library/busybox:1.36.1"`, "runs as root", "pinned by digest, not by tag",
				"pin the digest (public.ecr.aws/docker/library/busybox@sha256:<64 hex>", "docker buildx imagetools inspect"}},
		{"init image by latest", web(func(p *fargateservice.Props) { p.InitImage = "busybox:latest" }),
			[]string{`InitImage = "busybox:latest"`, "never latest", "pin the digest (busybox@sha256:<64 hex>"}},
		{"init image without writable paths", web(func(p *fargateservice.Props) { p.WritablePaths = []string{}; p.InitImage = initImage }),
			[]string{`InitImage = "public.ecr.aws`, "prepares WritablePaths, and there are none", "drop InitImage"}},
		{"malformed certificate ARN", web(func(p *fargateservice.Props) {
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(st, jsii.String("BadCert"), jsii.String("arn:aws:acm:eu-west-1:123:certificate/x"))
		}), []string{`Certificate = "arn:aws:acm:eu-west-1:123:certificate/x"`, "arn:<partition>:acm:<region>:<12-digit account>:certificate/<UUID>", "aws acm list-certificates"}},
		{"IAM server certificate", web(func(p *fargateservice.Props) {
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(st, jsii.String("IamCert"),
				jsii.String("arn:aws:iam::123456789012:server-certificate/api"))
		}), []string{`Certificate = "arn:aws:iam::123456789012:server-certificate/api"`, "is a iam ARN, not an AWS Certificate Manager one", "ELBv2ACMCertificateRequired", "import or request the certificate in ACM"}},
		{"certificate from another Region", web(func(p *fargateservice.Props) {
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(st, jsii.String("UsEastCert"),
				jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"))
		}), []string{`Certificate = "arn:aws:acm:us-east-1:`, "the certificate is in us-east-1, the load balancer in eu-west-1", "same Region as the load balancer", "in ACM in eu-west-1"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("Service%d", i)
			msg := testkit.ValidationError(t, func() { fargateservice.New(st, id, tc.props) })
			want := append([]string{`fargateservice "Invalid/` + id + `": invalid props`}, tc.want...)
			testkit.Contains(t, "message", msg, want...)
		})
	}
	t.Run("secret-looking environment values", func(t *testing.T) {
		for i, tc := range []struct {
			name, variable, value, kind string
		}{
			{"AWS access key id", "UPLOADER", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"},
			{"temporary access key id", "UPLOADER", "ASIAIOSFODNN7EXAMPLE", "an AWS access key id"},
			{"URL with a password", "DATABASE_URL", "postgres://u:p@h/db", "a URL with a password"},
			{"bearer token", "UPSTREAM_AUTH", "Bearer abcdef0123456789", "a bearer token"},
			{"JWT", "UPSTREAM_AUTH", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "a JSON Web Token"},
			{"hex key", "SIGNING", "0123456789abcdef0123456789abcdef", "a key (32 or more hex digits)"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id := fmt.Sprintf("EnvValue%d", i)
				msg := testkit.ValidationError(t, func() {
					fargateservice.New(st, id, web(func(p *fargateservice.Props) { p.Environment = map[string]string{tc.variable: tc.value} }))
				})
				for _, w := range []string{`fargateservice "Invalid/` + id + `"`, fmt.Sprintf("Environment[%q] = <redacted, %d characters>", tc.variable, len(tc.value)),
					"the value looks like " + tc.kind, "no secret values in environment variables", "pass it through SecretsManager or Parameters"} {
					if !strings.Contains(msg, w) {
						t.Errorf("message lacks %q:\n%s", w, msg)
					}
				}
				if strings.Contains(msg, tc.value) {
					t.Errorf("message shows the value:\n%s", msg)
				}
			})
		}
		t.Run("plain values pass", func(t *testing.T) {
			testkit.Must(t, func() {
				fargateservice.New(st, "PlainEnv", web(func(p *fargateservice.Props) {
					p.Environment = map[string]string{
						"UPSTREAM_URL": "https://api.example.com/v1", "DATABASE_HOST": "postgres://db.internal:5432/orders",
						"GIT_SHA": "0123456789abcdef0123456789abcdef01234567", "REQUEST_ID_HEADER": "X-Request-Id",
					}
				}))
			})
		})
	})
	t.Run("scope and id", func(t *testing.T) {
		props := web(func(*fargateservice.Props) {})
		fargateservice.New(st, "Taken", props)
		for _, tc := range []struct {
			name  string
			build func()
			want  []string
		}{
			{"nil scope", func() { fargateservice.New(nil, "Api", props) },
				[]string{`fargateservice "Api": invalid props`, "scope = <nil>", "needs a parent scope", "pass the stack"}},
			{"empty id", func() { fargateservice.New(st, "", props) },
				[]string{`fargateservice "Invalid/"`, `id = ""`, "must not be empty", "pass a non-empty id"}},
			{"duplicate id", func() { fargateservice.New(st, "Taken", props) },
				[]string{`fargateservice "Invalid/Taken"`, `id = "Taken"`, `"Invalid/Taken" already exists`, "give this construct another id"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				msg := testkit.ValidationError(t, tc.build)
				testkit.Contains(t, "message", msg, tc.want...)
			})
		}
	})
	t.Run("container names with hyphens are valid", func(t *testing.T) {
		testkit.Must(t, func() {
			fargateservice.New(st, "Hyphen", web(func(p *fargateservice.Props) { p.ContainerName = "order-api_v2" }))
		})
	})
	t.Run("all problems are reported together", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() { fargateservice.New(st, "Empty", nil) })
		testkit.Contains(t, "message", msg, []string{"Vpc = <nil>", `Image = ""`, "Certificate = <nil>"}...)
		if n := strings.Count(msg, "\n  - "); n != 3 {
			t.Errorf("want 3 problems, got %d:\n%s", n, msg)
		}
	})
	t.Run("AddToTaskRolePolicy rejects Sid-less and wildcard statements", func(t *testing.T) {
		svc := fargateservice.New(st, "Valid", web(func(*fargateservice.Props) {}))
		msg := testkit.ValidationError(t, func() {
			svc.AddToTaskRolePolicy(statement("", []string{"sqs:*"}, "arn:aws:sqs:eu-west-1:123456789012:jobs"))
		})
		testkit.Contains(t, "message", msg, []string{`fargateservice "Invalid/Valid"`, `AddToTaskRolePolicy[0].Sid = ""`, `AddToTaskRolePolicy[0].Actions = "sqs:*"`}...)
	})
	t.Run("AddToTaskRolePolicy rejects a Sid already in the task role policy", func(t *testing.T) {
		svc := fargateservice.New(st, "DuplicateSid", web(func(p *fargateservice.Props) {
			p.TaskRoleStatements = []awsiam.PolicyStatement{statement("ReadOrders", []string{"dynamodb:GetItem"}, ordersTable)}
		}))
		svc.AddToTaskRolePolicy(statement("SendJobs", []string{"sqs:SendMessage"}, "arn:aws:sqs:eu-west-1:123456789012:jobs"))
		for _, tc := range []struct {
			name       string
			statements []awsiam.PolicyStatement
			want       []string
		}{
			{"from TaskRoleStatements", []awsiam.PolicyStatement{statement("ReadOrders", []string{"dynamodb:Query"}, ordersTable)},
				[]string{`AddToTaskRolePolicy[0].Sid = "ReadOrders"`, "already used in the policy", "choose a unique Sid"}},
			{"from an earlier call", []awsiam.PolicyStatement{statement("SendJobs", []string{"sqs:SendMessage"}, "arn:aws:sqs:eu-west-1:123456789012:other")},
				[]string{`AddToTaskRolePolicy[0].Sid = "SendJobs"`, "already used in the policy"}},
			{"within one call", []awsiam.PolicyStatement{
				statement("WriteOrders", []string{"dynamodb:PutItem"}, ordersTable),
				statement("WriteOrders", []string{"dynamodb:UpdateItem"}, ordersTable),
			}, []string{`AddToTaskRolePolicy[1].Sid = "WriteOrders"`, "already used by AddToTaskRolePolicy[0]"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				msg := testkit.ValidationError(t, func() { svc.AddToTaskRolePolicy(tc.statements...) })
				testkit.Contains(t, "message", msg, append([]string{`fargateservice "Invalid/DuplicateSid"`, "must be unique"}, tc.want...)...)
			})
		}
		// A rejected call records nothing: its Sids are still free.
		testkit.Must(t, func() {
			svc.AddToTaskRolePolicy(statement("WriteOrders", []string{"dynamodb:PutItem"}, ordersTable))
		})
	})
}

func TestValidMemoryMiB(t *testing.T) {
	tests := []struct {
		cpu        int
		n          int
		first, end int
	}{
		{256, 3, 512, 2048},
		{512, 4, 1024, 4096},
		{1024, 7, 2048, 8192},
		{2048, 13, 4096, 16384},
		{4096, 23, 8192, 30720},
		{8192, 12, 16384, 61440},
		{16384, 12, 32768, 122880},
	}
	for _, tc := range tests {
		got := fargateservice.ValidMemoryMiB(tc.cpu)
		if len(got) != tc.n || got[0] != tc.first || got[len(got)-1] != tc.end {
			t.Errorf("ValidMemoryMiB(%d) = %v; want %d sizes from %d to %d", tc.cpu, got, tc.n, tc.first, tc.end)
		}
	}
	if got := fargateservice.ValidMemoryMiB(300); got != nil {
		t.Errorf("ValidMemoryMiB(300) = %v; want nil", got)
	}
}
