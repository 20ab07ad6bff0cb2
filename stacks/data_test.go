package stacks_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/stacks"
)

type obj = map[string]any

func TestDataStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Data"))
		t.Run(s.Name, func(t *testing.T) {
			deletion, minACU := "Snapshot", cfg.Data.MinCapacity
			if !cfg.RetainData {
				deletion = "Delete"
			}
			if cfg.Data.ScaleToZero {
				minACU = 0
			}
			s.HasResource(t, "AWS::RDS::DBCluster", obj{
				"DeletionPolicy": deletion, "UpdateReplacePolicy": deletion,
				"Properties": assertions.Match_ObjectLike(&obj{
					"Engine": "aurora-postgresql", "StorageEncrypted": true, "DeletionProtection": cfg.TerminationProtection,
					"BackupRetentionPeriod": cfg.Data.BackupRetentionDays, "CopyTagsToSnapshot": true,
					"ServerlessV2ScalingConfiguration": assertions.Match_ObjectLike(&obj{"MinCapacity": minACU, "MaxCapacity": cfg.Data.MaxCapacity}),
					"KmsKeyId":                         obj{"Fn::GetAtt": []any{s.LogicalID(t, "Database/Key"), "Arn"}},
				}),
			})
			instances := 1
			if cfg.Data.HighAvailability {
				instances = 2
			}
			s.ResourceCountIs(t, "AWS::RDS::DBInstance", instances)
			// The isolated subnets of the Network stack, and nothing else.
			s.HasResourceProperties(t, "AWS::RDS::DBSubnetGroup", obj{"SubnetIds": assertions.Match_ArrayWith(&[]any{
				obj{"Fn::GetStackOutput": obj{"StackName": cfg.StackName("Network"), "Region": cfg.Region,
					"OutputName": assertions.Match_StringLikeRegexp(jsii.String("IsolatedSubnet1"))}}})})
			// The database admits the client group on 5432; the client group's
			// only egress is 5432 to the database.
			s.HasResourceProperties(t, "AWS::EC2::SecurityGroupIngress", obj{
				"GroupId": obj{"Fn::GetAtt": []any{s.LogicalID(t, "Database/SecurityGroup"), "GroupId"}}, "FromPort": 5432, "ToPort": 5432,
				"SourceSecurityGroupId": obj{"Fn::GetAtt": []any{s.LogicalID(t, "ClientSecurityGroup"), "GroupId"}}})
			s.HasResourceProperties(t, "AWS::EC2::SecurityGroupEgress", obj{
				"GroupId": obj{"Fn::GetAtt": []any{s.LogicalID(t, "ClientSecurityGroup"), "GroupId"}}, "FromPort": 5432, "ToPort": 5432,
				"DestinationSecurityGroupId": obj{"Fn::GetAtt": []any{s.LogicalID(t, "Database/SecurityGroup"), "GroupId"}}})
			alarms := 4
			if cfg.Data.HighAvailability {
				alarms = 5 // + replica lag
			}
			s.ResourceCountIs(t, "AWS::CloudWatch::Alarm", alarms)
			s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", obj{"AlarmActions": []any{cfg.AlarmTopicArn()}})
			for _, p := range []struct{ name string }{{"endpoint"}, {"port"}, {"secret-arn"}, {"client-security-group-id"}} {
				s.HasResourceProperties(t, "AWS::SSM::Parameter", obj{"Name": "/groundwork/" + cfg.Name + "/data/" + p.name, "Type": "String"})
			}
			s.HasResourceProperties(t, "AWS::SSM::Parameter", obj{"Name": "/groundwork/" + cfg.Name + "/data/port", "Value": "5432"})
			s.HasResourceProperties(t, "AWS::SSM::Parameter", obj{"Name": "/groundwork/" + cfg.Name + "/data/endpoint",
				"Value": obj{"Fn::GetAtt": []any{s.LogicalID(t, "Database/Cluster"), "Endpoint.Address"}}})
			s.HasResourceProperties(t, "AWS::SSM::Parameter", obj{"Name": "/groundwork/" + cfg.Name + "/data/secret-arn",
				"Value": obj{"Ref": s.LogicalID(t, "Database/Cluster/Secret/Attachment")}})
			s.HasResourceProperties(t, "AWS::SecretsManager::RotationSchedule", obj{"RotationRules": obj{"ScheduleExpression": "rate(30 days)"}})
		})
	}
}

// TestServiceUsesDatabase checks that the api-service reads DB_PASSWORD and
// DB_USER from the cluster's secret through the secrets block, may read
// exactly that secret, gets the endpoint through the environment, and wears
// the client security group the database admits.
func TestServiceUsesDatabase(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Service"))
		t.Run(s.Name, func(t *testing.T) {
			fromData := func(output string) obj {
				return obj{"Fn::GetStackOutput": obj{"StackName": cfg.StackName("Data"), "Region": cfg.Region,
					"OutputName": assertions.Match_StringLikeRegexp(jsii.String(output))}}
			}
			secret := fromData("DatabaseClusterSecretAttachment")
			s.HasResourceProperties(t, "AWS::ECS::TaskDefinition", obj{
				"ContainerDefinitions": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&obj{
					"Secrets": []any{
						obj{"Name": "DB_PASSWORD", "ValueFrom": obj{"Fn::Join": []any{"", []any{secret, ":password::"}}}},
						obj{"Name": "DB_USER", "ValueFrom": obj{"Fn::Join": []any{"", []any{secret, ":username::"}}}},
					},
					"Environment": assertions.Match_ArrayWith(&[]any{
						obj{"Name": "DB_HOST", "Value": fromData("DatabaseCluster.*EndpointAddress")},
						obj{"Name": "DB_PORT", "Value": "5432"},
						obj{"Name": "DB_SSLMODE", "Value": "verify-full"},
					}),
				})}),
			})
			s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", obj{"PolicyDocument": obj{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&obj{"Sid": "ReadSecrets", "Action": "secretsmanager:GetSecretValue", "Resource": secret}),
				assertions.Match_ObjectLike(&obj{"Sid": "DecryptSecrets", "Action": "kms:Decrypt", "Resource": fromData("DatabaseKey.*Arn")}),
			})}})
			s.HasResourceProperties(t, "AWS::ECS::Service", obj{"NetworkConfiguration": obj{"AwsvpcConfiguration": assertions.Match_ObjectLike(&obj{
				"SecurityGroups": []any{obj{"Fn::GetAtt": []any{s.LogicalID(t, "ApiService/ServiceSecurityGroup"), "GroupId"}}, fromData("ClientSecurityGroup")},
			})}})
			s.ResourceCountIs(t, "AWS::SecretsManager::Secret", 0) // the standalone DB secret is gone
		})
	}
}
