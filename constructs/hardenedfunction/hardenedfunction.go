// Package hardenedfunction provides HardenedFunction, an AWS Lambda function
// with the guidance's Lambda and Encryption sections as defaults: a pinned
// runtime (provided.al2023, a Go handler built locally for arm64 without
// Docker), 512 MB, a 30 s timeout, X-Ray active tracing, reserved
// concurrency, JSON logs to its own KMS-encrypted log group with two-week
// retention, environment variables encrypted with a customer-managed key,
// secrets passed by ARN only, asynchronous failures kept in an encrypted,
// TLS-only dead-letter queue with bounded retries, optional placement in a
// VPC's private subnets, and one role per function with explicit, Sid-named
// statements in a customer-managed policy and a trust policy pinned to the
// account (aws:SourceAccount, the key Lambda sends when it assumes the role).
//
// The execution role trusts lambda.amazonaws.com with aws:SourceAccount only:
// Lambda does not send aws:SourceArn on every AssumeRole of an execution role,
// and a VPC-enabled function fails to create when the trust requires it
// (aws/aws-parallelcluster#6926). Where a permission must hold only for this
// function, pin it in the policy instead, with the condition key Lambda sets
// on the function's credentials:
//
//	"Condition": {"ArnEquals": {"lambda:SourceFunctionArn": "<the function's ARN>"}}
//
// A HardenedFunction is a genuine construct: Tags_Of, Aspects_Of,
// Node().AddDependency and use as a scope work on the value New returns. It
// is a grant.Grantee: grant.BucketRead(fn, bucket) and the other grant
// functions add their statements to its policy (GrantPolicy).
//
// The construct owns its cdk-nag suppressions; each is scoped to one resource
// and one rule and says why.
package hardenedfunction

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/alarm"
	"github.com/groundwork-cdk/groundwork/internal/secgroup"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Sids of the statements the construct writes.
const (
	sidLogs      = "WriteFunctionLogs"
	sidTraces    = "WriteXRayTraces"
	sidKey       = "UseFunctionKeyViaSqs"
	sidDLQ       = "SendToDeadLetterQueue"
	sidCreateENI = "CreateVpcNetworkInterfaces"
	sidENI       = "ManageVpcNetworkInterfaces"
	sidDescribe  = "DescribeVpcNetwork"
)

// vpcAccessReference is AWS's reference policy for the execution role of a
// function in a VPC: the checklist of what Lambda calls with the role to
// attach the function's network interfaces. A test compares the construct's
// VPC statements with it; update both when AWS publishes a new version.
var vpcAccessReference = struct {
	Policy, Version, Date string
	Actions               []string
}{
	Policy:  "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
	Version: "v3",
	Date:    "2024-01",
	Actions: []string{
		"ec2:AssignPrivateIpAddresses",
		"ec2:CreateNetworkInterface",
		"ec2:DeleteNetworkInterface",
		"ec2:DescribeNetworkInterfaces",
		"ec2:DescribeSubnets",
		"ec2:UnassignPrivateIpAddresses",
	},
}

// The construct's VPC actions, by how far each can be scoped (see
// vpcStatements).
var (
	// createENIActions are scoped to the function's subnets and security group.
	createENIActions = []string{"ec2:CreateNetworkInterface"}
	// manageENIActions act on existing network interfaces, held to the
	// function's VPC by the ec2:Vpc condition. Not narrowed by interface id:
	// Lambda's VPC guide warns that DeleteNetworkInterface must work on the
	// interfaces Lambda created, whose ids are not known in advance.
	manageENIActions = []string{"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}
	// describeActions have no resource-level permissions
	// (audit.WildcardResourceActions).
	describeActions = []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
)

// HardenedFunction is a hardened Lambda function. Its fields are the escape
// hatch to the resources it owns.
type HardenedFunction struct {
	constructs.Construct

	// Function is the Lambda function. Its X-Ray tracing and dead-letter
	// queue are set on the L1 resource (Function.Node().DefaultChild()), so
	// that the L2 adds nothing to the role; Function.DeadLetterQueue() is
	// therefore nil: use the DeadLetterQueue field.
	Function awslambda.Function
	// Role is the function's own execution role, which the function holds
	// directly. Its only permissions are Policy. A CDK L2 grant such as
	// bucket.GrantRead(fn.Function) would write a Sid-less statement into
	// the role's default inline policy; grant.GuardRole makes synthesis fail
	// with the grant function to use instead. Add permissions with the grant
	// package, AddToPolicy or Props.Statements.
	Role awsiam.Role
	// Policy is the role's customer-managed policy: the construct's own
	// statements, Props.Statements, AddToPolicy and the grant package's
	// statements (GrantPolicy).
	Policy awsiam.ManagedPolicy
	// LogGroup receives the function's JSON logs.
	LogGroup awslogs.LogGroup
	// Key encrypts the environment, the log group and the dead-letter queue
	// (created or given).
	Key awskms.IKey
	// DeadLetterQueue receives asynchronous events that failed every retry.
	DeadLetterQueue awssqs.Queue
	// SecurityGroup is the function's security group; nil without a VPC.
	SecurityGroup awsec2.SecurityGroup
	// Alarms are the function's alarms (empty without Props.AlarmTopic).
	Alarms []awscloudwatch.Alarm

	reserved map[string]bool // the construct's own Sids, taken even when the statement is absent
}

// Compile-time check that the grant package can grant to a HardenedFunction.
var _ grant.Grantee = (*HardenedFunction)(nil)

// ToString returns the construct path. It is the method jsii needs the
// struct to override to register it as a construct of its own
// (constructs.NewConstruct_Override); it must not call the embedded
// Construct's ToString, which would call back here.
func (hf *HardenedFunction) ToString() *string {
	return jsii.String(*hf.Node().Path())
}

// GrantPolicy is the customer-managed policy, attached to the function's
// role, that the grant package adds its statements to (grant.Grantee).
func (hf *HardenedFunction) GrantPolicy() awsiam.ManagedPolicy { return hf.Policy }

// New creates a HardenedFunction. It panics with a *validate.Error, naming
// the construct path, the field, the value, the rule and the fix, when scope
// is nil, id is empty or taken in scope, or props are invalid — including
// when Entry does not build. Props are required: the code has no default.
func New(scope constructs.Construct, id string, props *Props) *HardenedFunction {
	if err := validate.Scope(scope, id); err != nil {
		path := id
		if scope != nil {
			path = validate.ChildPath(scope, id)
		}
		validate.Check("hardenedfunction", path, err)
	}
	if props == nil {
		props = &Props{}
	}
	pkg, err := props.validate()
	validate.Check("hardenedfunction", validate.ChildPath(scope, id), err)

	removal := props.RemovalPolicy
	if removal == "" {
		removal = DefaultRemovalPolicy
	}
	hf := &HardenedFunction{}
	constructs.NewConstruct_Override(hf, scope, jsii.String(id))
	stack := awscdk.Stack_Of(hf)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()

	hf.Key = props.EncryptionKey
	if hf.Key == nil {
		hf.Key = kmskey.New(hf, "Key", "Environment, logs and dead-letter queue of "+*hf.Node().Path(), removal)
	}
	hf.allowLogsToUseKey(id, props, partition, region, account)
	hf.LogGroup = newLogGroup(hf, props, hf.Key, removal)
	hf.DeadLetterQueue = newDeadLetterQueue(hf, hf.Key, removal)
	if props.Vpc != nil {
		hf.SecurityGroup = hf.newSecurityGroup(props)
	}

	hf.Role = iamx.NewServiceRole(hf, "Role", iamx.RoleProps{
		Service: "lambda.amazonaws.com",
		// aws:SourceAccount only: Lambda does not send aws:SourceArn when it
		// assumes an execution role for every operation, and creating a
		// VPC-enabled function fails ("The function's execution role doesn't
		// have permission to perform this operation") when the trust policy
		// requires it (aws/aws-parallelcluster#6926). To pin a statement to
		// this function, use the lambda:SourceFunctionArn condition key in an
		// identity or resource policy: Lambda sets it on the credentials the
		// function runs with.
		Description: "Execution role of " + *hf.Node().Path(),
		Statements:  hf.baseStatements(props, partition, region, account),
	})
	hf.Policy = hf.Node().FindChild(jsii.String("RolePolicy")).(awsiam.ManagedPolicy)
	hf.reserved = reservedSids(props)
	if len(props.Statements) > 0 {
		hf.Policy.AddStatements(props.Statements...)
	}

	fnProps := hf.functionProps(props, pkg)
	if props.Vpc != nil {
		fnProps.Vpc = props.Vpc
		fnProps.VpcSubnets = props.subnets()
		fnProps.SecurityGroups = &[]awsec2.ISecurityGroup{hf.SecurityGroup}
	}
	hf.Function = awslambda.NewFunction(hf, jsii.String("Function"), fnProps)
	// Tracing and the dead-letter queue on the L1: the L2 props would add
	// xray:PutTraceSegments/PutTelemetryRecords and sqs:SendMessage to the
	// role's default inline policy (aws-lambda/lib/function.js,
	// buildTracingConfig and buildDeadLetterQueue, CDK 2.276), without Sids.
	// Policy grants both, with Sids.
	cfn := hf.Function.Node().DefaultChild().(awslambda.CfnFunction)
	cfn.SetTracingConfig(&awslambda.CfnFunction_TracingConfigProperty{Mode: jsii.String("Active")})
	cfn.SetDeadLetterConfig(&awslambda.CfnFunction_DeadLetterConfigProperty{TargetArn: hf.DeadLetterQueue.QueueArn()})
	// Lambda checks at creation that the role may send to the dead-letter
	// queue (and manage ENIs in a VPC): the policy must exist first. With a
	// CDK-managed role CDK adds this dependency itself.
	hf.Function.Node().AddDependency(hf.Policy)
	grant.GuardRole(hf, hf.Role)

	if props.Timeout > MaxTimeoutWithoutReason {
		awscdk.Annotations_Of(hf).AddWarningV2(jsii.String("groundwork:hardenedfunction:long-timeout"),
			jsii.String(fmt.Sprintf("timeout %s is above %s: %s", props.Timeout, MaxTimeoutWithoutReason, props.LongTimeoutReason)), nil)
	}
	hf.suppress(props)
	hf.addAlarms(props)
	return hf
}

// newSecurityGroup creates the function's security group: TCP 443 out only,
// unless AllowAllOutbound.
func (hf *HardenedFunction) newSecurityGroup(props *Props) awsec2.SecurityGroup {
	sg := awsec2.NewSecurityGroup(hf, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("Lambda function " + *hf.Node().Path()),
		AllowAllOutbound: jsii.Bool(props.AllowAllOutbound),
	})
	if props.AllowAllOutbound {
		awscdk.Annotations_Of(hf).AddWarningV2(jsii.String("groundwork:hardenedfunction:all-outbound"),
			jsii.String("AllowAllOutbound lets the function connect anywhere on any port; the default allows only TCP 443"), nil)
		return sg
	}
	secgroup.KeepEgressClosed(sg)
	sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to AWS APIs and endpoints"), nil)
	return sg
}

// addAlarms creates the errors, throttles, duration and dead-letter alarms.
func (hf *HardenedFunction) addAlarms(props *Props) {
	if props.AlarmTopic == nil {
		awscdk.Annotations_Of(hf).AddWarningV2(jsii.String("groundwork:hardenedfunction:no-alarms"),
			jsii.String("no AlarmTopic: the function's alarms are not created; pass the environment's alarm topic"), nil)
		return
	}
	th := props.Alarms.withDefaults()
	timeout := props.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	fiveMinutes := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}
	durationMs := float64(timeout.Milliseconds()) * float64(th.DurationPercentOfTimeout) / 100
	for _, s := range []alarm.Spec{
		{ID: "ErrorsAlarm", Metric: hf.Function.MetricErrors(fiveMinutes), Threshold: float64(th.Errors),
			Description: fmt.Sprintf("%s: %d or more failed invocations in 5 minutes. Check the function's JSON logs for the error.", *hf.Node().Path(), th.Errors)},
		{ID: "ThrottlesAlarm", Metric: hf.Function.MetricThrottles(fiveMinutes), Threshold: float64(th.Throttles),
			Description: fmt.Sprintf("%s: %d or more throttled invocations in 5 minutes: reserved concurrency is exhausted. Raise it if the downstream can take it.", *hf.Node().Path(), th.Throttles)},
		{ID: "DurationAlarm", Threshold: durationMs,
			Metric:      hf.Function.MetricDuration(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("p99")}),
			Description: fmt.Sprintf("%s: p99 duration reached %d%% of the %s timeout; invocations are about to time out.", *hf.Node().Path(), th.DurationPercentOfTimeout, timeout)},
		{ID: "DeadLetterAlarm", Threshold: float64(th.DeadLetterMessages),
			Metric: hf.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum")}),
			Description: fmt.Sprintf("%s: %d or more asynchronous events failed every retry and wait in the dead-letter queue.", *hf.Node().Path(), th.DeadLetterMessages)},
	} {
		hf.Alarms = append(hf.Alarms, alarm.New(hf, props.AlarmTopic, s))
	}
}

// functionProps are the function's settings: defaults below user props below
// the enforced invariants (arm64, tracing, JSON logs, encryption, the role).
func (hf *HardenedFunction) functionProps(props *Props, pkg *goPackage) *awslambda.FunctionProps {
	runtime := props.runtime()
	handler := props.Handler
	if handler == "" {
		handler = "bootstrap"
	}
	code := props.Code
	if pkg != nil {
		code = pkg.code()
	}
	memory := props.MemorySize
	if memory == 0 {
		memory = DefaultMemorySize
	}
	timeout := props.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	concurrency := DefaultReservedConcurrency
	if props.ReservedConcurrency != nil {
		concurrency = *props.ReservedConcurrency
	}
	retries := DefaultRetryAttempts
	if props.RetryAttempts != nil {
		retries = *props.RetryAttempts
	}
	maxAge := props.MaxEventAge
	if maxAge == 0 {
		maxAge = DefaultMaxEventAge
	}
	appLevel := props.ApplicationLogLevel
	if appLevel == "" {
		appLevel = awslambda.ApplicationLogLevel_INFO
	}
	sysLevel := props.SystemLogLevel
	if sysLevel == "" {
		sysLevel = awslambda.SystemLogLevel_INFO
	}
	env := map[string]*string{}
	for k, v := range props.Environment {
		env[k] = jsii.String(v)
	}
	for name, secret := range props.Secrets {
		env[name] = secret.SecretArn()
	}
	fp := &awslambda.FunctionProps{
		Runtime:                      runtimes[runtime](),
		Handler:                      jsii.String(handler),
		Code:                         code,
		Architecture:                 awslambda.Architecture_ARM_64(),
		MemorySize:                   jsii.Number(float64(memory)),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(timeout.Seconds())),
		ReservedConcurrentExecutions: jsii.Number(float64(concurrency)),
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        appLevel,
		SystemLogLevelV2:             sysLevel,
		LogGroup:                     hf.LogGroup,
		EnvironmentEncryption:        hf.Key,
		Role:                         hf.Role,
		RetryAttempts:                jsii.Number(float64(retries)),
		MaxEventAge:                  awscdk.Duration_Seconds(jsii.Number(maxAge.Seconds())),
		RecursiveLoop:                awslambda.RecursiveLoop_TERMINATE,
	}
	if len(env) > 0 {
		fp.Environment = &env
	}
	if props.FunctionName != "" {
		fp.FunctionName = jsii.String(props.FunctionName)
	}
	if props.Description != "" {
		fp.Description = jsii.String(props.Description)
	}
	return fp
}

// baseStatements are the role's own statements: exactly what the features
// the construct turns on need, each with a Sid.
func (hf *HardenedFunction) baseStatements(props *Props, partition, region, account string) []iamx.Statement {
	logGroup := "arn:" + partition + ":logs:" + region + ":" + account + ":log-group:" + *hf.LogGroup.LogGroupName()
	out := []iamx.Statement{
		{Sid: sidLogs, Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: []string{logGroup, logGroup + ":*"}},
		{Sid: sidTraces, Actions: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
			Resources: []string{"*"}},
		// The key, through SQS only and for this queue only: sending to the
		// KMS-encrypted dead-letter queue needs GenerateDataKey and Decrypt
		// (SQS key management), and SQS passes the queue ARN as the
		// encryption context. The environment variables need nothing here:
		// Lambda decrypts them with a KMS grant it creates on the key when
		// the function is created or updated (with the deploying principal's
		// kms:CreateGrant), not with the execution role.
		{Sid: sidKey, Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resources: []string{*hf.Key.KeyArn()},
			Conditions: map[string]map[string]any{"StringEquals": {
				"kms:ViaService":                    "sqs." + region + ".amazonaws.com",
				"kms:EncryptionContext:aws:sqs:arn": *hf.DeadLetterQueue.QueueArn(),
			}}},
		{Sid: sidDLQ, Actions: []string{"sqs:SendMessage"},
			Resources: []string{*hf.DeadLetterQueue.QueueArn()}},
	}
	for _, name := range slices.Sorted(maps.Keys(props.Secrets)) {
		secret := props.Secrets[name]
		arn := secret.SecretFullArn()
		if arn == nil {
			// A partial ARN (secret imported by name): Secrets Manager appends
			// a hyphen and six random characters.
			arn = jsii.String(*secret.SecretArn() + "-??????")
		}
		out = append(out, iamx.Statement{Sid: secretSid(name), Actions: []string{"secretsmanager:GetSecretValue"},
			Resources: []string{*arn}})
		if key := secret.EncryptionKey(); key != nil {
			out = append(out, iamx.Statement{Sid: secretKeySid(name), Actions: []string{"kms:Decrypt"},
				Resources: []string{*key.KeyArn()},
				Conditions: map[string]map[string]any{"StringEquals": {
					"kms:ViaService": "secretsmanager." + region + ".amazonaws.com",
				}}})
		}
	}
	if props.Vpc != nil {
		out = append(out, hf.vpcStatements(props, partition, region, account)...)
	}
	return out
}

// vpcStatements grant the actions of AWSLambdaVPCAccessExecutionRole
// (vpcAccessReference), each as narrowly as EC2 authorizes it:
// CreateNetworkInterface on the function's subnets and security group (and
// the new interface, which has no id yet); the actions on existing
// interfaces on this account's interfaces in the function's VPC (ec2:Vpc);
// the Describe actions on "*", which is all they accept.
func (hf *HardenedFunction) vpcStatements(props *Props, partition, region, account string) []iamx.Statement {
	ec2 := "arn:" + partition + ":ec2:" + region + ":" + account + ":"
	create := []string{ec2 + "network-interface/*"}
	if ids := props.Vpc.SelectSubnets(props.subnets()).SubnetIds; ids != nil {
		for _, id := range *ids {
			create = append(create, ec2+"subnet/"+*id)
		}
	}
	create = append(create, ec2+"security-group/"+*hf.SecurityGroup.SecurityGroupId())
	return []iamx.Statement{
		{Sid: sidCreateENI, Actions: createENIActions, Resources: create},
		{Sid: sidENI, Actions: manageENIActions, Resources: []string{ec2 + "network-interface/*"},
			Conditions: map[string]map[string]any{"ArnEquals": {"ec2:Vpc": *props.Vpc.VpcArn()}}},
		{Sid: sidDescribe, Actions: describeActions, Resources: []string{"*"}},
	}
}

// AddToPolicy adds statements to the function's role, e.g. access to a
// table created after the function. Each statement is checked like
// Props.Statements; an invalid one panics with a *validate.Error.
//
// A Sid must be new to the policy: the construct's own Sids and every Sid
// already in Policy, including those the grant package added, are taken.
func (hf *HardenedFunction) AddToPolicy(statements ...awsiam.PolicyStatement) {
	validate.Check("hardenedfunction", *hf.Node().Path(),
		errors.Join(iamx.CheckStatements("AddToPolicy", statements, hf.takenSids())...))
	hf.Policy.AddStatements(statements...)
}

// takenSids are the construct's own Sids and the Sids in Policy now.
func (hf *HardenedFunction) takenSids() map[string]bool {
	taken := maps.Clone(hf.reserved)
	doc, _ := awscdk.Stack_Of(hf).Resolve(hf.Policy.Document()).(map[string]any)
	statements, _ := doc["Statement"].([]any)
	for _, st := range statements {
		if sid, ok := st.(map[string]any)["Sid"].(string); ok {
			taken[sid] = true
		}
	}
	return taken
}

// suppress records the cdk-nag findings that do not apply, each on the one
// resource it concerns.
func (hf *HardenedFunction) suppress(props *Props) {
	stack := awscdk.Stack_Of(hf)
	logGroupID, _ := stack.Resolve(hf.LogGroup.Node().DefaultChild().(awslogs.CfnLogGroup).LogicalId()).(string)
	partition, region, account := nagValue(stack, stack.Partition()), nagValue(stack, stack.Region()), nagValue(stack, stack.Account())
	// cdk-nag renders ARNs with resolved literals, <Ref>s and <AWS::Pseudo>s.
	appliesTo := []string{"Resource::*", fmt.Sprintf("Resource::arn:%s:logs:%s:%s:log-group:<%s>:*", partition, region, account, logGroupID)}
	wildcard := "The only wildcards are (1) Resource * for X-Ray trace ingestion"
	if props.Vpc != nil {
		wildcard += " and " + strings.Join(describeActions, ", ")
	}
	wildcard += ", which have no resource-level permissions (audit.WildcardResourceActions), (2) the log " +
		"streams of the function's own log group (<log-group-arn>:*), whose names Lambda generates at run time"
	if props.Vpc != nil {
		wildcard += ", and (3) network-interface/* for the interfaces Lambda creates and deletes, which have no id " +
			"before they exist: creating one is pinned to the function's subnets and security group, the other " +
			"actions to the function's VPC (ec2:Vpc)"
		appliesTo = append(appliesTo, fmt.Sprintf("Resource::arn:%s:ec2:%s:%s:network-interface/*", partition, region, account))
	}
	wildcard += "."
	nag.Suppress(hf.Policy.Node().DefaultChild(), "AwsSolutions-IAM5", wildcard, appliesTo...)

	dlqReason := "This queue is itself the function's dead-letter queue (Lambda DeadLetterConfig); a dead-letter " +
		"queue of a dead-letter queue would only move the same messages again."
	nag.SuppressDefault(hf.DeadLetterQueue, "Serverless-SQSRedrivePolicy", dlqReason)

	invokeConfig := hf.Function.Node().TryFindChild(jsii.String("EventInvokeConfig"))
	if invokeConfig != nil {
		nag.SuppressDefault(invokeConfig, "Serverless-LambdaAsyncFailureDestination",
			"Failed asynchronous events go to the function's dead-letter queue (DeadLetterConfig, an encrypted TLS-only "+
				"SQS queue). An on-failure destination on the same queue would deliver every failure twice.")
	}
	if props.Vpc == nil {
		nag.SuppressDefault(hf.Function, "NIST.800.53.R5-LambdaInsideVPC",
			"No Vpc was given: the function calls only AWS APIs over TLS with SigV4-signed, IAM-scoped requests and "+
				"reaches no VPC resources, so an ENI in a VPC would add a NAT path without narrowing access. "+
				"Pass Vpc to place it in private subnets when it needs VPC resources.")
	}
}

// nagValue is how cdk-nag prints a pseudo parameter in a finding: the
// literal when the stack's environment is explicit, else <AWS::Name>.
func nagValue(stack awscdk.Stack, v *string) string {
	switch r := stack.Resolve(v).(type) {
	case string:
		return r
	case map[string]any:
		if ref, ok := r["Ref"].(string); ok {
			return "<" + ref + ">"
		}
	}
	panic("hardenedfunction: cannot render " + *v + " as cdk-nag prints it")
}

// allowLogsToUseKey adds the key-policy statement CloudWatch Logs needs to
// encrypt the log group, pinned with the encryption-context condition that
// CloudWatch Logs documents. A given key may serve several functions, so its
// statement carries the construct id in the Sid.
func (hf *HardenedFunction) allowLogsToUseKey(id string, props *Props, partition, region, account string) {
	logGroup := "*"
	if props.LogGroupName != "" {
		logGroup = props.LogGroupName
	}
	sid := "AllowCloudWatchLogs"
	if props.EncryptionKey != nil {
		sid += "For" + iamx.SidSafe(id)
	}
	added := hf.Key.AddToResourcePolicy(iamx.Statement{
		Sid: sid,
		Actions: []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
			"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"},
		Resources:  []string{"*"},
		Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+region+".amazonaws.com"), nil)},
		Conditions: map[string]map[string]any{"ArnLike": {
			"kms:EncryptionContext:aws:logs:arn": "arn:" + partition + ":logs:" + region + ":" + account + ":log-group:" + logGroup,
		}},
	}.Build(), jsii.Bool(true))
	if !*added.StatementAdded {
		awscdk.Annotations_Of(hf).AddWarningV2(jsii.String("groundwork:hardenedfunction:imported-key"),
			jsii.String("EncryptionKey is imported, so its key policy cannot be changed here: allow logs."+region+
				".amazonaws.com to use it (kms:EncryptionContext:aws:logs:arn condition), or the log group cannot be created"), nil)
	}
}

// newLogGroup creates the function's KMS-encrypted log group.
func newLogGroup(scope constructs.Construct, props *Props, key awskms.IKey, removal awscdk.RemovalPolicy) awslogs.LogGroup {
	retention := props.LogRetention
	if retention == "" {
		retention = DefaultLogRetention
	}
	logProps := &awslogs.LogGroupProps{Retention: retention, EncryptionKey: key, RemovalPolicy: removal}
	if props.LogGroupName != "" {
		logProps.LogGroupName = jsii.String(props.LogGroupName)
	}
	return awslogs.NewLogGroup(scope, jsii.String("LogGroup"), logProps)
}

// newDeadLetterQueue creates the KMS-encrypted, TLS-only dead-letter queue.
func newDeadLetterQueue(scope constructs.Construct, key awskms.IKey, removal awscdk.RemovalPolicy) awssqs.Queue {
	q := awssqs.NewQueue(scope, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: key,
		RetentionPeriod:     awscdk.Duration_Seconds(jsii.Number(DeadLetterRetention.Seconds())),
		RemovalPolicy:       removal,
	})
	// Set here rather than with EnforceSSL, whose statement has no Sid.
	q.AddToResourcePolicy(iamx.DenyInsecureTransport("sqs:*", *q.QueueArn()).Build())
	return q
}

func secretSid(name string) string    { return "ReadSecret" + iamx.SidSafe(camel(name)) }
func secretKeySid(name string) string { return "DecryptSecret" + iamx.SidSafe(camel(name)) }

// camel turns API_SECRET_ARN into ApiSecretArn.
func camel(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.ToLower(s), "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
