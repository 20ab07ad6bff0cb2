// Package fargateservice provides FargateService, an ECS service on AWS
// Fargate with the guidance's ECS / Fargate, security-group and
// encryption-in-transit sections as defaults:
//
//   - a Fargate task definition (awsvpc) with a validated CPU/memory pair, an
//     immutable image (digest or full semantic version), a read-only root
//     filesystem, a non-root user, a health check, secrets injected through the
//     secrets block and logs in a KMS-encrypted log group;
//   - writable scratch volumes (WritablePaths, /tmp by default) given to the
//     non-root user by a non-essential init container that runs chown as
//     root before the application starts (Fargate creates them root-owned,
//     mode 0755);
//   - separate execution and task roles with Sid-named, least-privilege
//     statements and confused-deputy-pinned trust policies;
//   - a service in private subnets without public IPs, with the deployment
//     circuit breaker and rollback, 200 % / 100 % rolling deployments, a pinned
//     platform version, CPU target-tracking autoscaling (and then no
//     DesiredCount in the template, so that a deploy keeps the running
//     count) and ECS managed tags;
//   - for a web service, an Application Load Balancer with an HTTPS listener
//     (ELBSecurityPolicy-TLS13-1-2-2021-06), an HTTP listener that only
//     redirects, invalid-header dropping, deletion protection and access logs
//     to a dedicated bucket; security groups chained by id; HTTPS from the
//     load balancer to the tasks (requests and health checks); and, when
//     internet-facing, an AWS WAF web ACL (managed rule groups, a per-IP rate
//     limit, encrypted logs with credentials redacted, a blocked-requests
//     alarm);
//   - for a Worker, no load balancer, and optionally Fargate Spot;
//   - stateful resources (log group, key, access-log bucket) retained on
//     delete and replacement but not after a failed first create;
//   - a template that works in an environment-agnostic stack.
//
// A FargateService is a genuine construct (Tags_Of, Aspects_Of,
// AddDependency, a scope for your own constructs) and a grant.Grantee:
// grant.BucketRead(svc, bucket) and friends land, least-privilege and with a
// Sid, in the task role's customer-managed policy (GrantPolicy). Plain L2
// grants to its roles fail synthesis with the call to use instead.
//
// It is built from awsecs and awselasticloadbalancingv2 directly (not
// ecs_patterns), for control of every default and a lighter compile.
//
// The construct owns its cdk-nag suppressions; each is scoped to one resource
// and one rule and says why.
package fargateservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// FargateService is a hardened ECS service on Fargate. Its fields are the
// escape hatch to the resources it owns; fields of the load balancer are nil
// for a Worker.
type FargateService struct {
	constructs.Construct

	// Cluster is the ECS cluster (created or given).
	Cluster awsecs.ICluster
	// Service is the ECS service.
	Service awsecs.FargateService
	// TaskDefinition is the Fargate task definition.
	TaskDefinition awsecs.FargateTaskDefinition
	// Container is the application container.
	Container awsecs.ContainerDefinition
	// ExecutionRole is the role ECS uses to start tasks (image pull, logs,
	// secrets).
	ExecutionRole awsiam.Role
	// TaskRole is the application's role. Grant to it with the grant package
	// (grant.BucketRead(svc, bucket), …) or AddToTaskRolePolicy, never with
	// L2 grants such as bucket.GrantRead(svc.TaskRole): those fail synthesis.
	TaskRole awsiam.Role
	// LogGroup receives the container logs. It is named
	// "/<stack name>/<construct path>/Logs", so that Key's policy can grant
	// CloudWatch Logs exactly this group.
	LogGroup awslogs.LogGroup
	// Key encrypts LogGroup (and WafLogGroup).
	Key awskms.Key
	// ServiceSecurityGroup is the tasks' security group.
	ServiceSecurityGroup awsec2.SecurityGroup
	// Scaling is the service's autoscaling target (nil when MinCapacity
	// equals MaxCapacity: a fixed count).
	Scaling awsecs.ScalableTaskCount

	// LoadBalancer is the Application Load Balancer (nil for a Worker).
	LoadBalancer elbv2.ApplicationLoadBalancer
	// LoadBalancerSecurityGroup is the load balancer's security group.
	LoadBalancerSecurityGroup awsec2.SecurityGroup
	// HttpsListener is the HTTPS listener on 443.
	HttpsListener elbv2.ApplicationListener
	// HttpListener is the listener on 80, which only redirects to HTTPS.
	HttpListener elbv2.ApplicationListener
	// TargetGroup routes to the tasks.
	TargetGroup elbv2.ApplicationTargetGroup
	// WebAcl is the AWS WAF web ACL associated with the load balancer (nil
	// without one; see Props.Waf).
	WebAcl awswafv2.CfnWebACL
	// WebAclMetricName is the web ACL's metric name: the WebACL dimension of
	// its AWS/WAFV2 metrics (see MetricWaf).
	WebAclMetricName string
	// WafRules are the names of the web ACL's rules, in priority order; each
	// is also the rule's metric name (the Rule dimension of MetricWaf's
	// metrics).
	WafRules []string
	// WafLogGroup receives the web ACL's logs ("aws-waf-logs-…", encrypted
	// with Key).
	WafLogGroup awslogs.LogGroup
	// WafLogging sends the web ACL's logs to WafLogGroup, with the
	// WafRedactedHeaders redacted.
	WafLogging awswafv2.CfnLoggingConfiguration
	// AccessLogs is the bucket of the load balancer's access logs.
	AccessLogs *securebucket.SecureBucket
	// Alarms are the service's alarms (empty without Props.AlarmTopic).
	Alarms []awscloudwatch.Alarm

	// InitContainer prepares the writable paths for the application's user
	// (nil without WritablePaths).
	InitContainer awsecs.ContainerDefinition

	taskPolicy awsiam.ManagedPolicy
	taskSids   map[string]bool // Sids in taskPolicy, kept unique by AddToTaskRolePolicy
}

// FargateService is a grant.Grantee: grants land on its task role.
var _ grant.Grantee = (*FargateService)(nil)

// New creates a FargateService under scope. It panics with a
// *validate.Error, naming the construct path, the field, the value, the rule
// and the fix, when props are invalid, when scope is nil, when id is empty or
// when scope already has a child named id.
//
// The value it returns is a genuine construct: it works wherever CDK takes
// one (awscdk.Tags_Of, awscdk.Aspects_Of, awscdk.Stack_Of,
// Node().AddDependency in either direction, as the scope of your own
// constructs) and as a grant.Grantee.
func New(scope constructs.Construct, id string, props *Props) *FargateService {
	if err := validate.Scope(scope, id); err != nil {
		validate.Check("fargateservice", validate.ChildPath(scope, id), err)
	}
	if props == nil {
		props = &Props{}
	}
	validate.Check("fargateservice", validate.ChildPath(scope, id), props.validate(awscdk.Stack_Of(scope)))
	s := props.withDefaults()

	fs := &FargateService{}
	constructs.NewConstruct_Override(fs, scope, jsii.String(id))
	if s.RemovalPolicy == awscdk.RemovalPolicy_DESTROY {
		awscdk.Annotations_Of(fs).AddWarningV2(jsii.String("groundwork:fargateservice:destroy"),
			jsii.String("the log group, its key and the access-log bucket are destroyed with the stack; use RemovalPolicy_DESTROY in dev only"), nil)
	}

	fs.newCluster(&s)
	fs.newLogs(&s)
	img := newImage(fs, "", s.Image, s.ImageAsset, s.Architecture)
	initImg := img
	if s.InitImage != "" {
		initImg = newImage(fs, "Init", s.InitImage, "", s.Architecture)
	}
	fs.newExecutionRole(&s, img, initImg)
	fs.newTaskRole()
	fs.newTaskDefinition(&s, img, initImg)
	fs.newSecurityGroups(&s)
	if !s.Worker {
		fs.newLoadBalancer(&s)
	}
	fs.newService(&s)
	if len(s.TaskRoleStatements) > 0 {
		fs.AddToTaskRolePolicy(s.TaskRoleStatements...)
	}
	fs.addAlarms(&s)
	return fs
}

// ToString returns the construct path. Overriding one method of the embedded
// construct is what lets jsii register *FargateService itself as the
// construct (constructs.NewConstruct_Override), so that it can stand wherever
// CDK takes a construct.
func (fs *FargateService) ToString() *string {
	return fs.Node().Path()
}

func (fs *FargateService) newCluster(s *settings) {
	if s.Cluster != nil {
		fs.Cluster = s.Cluster
		return
	}
	fs.Cluster = awsecs.NewCluster(fs, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                            s.Vpc,
		ContainerInsightsV2:            awsecs.ContainerInsights_ENABLED,
		EnableFargateCapacityProviders: jsii.Bool(s.Spot),
	})
}

func (fs *FargateService) newTaskDefinition(s *settings, img, initImg image) {
	arch := awsecs.CpuArchitecture_X86_64()
	if s.Architecture == ArchitectureARM64 {
		arch = awsecs.CpuArchitecture_ARM64()
	}
	fs.TaskDefinition = awsecs.NewFargateTaskDefinition(fs, jsii.String("TaskDefinition"), &awsecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(float64(s.Cpu)),
		MemoryLimitMiB: jsii.Number(float64(s.MemoryMiB)),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       arch,
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
		// Without policy updates, the L2's automatic grants to the execution
		// role (image pull, log writes, secret reads: no Sid, wildcard
		// actions) cannot widen it; its statements are explicit in roles.go.
		ExecutionRole: fs.ExecutionRole.WithoutPolicyUpdates(nil),
		// The task role stays mutable, so that an L2 grant to it
		// (bucket.GrantRead(svc.TaskRole), TaskDefinition.AddToTaskRolePolicy)
		// is not silently dropped: it reaches the role's default policy,
		// where grant.GuardRole fails synthesis with the call to use.
		TaskRole: fs.TaskRole,
	})
	grant.GuardRole(fs, fs.TaskRole)
	grant.GuardRole(fs, fs.ExecutionRole)

	secrets := map[string]awsecs.Secret{}
	for name, secret := range s.SecretsManager {
		var field *string
		if f, ok := s.SecretFields[name]; ok {
			field = jsii.String(f)
		}
		secrets[name] = awsecs.Secret_FromSecretsManager(secret, field)
	}
	for name, param := range s.Parameters {
		secrets[name] = awsecs.Secret_FromSsmParameter(param)
	}
	var hc *awsecs.HealthCheck
	if h := s.healthCheck; h != nil {
		hc = &awsecs.HealthCheck{
			Command:     jsii.Strings(h.Command...),
			Interval:    awscdk.Duration_Seconds(jsii.Number(h.Interval.Seconds())),
			Timeout:     awscdk.Duration_Seconds(jsii.Number(h.Timeout.Seconds())),
			Retries:     jsii.Number(float64(h.Retries)),
			StartPeriod: awscdk.Duration_Seconds(jsii.Number(h.StartPeriod.Seconds())),
		}
	}
	opts := &awsecs.ContainerDefinitionOptions{
		Image:                  img.container,
		ContainerName:          jsii.String(s.ContainerName),
		Essential:              jsii.Bool(true),
		ReadonlyRootFilesystem: jsii.Bool(true),
		User:                   jsii.String(s.User),
		// The application may use all of the task's memory but the init
		// container's share; the hard limit stops a leak at the task boundary
		// (and every container has one: Control Tower CT.ECS.PR.7).
		MemoryLimitMiB: jsii.Number(float64(s.MemoryMiB - initMemory(s))),
		HealthCheck:    hc,
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup:     fs.LogGroup,
			StreamPrefix: jsii.String(s.ContainerName),
		}),
	}
	if len(secrets) > 0 {
		opts.Secrets = &secrets
	}
	if len(s.Environment) > 0 {
		env := map[string]*string{}
		for k, v := range s.Environment {
			env[k] = jsii.String(v)
		}
		opts.Environment = &env
		nag.SuppressDefault(fs.TaskDefinition, "AwsSolutions-ECS2",
			"Environment holds plain configuration only: FargateService rejects secret-looking names and injects "+
				"secrets through the secrets block from Secrets Manager and SSM.")
	}
	fs.Container = fs.TaskDefinition.AddContainer(jsii.String(s.ContainerName), opts)
	if s.ContainerPort > 0 {
		fs.Container.AddPortMappings(&awsecs.PortMapping{
			ContainerPort: jsii.Number(float64(s.ContainerPort)),
			Protocol:      awsecs.Protocol_TCP,
		})
	}
	fs.addScratchVolumes(s, initImg)
}

// addScratchVolumes mounts a task-storage volume at each writable path and
// makes it writable by the application's user. Fargate creates such a
// volume as a root-owned directory with mode 0755, which a non-root user
// cannot write (EACCES); so a non-essential init container, running as root
// in the same task, gives each volume to User, and the application container
// starts only after it exited successfully.
func (fs *FargateService) addScratchVolumes(s *settings, initImg image) {
	if len(s.WritablePaths) == 0 {
		return
	}
	var mounts []*awsecs.MountPoint
	for i, path := range s.WritablePaths {
		name := fmt.Sprintf("scratch%d", i)
		fs.TaskDefinition.AddVolume(&awsecs.Volume{Name: jsii.String(name)})
		mounts = append(mounts, &awsecs.MountPoint{
			ContainerPath: jsii.String(path),
			SourceVolume:  jsii.String(name),
			ReadOnly:      jsii.Bool(false),
		})
	}
	fs.Container.AddMountPoints(mounts...)

	name := s.ContainerName + InitContainerSuffix
	fs.InitContainer = fs.TaskDefinition.AddContainer(jsii.String(name), &awsecs.ContainerDefinitionOptions{
		Image:         initImg.container,
		ContainerName: jsii.String(name),
		// It exits when done; the task goes on without it.
		Essential: jsii.Bool(false),
		// Root, to change the owner of the root-owned volumes; it writes
		// nothing but their ownership.
		User:                   jsii.String("0:0"),
		ReadonlyRootFilesystem: jsii.Bool(true),
		MemoryLimitMiB:         jsii.Number(InitContainerMemoryMiB),
		// Exec form, without a shell: the image needs only chown on its PATH.
		EntryPoint: jsii.Strings("chown"),
		Command:    jsii.Strings(append([]string{s.User}, s.WritablePaths...)...),
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup:     fs.LogGroup,
			StreamPrefix: jsii.String(name),
		}),
	})
	fs.InitContainer.AddMountPoints(mounts...)
	fs.Container.AddContainerDependencies(&awsecs.ContainerDependency{
		Container: fs.InitContainer,
		Condition: awsecs.ContainerDependencyCondition_SUCCESS,
	})
}

// initMemory is the memory the init container takes from the task: none
// without writable paths (no init container).
func initMemory(s *settings) int {
	if len(s.WritablePaths) == 0 {
		return 0
	}
	return InitContainerMemoryMiB
}

func (fs *FargateService) newService(s *settings) {
	props := &awsecs.FargateServiceProps{
		Cluster:        fs.Cluster,
		TaskDefinition: fs.TaskDefinition,
		// Tasks in private subnets, never with a public address.
		VpcSubnets:      s.VpcSubnets,
		AssignPublicIp:  jsii.Bool(false),
		SecurityGroups:  &[]awsec2.ISecurityGroup{fs.ServiceSecurityGroup},
		PlatformVersion: awsecs.FargatePlatformVersion_VERSION1_4,
		// Zero-downtime rolling deployments that roll back on failure.
		CircuitBreaker:    &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		// Cost allocation: ECS tags tasks with the cluster and service, and
		// copies the service's tags (Project, Environment, Owner) to them.
		EnableECSManagedTags: jsii.Bool(true),
		PropagateTags:        awsecs.PropagatedTagSource_SERVICE,
		EnableExecuteCommand: jsii.Bool(false),
	}
	if props.VpcSubnets == nil {
		props.VpcSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	}
	if s.gracePeriod > 0 {
		props.HealthCheckGracePeriod = awscdk.Duration_Seconds(jsii.Number(s.gracePeriod.Seconds()))
	}
	if s.Spot {
		props.CapacityProviderStrategies = &[]*awsecs.CapacityProviderStrategy{{
			CapacityProvider: jsii.String("FARGATE_SPOT"),
			Weight:           jsii.Number(1),
		}}
	}
	if !s.autoscaling() {
		props.DesiredCount = jsii.Number(float64(s.MinCapacity))
	}
	fs.Service = awsecs.NewFargateService(fs, jsii.String("Service"), props)
	if s.Spot && s.Cluster == nil {
		// FARGATE_SPOT must be associated with the cluster before the service
		// asks for it; CDK does not order the two.
		fs.Service.Node().AddDependency(fs.Cluster)
	}
	// Tasks start with the execution role's permissions in place.
	fs.Service.Node().AddDependency(fs.Node().FindChild(jsii.String("ExecutionRolePolicy")))
	if fs.TargetGroup != nil {
		fs.Service.AttachToApplicationTargetGroup(fs.TargetGroup)
		// The target group joins the load balancer through its listener;
		// the service must not register before that exists.
		fs.Service.Node().AddDependency(fs.HttpsListener)
	}

	if !s.autoscaling() {
		return
	}
	// Autoscaling owns the count: a DesiredCount in the template would reset
	// the running count on every deployment that touches the service (under
	// load, prod would fall back from 6 tasks to 2). Without it,
	// CloudFormation leaves the count alone on update; on create ECS starts
	// one task and registering the scalable target raises the count to
	// MinCapacity (Application Auto Scaling moves the current capacity into
	// [MinCapacity, MaxCapacity] when a target is registered). The L2 renders
	// DesiredCount 1 unless the @aws-cdk/aws-ecs:removeDefaultDesiredCount
	// flag is set, so the property is deleted on the L1 whatever the app's
	// flags.
	fs.Service.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("DesiredCount"))
	fs.Scaling = fs.Service.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(float64(s.MinCapacity)),
		MaxCapacity: jsii.Number(float64(s.MaxCapacity)),
	})
	fs.Scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(DefaultTargetCpuUtilization),
	})
}
