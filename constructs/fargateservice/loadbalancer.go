package fargateservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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
	fs.ServiceSecurityGroup = awsec2.NewSecurityGroup(fs.Construct, jsii.String("ServiceSecurityGroup"), &awsec2.SecurityGroupProps{
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

	fs.LoadBalancerSecurityGroup = awsec2.NewSecurityGroup(fs.Construct, jsii.String("LoadBalancerSecurityGroup"), &awsec2.SecurityGroupProps{
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
// group and the access-log bucket.
func (fs *FargateService) newLoadBalancer(s *settings) {
	subnets := s.LoadBalancerSubnets
	if subnets == nil {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}
		if s.Internal {
			subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
		}
	}
	fs.LoadBalancer = elbv2.NewApplicationLoadBalancer(fs.Construct, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     s.Vpc,
		VpcSubnets:              subnets,
		InternetFacing:          jsii.Bool(!s.Internal),
		SecurityGroup:           fs.LoadBalancerSecurityGroup,
		DropInvalidHeaderFields: jsii.Bool(true),
		DeletionProtection:      jsii.Bool(!s.DisableDeletionProtection),
	})
	if s.DisableDeletionProtection {
		fs.LoadBalancer.SetAttribute(jsii.String("deletion_protection.enabled"), jsii.String("false"))
		awscdk.Annotations_Of(fs.Construct).AddWarningV2(jsii.String("groundwork:fargateservice:deletion-protection"),
			jsii.String("the load balancer's deletion protection is off: a stack update or delete can remove it; use this in dev only"), nil)
		nag.SuppressDefault(fs.LoadBalancer, "NIST.800.53.R5-ELBDeletionProtectionEnabled",
			"The caller set DisableDeletionProtection for a disposable (dev) environment; staging and production keep the construct's default (on).")
	}
	nag.SuppressDefault(fs.LoadBalancer, "NIST.800.53.R5-ALBWAFEnabled",
		"A WAF web ACL is an organisation-level decision (rules, logging, cost) and is a planned follow-up; "+
			"meanwhile the load balancer drops invalid headers, serves only TLS 1.2+ and forwards only to this service.")

	fs.accessLogs(s)

	fs.TargetGroup = elbv2.NewApplicationTargetGroup(fs.Construct, jsii.String("TargetGroup"), &elbv2.ApplicationTargetGroupProps{
		Vpc: s.Vpc,
		// HTTP from the load balancer to the task: TLS between ALB and task (the
		// guidance asks for TLS between all components) needs a certificate in
		// the container and is a follow-up. The hop stays inside the VPC, and
		// only the load balancer's security group can reach the port.
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		Port:                jsii.Number(float64(s.ContainerPort)),
		TargetType:          elbv2.TargetType_IP,
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(DefaultDeregistrationDelay.Seconds())),
		HealthCheck: &elbv2.HealthCheck{
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
func (fs *FargateService) accessLogs(s *settings) {
	stack := awscdk.Stack_Of(fs.Construct)
	fs.AccessLogs = securebucket.New(fs.Construct, "AccessLogs", &securebucket.Props{
		Encryption:      securebucket.EncryptionS3Managed,
		S3ManagedReason: "Elastic Load Balancing access log delivery supports only SSE-S3 (AES256) on the target bucket, not SSE-KMS",
		RemovalPolicy:   s.RemovalPolicy,
		// Access logs are audit records: a year, like the server access logs.
		Lifecycle: &securebucket.Lifecycle{ExpirationDays: 365},
	})
	bucket := fs.AccessLogs.Bucket
	logs := *bucket.ArnForObjects(jsii.String(s.AccessLogsPrefix + "/AWSLogs/" + *stack.Account() + "/*"))
	if elbAccount := regioninfo.RegionInfo_Get(stack.Region()).Elbv2Account(); elbAccount != nil {
		bucket.AddToResourcePolicy(iamx.Statement{
			Sid:        "AllowRegionalLoadBalancerAccountLogDelivery",
			Actions:    []string{"s3:PutObject"},
			Resources:  []string{logs},
			Principals: []awsiam.IPrincipal{awsiam.NewAccountPrincipal(elbAccount)},
		}.Build())
	}
	bucket.AddToResourcePolicy(iamx.Statement{
		Sid:        "AllowLoadBalancerAccessLogDelivery",
		Actions:    []string{"s3:PutObject"},
		Resources:  []string{logs},
		Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logdelivery.elasticloadbalancing.amazonaws.com"), nil)},
		Conditions: map[string]map[string]any{
			"StringEquals": {"aws:SourceAccount": *stack.Account()},
			// The load balancer names the bucket, so the bucket policy cannot
			// name the load balancer without a cycle: pin to this account's
			// and Region's Application Load Balancers.
			"ArnLike": {"aws:SourceArn": "arn:" + *stack.Partition() + ":elasticloadbalancing:" + *stack.Region() + ":" + *stack.Account() + ":loadbalancer/app/*"},
		},
	}.Build())
	fs.LoadBalancer.SetAttribute(jsii.String("access_logs.s3.enabled"), jsii.String("true"))
	fs.LoadBalancer.SetAttribute(jsii.String("access_logs.s3.bucket"), bucket.BucketName())
	fs.LoadBalancer.SetAttribute(jsii.String("access_logs.s3.prefix"), jsii.String(s.AccessLogsPrefix))
	// Elastic Load Balancing tests the bucket permission when logging is
	// switched on: create the policy first.
	fs.LoadBalancer.Node().AddDependency(bucket.Policy())
}
