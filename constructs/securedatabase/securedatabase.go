// Package securedatabase provides SecureDatabase, an Aurora PostgreSQL
// Serverless v2 cluster with the guidance as defaults: in the VPC's isolated
// subnet tier, never publicly accessible, its own security group admitting
// PostgreSQL only from the given client security groups; storage, Performance
// Insights, the master secret and the exported logs encrypted with one
// customer-managed key; TLS enforced by the cluster parameter group
// (rds.force_ssl = 1, ssl_min_protocol_version = TLSv1.2); the master
// password generated into Secrets Manager and rotated every 30 days by a
// rotation function inside the VPC; IAM database authentication; deletion
// protection, a final snapshot on delete and 35 days of backups; Enhanced
// Monitoring with its own role; and alarms to the environment's topic.
//
// # Connecting
//
// Clients read host, port, dbname, username and password from the secret
// (ECS: the task definition's secrets block) and connect with TLS verified
// against the RDS certificate authority:
//
//	sslmode=verify-full sslrootcert=/path/to/global-bundle.pem
//
// The bundle is https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
// (ship it in the image). The instances use the RDS CA rds-ca-rsa2048-g1
// (CACertificate). The server refuses plain connections and TLS below 1.2.
//
// The construct owns its cdk-nag suppressions; each is scoped to one resource
// and one rule and says why.
package securedatabase

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/secgroup"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// CACertificate is the RDS certificate authority of the instances; clients
// verify the server against the RDS CA bundle.
const CACertificate = "rds-ca-rsa2048-g1"

// SecureDatabase is a hardened Aurora PostgreSQL Serverless v2 cluster. Its
// fields are the escape hatch to the resources it owns.
//
// It is a genuine construct: it works wherever CDK takes one (Tags_Of,
// Aspects_Of, Node().AddDependency, as a scope of other constructs).
type SecureDatabase struct {
	constructs.Construct

	// Cluster is the Aurora cluster.
	Cluster awsrds.DatabaseCluster
	// Key encrypts the storage, Performance Insights, the secret and the logs.
	Key awskms.Key
	// Secret holds the master credentials (host, port, dbname, username,
	// password); it is rotated every RotationDays.
	Secret awssecretsmanager.ISecret
	// SecurityGroup is the cluster's security group.
	SecurityGroup awsec2.SecurityGroup
	// RotationSecurityGroup is the rotation function's security group.
	RotationSecurityGroup awsec2.SecurityGroup
	// LogGroup receives the exported PostgreSQL log.
	LogGroup awslogs.LogGroup
	// MonitoringRole is Enhanced Monitoring's role.
	MonitoringRole awsiam.Role
	// ParameterGroup is the cluster parameter group (TLS enforcement).
	ParameterGroup awsrds.ParameterGroup
	// Alarms are the alarms created (none without an AlarmTopic).
	Alarms []awscloudwatch.Alarm
	// EngineVersion is the pinned Aurora PostgreSQL version.
	EngineVersion string
	// MinCapacity and MaxCapacity are the capacity range in ACUs.
	MinCapacity, MaxCapacity float64
}

// ToString returns the construct path. It also makes SecureDatabase a jsii
// subclass of Construct (jsii needs one overriding method on the pointer
// receiver), so that the struct itself is the construct.
func (db *SecureDatabase) ToString() *string { return db.Node().Path() }

// Endpoint is the writer endpoint's host name.
func (db *SecureDatabase) Endpoint() *string { return db.Cluster.ClusterEndpoint().Hostname() }

// New creates a SecureDatabase. It panics with a *validate.Error, naming the
// construct path, the field, the value, the rule and the fix, when scope is
// nil, id is empty or taken, or props are invalid (nil props included: the
// VPC and the client security groups are required).
func New(scope constructs.Construct, id string, props *Props) *SecureDatabase {
	if props == nil {
		props = &Props{}
	}
	path := validate.ChildPath(scope, id)
	validate.Check("securedatabase", path, errors.Join(validate.Scope(scope, id), props.validate()))
	validate.Check("securedatabase", path, props.validateSubnets())
	s := props.withDefaults()

	db := &SecureDatabase{EngineVersion: s.EngineVersion, MinCapacity: s.MinCapacity, MaxCapacity: s.MaxCapacity}
	constructs.NewConstruct_Override(db, scope, jsii.String(id))
	stack := awscdk.Stack_Of(db)

	db.Key = kmskey.New(db, "Key", "Encryption of the Aurora cluster "+path+": storage, Performance Insights, master secret, logs",
		s.retainedRemoval, kmskey.CloudWatchLogs(db, "/aws/rds/cluster/*"))
	// By reference, so that no L2 adds its Sid-less grants to the key policy:
	// RDS and Secrets Manager use the key through the caller's permissions
	// (the account-root statement) and grants for AWS resources.
	keyRef := awskms.Key_FromKeyArn(db, jsii.String("KeyRef"), db.Key.KeyArn())

	db.SecurityGroup = awsec2.NewSecurityGroup(db, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              s.Vpc,
		Description:      jsii.String("Aurora cluster " + path + ": PostgreSQL from its clients only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	secgroup.KeepEgressClosed(db.SecurityGroup)
	// Separate ingress resources, so that a client group whose own egress
	// names this group creates no cycle between the two groups.
	for i, client := range s.AllowFrom {
		awsec2.NewCfnSecurityGroupIngress(db, jsii.String(fmt.Sprintf("AllowFromClient%d", i+1)), &awsec2.CfnSecurityGroupIngressProps{
			GroupId:               db.SecurityGroup.SecurityGroupId(),
			IpProtocol:            jsii.String("tcp"),
			FromPort:              jsii.Number(Port),
			ToPort:                jsii.Number(Port),
			SourceSecurityGroupId: client.SecurityGroupId(),
			Description:           jsii.String(fmt.Sprintf("PostgreSQL from client security group %d", i+1)),
		})
	}

	db.ParameterGroup = awsrds.NewParameterGroup(db, jsii.String("ParameterGroup"), &awsrds.ParameterGroupProps{
		Engine:      db.engine(s),
		Description: jsii.String("TLS 1.2+ enforced for " + path),
		Parameters: &map[string]*string{
			"rds.force_ssl":            jsii.String("1"),
			"ssl_min_protocol_version": jsii.String("TLSv1.2"),
		},
	})

	db.MonitoringRole = iamx.NewServiceRole(db, "MonitoringRole", iamx.RoleProps{
		Service:     "monitoring.rds.amazonaws.com",
		SourceArn:   "arn:" + *stack.Partition() + ":rds:" + *stack.Region() + ":" + *stack.Account() + ":db:*",
		Description: "Enhanced Monitoring of " + path + ": OS metrics to the RDSOSMetrics log group",
		Statements:  monitoringStatements(stack),
	})

	subnets := s.VpcSubnets
	if subnets == nil {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	// The AZ of a subnet, as its GetAtt where it is defined in the app (a
	// literal AZ is a portability smell to cfn-lint, W3010).
	var azs []*string
	for _, sn := range *s.Vpc.SelectSubnets(subnets).Subnets {
		if cfn, ok := sn.Node().DefaultChild().(awsec2.CfnSubnet); ok {
			azs = append(azs, cfn.AttrAvailabilityZone())
		} else {
			azs = append(azs, sn.AvailabilityZone())
		}
	}
	instance := func(id string, az *string, reader bool) awsrds.IClusterInstance {
		p := &awsrds.ServerlessV2ClusterInstanceProps{
			PubliclyAccessible:      jsii.Bool(false),
			CaCertificate:           awsrds.CaCertificate_Of(jsii.String(CACertificate)),
			AutoMinorVersionUpgrade: jsii.Bool(true),
			AvailabilityZone:        az,
		}
		if reader {
			p.ScaleWithWriter = jsii.Bool(true)
		}
		return awsrds.ClusterInstance_ServerlessV2(jsii.String(id), p)
	}
	clusterProps := &awsrds.DatabaseClusterProps{
		Engine:         db.engine(s),
		Vpc:            s.Vpc,
		VpcSubnets:     subnets,
		SecurityGroups: &[]awsec2.ISecurityGroup{db.SecurityGroup},
		Writer:         instance("Writer", azs[0], false),
		Credentials: awsrds.Credentials_FromGeneratedSecret(jsii.String(s.MasterUsername), &awsrds.CredentialsBaseOptions{
			EncryptionKey: keyRef,
		}),
		DefaultDatabaseName:             jsii.String(s.DatabaseName),
		StorageEncrypted:                jsii.Bool(true),
		StorageEncryptionKey:            keyRef,
		ParameterGroup:                  db.ParameterGroup,
		IamAuthentication:               jsii.Bool(true),
		ServerlessV2MinCapacity:         jsii.Number(s.MinCapacity),
		ServerlessV2MaxCapacity:         jsii.Number(s.MaxCapacity),
		Backup:                          &awsrds.BackupProps{Retention: awscdk.Duration_Days(jsii.Number(float64(s.BackupRetentionDays)))},
		CopyTagsToSnapshot:              jsii.Bool(true),
		DeletionProtection:              jsii.Bool(!s.DisableDeletionProtection),
		RemovalPolicy:                   s.removal,
		CloudwatchLogsExports:           jsii.Strings("postgresql"),
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: keyRef,
		PerformanceInsightRetention:     awsrds.PerformanceInsightRetention_DEFAULT,
		MonitoringInterval:              awscdk.Duration_Seconds(jsii.Number(s.MonitoringInterval.Seconds())),
		MonitoringRole:                  db.MonitoringRole.WithoutPolicyUpdates(nil),
		Port:                            jsii.Number(Port),
		AutoMinorVersionUpgrade:         jsii.Bool(true),
	}
	if s.HighAvailability {
		clusterProps.Readers = &[]awsrds.IClusterInstance{instance("Reader", azs[1], true)}
	}
	if s.ScaleToZero {
		clusterProps.ServerlessV2AutoPauseDuration = awscdk.Duration_Seconds(jsii.Number(s.AutoPauseAfter.Seconds()))
		awscdk.Annotations_Of(db).AddWarningV2(jsii.String("groundwork:securedatabase:scale-to-zero"),
			jsii.String("ScaleToZero: the instances pause when idle and the first connection after a pause waits about 15 seconds; use it for dev only"), nil)
	}
	db.Cluster = awsrds.NewDatabaseCluster(db, jsii.String("Cluster"), clusterProps)
	db.Secret = db.Cluster.Secret()
	if cfn, ok := db.Cluster.Node().FindChild(jsii.String("Secret")).Node().DefaultChild().(awscdk.CfnResource); ok {
		cfn.ApplyRemovalPolicy(s.retainedRemoval, nil)
	}
	if s.RotationOverride != "" {
		awscdk.Annotations_Of(db).AddWarningV2(jsii.String("groundwork:securedatabase:rotation-override"),
			jsii.String(fmt.Sprintf("RotationDays = %d is outside the guidance's 30–90 days: %s", s.RotationDays, s.RotationOverride)), nil)
	}

	db.newLogGroup(s)
	db.newRotation(s)
	// The rotation adds a Sid-less Deny of secretsmanager:DeleteSecret to the
	// account root (the secret must outlive its rotation); name it.
	if policy := db.Cluster.Node().FindChild(jsii.String("Secret")).Node().TryFindChild(jsii.String("Policy")); policy != nil {
		if cfn, ok := policy.Node().DefaultChild().(awscdk.CfnResource); ok {
			cfn.AddPropertyOverride(jsii.String("ResourcePolicy.Statement.0.Sid"), jsii.String("DenyDeleteWhileRotated"))
		}
	}
	db.suppress(s)
	db.addAlarms(&s)
	return db
}

// engine is the pinned Aurora PostgreSQL engine.
func (db *SecureDatabase) engine(s settings) awsrds.IClusterEngine {
	return awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{
		Version: awsrds.AuroraPostgresEngineVersion_Of(jsii.String(s.engine.Version), jsii.String(s.engine.Major), nil),
	})
}

// newLogGroup creates the log group RDS exports the PostgreSQL log to, before
// any instance exists (the cluster alone writes no log), with the key and the
// retention. Its name follows RDS's fixed pattern around the cluster's
// generated identifier, so it carries no fixed name.
func (db *SecureDatabase) newLogGroup(s settings) {
	name := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("/aws/rds/cluster/"), db.Cluster.ClusterIdentifier(), jsii.String("/postgresql")})
	db.LogGroup = awslogs.NewLogGroup(db, jsii.String("PostgresqlLog"), &awslogs.LogGroupProps{
		LogGroupName:  name,
		EncryptionKey: db.Key,
		Retention:     s.LogRetention,
		RemovalPolicy: s.retainedRemoval,
	})
	for _, id := range []string{"Writer", "Reader"} {
		if inst := db.Cluster.Node().TryFindChild(jsii.String(id)); inst != nil {
			inst.Node().AddDependency(db.LogGroup)
		}
	}
}

// newRotation rotates the master password every RotationDays with the
// single-user PostgreSQL rotation function (AWS Serverless Application
// Repository, deployed by CloudFormation) in the VPC's private subnets: it
// reaches the cluster through its own security group and the Secrets Manager
// API through the NAT gateway or the VPC's interface endpoint.
func (db *SecureDatabase) newRotation(s settings) {
	db.RotationSecurityGroup = awsec2.NewSecurityGroup(db, jsii.String("RotationSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              s.Vpc,
		Description:      jsii.String("Password rotation function of " + *db.Node().Path()),
		AllowAllOutbound: jsii.Bool(false),
	})
	secgroup.KeepEgressClosed(db.RotationSecurityGroup)
	db.RotationSecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to the Secrets Manager API"), nil)
	db.Cluster.AddRotationSingleUser(&awsrds.RotationSingleUserOptions{
		AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(float64(s.RotationDays))),
		VpcSubnets:         &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		SecurityGroup:      db.RotationSecurityGroup,
	})
	// The rotation's rules name the port as the cluster's Endpoint.Port
	// attribute, which cdk-nag cannot evaluate; the port is fixed, say so.
	for _, sg := range []awsec2.SecurityGroup{db.SecurityGroup, db.RotationSecurityGroup} {
		for _, child := range *sg.Node().Children() {
			switch r := child.(type) {
			case awsec2.CfnSecurityGroupIngress:
				r.SetFromPort(jsii.Number(Port))
				r.SetToPort(jsii.Number(Port))
			case awsec2.CfnSecurityGroupEgress:
				r.SetFromPort(jsii.Number(Port))
				r.SetToPort(jsii.Number(Port))
			}
		}
	}
}

// monitoringStatements are AWS's AmazonRDSEnhancedMonitoringRole policy with
// Sids: the RDSOSMetrics log group and its streams.
func monitoringStatements(stack awscdk.Stack) []iamx.Statement {
	group := monitoringLogGroup(stack)
	return []iamx.Statement{
		{Sid: "EnhancedMonitoringLogGroup", Actions: []string{"logs:CreateLogGroup", "logs:PutRetentionPolicy"},
			Resources: []string{group}},
		{Sid: "EnhancedMonitoringLogStreams", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"},
			Resources: []string{group + ":log-stream:*"}},
	}
}

// monitoringLogGroup is the ARN pattern of the RDSOSMetrics log group.
func monitoringLogGroup(stack awscdk.Stack) string {
	return "arn:" + *stack.Partition() + ":logs:" + *stack.Region() + ":" + *stack.Account() + ":log-group:RDS*"
}

// suppress records the construct's reasoned cdk-nag suppressions.
func (db *SecureDatabase) suppress(s settings) {
	cluster := db.Cluster.Node().DefaultChild()
	for _, id := range []string{"Writer", "Reader"} {
		if inst := db.Cluster.Node().TryFindChild(jsii.String(id)); inst != nil {
			nag.Suppress(inst.Node().DefaultChild(), "NIST.800.53.R5-RDSInBackupPlan",
				"An Aurora instance holds no data of its own: the cluster's storage is backed up continuously by Aurora "+
					"(point-in-time restore within BackupRetentionDays, 1-35 days, and a final snapshot on delete). "+
					"Longer retention in AWS Backup is an organisation-level backup-policy decision.")
		}
	}
	if s.DisableDeletionProtection {
		reason := "Deletion protection is off by the caller's choice (DisableDeletionProtection, dev only): a dev cluster is " +
			"torn down with its stack; staging and prod keep it on."
		nag.Suppress(cluster, "AwsSolutions-RDS10", reason)
		nag.Suppress(cluster, "NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled", reason)
	}
	if policy := db.Node().TryFindChild(jsii.String("MonitoringRolePolicy")); policy != nil {
		nag.Suppress(policy.Node().DefaultChild(), "AwsSolutions-IAM5",
			"AWS's AmazonRDSEnhancedMonitoringRole policy: RDS writes OS metrics to the account's RDSOSMetrics log group "+
				"(RDS* covers its name) and to one stream per instance, named by RDS.",
			"Resource::"+monitoringLogGroup(awscdk.Stack_Of(db)), "Resource::"+monitoringLogGroup(awscdk.Stack_Of(db))+":log-stream:*")
	}
}
