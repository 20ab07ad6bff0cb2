package fargateservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/secgroup"
	"github.com/groundwork-cdk/groundwork/nag"
)

// newSecurityGroups creates the service's security group and, for a web
// service, the load balancer's, chained by security group id:
//
//	internet (or the VPC) --80/443--> ALB SG --ContainerPort--> service SG --443--> AWS APIs
//
// Neither group allows all outbound traffic. The service may open 443 to
// anywhere because ECR, Secrets Manager, CloudWatch Logs and the other AWS
// APIs are reached through the NAT gateway or VPC interface endpoints, whose
// addresses are not known here; add narrower egress (e.g. to a database's
// security group) through ServiceSecurityGroup.
func (fs *FargateService) newSecurityGroups(s *settings) {
	fs.ServiceSecurityGroup = awsec2.NewSecurityGroup(fs, jsii.String("ServiceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              s.Vpc,
		Description:      jsii.String("Tasks of " + *fs.Node().Path()),
		AllowAllOutbound: jsii.Bool(false),
	})
	secgroup.KeepEgressClosed(fs.ServiceSecurityGroup)
	fs.ServiceSecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs) via NAT or VPC endpoints"), nil)
	if s.Worker {
		return
	}

	fs.LoadBalancerSecurityGroup = awsec2.NewSecurityGroup(fs, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              s.Vpc,
		Description:      jsii.String("Load balancer of " + *fs.Node().Path()),
		AllowAllOutbound: jsii.Bool(false),
	})
	// Its only egress is the rule to the service's group, which CDK renders
	// as a separate resource: keep the inline no-traffic rule, or EC2's
	// default allow-all egress would stay.
	secgroup.KeepEgressClosed(fs.LoadBalancerSecurityGroup)
	peer, from := awsec2.Peer_AnyIpv4(), "anywhere"
	if s.Internal {
		peer, from = awsec2.Peer_Ipv4(s.Vpc.VpcCidrBlock()), "the VPC"
	}
	fs.LoadBalancerSecurityGroup.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from "+from), nil)
	fs.LoadBalancerSecurityGroup.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(80)), jsii.String("HTTP from "+from+", redirected to HTTPS"), nil)
	// One call creates both halves of the chain: the ALB's egress to the
	// service SG and the service's ingress from the ALB SG.
	fs.ServiceSecurityGroup.Connections().AllowFrom(fs.LoadBalancerSecurityGroup, awsec2.Port_Tcp(jsii.Number(float64(s.ContainerPort))),
		jsii.String(fmt.Sprintf("Load balancer to tasks on %d", s.ContainerPort)))
	if !s.Internal {
		reason := "An internet-facing Application Load Balancer must accept clients from anywhere, on 443 (HTTPS) and 80, " +
			"which only answers with a 301 redirect to HTTPS; the tasks behind it admit only this security group."
		nag.SuppressDefault(fs.LoadBalancerSecurityGroup, "AwsSolutions-EC23", reason)
	}
}

// newLoadBalancer creates the Application Load Balancer, its HTTPS listener
// (TLS 1.3/1.2 policy), the HTTP listener that only redirects, the target
// group (HTTPS to the tasks unless opted out), the access-log bucket and,
// when enabled, the WAF web ACL.
func (fs *FargateService) newLoadBalancer(s *settings) {
	subnets := s.LoadBalancerSubnets
	if subnets == nil {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}
		if s.Internal {
			subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		}
	}
	fs.LoadBalancer = elbv2.NewApplicationLoadBalancer(fs, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     s.Vpc,
		VpcSubnets:              subnets,
		InternetFacing:          jsii.Bool(!s.Internal),
		SecurityGroup:           fs.LoadBalancerSecurityGroup,
		DropInvalidHeaderFields: jsii.Bool(true),
		DeletionProtection:      jsii.Bool(!s.DisableDeletionProtection),
	})
	if s.DisableDeletionProtection {
		fs.LoadBalancer.SetAttribute(jsii.String("deletion_protection.enabled"), jsii.String("false"))
		awscdk.Annotations_Of(fs).AddWarningV2(jsii.String("groundwork:fargateservice:deletion-protection"),
			jsii.String("the load balancer's deletion protection is off: a stack update or delete can remove it; use this in dev only"), nil)
		nag.SuppressDefault(fs.LoadBalancer, "NIST.800.53.R5-ELBDeletionProtectionEnabled",
			"The caller set DisableDeletionProtection for a disposable (dev) environment; staging and production keep the construct's default (on).")
	}
	switch {
	case s.wafEnabled():
	case s.Internal:
		nag.SuppressDefault(fs.LoadBalancer, "NIST.800.53.R5-ALBWAFEnabled",
			"An internal load balancer is reachable only from the VPC's CIDR (its security group), not from the internet; "+
				"set Waf.Enable to filter VPC traffic through a web ACL as well.")
	default:
		awscdk.Annotations_Of(fs).AddWarningV2(jsii.String("groundwork:fargateservice:waf-disabled"),
			jsii.String("Waf.Disable: the internet-facing load balancer has no AWS WAF web ACL (managed rules, rate limit); "+
				"use it only where another layer filters the traffic"), nil)
		nag.SuppressDefault(fs.LoadBalancer, "NIST.800.53.R5-ALBWAFEnabled",
			"The caller set Waf.Disable: another layer in front of this load balancer filters the traffic (the construct warns at synthesis).")
	}

	fs.accessLogs(s)

	protocol := elbv2.ApplicationProtocol_HTTPS
	healthProtocol := elbv2.Protocol_HTTPS
	if s.TargetProtocol == TargetProtocolHTTP {
		protocol, healthProtocol = elbv2.ApplicationProtocol_HTTP, elbv2.Protocol_HTTP
		awscdk.Annotations_Of(fs).AddWarningV2(jsii.String("groundwork:fargateservice:plain-http-to-targets"),
			jsii.String("TargetProtocolHTTP: the load balancer sends requests and health checks to the tasks unencrypted "+
				"(the guidance asks for TLS between all components, ALB to ECS); reason given: "+s.PlainHttpReason), nil)
	}
	fs.TargetGroup = elbv2.NewApplicationTargetGroup(fs, jsii.String("TargetGroup"), &elbv2.ApplicationTargetGroupProps{
		Vpc: s.Vpc,
		// HTTPS to the task by default (the guidance: TLS between all
		// components, ALB to ECS). The load balancer does not verify the
		// target's certificate, so the container may generate a
		// self-signed one at start (Props.TargetProtocol).
		Protocol:            protocol,
		Port:                jsii.Number(float64(s.ContainerPort)),
		TargetType:          elbv2.TargetType_IP,
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(DefaultDeregistrationDelay.Seconds())),
		HealthCheck: &elbv2.HealthCheck{
			Protocol:                healthProtocol,
			Path:                    jsii.String(s.HealthCheckPath),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(30)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(3),
		},
	})

	fs.HttpsListener = fs.LoadBalancer.AddListener(jsii.String("Https"), &elbv2.BaseApplicationListenerProps{
		Port:     jsii.Number(443),
		Protocol: elbv2.ApplicationProtocol_HTTPS,
		// RECOMMENDED_TLS renders ELBSecurityPolicy-TLS13-1-2-2021-06, the
		// guidance's policy: TLS 1.3 and 1.2 only.
		SslPolicy:           elbv2.SslPolicy_RECOMMENDED_TLS,
		Certificates:        &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromCertificateManager(s.Certificate)},
		DefaultTargetGroups: &[]elbv2.IApplicationTargetGroup{fs.TargetGroup},
		// The security group rules are explicit (newSecurityGroups).
		Open: jsii.Bool(false),
	})
	fs.HttpListener = fs.LoadBalancer.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
		Port:     jsii.Number(80),
		Protocol: elbv2.ApplicationProtocol_HTTP,
		DefaultAction: elbv2.ListenerAction_Redirect(&elbv2.RedirectOptions{
			Protocol:  jsii.String("HTTPS"),
			Port:      jsii.String("443"),
			Permanent: jsii.Bool(true),
		}),
		Open: jsii.Bool(false),
	})
	if s.wafEnabled() {
		fs.newWaf(s)
	}
	nag.SuppressDefault(fs.HttpListener, "NIST.800.53.R5-ELBv2ACMCertificateRequired",
		"This listener only answers with a 301 redirect to HTTPS and serves no content, so it has no certificate; "+
			"the HTTPS listener on 443 uses the ACM certificate.")
}

// accessLogs sends the load balancer's access logs to a dedicated bucket.
//
// CDK's logAccessLogs adds bucket-policy statements without a Sid, one of
// them for delivery.logs.amazonaws.com without confused-deputy conditions.
// Instead the attributes are set here, with Sid-named statements for who
// delivers the logs: the log delivery service principal
// logdelivery.elasticloadbalancing.amazonaws.com, pinned to this account's
// load balancers (Regions opened since August 2022 use only it), and, in the
// older Regions such as eu-west-1, the Region's Elastic Load Balancing
// account, which AWS documents for them (as CDK does).
//
// In an environment-agnostic stack the Region is known only at deploy time:
// the Elastic Load Balancing account comes from a mapping of every Region
// the CDK knows (regioninfo), and a condition turns the regional statement
// into a copy of the service-principal statement in the Regions that have no
// such account. A Region newer than the CDK's region table fails the
// deployment with "Unable to get mapping", as CDK's own regional facts do:
// upgrade aws-cdk-go, or give the stack an explicit env.
func (fs *FargateService) accessLogs(s *settings) {
	stack := awscdk.Stack_Of(fs)
	fs.AccessLogs = securebucket.New(fs, "AccessLogs", &securebucket.Props{
		Encryption:      securebucket.EncryptionS3Managed,
		S3ManagedReason: "Elastic Load Balancing access log delivery supports only SSE-S3 (AES256) on the target bucket, not SSE-KMS",
		RemovalPolicy:   s.RemovalPolicy,
		// Access logs are audit records: a year, like the server access logs.
		Lifecycle: &securebucket.Lifecycle{ExpirationDays: 365},
	})
	bucket := fs.AccessLogs.Bucket
	logs := *bucket.ArnForObjects(jsii.String(s.AccessLogsPrefix + "/AWSLogs/" + *stack.Account() + "/*"))
	delivery := iamx.Statement{
		Sid:        "AllowLoadBalancerAccessLogDelivery",
		Actions:    []string{"s3:PutObject"},
		Resources:  []string{logs},
		Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(elbLogDelivery), nil)},
		Conditions: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": *stack.Account()},
			// The load balancer names the bucket, so the bucket policy cannot
			// name the load balancer without a cycle: pin to this account's
			// and Region's Application Load Balancers.
			"ArnLike": {"aws:SourceArn": "arn:" + *stack.Partition() + ":elasticloadbalancing:" + *stack.Region() + ":" + *stack.Account() + ":loadbalancer/app/*"},
		},
	}
	regional := func(account string) iamx.Statement {
		return iamx.Statement{
			Sid:        regionalLogDeliverySid,
			Actions:    []string{"s3:PutObject"},
			Resources:  []string{logs},
			Principals: []awsiam.IPrincipal{awsiam.NewAccountPrincipal(jsii.String(account))},
		}
	}
	if region := *stack.Region(); !unresolved(region) {
		if elbAccount := regioninfo.RegionInfo_Get(jsii.String(region)).Elbv2Account(); elbAccount != nil {
			bucket.AddToResourcePolicy(regional(*elbAccount).Build())
		}
	} else {
		fs.agnosticLogDelivery(bucket, regional, delivery)
	}
	bucket.AddToResourcePolicy(delivery.Build())
	fs.LoadBalancer.SetAttribute(jsii.String("access_logs.s3.enabled"), jsii.String("true"))
	fs.LoadBalancer.SetAttribute(jsii.String("access_logs.s3.bucket"), bucket.BucketName())
	fs.LoadBalancer.SetAttribute(jsii.String("access_logs.s3.prefix"), jsii.String(s.AccessLogsPrefix))
	// Elastic Load Balancing tests the bucket permission when logging is
	// switched on: create the policy first.
	fs.LoadBalancer.Node().AddDependency(bucket.Policy())
}

const (
	// elbLogDelivery is the service principal that delivers access logs.
	elbLogDelivery = "logdelivery.elasticloadbalancing.amazonaws.com"
	// regionalLogDeliverySid names the statement for the Region's Elastic
	// Load Balancing account.
	regionalLogDeliverySid = "AllowRegionalLoadBalancerAccountLogDelivery"
	// noElbAccount marks, in the mapping, a Region without an Elastic Load
	// Balancing account (one that uses the service principal).
	noElbAccount = "none"
)

// agnosticLogDelivery adds the regional statement of an
// environment-agnostic stack: its account from a CfnMapping of every Region
// regioninfo knows, and, where a Region has none, the service principal with
// the delivery statement's conditions instead (CloudFormation Fn::If on the
// statement's Principal and Condition; AWS::NoValue drops the Condition of
// the account principal, which sends no aws:SourceAccount).
func (fs *FargateService) agnosticLogDelivery(bucket awss3.Bucket, regional func(string) iamx.Statement, delivery iamx.Statement) {
	accounts := map[string]*map[string]any{}
	for _, r := range *regioninfo.RegionInfo_Regions() {
		account := noElbAccount
		if a := r.Elbv2Account(); a != nil {
			account = *a
		}
		accounts[*r.Name()] = &map[string]any{"account": account}
	}
	mapping := awscdk.NewCfnMapping(fs, jsii.String("ElbLogDeliveryAccounts"), &awscdk.CfnMappingProps{Mapping: &accounts})
	account := mapping.FindInMap(awscdk.Aws_REGION(), jsii.String("account"), nil)
	cond := awscdk.NewCfnCondition(fs, jsii.String("HasElbLogDeliveryAccount"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(account, jsii.String(noElbAccount))),
	})
	bucket.AddToResourcePolicy(regional(*account).Build())

	cfn := bucket.Policy().Node().DefaultChild().(awscdk.CfnResource)
	cfn.AddPropertyOverride(jsii.String("PolicyDocument.Statement"), awscdk.Lazy_Any(&conditionalStatement{
		stack: awscdk.Stack_Of(fs), document: bucket.Policy().Document(), condition: cond,
		sid: regionalLogDeliverySid, fallbackSid: delivery.Sid,
	}, nil))
}

// conditionalStatement renders a policy document's statements with the one
// named sid made conditional: where condition is false, its Principal and
// Condition are those of the statement named fallbackSid.
type conditionalStatement struct {
	stack       awscdk.Stack
	document    awsiam.PolicyDocument
	condition   awscdk.CfnCondition
	sid         string
	fallbackSid string
}

// Produce implements awscdk.IStableAnyProducer.
func (c *conditionalStatement) Produce() any {
	doc, _ := c.stack.Resolve(c.document).(map[string]any)
	statements, _ := doc["Statement"].([]any)
	noValue := map[string]any{"Ref": "AWS::NoValue"}
	var fallback map[string]any
	for _, st := range statements {
		if m, ok := st.(map[string]any); ok && m["Sid"] == c.fallbackSid {
			fallback = m
		}
	}
	for i, st := range statements {
		m, ok := st.(map[string]any)
		if !ok || m["Sid"] != c.sid {
			continue
		}
		out := map[string]any{}
		for k, v := range m {
			out[k] = v
		}
		cond := c.stack.Resolve(c.condition.LogicalId())
		out["Principal"] = map[string]any{"Fn::If": []any{cond, m["Principal"], fallback["Principal"]}}
		trueCondition := m["Condition"]
		if trueCondition == nil {
			trueCondition = noValue
		}
		falseCondition := fallback["Condition"]
		if falseCondition == nil {
			falseCondition = noValue
		}
		out["Condition"] = map[string]any{"Fn::If": []any{cond, trueCondition, falseCondition}}
		statements[i] = out
	}
	return statements
}
