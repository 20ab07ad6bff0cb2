package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securedatabase"
	"github.com/groundwork-cdk/groundwork/internal/secgroup"
)

// DataStack is Groundwork-<Env>-Data: the Aurora PostgreSQL Serverless v2
// cluster in the network's isolated subnets, and the security group its
// clients wear.
type DataStack struct {
	awscdk.Stack
	// Database is the cluster, its key, secret and alarms.
	Database *securedatabase.SecureDatabase
	// ClientSecurityGroup is the group the database admits. It lives here,
	// not in the Service stack, so that Service depends on Data and never the
	// other way round (the database admitting the service's own group would
	// make each stack reference the other); the api-service's tasks wear it
	// beside their own group. Its only egress is PostgreSQL to the database.
	ClientSecurityGroup awsec2.SecurityGroup
}

// NewDataStack creates the Data stack of cfg's environment in network's
// isolated subnets, and publishes the endpoint, port, secret ARN and client
// security group id as SSM parameters under /groundwork/<env>/data/.
func NewDataStack(app awscdk.App, cfg Config, network *NetworkStack) *DataStack {
	stack := newStack(app, cfg, "Data", "Aurora PostgreSQL Serverless v2 in the isolated subnets")
	d := &DataStack{Stack: stack}
	vpc := network.Network.Vpc
	d.ClientSecurityGroup = awsec2.NewSecurityGroup(stack, jsii.String("ClientSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Clients of the " + cfg.Name + " database: the api-service tasks"),
		AllowAllOutbound: jsii.Bool(false),
	})
	secgroup.KeepEgressClosed(d.ClientSecurityGroup)

	removal := awscdk.RemovalPolicy_SNAPSHOT
	if !cfg.RetainData {
		removal = awscdk.RemovalPolicy_DESTROY
	}
	dc := cfg.Data
	d.Database = securedatabase.New(stack, "Database", &securedatabase.Props{
		Vpc:                       vpc,
		VpcSubnets:                network.Network.IsolatedSubnetSelection(),
		AllowFrom:                 []awsec2.ISecurityGroup{d.ClientSecurityGroup},
		MinCapacity:               dc.MinCapacity,
		MaxCapacity:               dc.MaxCapacity,
		ScaleToZero:               dc.ScaleToZero,
		BackupRetentionDays:       dc.BackupRetentionDays,
		HighAvailability:          dc.HighAvailability,
		RemovalPolicy:             removal,
		DisableDeletionProtection: !cfg.TerminationProtection,
		AlarmTopic:                alarmTopic(stack, cfg),
	})
	awsec2.NewCfnSecurityGroupEgress(stack, jsii.String("ClientToDatabase"), &awsec2.CfnSecurityGroupEgressProps{
		GroupId:                    d.ClientSecurityGroup.SecurityGroupId(),
		IpProtocol:                 jsii.String("tcp"),
		FromPort:                   jsii.Number(securedatabase.Port),
		ToPort:                     jsii.Number(securedatabase.Port),
		DestinationSecurityGroupId: d.Database.SecurityGroup.SecurityGroupId(),
		Description:                jsii.String("PostgreSQL to the database"),
	})

	prefix := "/groundwork/" + cfg.Name + "/data/"
	publish(stack, "EndpointParameter", prefix+"endpoint", *d.Database.Endpoint(), "Writer endpoint of the Aurora cluster")
	publish(stack, "PortParameter", prefix+"port", fmt.Sprint(securedatabase.Port), "PostgreSQL port of the Aurora cluster")
	publish(stack, "SecretArnParameter", prefix+"secret-arn", *d.Database.Secret.SecretArn(),
		"ARN of the master credentials secret (host, port, dbname, username, password; rotated)")
	publish(stack, "ClientSecurityGroupIdParameter", prefix+"client-security-group-id", *d.ClientSecurityGroup.SecurityGroupId(),
		"Security group the database admits (attach it to clients)")
	return d
}

// DashboardRow graphs the cluster's capacity, CPU, connections and freeable
// memory, beside its alarms.
func (d *DataStack) DashboardRow() Row {
	dims := map[string]string{"DBClusterIdentifier": *d.Database.Cluster.ClusterIdentifier()}
	m := func(name, stat, label string) awscloudwatch.IMetric {
		return metric("AWS/RDS", name, stat, label, dims)
	}
	return Row{Title: "Data: Aurora PostgreSQL Serverless v2", Widgets: []awscloudwatch.IWidget{
		graph("Capacity (ACUs) and ACU utilisation (%)", []awscloudwatch.IMetric{
			m("ServerlessDatabaseCapacity", "Average", "ACUs"), m("ACUUtilization", "Average", "ACU %")}, 6),
		graph("CPU (%) and connections", []awscloudwatch.IMetric{
			m("CPUUtilization", "Average", "CPU %"), m("DatabaseConnections", "Maximum", "connections")}, 6),
		graph("Freeable memory (bytes)", []awscloudwatch.IMetric{m("FreeableMemory", "Minimum", "freeable memory")}, 6),
		alarmStatus("Database alarms", d.Database.Alarms, 6),
	}}
}
