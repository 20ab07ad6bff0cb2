package fargateservice

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
)

// Architecture is the CPU architecture the task runs on.
type Architecture int

const (
	// ArchitectureX86_64 is the default: every image published for Linux runs
	// on it, so an arbitrary image cannot fail on the wrong architecture.
	ArchitectureX86_64 Architecture = iota
	// ArchitectureARM64 (Graviton) costs about 20 % less for the same vCPU and
	// memory (the guidance's Cost Optimization section). Use it when the image
	// is built for linux/arm64.
	ArchitectureARM64
)

// String returns the constant's Go name, e.g. "ArchitectureARM64", as
// validation messages show it.
func (a Architecture) String() string {
	switch a {
	case ArchitectureX86_64:
		return "ArchitectureX86_64"
	case ArchitectureARM64:
		return "ArchitectureARM64"
	}
	return fmt.Sprintf("Architecture(%d)", int(a))
}

// Props configures a FargateService. A nil *Props is invalid (Vpc and an
// image are required); every zero-valued field means the default documented
// on it.
//
// A FargateService is a web service by default: an internet-facing
// Application Load Balancer with HTTPS in front of the tasks. Set Worker for a
// service that receives no traffic (a queue processor), which may run on
// Fargate Spot.
type Props struct {
	// Vpc is the network the tasks (and the load balancer) live in. Required.
	//
	// Default: none.
	Vpc awsec2.IVpc

	// VpcSubnets selects the subnets of the tasks. They must be private:
	// public subnets and public IPs are rejected (the guidance puts compute in
	// the private tier).
	//
	// Default: the VPC's PRIVATE_WITH_EGRESS subnets.
	VpcSubnets *awsec2.SubnetSelection

	// AssignPublicIp must stay false. Tasks reach ECR, Secrets Manager and
	// CloudWatch Logs through the NAT gateway or VPC interface endpoints, never
	// through a public address; setting it is a validation error that says so.
	//
	// Default: false.
	AssignPublicIp bool

	// Cluster is the ECS cluster to run in. If you pass one, turn Container
	// Insights on yourself, and for Spot its FARGATE_SPOT capacity provider.
	//
	// Default: a new cluster in Vpc with Container Insights enabled.
	Cluster awsecs.ICluster

	// Image is the container image: "<registry>/<repository>@sha256:<64 hex>"
	// or "<registry>/<repository>:<MAJOR.MINOR.PATCH>" (with an optional "v"
	// prefix and pre-release, e.g. "v1.2.3" or "1.2.3-rc.1"). Only a digest or
	// a full semantic version is accepted: "latest", a missing tag, and tags
	// such as "stable", "main", "1" or "1.2" move and are rejected (the
	// guidance: "Pin image tags to immutable digests or semver — never
	// latest"). A digest is the only truly immutable reference; enable tag
	// immutability on ECR repositories that you address by tag.
	//
	// An Amazon ECR image ("<account>.dkr.ecr.<region>.amazonaws.com/<repo>")
	// gets image-pull permissions scoped to that one repository.
	// Exactly one of Image and ImageAsset is required.
	//
	// Default: none.
	Image string

	// ImageAsset is a directory holding a Dockerfile. CDK hashes it at synth
	// and builds and pushes the image at deploy into the bootstrap ECR
	// repository, addressed by the content hash (immutable). The image is built
	// for Architecture.
	//
	// Default: none.
	ImageAsset string

	// Architecture is the CPU architecture of the task.
	//
	// Default: ArchitectureX86_64 (runs any Linux image; choose
	// ArchitectureARM64 for ~20 % lower cost when the image supports it).
	Architecture Architecture

	// Cpu is the task's CPU units (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096,
	// 8192 or 16384.
	//
	// Default: 512 (the guidance's api-service).
	Cpu int

	// MemoryMiB is the task's memory; it must be a valid Fargate combination
	// with Cpu (see ValidMemoryMiB). It is also the container's hard memory
	// limit.
	//
	// Default: 1024 (the guidance's api-service).
	MemoryMiB int

	// ContainerName names the container; it is also the log stream prefix.
	// ECS allows up to 255 letters, digits, hyphens and underscores; the
	// init container takes the name plus InitContainerSuffix, so up to 250
	// here.
	//
	// Default: "app".
	ContainerName string

	// ContainerPort is the port the container listens on for HTTP traffic and
	// health checks. Not allowed with Worker.
	//
	// Default: 8080 (the guidance's api-service).
	ContainerPort int

	// User is the Linux "uid", "uid:gid" or name the container runs as. Root
	// ("root", "0", "0:…") is rejected.
	//
	// Default: "1000:1000".
	User string

	// WritablePaths are mounted as writable scratch volumes (task ephemeral
	// storage), because the root filesystem is read-only. Each is an absolute
	// directory other than /, given once.
	//
	// Fargate creates these volumes as root-owned directories with mode 0755,
	// which the non-root User cannot write (EACCES). So the task also runs an
	// init container (named ContainerName + InitContainerSuffix, image
	// InitImage) as root, non-essential, with the same volumes mounted at the
	// same paths; it runs `chown <User> <path>...` and exits, and the
	// application container starts only after it exited with status 0
	// (container dependency SUCCESS). If it fails, the application container
	// never starts, the task stops, and the deployment circuit breaker rolls
	// the deployment back: a missing chown shows up at the first deployment,
	// not as EACCES at run time.
	//
	// Default: ["/tmp"]. An empty, non-nil slice mounts none (and runs no
	// init container).
	WritablePaths []string

	// InitImage is the image of the init container that gives WritablePaths
	// to User. It must be pinned by digest ("<repository>@sha256:<64 hex>",
	// printed by `docker buildx imagetools inspect <image>`), because it runs
	// as root; an Amazon ECR image gets pull permissions like Image.
	//
	// What the image must do: have a `chown` executable on its PATH (the
	// container runs it in exec form, without a shell: entry point "chown",
	// command [User, WritablePaths...]), and, when User is a name rather
	// than a numeric "uid" or "uid:gid", resolve that name (an /etc/passwd
	// and /etc/group that know it). busybox, alpine and the distribution
	// base images qualify; distroless and scratch images do not.
	//
	// Default: the application image (Image or ImageAsset), which then must
	// meet the same requirements; give an InitImage when it is distroless.
	// Groundwork does not default to a public image: a digest it cannot
	// verify offline would either be wrong (every deployment fails) or
	// unpinned.
	InitImage string

	// Environment holds plain configuration. A name that looks like a secret
	// (PASSWORD, TOKEN, API_KEY, …) is rejected, and so is a value that looks
	// like one: an AWS access key id (AKIA…/ASIA…), a URL with a password
	// (postgres://user:pass@host/db), a bearer token, a JSON Web Token
	// (eyJ….….…) or 32 or more hex digits (a key; allowed in variables whose
	// names end in _SHA, _DIGEST, _HASH, _CHECKSUM or _COMMIT, which carry
	// published hashes). The error shows the value's length, never the value.
	// Pass secrets through SecretsManager or Parameters instead.
	//
	// Default: none.
	Environment map[string]string

	// SecretsManager maps environment variable names to Secrets Manager
	// secrets, injected at task start through the task definition's secrets
	// block (the whole secret value). The execution role may read exactly
	// these secrets, and decrypt their customer-managed keys.
	//
	// Default: none.
	SecretsManager map[string]awssecretsmanager.ISecret

	// SecretFields selects one JSON key of a SecretsManager secret, by
	// variable name: {"DB_PASSWORD": "password"} injects the secret's
	// "password" field (ECS's valueFrom <arn>:password::) instead of the
	// whole value. A name that is not in SecretsManager is rejected.
	//
	// Default: none (each variable gets the whole secret value).
	SecretFields map[string]string

	// Parameters maps environment variable names to SSM parameters (e.g.
	// SecureString), injected like SecretsManager.
	//
	// Default: none.
	Parameters map[string]awsssm.IParameter

	// SecretKeys are customer-managed KMS keys that encrypt the Parameters (or
	// secrets imported without their key); the execution role may decrypt
	// with them through Secrets Manager and SSM only. Keys of SecretsManager
	// secrets that carry their EncryptionKey are added automatically.
	//
	// Default: none.
	SecretKeys []awskms.IKey

	// HealthCheck is the container health check.
	//
	// Default: for a web service, the guidance's curl check over the target
	// protocol: ["CMD-SHELL", "curl -fk https://localhost:<ContainerPort>/health || exit 1"]
	// (-k: the container's certificate is self-signed; the check stays on
	// localhost), or http:// with TargetProtocolHTTP; every 30 s, 5 s
	// timeout, 3 retries, 60 s start period (the image must contain curl;
	// give a Command for distroless images). For a Worker: none.
	HealthCheck *HealthCheck

	// HealthCheckGracePeriod is how long ECS ignores failing load-balancer and
	// container health checks of a new task. It must be at least the health
	// check's start period (the guidance: "at least as long as your container
	// startup time").
	//
	// Default: the start period plus 30 s (90 s with the default health check).
	HealthCheckGracePeriod time.Duration

	// LogRetention is how long the container logs are kept.
	//
	// Default: awslogs.RetentionDays_THREE_MONTHS — a quarter of look-back for
	// incident investigations at a bounded cost; the load balancer's access
	// logs in S3 keep the request record longer.
	LogRetention awslogs.RetentionDays

	// RemovalPolicy applies to the stateful resources: the log group, its KMS
	// key and the access-log bucket.
	//
	// Default: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (DeletionPolicy
	// RetainExceptOnCreate, UpdateReplacePolicy Retain): kept on delete and on
	// replacement, but removed when the stack's first deployment fails and
	// rolls back, so that the deployment can be retried without "already
	// exists" errors or orphans. Use RemovalPolicy_DESTROY in dev only.
	RemovalPolicy awscdk.RemovalPolicy

	// DesiredCount is the number of tasks of a service with a fixed count
	// (MinCapacity equal to MaxCapacity), and the default MinCapacity. Set
	// MinCapacity or DesiredCount, not both with different values.
	//
	// With autoscaling (MaxCapacity above MinCapacity, the default), the
	// AWS::ECS::Service carries no DesiredCount: autoscaling owns the count,
	// and a DesiredCount in the template would reset the running count on
	// every deployment that updates the service (a prod service scaled to 6
	// tasks under load would drop to 2). On create, ECS starts one task and
	// registering the scalable target raises the count to MinCapacity.
	//
	// Default: 2 (one task per AZ in two AZs survives the loss of one).
	DesiredCount int

	// MinCapacity is the floor of the task count: the lower bound of CPU
	// target-tracking autoscaling.
	//
	// Default: DesiredCount.
	MinCapacity int

	// MaxCapacity is the upper bound of autoscaling. Equal to MinCapacity, it
	// makes a service with a fixed count: no scalable target, and
	// AWS::ECS::Service.DesiredCount set to it.
	//
	// Default: 4 × MinCapacity.
	MaxCapacity int

	// RequireHighAvailability makes a MinCapacity (the floor of the task
	// count, DesiredCount by default) below 2 a validation error. Set it in
	// staging and production configuration so that a typo cannot leave a
	// service with a single task.
	//
	// Default: false (the defaults themselves run at least 2 tasks).
	RequireHighAvailability bool

	// TaskRoleStatements are the application's own AWS permissions (the task
	// role). Each needs a unique, alphanumeric Sid, explicit actions (no "*")
	// and no bare "*" resource; NotAction, NotResource and principals are
	// rejected (see iamx.CheckStatements). More can be added with
	// AddToTaskRolePolicy.
	//
	// Default: none (the task role has no permissions).
	TaskRoleStatements []awsiam.PolicyStatement

	// Worker makes a service without a load balancer, for fault-tolerant
	// workloads that receive no traffic (queue processors, batch jobs). It may
	// run on Spot.
	//
	// Default: false (a web service behind an Application Load Balancer).
	Worker bool

	// Spot runs the tasks on Fargate Spot (up to 70 % cheaper, interrupted with
	// two minutes' notice). Only with Worker: the guidance keeps Spot off
	// user-facing services.
	//
	// Default: false (on-demand Fargate).
	Spot bool

	// Certificate is the ACM certificate of the HTTPS listener. Required for a
	// web service. An ARN known at synthesis must be an ACM certificate ARN
	// (arn:<partition>:acm:<region>:<account>:certificate/<UUID>, not an IAM
	// server certificate) in the load balancer's Region; an ARN resolved at
	// deploy time (a certificate created in the app) is left to
	// CloudFormation.
	//
	// Default: none.
	Certificate awscertificatemanager.ICertificate

	// Internal makes the load balancer internal (reachable from the VPC's CIDR
	// only) instead of internet-facing.
	//
	// Default: false (internet-facing).
	Internal bool

	// LoadBalancerSubnets selects the subnets of the load balancer.
	//
	// Default: PUBLIC subnets when internet-facing, PRIVATE_WITH_EGRESS when
	// Internal.
	LoadBalancerSubnets *awsec2.SubnetSelection

	// TargetProtocol is the protocol from the load balancer to the tasks, for
	// requests and the load balancer's health checks (the guidance: TLS
	// between all components, ALB to ECS).
	//
	// With TargetProtocolHTTPS the container must serve HTTPS on
	// ContainerPort. Any certificate will do: the load balancer encrypts to
	// the target but does not verify its certificate (Elastic Load
	// Balancing, target groups: "the load balancer does not validate the
	// certificate"), so a self-signed one that the container generates at
	// start (e.g. into /tmp, with openssl or the language's TLS library) is
	// enough; it never needs renewing by hand, since every task makes its own.
	// See testdata/app for an image that does this.
	//
	// Default: TargetProtocolHTTPS.
	TargetProtocol TargetProtocol

	// PlainHttpReason is required with TargetProtocolHTTP: why the hop from
	// the load balancer to the tasks may stay unencrypted (e.g. "the image
	// cannot serve TLS yet; tracked in TICKET-123"). It is repeated in the
	// synthesis warning and rejected with TargetProtocolHTTPS.
	//
	// Default: none.
	PlainHttpReason string

	// Waf configures the AWS WAF web ACL of the load balancer.
	//
	// Default: a web ACL with DefaultWafManagedRuleGroups and a rate limit of
	// DefaultWafRateLimit requests per client IP per 5 minutes, logged to an
	// encrypted "aws-waf-logs-…" log group, for an internet-facing load
	// balancer; none for an Internal one (see WafOptions).
	Waf WafOptions

	// HealthCheckPath is the load balancer's health check path.
	//
	// Default: "/health".
	HealthCheckPath string

	// AccessLogsPrefix is the key prefix of the load balancer's access logs.
	//
	// Default: "alb".
	AccessLogsPrefix string

	// DisableDeletionProtection turns the load balancer's deletion protection
	// off. Use it in disposable (dev) environments only.
	//
	// Default: false (deletion protection on).
	DisableDeletionProtection bool

	// AlarmTopic receives the service's alarms (alarm and OK actions): load
	// balancer 5xx, unhealthy targets, p99 target response time (web
	// services), CPU, memory and running tasks below the minimum.
	//
	// Default: none, and then no alarms are created (a warning says so): an
	// alarm without an action pages nobody.
	AlarmTopic awssns.ITopic

	// Alarms sets the alarm thresholds; zero fields take their defaults.
	//
	// Default: the thresholds documented on AlarmThresholds.
	Alarms AlarmThresholds
}

// AlarmThresholds are the thresholds of a FargateService's alarms, each
// evaluated over 5-minute periods.
type AlarmThresholds struct {
	// Http5xx is the number of 5xx responses (from the load balancer and from
	// the targets) in 5 minutes that raises the alarm.
	// Default: 5.
	Http5xx int
	// UnhealthyTargets is the number of unhealthy targets that raises the
	// alarm.
	// Default: 1.
	UnhealthyTargets int
	// TargetResponseTimeP99 raises the alarm when the targets' p99 response
	// time reaches it.
	// Default: 1 s.
	TargetResponseTimeP99 time.Duration
	// CPUPercent and MemoryPercent raise the alarm when the service's average
	// utilization stays at or above them for 15 minutes, i.e. autoscaling is
	// at its maximum or too slow.
	// Default: 85 each.
	CPUPercent, MemoryPercent int
	// WafBlockedRequests raises the alarm when the web ACL blocks at least
	// this many requests in 5 minutes: an attack, or a rule that blocks
	// legitimate traffic (look at the sampled requests and the WAF logs).
	// Default: 100.
	WafBlockedRequests int
}

// withDefaults returns a with zero fields set to their defaults.
func (a AlarmThresholds) withDefaults() AlarmThresholds {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&a.Http5xx, 5)
	def(&a.UnhealthyTargets, 1)
	def(&a.CPUPercent, 85)
	def(&a.MemoryPercent, 85)
	def(&a.WafBlockedRequests, 100)
	if a.TargetResponseTimeP99 == 0 {
		a.TargetResponseTimeP99 = time.Second
	}
	return a
}

// TargetProtocol is the protocol from the load balancer to the tasks.
type TargetProtocol int

const (
	// TargetProtocolHTTPS encrypts the hop from the load balancer to the
	// tasks; the container serves HTTPS (any certificate, see
	// Props.TargetProtocol).
	TargetProtocolHTTPS TargetProtocol = iota
	// TargetProtocolHTTP leaves the hop unencrypted. It needs
	// Props.PlainHttpReason and is warned at synthesis.
	TargetProtocolHTTP
)

// String returns the constant's Go name, as validation messages show it.
func (p TargetProtocol) String() string {
	switch p {
	case TargetProtocolHTTPS:
		return "TargetProtocolHTTPS"
	case TargetProtocolHTTP:
		return "TargetProtocolHTTP"
	}
	return fmt.Sprintf("TargetProtocol(%d)", int(p))
}

// HealthCheck configures the container health check. Zero fields take the
// defaults shown.
type HealthCheck struct {
	// Command starts with "CMD" or "CMD-SHELL".
	// Default: ["CMD-SHELL", "curl -fk https://localhost:<ContainerPort>/health || exit 1"]
	// (http://, without -k, with TargetProtocolHTTP).
	Command []string
	// Interval between checks, 5–300 s.
	// Default: 30 s.
	Interval time.Duration
	// Timeout of one check, 2–120 s.
	// Default: 5 s.
	Timeout time.Duration
	// Retries before the container is unhealthy, 1–10.
	// Default: 3.
	Retries int
	// StartPeriod during which failures do not count, 0–300 s.
	// Default: 60 s.
	StartPeriod time.Duration
}

// Defaults, from the guidance's ECS / Fargate section unless noted.
const (
	DefaultCpu           = 512
	DefaultMemoryMiB     = 1024
	DefaultContainerName = "app"
	DefaultContainerPort = 8080
	DefaultUser          = "1000:1000"
	DefaultDesiredCount  = 2
	// InitContainerSuffix is appended to ContainerName to name the init
	// container that prepares WritablePaths.
	InitContainerSuffix = "-init"
	// InitContainerMemoryMiB is the init container's memory hard limit (MiB):
	// it runs chown on a few empty directories. The application container's
	// hard limit is the task's memory less this, so that the two fit the task.
	InitContainerMemoryMiB = 32
	// DefaultMaxCapacityFactor × MinCapacity is the default MaxCapacity.
	DefaultMaxCapacityFactor = 4
	// DefaultTargetCpuUtilization is the autoscaling target: headroom for a
	// burst while new tasks start (about a minute on Fargate).
	DefaultTargetCpuUtilization = 60
	DefaultHealthCheckPath      = "/health"
	DefaultAccessLogsPrefix     = "alb"
	DefaultLogRetention         = awslogs.RetentionDays_THREE_MONTHS
	// DefaultGracePeriodMargin is added to the start period for the default
	// health-check grace period.
	DefaultGracePeriodMargin = 30 * time.Second
	// DefaultDeregistrationDelay lets in-flight requests finish before a task
	// is stopped, without slowing deployments with ALB's 300 s default.
	DefaultDeregistrationDelay = 30 * time.Second
)

// Default container health check values.
const (
	DefaultHealthCheckInterval    = 30 * time.Second
	DefaultHealthCheckTimeout     = 5 * time.Second
	DefaultHealthCheckRetries     = 3
	DefaultHealthCheckStartPeriod = 60 * time.Second
)

// DefaultHealthCheckCommand is the default container health check (the
// CMD-SHELL command) of a web service on port: curl over the target
// protocol; with HTTPS, -k accepts the container's self-signed certificate.
func DefaultHealthCheckCommand(protocol TargetProtocol, port int) string {
	if protocol == TargetProtocolHTTP {
		return fmt.Sprintf("curl -f http://localhost:%d/health || exit 1", port)
	}
	return fmt.Sprintf("curl -fk https://localhost:%d/health || exit 1", port)
}

// DefaultRemovalPolicy keeps the stateful resources on delete and on
// replacement, except when the first deployment fails (a retryable create).
const DefaultRemovalPolicy = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE

// DefaultWritablePaths are the scratch volumes mounted by default.
var DefaultWritablePaths = []string{"/tmp"}

// settings are the props with defaults applied.
type settings struct {
	Props
	healthCheck *HealthCheck // nil: none (worker default)
	gracePeriod time.Duration
}

// autoscaling reports whether autoscaling owns the task count.
func (s *settings) autoscaling() bool { return s.MaxCapacity > s.MinCapacity }

func (p *Props) withDefaults() settings {
	s := settings{Props: *p}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&s.Cpu, DefaultCpu)
	def(&s.MemoryMiB, DefaultMemoryMiB)
	def(&s.MinCapacity, s.DesiredCount)
	def(&s.MinCapacity, DefaultDesiredCount)
	def(&s.DesiredCount, s.MinCapacity)
	def(&s.MaxCapacity, DefaultMaxCapacityFactor*s.MinCapacity)
	if !s.Worker {
		def(&s.ContainerPort, DefaultContainerPort)
	}
	if s.ContainerName == "" {
		s.ContainerName = DefaultContainerName
	}
	if s.User == "" {
		s.User = DefaultUser
	}
	if s.WritablePaths == nil {
		s.WritablePaths = DefaultWritablePaths
	}
	if s.HealthCheckPath == "" {
		s.HealthCheckPath = DefaultHealthCheckPath
	}
	if s.AccessLogsPrefix == "" {
		s.AccessLogsPrefix = DefaultAccessLogsPrefix
	}
	if s.LogRetention == "" {
		s.LogRetention = DefaultLogRetention
	}
	if s.RemovalPolicy == "" {
		s.RemovalPolicy = DefaultRemovalPolicy
	}
	if p.HealthCheck != nil || !p.Worker {
		hc := HealthCheck{}
		if p.HealthCheck != nil {
			hc = *p.HealthCheck
		}
		if hc.Command == nil {
			hc.Command = []string{"CMD-SHELL", DefaultHealthCheckCommand(s.TargetProtocol, s.ContainerPort)}
		}
		defDur := func(v *time.Duration, d time.Duration) {
			if *v == 0 {
				*v = d
			}
		}
		defDur(&hc.Interval, DefaultHealthCheckInterval)
		defDur(&hc.Timeout, DefaultHealthCheckTimeout)
		defDur(&hc.StartPeriod, DefaultHealthCheckStartPeriod)
		def(&hc.Retries, DefaultHealthCheckRetries)
		s.healthCheck = &hc
	}
	s.wafDefaults()
	s.gracePeriod = p.HealthCheckGracePeriod
	if s.gracePeriod == 0 && s.healthCheck != nil {
		s.gracePeriod = s.healthCheck.StartPeriod + DefaultGracePeriodMargin
	}
	return s
}

// fargateMemory lists, per CPU value, the memory sizes Fargate accepts:
// from, to (inclusive) and step in MiB.
var fargateMemory = map[int][]int{
	256:   {512, 1024, 2048},
	512:   span(1024, 4096, 1024),
	1024:  span(2048, 8192, 1024),
	2048:  span(4096, 16384, 1024),
	4096:  span(8192, 30720, 1024),
	8192:  span(16384, 61440, 4096),
	16384: span(32768, 122880, 8192),
}

func span(from, to, step int) []int {
	var out []int
	for m := from; m <= to; m += step {
		out = append(out, m)
	}
	return out
}

// ValidMemoryMiB returns the memory sizes Fargate accepts with cpu, or nil
// when cpu is not a Fargate CPU value.
func ValidMemoryMiB(cpu int) []int {
	return append([]int(nil), fargateMemory[cpu]...)
}
