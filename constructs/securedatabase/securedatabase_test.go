package securedatabase_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/constructs/securedatabase"
	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// M and L are JSON object and array shorthands for assertions.
type (
	M = map[string]any
	L = []any
)

// network is a ThreeTierVpc and a client security group in stack.
func network(stack awscdk.Stack) (*threetiervpc.ThreeTierVpc, awsec2.SecurityGroup) {
	vpc := threetiervpc.New(stack, "Vpc", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}})
	client := awsec2.NewSecurityGroup(stack, jsii.String("Client"), &awsec2.SecurityGroupProps{Vpc: vpc.Vpc, AllowAllOutbound: jsii.Bool(false)})
	return vpc, client
}

// One App, one synth for the whole package: each scenario is its own stack.
//   - Default: every default (no alarm topic).
//   - Prod: HighAvailability, alarms, 35-day backups.
//   - Dev: ScaleToZero, DESTROY, no deletion protection, 7-day backups.
var app = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	st := testkit.NewStack(app, "Default")
	vpc, client := network(st)
	securedatabase.New(st, "Db", &securedatabase.Props{Vpc: vpc.Vpc, AllowFrom: []awsec2.ISecurityGroup{client}})

	st = testkit.NewStack(app, "Prod")
	vpc, client = network(st)
	topic := awssns.Topic_FromTopicArn(st, jsii.String("Topic"), jsii.String("arn:aws:sns:eu-west-1:123456789012:alarms"))
	securedatabase.New(st, "Db", &securedatabase.Props{Vpc: vpc.Vpc, AllowFrom: []awsec2.ISecurityGroup{client},
		HighAvailability: true, AlarmTopic: topic, MaxCapacity: 8})

	st = testkit.NewStack(app, "Dev")
	vpc, client = network(st)
	securedatabase.New(st, "Db", &securedatabase.Props{Vpc: vpc.Vpc, AllowFrom: []awsec2.ISecurityGroup{client},
		ScaleToZero: true, AutoPauseAfter: 10 * time.Minute, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		DisableDeletionProtection: true, BackupRetentionDays: 7, RotationDays: 90})
	return app
})

func stack(t *testing.T, name string) *testkit.Stack { return app.Stack(t, name) }

func TestNagClean(t *testing.T) {
	for _, name := range []string{"Default", "Prod", "Dev"} {
		t.Run(name, func(t *testing.T) { testkit.RequireNagClean(t, stack(t, name)) })
	}
}

func TestSecurityInvariants(t *testing.T) {
	for _, name := range []string{"Default", "Prod", "Dev"} {
		t.Run(name, func(t *testing.T) {
			s := stack(t, name)
			for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: name != "Dev"}) {
				if f.Rule == audit.RuleTags || f.Rule == audit.RuleBoundary {
					continue
				}
				t.Error(f)
			}
		})
	}
}

func like(m M) any { return assertions.Match_ObjectLike(&m) }

// TestDefaults asserts every default on the Default stack (nil-equivalent
// props: only the required Vpc and AllowFrom).
func TestDefaults(t *testing.T) {
	s := stack(t, "Default")
	key := M{"Fn::GetAtt": L{s.LogicalID(t, "Db/Key"), "Arn"}}
	cases := []struct {
		name string
		typ  string
		want any
	}{
		{"engine pinned, encrypted with the key, IAM auth, backups 35 days, tags to snapshots, deletion protection", "AWS::RDS::DBCluster", like(M{
			"Engine": "aurora-postgresql", "EngineVersion": securedatabase.DefaultEngineVersion, "StorageEncrypted": true, "KmsKeyId": key,
			"EnableIAMDatabaseAuthentication": true, "BackupRetentionPeriod": 35, "CopyTagsToSnapshot": true, "DeletionProtection": true,
			"ServerlessV2ScalingConfiguration": M{"MinCapacity": 0.5, "MaxCapacity": 4}, "DatabaseName": "app", "MasterUsername": "dbadmin",
			"EnableCloudwatchLogsExports": L{"postgresql"}, "PerformanceInsightsEnabled": true, "PerformanceInsightsKmsKeyId": key,
			"Port": 5432, "AutoMinorVersionUpgrade": true,
			"DBClusterIdentifier": assertions.Match_Absent(),
		})},
		{"TLS enforced, TLS 1.2 minimum", "AWS::RDS::DBClusterParameterGroup", like(M{
			"Family": "aurora-postgresql16", "Parameters": M{"rds.force_ssl": "1", "ssl_min_protocol_version": "TLSv1.2"}})},
		{"writer never public, RDS CA pinned, Enhanced Monitoring every 60 s with its role", "AWS::RDS::DBInstance", like(M{
			"DBInstanceClass": "db.serverless", "PubliclyAccessible": false, "CACertificateIdentifier": securedatabase.CACertificate,
			"MonitoringInterval": 60, "MonitoringRoleArn": M{"Fn::GetAtt": L{s.LogicalID(t, "Db/MonitoringRole"), "Arn"}}})},
		{"isolated subnets only", "AWS::RDS::DBSubnetGroup", M{"DBSubnetGroupDescription": assertions.Match_AnyValue(), "SubnetIds": L{
			M{"Ref": s.LogicalID(t, "Vpc/Vpc/IsolatedSubnet1/Subnet")}, M{"Ref": s.LogicalID(t, "Vpc/Vpc/IsolatedSubnet2/Subnet")},
			M{"Ref": s.LogicalID(t, "Vpc/Vpc/IsolatedSubnet3/Subnet")}}}},
		{"secret generated with the key, no fixed name", "AWS::SecretsManager::Secret", like(M{"KmsKeyId": key, "Name": assertions.Match_Absent(),
			"GenerateSecretString": like(M{"SecretStringTemplate": `{"username":"dbadmin"}`, "GenerateStringKey": "password"})})},
		{"rotated every 30 days", "AWS::SecretsManager::RotationSchedule", like(M{"RotationRules": M{"ScheduleExpression": "rate(30 days)"}})},
		{"rotation function in the private subnets, behind its own group, with the key", "AWS::Serverless::Application", like(M{"Parameters": like(M{
			"vpcSecurityGroupIds": M{"Fn::GetAtt": L{s.LogicalID(t, "Db/RotationSecurityGroup"), "GroupId"}},
			"kmsKeyArn":           key,
			"vpcSubnetIds": M{"Fn::Join": L{"", L{M{"Ref": s.LogicalID(t, "Vpc/Vpc/PrivateSubnet1/Subnet")}, ",",
				M{"Ref": s.LogicalID(t, "Vpc/Vpc/PrivateSubnet2/Subnet")}, ",", M{"Ref": s.LogicalID(t, "Vpc/Vpc/PrivateSubnet3/Subnet")}}}},
		})})},
		{"PostgreSQL from the client group, by id", "AWS::EC2::SecurityGroupIngress", M{
			"GroupId": M{"Fn::GetAtt": L{s.LogicalID(t, "Db/SecurityGroup"), "GroupId"}}, "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
			"SourceSecurityGroupId": M{"Fn::GetAtt": L{s.LogicalID(t, "Client"), "GroupId"}}, "Description": assertions.Match_AnyValue()}},
		{"log group named after the cluster, with the key and a year", "AWS::Logs::LogGroup", like(M{"KmsKeyId": key, "RetentionInDays": 365,
			"LogGroupName": M{"Fn::Join": L{"", L{"/aws/rds/cluster/", M{"Ref": s.LogicalID(t, "Db/Cluster")}, "/postgresql"}}}})},
		{"monitoring role trusts RDS monitoring, pinned", "AWS::IAM::Role", like(M{"AssumeRolePolicyDocument": M{"Version": "2012-10-17", "Statement": L{M{
			"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": M{"Service": "monitoring.rds.amazonaws.com"},
			"Condition": M{"StringEquals": M{"aws:SourceAccount": "123456789012"}, "ArnLike": M{"aws:SourceArn": "arn:aws:rds:eu-west-1:123456789012:db:*"}}}}}})},
		{"the key lets CloudWatch Logs use it for RDS log groups only", "AWS::KMS::Key", like(M{"EnableKeyRotation": true, "KeyPolicy": like(M{
			"Statement": assertions.Match_ArrayWith(&[]any{like(M{"Sid": "AllowCloudWatchLogs", "Condition": M{"ArnLike": M{
				"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/cluster/*"}}})})})})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { s.HasResourceProperties(t, tc.typ, tc.want) })
	}
	t.Run("cluster snapshotted, key, secret and logs retained", func(t *testing.T) {
		s.HasResource(t, "AWS::RDS::DBCluster", M{"DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot"})
		for _, typ := range []string{"AWS::KMS::Key", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup"} {
			s.HasResource(t, typ, M{"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"})
		}
	})
	t.Run("the writer alone, created after its log group", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::RDS::DBInstance", 1)
		s.HasResource(t, "AWS::RDS::DBInstance", M{"DependsOn": assertions.Match_ArrayWith(&[]any{s.LogicalID(t, "Db/PostgresqlLog")})})
	})
	t.Run("the database group admits one client and has no egress", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::EC2::SecurityGroupIngress", 2) // the client, and the rotation function
		s.HasResourceProperties(t, "AWS::EC2::SecurityGroup", M{"GroupDescription": assertions.Match_StringLikeRegexp(jsii.String("PostgreSQL from its clients only")),
			"SecurityGroupEgress": L{M{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}},
			"VpcId":               assertions.Match_AnyValue()})
	})
	t.Run("no alarms without a topic, and a warning", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", 0)
		s.HasWarning(t, "no AlarmTopic")
	})
}

func TestProd(t *testing.T) {
	s := stack(t, "Prod")
	t.Run("a reader in a second AZ that scales with the writer", func(t *testing.T) {
		s.ResourceCountIs(t, "AWS::RDS::DBInstance", 2)
		s.HasResourceProperties(t, "AWS::RDS::DBInstance", like(M{"PromotionTier": 0,
			"AvailabilityZone": M{"Fn::GetAtt": L{s.LogicalID(t, "Vpc/Vpc/IsolatedSubnet1/Subnet"), "AvailabilityZone"}}}))
		s.HasResourceProperties(t, "AWS::RDS::DBInstance", like(M{"PromotionTier": 1,
			"AvailabilityZone": M{"Fn::GetAtt": L{s.LogicalID(t, "Vpc/Vpc/IsolatedSubnet2/Subnet"), "AvailabilityZone"}}}))
	})
	alarms := []struct{ metric, comparison string }{
		{"CPUUtilization", "GreaterThanOrEqualToThreshold"}, {"ACUUtilization", "GreaterThanOrEqualToThreshold"},
		{"DatabaseConnections", "GreaterThanOrEqualToThreshold"}, {"FreeableMemory", "LessThanOrEqualToThreshold"},
		{"AuroraReplicaLagMaximum", "GreaterThanOrEqualToThreshold"},
	}
	s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", len(alarms))
	for _, a := range alarms {
		t.Run("alarm on "+a.metric, func(t *testing.T) {
			s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", like(M{"MetricName": a.metric, "Namespace": "AWS/RDS", "ComparisonOperator": a.comparison,
				"AlarmActions": L{"arn:aws:sns:eu-west-1:123456789012:alarms"}, "OKActions": L{"arn:aws:sns:eu-west-1:123456789012:alarms"}}))
		})
	}
	t.Run("thresholds: 80 % CPU, 90 % ACU, 80 % of ~1802 connections at 8 ACU, 256 MiB, 1 s lag", func(t *testing.T) {
		for metric, th := range map[string]float64{"CPUUtilization": 80, "ACUUtilization": 90, "DatabaseConnections": 1441,
			"FreeableMemory": 256 * 1024 * 1024, "AuroraReplicaLagMaximum": 1000} {
			s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", like(M{"MetricName": metric, "Threshold": th}))
		}
	})
}

func TestDev(t *testing.T) {
	s := stack(t, "Dev")
	s.HasResource(t, "AWS::RDS::DBCluster", M{"DeletionPolicy": "Delete", "Properties": like(M{
		"DeletionProtection": false, "BackupRetentionPeriod": 7,
		"ServerlessV2ScalingConfiguration": M{"MinCapacity": 0, "MaxCapacity": 4, "SecondsUntilAutoPause": 600}})})
	s.HasResourceProperties(t, "AWS::SecretsManager::RotationSchedule", like(M{"RotationRules": M{"ScheduleExpression": "rate(90 days)"}}))
	s.HasWarning(t, "ScaleToZero")
}

func TestValidation(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Invalid")
	vpc, client := network(st)
	sgs := []awsec2.ISecurityGroup{client}
	ok := func(p securedatabase.Props) *securedatabase.Props {
		if p.Vpc == nil {
			p.Vpc = vpc.Vpc
		}
		if p.AllowFrom == nil {
			p.AllowFrom = sgs
		}
		return &p
	}
	cases := []struct {
		name  string
		scope constructs.Construct
		props *securedatabase.Props
		want  []string
	}{
		{"nil props: no VPC, no client", st, nil, []string{"Vpc = <nil>", "needs a VPC with isolated subnets", "AllowFrom", "pass the security group(s) of the clients"}},
		{"missing VPC", st, &securedatabase.Props{AllowFrom: sgs}, []string{"Vpc = <nil>", "pass the environment's ThreeTierVpc"}},
		{"no client security group", st, &securedatabase.Props{Vpc: vpc.Vpc}, []string{"AllowFrom", "admits PostgreSQL only from the client security groups"}},
		{"engine version not on the list", st, ok(securedatabase.Props{EngineVersion: "12.4"}), []string{`EngineVersion = "12.4"`, "allow-list", "16.9"}},
		{"capacity above 256", st, ok(securedatabase.Props{MaxCapacity: 300}), []string{"MaxCapacity = 300", "1 to 256 ACUs"}},
		{"capacity not in 0.5 steps", st, ok(securedatabase.Props{MinCapacity: 0.7}), []string{"MinCapacity = 0.7", "steps of 0.5"}},
		{"min above max", st, ok(securedatabase.Props{MinCapacity: 8, MaxCapacity: 4}), []string{"MinCapacity", "8 (MaxCapacity 4)", "cannot be above the maximum"}},
		{"scale to zero on a version without it", st, ok(securedatabase.Props{EngineVersion: "14.9", ScaleToZero: true}), []string{"ScaleToZero", "14.9 cannot scale to 0 ACUs", "16.3"}},
		{"auto-pause without scale to zero", st, ok(securedatabase.Props{AutoPauseAfter: 10 * time.Minute}), []string{"AutoPauseAfter", "set ScaleToZero"}},
		{"public subnets", st, ok(securedatabase.Props{VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}}), []string{`VpcSubnets.SubnetType = "PUBLIC"`, "isolated subnet tier"}},
		{"egress subnets", st, ok(securedatabase.Props{VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}}), []string{`VpcSubnets.SubnetType = "PRIVATE_WITH_EGRESS"`, "isolated subnet tier"}},
		{"egress subnets given one by one", st, ok(securedatabase.Props{VpcSubnets: &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{(*vpc.Vpc.PrivateSubnets())[0], (*vpc.Vpc.IsolatedSubnets())[0]}}}), []string{"VpcSubnets", "PrivateSubnet1", "public or has egress"}},
		{"rotation below 30 days", st, ok(securedatabase.Props{RotationDays: 7}), []string{"RotationDays = 7", "30–90 day cycle", "RotationOverride"}},
		{"rotation above 90 days", st, ok(securedatabase.Props{RotationDays: 180}), []string{"RotationDays = 180", "30–90 day cycle"}},
		{"override without a reason", st, ok(securedatabase.Props{RotationDays: 7, RotationOverride: "because"}), []string{"RotationOverride", "reason a reviewer accepts"}},
		{"override beyond a year", st, ok(securedatabase.Props{RotationDays: 400, RotationOverride: "a legacy client caches the password for months"}), []string{"RotationDays = 400", "1 to 365"}},
		{"backups above 35 days", st, ok(securedatabase.Props{BackupRetentionDays: 36}), []string{"BackupRetentionDays = 36", "1 to 35 days"}},
		{"negative backups", st, ok(securedatabase.Props{BackupRetentionDays: -1}), []string{"BackupRetentionDays = -1", "1 to 35 days"}},
		{"retain removal policy", st, ok(securedatabase.Props{RemovalPolicy: awscdk.RemovalPolicy_RETAIN}), []string{`RemovalPolicy = "RETAIN"`, "RemovalPolicy_SNAPSHOT"}},
		{"reserved master user", st, ok(securedatabase.Props{MasterUsername: "postgres"}), []string{`MasterUsername = "postgres"`, "reserved"}},
		{"bad database name", st, ok(securedatabase.Props{DatabaseName: "1orders"}), []string{`DatabaseName = "1orders"`, "a letter followed"}},
		{"monitoring interval", st, ok(securedatabase.Props{MonitoringInterval: 2 * time.Second}), []string{"MonitoringInterval", "1, 5, 10, 15, 30 or 60 seconds"}},
		{"nil scope", nil, ok(securedatabase.Props{}), []string{"scope = <nil>"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, func() { securedatabase.New(tc.scope, "Db", tc.props) })
			testkit.Contains(t, "message", msg, tc.want...)
			if !strings.Contains(msg, "securedatabase \"") {
				t.Errorf("message does not name the construct: %s", msg)
			}
		})
	}
}
