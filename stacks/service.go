package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
)

// ServiceStack is Groundwork-<Env>-Service: the guidance's api-service on
// Fargate behind an HTTPS load balancer, with its DB_PASSWORD in Secrets
// Manager.
type ServiceStack struct {
	awscdk.Stack
	// Service is the api-service.
	Service *fargateservice.FargateService
	// DbPassword is injected as DB_PASSWORD through the secrets block.
	DbPassword awssecretsmanager.Secret
	// DomainRecord is the alias of Config.Domain.ServiceDomainName to the
	// load balancer (nil without a configured hosted zone).
	DomainRecord awsroute53.ARecord
}

// NewServiceStack creates the Service stack of cfg's environment in network's
// VPC: tasks in the private subnets, the load balancer in the public ones.
// Dev runs one task without deletion protection; staging and prod run at
// least two (Config.Service.HighAvailability, enforced by FargateService) with
// deletion protection. Every environment autoscales from DesiredCount up to
// MaxCount.
func NewServiceStack(app awscdk.App, cfg Config, network *NetworkStack) *ServiceStack {
	stack := newStack(app, cfg, "Service", "api-service on Fargate behind an HTTPS load balancer")
	s := &ServiceStack{Stack: stack}

	key := kmskey.New(stack, "DbPasswordKey", "Encryption of the api-service database password", cfg.RemovalPolicy())
	keyRef := awskms.Key_FromKeyArn(stack, jsii.String("DbPasswordKeyRef"), key.KeyArn())
	s.DbPassword = awssecretsmanager.NewSecret(stack, jsii.String("DbPassword"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Groundwork " + cfg.Name + ": api-service database password"),
		// By reference, so that the L2 cannot add its Sid-less, wildcard
		// grant to the key policy (see newAPISecret).
		EncryptionKey: keyRef,
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(32), ExcludePunctuation: jsii.Bool(true),
		},
		RemovalPolicy: cfg.RemovalPolicy(),
	})
	reason := "The rotation Lambda belongs with the database whose credential this is, and the baseline does not " +
		"create that database yet; rotation (30-90 days, per the guidance) is added with it. The value is generated " +
		"by Secrets Manager, encrypted with a customer-managed key and injected through the task's secrets block."
	nag.SuppressDefault(s.DbPassword, "AwsSolutions-SMG4", reason)
	nag.SuppressDefault(s.DbPassword, "NIST.800.53.R5-SecretsManagerRotationEnabled", reason)

	s.Service = fargateservice.New(stack, "ApiService", &fargateservice.Props{
		Vpc:                 network.Network.Vpc,
		VpcSubnets:          network.Network.PrivateSubnetSelection(),
		LoadBalancerSubnets: network.Network.PublicSubnetSelection(),
		Image:               cfg.Service.Image,
		Certificate:         awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Certificate"), jsii.String(cfg.Service.CertificateArn)),
		SecretsManager:      map[string]awssecretsmanager.ISecret{"DB_PASSWORD": s.DbPassword},
		SecretKeys:          []awskms.IKey{keyRef},
		// The floor of the task count; autoscaling owns the count between it
		// and MaxCount, so the service carries no DesiredCount (a deploy
		// would reset the running count to it).
		MinCapacity:               cfg.Service.DesiredCount,
		MaxCapacity:               cfg.Service.MaxCount,
		RequireHighAvailability:   cfg.Service.HighAvailability,
		DisableDeletionProtection: !cfg.TerminationProtection,
		RemovalPolicy:             cfg.RemovalPolicy(),
		AlarmTopic:                alarmTopic(stack, cfg),
	})
	if cfg.Domain.Enabled() {
		s.DomainRecord = newServiceRecord(stack, cfg.Domain, s.Service.LoadBalancer)
	} else {
		warnNoDomain(stack, cfg, "the api-service")
	}
	publish(stack, "LoadBalancerDnsParameter", "/groundwork/"+cfg.Name+"/service/load-balancer-dns",
		*s.Service.LoadBalancer.LoadBalancerDnsName(), "DNS name of the api-service load balancer (point the domain's alias here)")
	return s
}

// DashboardRow graphs the load balancer and the service.
func (s *ServiceStack) DashboardRow() Row {
	fs := s.Service
	five := awscdk.Duration_Minutes(jsii.Number(5))
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	avg := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Average")}
	lb := fs.LoadBalancer.Metrics()
	tg := fs.TargetGroup.Metrics()
	return Row{Title: "Service: api-service on Fargate", Widgets: []awscloudwatch.IWidget{
		graph("Requests and 5xx", []awscloudwatch.IMetric{lb.RequestCount(sum), tg.HttpCodeTarget(elbv2.HttpCodeTarget_TARGET_5XX_COUNT, sum),
			lb.HttpCodeElb(elbv2.HttpCodeElb_ELB_5XX_COUNT, sum)}, 6),
		graph("Target response time p99 (s)", []awscloudwatch.IMetric{
			tg.TargetResponseTime(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("p99")})}, 6),
		graph("CPU and memory (%)", []awscloudwatch.IMetric{fs.Service.MetricCpuUtilization(avg), fs.Service.MetricMemoryUtilization(avg)}, 6),
		alarmStatus("api-service alarms", fs.Alarms, 6),
	}}
}
