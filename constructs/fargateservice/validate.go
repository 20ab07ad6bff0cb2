package fargateservice

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/validate"
)

// envName is a POSIX environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// containerName is what ECS accepts as a container name.
var containerName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// validate checks p before any resource exists; stack is the stack the
// service will be in.
func (p *Props) validate(stack awscdk.Stack) error {
	s := p.withDefaults()
	var errs []error
	fail := func(field string, value any, rule, fix string) {
		errs = append(errs, validate.Fail(field, value, rule, fix))
	}

	if p.Vpc == nil {
		fail("Vpc", nil, "the tasks need a VPC", "pass the VPC, e.g. threetiervpc.New(...).Vpc")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Alarms.Http5xx", p.Alarms.Http5xx}, {"Alarms.UnhealthyTargets", p.Alarms.UnhealthyTargets}, {"Alarms.WafBlockedRequests", p.Alarms.WafBlockedRequests}} {
		if f.v < 0 {
			fail(f.name, f.v, "an alarm threshold counts events and cannot be negative", "use 1 or more, or 0 for the default")
		}
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"Alarms.CPUPercent", p.Alarms.CPUPercent}, {"Alarms.MemoryPercent", p.Alarms.MemoryPercent}} {
		if f.v < 0 || f.v > 100 {
			fail(f.name, f.v, "a utilization threshold is a percentage from 1 to 100", "use e.g. 85 (the default, or 0)")
		}
	}
	if p.Alarms.TargetResponseTimeP99 < 0 {
		fail("Alarms.TargetResponseTimeP99", p.Alarms.TargetResponseTimeP99, "a response time cannot be negative", "use e.g. time.Second (the default, or 0)")
	}

	// Image.
	switch {
	case p.Image == "" && p.ImageAsset == "":
		fail("Image", "", "a container image is required", `set Image (e.g. "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:1.2.3") or ImageAsset (a directory with a Dockerfile)`)
	case p.Image != "" && p.ImageAsset != "":
		fail("ImageAsset", p.ImageAsset, "Image and ImageAsset are alternatives", "set only one of them")
	case p.Image != "":
		if _, prob := parseImage(p.Image); prob != nil {
			fail("Image", p.Image, prob.rule, prob.fix)
		}
	default:
		if prob := checkImageAsset(p.ImageAsset); prob != nil {
			fail("ImageAsset", p.ImageAsset, prob.rule, prob.fix)
		}
	}
	if p.Architecture != ArchitectureX86_64 && p.Architecture != ArchitectureARM64 {
		fail("Architecture", p.Architecture, "unknown architecture", "use ArchitectureX86_64 (default) or ArchitectureARM64")
	}

	// Size.
	if mem, ok := fargateMemory[s.Cpu]; !ok {
		fail("Cpu", s.Cpu, "Fargate CPU is one of 256, 512, 1024, 2048, 4096, 8192 or 16384 units", "choose one of them (512 is the default)")
	} else if !contains(mem, s.MemoryMiB) {
		fail("MemoryMiB", s.MemoryMiB, fmt.Sprintf("with Cpu %d, Fargate accepts MemoryMiB %s", s.Cpu, joinInts(mem)),
			"choose a listed memory size, or a Cpu value that fits the memory you need")
	}

	// Container.
	if s.ContainerPort < 0 || s.ContainerPort > 65535 {
		fail("ContainerPort", s.ContainerPort, "a port is 1-65535", "use the port the application listens on (default 8080)")
	}
	if user, _, _ := strings.Cut(s.User, ":"); user == "root" || user == "0" {
		fail("User", s.User, "the container must not run as root (a container escape then starts with root privileges)",
			`run as an unprivileged user, e.g. "1000:1000" (the default); give that user ownership of what it writes in the image`)
	}
	if max := 255 - len(InitContainerSuffix); !containerName.MatchString(s.ContainerName) || len(s.ContainerName) > max {
		fail("ContainerName", s.ContainerName,
			fmt.Sprintf("ECS container names are up to 255 letters, digits, hyphens and underscores (ECS ContainerDefinition name), and the init container adds %q, so up to %d here", InitContainerSuffix, max),
			`use e.g. "api" or "order-api"`)
	}
	errs = append(errs, p.validateWritablePaths()...)
	errs = append(errs, p.validateEnvironment()...)
	if s.healthCheck != nil {
		errs = append(errs, s.validateHealthCheck()...)
	}
	if p.HealthCheckGracePeriod < 0 || p.HealthCheckGracePeriod%time.Second != 0 {
		fail("HealthCheckGracePeriod", p.HealthCheckGracePeriod, "the grace period is a whole, non-negative number of seconds", "round it to seconds")
	} else if s.healthCheck == nil && p.HealthCheckGracePeriod > 0 {
		fail("HealthCheckGracePeriod", p.HealthCheckGracePeriod, "a grace period applies to load-balancer and container health checks, and this worker has neither",
			"set HealthCheck, or drop HealthCheckGracePeriod")
	} else if s.healthCheck != nil && s.gracePeriod < s.healthCheck.StartPeriod {
		fail("HealthCheckGracePeriod", p.HealthCheckGracePeriod,
			fmt.Sprintf("the grace period must be at least the container's start period (%s), or ECS kills tasks that are still starting (the guidance: at least as long as your container startup time)", s.healthCheck.StartPeriod),
			fmt.Sprintf("set it to %s or more, or leave it 0 for the default (start period + 30s)", s.healthCheck.StartPeriod))
	}
	if err := validate.RemovalPolicy(string(s.RemovalPolicy), "log groups, keys and buckets"); err != nil {
		errs = append(errs, err)
	}

	// Scaling.
	switch {
	case p.DesiredCount < 0 || p.MinCapacity < 0 || p.MaxCapacity < 0:
		for _, f := range []struct {
			name string
			v    int
		}{{"DesiredCount", p.DesiredCount}, {"MinCapacity", p.MinCapacity}, {"MaxCapacity", p.MaxCapacity}} {
			if f.v < 0 {
				fail(f.name, f.v, "task counts cannot be negative", "use a positive count, or 0 for the default")
			}
		}
	case p.DesiredCount != 0 && p.MinCapacity != 0 && p.DesiredCount != p.MinCapacity:
		fail("DesiredCount", p.DesiredCount,
			fmt.Sprintf("MinCapacity (%d) is the floor of the task count; with autoscaling the service carries no DesiredCount (it would reset the running count on every deployment), and with a fixed count DesiredCount is MinCapacity", p.MinCapacity),
			"drop DesiredCount and keep MinCapacity, or set both to the same value")
	case s.MinCapacity > s.MaxCapacity:
		fail("MaxCapacity", s.MaxCapacity, fmt.Sprintf("autoscaling needs MinCapacity (%d) <= MaxCapacity (%d)", s.MinCapacity, s.MaxCapacity),
			"raise MaxCapacity, or set it equal to MinCapacity for a fixed count")
	}
	if p.RequireHighAvailability && s.MinCapacity < 2 {
		field, v := "MinCapacity", p.MinCapacity
		if v == 0 {
			field, v = "DesiredCount", p.DesiredCount
		}
		fail(field, v, fmt.Sprintf("RequireHighAvailability asks for a floor (MinCapacity, by default DesiredCount) of at least 2 tasks, so that losing one task or one AZ leaves the service running; the floor here is %d", s.MinCapacity),
			"set MinCapacity to 2 or more (the default is 2)")
	}

	// Network placement.
	if p.AssignPublicIp {
		fail("AssignPublicIp", true, "tasks run in private subnets without public IPs (the guidance: public subnets for the ALB and NAT, private for compute)",
			"leave AssignPublicIp false; tasks reach ECR, Secrets Manager and CloudWatch Logs through the NAT gateway or VPC interface endpoints")
	}
	if p.VpcSubnets != nil {
		if p.VpcSubnets.SubnetType == awsec2.SubnetType_PUBLIC {
			fail("VpcSubnets", "SubnetType_PUBLIC", "tasks run in private subnets (the guidance: public subnets for the ALB and NAT, private for compute)",
				"select PRIVATE_WITH_EGRESS subnets (the default), or PRIVATE_ISOLATED with VPC endpoints")
		} else if p.Vpc != nil && selectsPublic(p.Vpc, p.VpcSubnets) {
			fail("VpcSubnets", describeSelection(p.VpcSubnets), "the selection contains public subnets; tasks run in private subnets",
				"select PRIVATE_WITH_EGRESS subnets (the default), or PRIVATE_ISOLATED with VPC endpoints")
		}
	}

	// Task role.
	errs = append(errs, iamx.CheckStatements("TaskRoleStatements", p.TaskRoleStatements, nil)...)
	if p.Certificate != nil && !p.Worker {
		errs = append(errs, checkCertificate(*p.Certificate.CertificateArn(), stack)...)
	}

	// Edge: WAF and the protocol to the targets.
	errs = append(errs, p.validateWaf()...)
	switch {
	case p.TargetProtocol != TargetProtocolHTTPS && p.TargetProtocol != TargetProtocolHTTP:
		fail("TargetProtocol", p.TargetProtocol, "unknown protocol", "use TargetProtocolHTTPS (the default) or TargetProtocolHTTP")
	case p.TargetProtocol == TargetProtocolHTTP && strings.TrimSpace(p.PlainHttpReason) == "" && !p.Worker:
		fail("TargetProtocol", p.TargetProtocol,
			"plain HTTP from the load balancer to the tasks is an explicit opt-out (the guidance: TLS between all components, ALB to ECS)",
			"serve HTTPS in the container with a self-signed certificate generated at start (the load balancer does not verify it) and keep TargetProtocolHTTPS; or set PlainHttpReason to say why the hop stays unencrypted")
	case p.TargetProtocol == TargetProtocolHTTPS && p.PlainHttpReason != "":
		fail("PlainHttpReason", p.PlainHttpReason, "a reason for plain HTTP only goes with TargetProtocolHTTP", "drop PlainHttpReason, or set TargetProtocol: TargetProtocolHTTP")
	}

	// Worker, Spot and the load balancer.
	if p.Spot && !p.Worker {
		fail("Spot", true, "Fargate Spot tasks can be interrupted at two minutes' notice; the guidance keeps Spot for fault-tolerant workloads, not user-facing services",
			"set Worker: true for a service without a load balancer (a queue processor), or drop Spot")
	}
	if p.Worker {
		var certPath, subnetDesc string
		if p.Certificate != nil {
			certPath = *p.Certificate.Node().Path()
		}
		if p.LoadBalancerSubnets != nil {
			subnetDesc = describeSelection(p.LoadBalancerSubnets)
		}
		for _, f := range []struct {
			name string
			set  bool
			v    any
		}{
			{"Certificate", p.Certificate != nil, certPath},
			{"Internal", p.Internal, true},
			{"LoadBalancerSubnets", p.LoadBalancerSubnets != nil, subnetDesc},
			{"HealthCheckPath", p.HealthCheckPath != "", p.HealthCheckPath},
			{"AccessLogsPrefix", p.AccessLogsPrefix != "", p.AccessLogsPrefix},
			{"DisableDeletionProtection", p.DisableDeletionProtection, true},
			{"ContainerPort", p.ContainerPort != 0, p.ContainerPort},
			{"TargetProtocol", p.TargetProtocol != TargetProtocolHTTPS, p.TargetProtocol},
			{"PlainHttpReason", p.PlainHttpReason != "", p.PlainHttpReason},
		} {
			if f.set {
				fail(f.name, f.v, "a Worker has no load balancer and receives no traffic", "drop "+f.name+", or drop Worker for a web service")
			}
		}
	} else {
		if p.Certificate == nil {
			fail("Certificate", nil, "the load balancer serves HTTPS on 443 (the guidance: TLS 1.2+ in transit everywhere) and needs an ACM certificate",
				"pass awscertificatemanager.Certificate_FromCertificateArn(...) or a new awscertificatemanager.Certificate; or set Worker for a service without a load balancer")
		}
		if !strings.HasPrefix(s.HealthCheckPath, "/") {
			fail("HealthCheckPath", s.HealthCheckPath, "a health check path starts with /", `use e.g. "/health"`)
		}
		if strings.Contains(s.AccessLogsPrefix, "AWSLogs") || strings.HasPrefix(s.AccessLogsPrefix, "/") || strings.HasSuffix(s.AccessLogsPrefix, "/") {
			fail("AccessLogsPrefix", s.AccessLogsPrefix, "Elastic Load Balancing adds /AWSLogs/<account>/ itself; the prefix must not contain AWSLogs or start or end with /",
				`use e.g. "alb" (the default)`)
		}
		if p.Vpc != nil && p.LoadBalancerSubnets != nil && !p.Internal && !selectsPublic(p.Vpc, p.LoadBalancerSubnets) {
			fail("LoadBalancerSubnets", describeSelection(p.LoadBalancerSubnets), "an internet-facing load balancer needs public subnets",
				"select PUBLIC subnets (the default), or set Internal")
		}
	}
	return errors.Join(errs...)
}

func (p *Props) validateEnvironment() []error {
	var errs []error
	seen := map[string]string{}
	check := func(field, name string) {
		if !envName.MatchString(name) {
			errs = append(errs, validate.Fail(field, name, "an environment variable name is letters, digits and underscores, not starting with a digit", "rename it"))
		}
		if other, dup := seen[name]; dup {
			errs = append(errs, validate.Fail(field, name, "the variable is also set by "+other, "set each variable in one place only"))
		}
		seen[name] = field
	}
	for _, name := range slices.Sorted(maps.Keys(p.Environment)) {
		check("Environment", name)
		if kind := secretValueKind(name, p.Environment[name]); kind != "" {
			errs = append(errs, validate.Fail(fmt.Sprintf("Environment[%q]", name), redacted(len(p.Environment[name])),
				"the value looks like "+kind+", and environment values are stored in plain text in the task definition, the template and the console (the guidance: no secret values in environment variables; inject secrets via the secrets block)",
				"store the value in Secrets Manager or SSM Parameter Store and pass it through SecretsManager or Parameters, and rotate it: it has been in your source"))
		}
		if audit.LooksLikeSecretName(name) {
			errs = append(errs, validate.Fail("Environment", name,
				"the name looks like a secret, and environment values are stored in plain text in the task definition (the guidance: inject secrets via the secrets block)",
				"store the value in Secrets Manager or SSM Parameter Store and pass it through SecretsManager or Parameters; if it is a reference (an ARN or a name), end the variable name in _ARN, _NAME or _ID"))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.SecretFields)) {
		if _, ok := p.SecretsManager[name]; !ok || p.SecretFields[name] == "" {
			errs = append(errs, validate.Fail("SecretFields", name, "a secret field selects a JSON key of a SecretsManager secret injected under the same variable name",
				"add the variable to SecretsManager, give the field a non-empty JSON key, or drop it from SecretFields"))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.SecretsManager)) {
		check("SecretsManager", name)
		if p.SecretsManager[name] == nil {
			errs = append(errs, validate.Fail("SecretsManager", name, "the secret is nil", "pass the secret, e.g. awssecretsmanager.Secret_FromSecretCompleteArn(...)"))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Parameters)) {
		check("Parameters", name)
		if p.Parameters[name] == nil {
			errs = append(errs, validate.Fail("Parameters", name, "the parameter is nil", "pass the parameter, e.g. awsssm.StringParameter_FromSecureStringParameterAttributes(...)"))
		}
	}
	return errs
}

func (s *settings) validateHealthCheck() []error {
	var errs []error
	hc := s.healthCheck
	if len(hc.Command) < 2 || (hc.Command[0] != "CMD" && hc.Command[0] != "CMD-SHELL") {
		errs = append(errs, validate.Fail("HealthCheck.Command", fmt.Sprintf("%q", hc.Command), `ECS runs a health check command given as ["CMD", exe, args...] or ["CMD-SHELL", "shell command"]`,
			`e.g. ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], or ["CMD", "/app", "healthcheck"] for images without a shell`))
	}
	for _, d := range []struct {
		name     string
		v        time.Duration
		min, max time.Duration
	}{
		{"HealthCheck.Interval", hc.Interval, 5 * time.Second, 300 * time.Second},
		{"HealthCheck.Timeout", hc.Timeout, 2 * time.Second, 120 * time.Second},
		{"HealthCheck.StartPeriod", hc.StartPeriod, 0, 300 * time.Second},
	} {
		if d.v < d.min || d.v > d.max || d.v%time.Second != 0 {
			errs = append(errs, validate.Fail(d.name, d.v, fmt.Sprintf("ECS accepts whole seconds from %s to %s", d.min, d.max), "choose a value in range, or 0 for the default"))
		}
	}
	if hc.Retries < 1 || hc.Retries > 10 {
		errs = append(errs, validate.Fail("HealthCheck.Retries", hc.Retries, "ECS accepts 1 to 10 retries", "choose a value in range, or 0 for the default (3)"))
	}
	return errs
}

// selectsPublic reports whether the selection includes a public subnet.
func selectsPublic(vpc awsec2.IVpc, sel *awsec2.SubnetSelection) (public bool) {
	defer func() {
		// An unmatched selection fails inside jsii; treat it as "no", CDK
		// reports it with its own message when the service is built.
		if recover() != nil {
			public = false
		}
	}()
	got := vpc.SelectSubnets(sel)
	return got.HasPublic != nil && *got.HasPublic
}

func describeSelection(sel *awsec2.SubnetSelection) string {
	switch {
	case sel.SubnetType != "":
		return "SubnetType_" + string(sel.SubnetType)
	case sel.SubnetGroupName != nil:
		return "SubnetGroupName " + *sel.SubnetGroupName
	}
	return "<selection>"
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func joinInts(list []int) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

// Secret-looking environment values. Each names what it detects.
var secretValues = []struct {
	kind string
	re   *regexp.Regexp
}{
	{"an AWS access key id", regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`)},
	{"a URL with a password", regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@`)},
	{"a bearer token", regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}`)},
	{"a JSON Web Token", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)},
	{"a key (32 or more hex digits)", regexp.MustCompile(`(?:^|[^0-9A-Fa-f])[0-9A-Fa-f]{32,}(?:$|[^0-9A-Fa-f])`)},
}

// publicHash names a variable that carries a published hash (a commit, an
// image digest), which may be long hex.
var publicHash = regexp.MustCompile(`(?i)_(SHA|DIGEST|HASH|CHECKSUM|COMMIT)$`)

// secretValueKind says what secret value has the shape of, or "".
func secretValueKind(name, value string) string {
	for _, sv := range secretValues {
		if sv.re.MatchString(value) {
			if strings.HasPrefix(sv.kind, "a key") && publicHash.MatchString(name) {
				continue
			}
			return sv.kind
		}
	}
	return ""
}

// redacted stands for a value that must not appear in an error message.
type redacted int

func (r redacted) String() string { return fmt.Sprintf("<redacted, %d characters>", int(r)) }

// validateWritablePaths checks that each writable path is an absolute
// directory other than /, given once.
func (p *Props) validateWritablePaths() []error {
	var errs []error
	seen := map[string]int{}
	for i, dir := range p.WritablePaths {
		field := fmt.Sprintf("WritablePaths[%d]", i)
		if !strings.HasPrefix(dir, "/") || path.Clean(dir) == "/" {
			errs = append(errs, validate.Fail(field, dir, "a writable path is an absolute directory other than /", `use e.g. "/tmp"`))
			continue
		}
		clean := path.Clean(dir)
		if j, dup := seen[clean]; dup {
			errs = append(errs, validate.Fail(field, dir,
				fmt.Sprintf("the path is already WritablePaths[%d] (%q); ECS rejects a task definition that mounts two volumes at one container path", j, p.WritablePaths[j]),
				"list each path once"))
			continue
		}
		seen[clean] = i
	}
	if p.InitImage != "" {
		switch ref, prob := parseImage(p.InitImage); {
		case p.WritablePaths != nil && len(p.WritablePaths) == 0:
			errs = append(errs, validate.Fail("InitImage", p.InitImage, "the init container prepares WritablePaths, and there are none", "drop InitImage"))
		case prob != nil:
			errs = append(errs, validate.Fail("InitImage", p.InitImage, prob.rule, prob.fix))
		case ref.digest == "":
			errs = append(errs, validate.Fail("InitImage", p.InitImage,
				"the init container runs as root, so its image must be immutable: pinned by digest, not by tag",
				fmt.Sprintf("pin the digest (%s@sha256:<64 hex>, printed by `docker buildx imagetools inspect %s`)", ref.name, p.InitImage)))
		}
	}
	return errs
}

var (
	// acmArn is an ACM certificate ARN: partition, region, account, UUID.
	acmArn = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):acm:([a-z]{2}(?:-[a-z]+)+-[0-9]):([0-9]{12}):certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// anyArn splits an ARN into partition, service, region and account.
	anyArn = regexp.MustCompile(`^arn:([^:]*):([^:]*):([^:]*):([^:]*):`)
)

// checkCertificate checks a certificate ARN known at synthesis (an ARN
// resolved at deploy time, e.g. of a certificate created in the same app,
// is left to CloudFormation).
func checkCertificate(arn string, stack awscdk.Stack) []error {
	if unresolved(arn) {
		return nil
	}
	fail := func(rule, fix string) []error { return []error{validate.Fail("Certificate", arn, rule, fix)} }
	if m := anyArn.FindStringSubmatch(arn); m != nil && m[2] != "acm" {
		return fail(fmt.Sprintf("the certificate is a %s ARN, not an AWS Certificate Manager one; Groundwork's HTTPS listener uses ACM certificates (the guidance: TLS everywhere with managed, auto-renewed certificates; cdk-nag ELBv2ACMCertificateRequired)", m[2]),
			"import or request the certificate in ACM (in the load balancer's Region) and pass its arn:aws:acm:<region>:<account>:certificate/<id>")
	}
	m := acmArn.FindStringSubmatch(arn)
	if m == nil {
		return fail("an ACM certificate ARN is arn:<partition>:acm:<region>:<12-digit account>:certificate/<UUID> (ACM ARN format)",
			"copy the ARN from the ACM console or `aws acm list-certificates --region <region>`")
	}
	if region := *stack.Region(); !unresolved(region) && m[2] != region {
		return fail(fmt.Sprintf("the certificate is in %s, the load balancer in %s; an Application Load Balancer uses ACM certificates of its own Region only (Elastic Load Balancing: certificates must be in the same Region as the load balancer)", m[2], region),
			fmt.Sprintf("request or import the certificate in ACM in %s and pass that ARN", region))
	}
	return nil
}

// unresolved reports whether s holds a CDK token (a value known at deploy).
func unresolved(s string) bool { return *awscdk.Token_IsUnresolved(jsii.String(s)) }
