// Package hardenedfunction provides HardenedFunction, an AWS Lambda function
// with the guidance's Lambda and Encryption sections as defaults: a pinned
// runtime (provided.al2023, a Go handler built locally for arm64 without
// Docker), 512 MB, a 30 s timeout, X-Ray active tracing, reserved
// concurrency, JSON logs to its own KMS-encrypted log group with two-week
// retention, environment variables encrypted with a customer-managed key,
// secrets passed by ARN only, asynchronous failures kept in an encrypted,
// TLS-only dead-letter queue with bounded retries, optional placement in a
// VPC's private subnets, and one role per function with explicit, Sid-named
// statements and a trust policy pinned to the account's functions.
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

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/alarm"
	"github.com/groundwork-cdk/groundwork/internal/kmskey"
	"github.com/groundwork-cdk/groundwork/internal/secgroup"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Sids of the statements the construct writes.
const (
	sidLogs   = "WriteFunctionLogs"
	sidTraces = "WriteXRayTraces"
	sidKey    = "UseFunctionKey"
	sidDLQ    = "SendToDeadLetterQueue"
	sidENI    = "ManageVpcNetworkInterfaces"
	sidENIs   = "DescribeVpcNetworkInterfaces"
)

// eniActions are what Lambda needs to attach a function to a VPC (the
// actions of AWSLambdaVPCAccessExecutionRole). They are scoped to this
// account's EC2 resources in this region: the network interfaces do not exist
// yet, so no narrower ARN can name them.
var eniActions = []string{
	"ec2:CreateNetworkInterface",
	"ec2:DeleteNetworkInterface",
	"ec2:AssignPrivateIpAddresses",
	"ec2:UnassignPrivateIpAddresses",
}

// HardenedFunction is a hardened Lambda function. Its fields are the escape
// hatch to the resources it owns.
type HardenedFunction struct {
	constructs.Construct

	// Function is the Lambda function.
	Function awslambda.Function
	// Role is the function's own execution role. The function holds it
	// through WithoutPolicyUpdates, so CDK grants cannot widen it; add
	// permissions with AddToPolicy.
	Role awsiam.Role
	// Policy is the role's customer-managed policy.
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

	sids map[string]bool // Sids in Policy, kept unique by AddToPolicy
}

// New creates a HardenedFunction. It panics with a *validate.Error, naming
// the construct path, the field, the value, the rule and the fix, when props
// are invalid — including when Entry does not build. Props are required:
// the code has no default.
func New(scope constructs.Construct, id string, props *Props) *HardenedFunction {
	if props == nil {
		props = &Props{}
	}
	pkg, err := props.validate()
	validate.Check("hardenedfunction", validate.ChildPath(scope, id), err)

	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	hf := &HardenedFunction{Construct: this}
	stack := awscdk.Stack_Of(this)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()

	hf.Key = props.EncryptionKey
	if hf.Key == nil {
		hf.Key = kmskey.New(this, "Key", "Environment, logs and dead-letter queue of "+*this.Node().Path(), removal)
	}
	hf.allowLogsToUseKey(id, props, partition, region, account)
	hf.LogGroup = newLogGroup(this, props, hf.Key, removal)
	hf.DeadLetterQueue = newDeadLetterQueue(this, hf.Key, removal)

	statements := hf.baseStatements(props, partition, region, account)
	hf.Role = iamx.NewServiceRole(this, "Role", iamx.RoleProps{
		Service: "lambda.amazonaws.com",
		// Lambda's documentation on execution roles allows aws:SourceAccount
		// and aws:SourceArn in the trust policy; iamx pins both.
		SourceArn:   "arn:" + partition + ":lambda:" + region + ":" + account + ":function:" + functionNamePattern(props),
		Description: "Execution role of " + *this.Node().Path(),
		Statements:  statements,
	})
	hf.Policy = this.Node().FindChild(jsii.String("RolePolicy")).(awsiam.ManagedPolicy)
	hf.sids = reservedSids(props)
	if len(props.Statements) > 0 {
		hf.Policy.AddStatements(props.Statements...)
		for _, st := range props.Statements {
			hf.sids[*st.Sid()] = true
		}
	}

	fnProps := hf.functionProps(props, pkg)
	if props.Vpc != nil {
		hf.SecurityGroup = awsec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc:              props.Vpc,
			Description:      jsii.String("Lambda function " + *this.Node().Path()),
			AllowAllOutbound: jsii.Bool(props.AllowAllOutbound),
		})
		if !props.AllowAllOutbound {
			secgroup.KeepEgressClosed(hf.SecurityGroup)
		}
		if props.AllowAllOutbound {
			awscdk.Annotations_Of(this).AddWarningV2(jsii.String("groundwork:hardenedfunction:all-outbound"),
				jsii.String("AllowAllOutbound lets the function connect anywhere on any port; the default allows only TCP 443"), nil)
		} else {
			hf.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
				jsii.String("HTTPS to AWS APIs and endpoints"), nil)
		}
		fnProps.Vpc = props.Vpc
		fnProps.VpcSubnets = props.subnets()
		fnProps.SecurityGroups = &[]awsec2.ISecurityGroup{hf.SecurityGroup}
	}
	hf.Function = awslambda.NewFunction(this, jsii.String("Function"), fnProps)
	// Lambda checks at creation that the role may send to the dead-letter
	// queue (and manage ENIs in a VPC): the policy must exist first. With a
	// CDK-managed role CDK adds this dependency itself.
	hf.Function.Node().AddDependency(hf.Policy)

	if props.Timeout > MaxTimeoutWithoutReason {
		awscdk.Annotations_Of(this).AddWarningV2(jsii.String("groundwork:hardenedfunction:long-timeout"),
			jsii.String(fmt.Sprintf("timeout %s is above %s: %s", props.Timeout, MaxTimeoutWithoutReason, props.LongTimeoutReason)), nil)
	}
	hf.suppress(props)
	hf.addAlarms(props)
	return hf
}

// addAlarms creates the errors, throttles, duration and dead-letter alarms.
func (hf *HardenedFunction) addAlarms(props *Props) {
	if props.AlarmTopic == nil {
		awscdk.Annotations_Of(hf.Construct).AddWarningV2(jsii.String("groundwork:hardenedfunction:no-alarms"),
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
		hf.Alarms = append(hf.Alarms, alarm.New(hf.Construct, props.AlarmTopic, s))
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
		Tracing:                      awslambda.Tracing_ACTIVE,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        appLevel,
		SystemLogLevelV2:             sysLevel,
		LogGroup:                     hf.LogGroup,
		EnvironmentEncryption:        hf.Key,
		Role:                         hf.Role.WithoutPolicyUpdates(nil),
		DeadLetterQueue:              hf.DeadLetterQueue,
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
// functionNamePattern pins the trust policy to the function when its name is
// known; a generated name is unknown until the function exists, and naming
// the function from its own role would be a circular reference.
func functionNamePattern(props *Props) string {
	if props.FunctionName != "" {
		return props.FunctionName
	}
	return "*"
}

// ec2Resources is every EC2 resource of the account in the region.
func ec2Resources(partition, region, account string) string {
	return "arn:" + partition + ":ec2:" + region + ":" + account + ":*/*"
}

func (hf *HardenedFunction) baseStatements(props *Props, partition, region, account string) []iamx.Statement {
	logGroup := "arn:" + partition + ":logs:" + region + ":" + account + ":log-group:" + *hf.LogGroup.LogGroupName()
	out := []iamx.Statement{
		{Sid: sidLogs, Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: []string{logGroup, logGroup + ":*"}},
		{Sid: sidTraces, Actions: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
			Resources: []string{"*"}},
		// Decrypt: environment variables. GenerateDataKey and Decrypt: sending
		// to the KMS-encrypted dead-letter queue.
		{Sid: sidKey, Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resources: []string{*hf.Key.KeyArn()}},
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
		out = append(out,
			iamx.Statement{Sid: sidENI, Actions: eniActions, Resources: []string{ec2Resources(partition, region, account)}},
			// Describe* has no resource-level permissions (audit.WildcardResourceActions).
			iamx.Statement{Sid: sidENIs, Actions: []string{"ec2:DescribeNetworkInterfaces"}, Resources: []string{"*"}})
	}
	return out
}

// AddToPolicy adds statements to the function's role, e.g. access to a
// table created after the function. Each statement is checked like
// Props.Statements; an invalid one panics with a *validate.Error.
func (hf *HardenedFunction) AddToPolicy(statements ...awsiam.PolicyStatement) {
	validate.Check("hardenedfunction", *hf.Node().Path(),
		errors.Join(iamx.CheckStatements("AddToPolicy", statements, hf.sids)...))
	for _, st := range statements {
		hf.sids[*st.Sid()] = true
	}
	hf.Policy.AddStatements(statements...)
}

// suppress records the cdk-nag findings that do not apply, each on the one
// resource it concerns.
func (hf *HardenedFunction) suppress(props *Props) {
	stack := awscdk.Stack_Of(hf.Construct)
	logGroupID, _ := stack.Resolve(hf.LogGroup.Node().DefaultChild().(awslogs.CfnLogGroup).LogicalId()).(string)
	wildcard := "The only wildcards are (1) Resource * for X-Ray trace ingestion"
	// cdk-nag renders the log-stream ARN with resolved literals and <Ref>s.
	appliesTo := []string{"Resource::*", fmt.Sprintf("Resource::arn:%s:logs:%s:%s:log-group:<%s>:*",
		nagValue(stack, stack.Partition()), nagValue(stack, stack.Region()), nagValue(stack, stack.Account()), logGroupID)}
	if props.Vpc != nil {
		wildcard += " and ec2:DescribeNetworkInterfaces"
	}
	wildcard += ", which have no resource-level permissions (audit.WildcardResourceActions), (2) the log " +
		"streams of the function's own log group (<log-group-arn>:*), whose names Lambda generates at run time"
	if props.Vpc != nil {
		wildcard += ", and (3) the VPC network interfaces Lambda creates, which do not exist before the function " +
			"does: this account's EC2 resources in this region"
		appliesTo = append(appliesTo, "Resource::"+ec2Resources(nagValue(stack, stack.Partition()),
			nagValue(stack, stack.Region()), nagValue(stack, stack.Account())))
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
	return *v
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
			"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"},
		Resources:  []string{"*"},
		Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+region+".amazonaws.com"), nil)},
		Conditions: map[string]map[string]any{"ArnLike": {
			"kms:EncryptionContext:aws:logs:arn": "arn:" + partition + ":logs:" + region + ":" + account + ":log-group:" + logGroup,
		}},
	}.Build(), jsii.Bool(true))
	if !*added.StatementAdded {
		awscdk.Annotations_Of(hf.Construct).AddWarningV2(jsii.String("groundwork:hardenedfunction:imported-key"),
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
