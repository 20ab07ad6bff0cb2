package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/fargateservice"
	"github.com/groundwork-cdk/groundwork/constructs/securedatabase"
)

// ServiceStack is Groundwork-<Env>-Service: the guidance's api-service on
// Fargate behind an HTTPS load balancer, connected to the Data stack's
// database.
type ServiceStack struct {
	awscdk.Stack
	// Service is the api-service.
	Service *fargateservice.FargateService
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
//
// The tasks reach data's database: DB_USER and DB_PASSWORD come from the
// cluster's rotated secret through the task definition's secrets block, the
// endpoint and port through the environment, and the tasks wear the Data
// stack's client security group, the one the database admits.
func NewServiceStack(app awscdk.App, cfg Config, network *NetworkStack, data *DataStack) *ServiceStack {
	stack := newStack(app, cfg, "Service", "api-service on Fargate behind an HTTPS load balancer")
	s := &ServiceStack{Stack: stack}
	db := data.Database

	s.Service = fargateservice.New(stack, "ApiService", &fargateservice.Props{
		Vpc:                 network.Network.Vpc,
		VpcSubnets:          network.Network.PrivateSubnetSelection(),
		LoadBalancerSubnets: network.Network.PublicSubnetSelection(),
		Image:               cfg.Service.Image,
		Certificate:         awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Certificate"), jsii.String(cfg.Service.CertificateArn)),
		Environment: map[string]string{
			"DB_HOST": *db.Endpoint(),
			"DB_PORT": fmt.Sprint(securedatabase.Port),
			"DB_NAME": securedatabase.DefaultDatabaseName,
			// Verify the server against the RDS CA bundle shipped in the image
			// (see package securedatabase, Connecting).
			"DB_SSLMODE": "verify-full",
		},
		SecretsManager: map[string]awssecretsmanager.ISecret{"DB_USER": db.Secret, "DB_PASSWORD": db.Secret},
		SecretFields:   map[string]string{"DB_USER": "username", "DB_PASSWORD": "password"},
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
	// On the L1: Connections().AddSecurityGroup would replay the service
	// group's rules (ingress from the load balancer) onto the client group,
	// making the Data stack reference this one.
	cfnService := s.Service.Service.Node().DefaultChild().(awsecs.CfnService)
	cfnService.AddPropertyOverride(jsii.String("NetworkConfiguration.AwsvpcConfiguration.SecurityGroups"), []any{
		s.Service.ServiceSecurityGroup.SecurityGroupId(), data.ClientSecurityGroup.SecurityGroupId()})
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
