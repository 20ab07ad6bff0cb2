package fargateservice_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

type M = map[string]any
type L = []any

func like(m M) any      { return assertions.Match_ObjectLike(&m) }
func arrayWith(l L) any { return assertions.Match_ArrayWith(&l) }
func absent() any       { return assertions.Match_Absent() }
func anyValue() any     { return assertions.Match_AnyValue() }
func groupID(t *testing.T, s *testkit.Stack, path string) M {
	t.Helper()
	return M{"Fn::GetAtt": L{s.LogicalID(t, path), "GroupId"}}
}

// subnets returns the Refs of the test VPC's subnets of one tier.
func subnets(t *testing.T, s *testkit.Stack, tier string) L {
	t.Helper()
	return L{
		s.Ref(t, "Vpc/"+tier+"Subnet1/Subnet"),
		s.Ref(t, "Vpc/"+tier+"Subnet2/Subnet"),
		s.Ref(t, "Vpc/"+tier+"Subnet3/Subnet"),
	}
}

// trust is the confused-deputy-pinned trust policy of both roles.
var trust = M{"Version": "2012-10-17", "Statement": L{M{
	"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
	"Principal": M{"Service": "ecs-tasks.amazonaws.com"},
	"Condition": M{
		"ArnLike":      M{"aws:SourceArn": "arn:aws:ecs:eu-west-1:123456789012:*"},
		"StringEquals": M{"aws:SourceAccount": "123456789012"},
	},
}}}

type assertion struct {
	name  string
	typ   string
	props any
}

func run(t *testing.T, s *testkit.Stack, tests []assertion) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { s.HasResourceProperties(t, tc.typ, tc.props) })
	}
}

func TestWebDefaults(t *testing.T) {
	s := stack(t, "Web")
	logGroup := s.Ref(t, "Api/Logs")
	run(t, s, []assertion{
		{"task definition: Fargate, awsvpc, 512 CPU / 1024 MiB, x86_64, both roles", "AWS::ECS::TaskDefinition", M{
			"Cpu": "512", "Memory": "1024", "NetworkMode": "awsvpc", "RequiresCompatibilities": L{"FARGATE"},
			"RuntimePlatform":  M{"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
			"ExecutionRoleArn": s.Arn(t, "Api/ExecutionRole"),
			"TaskRoleArn":      s.Arn(t, "Api/TaskRole"),
			"Volumes":          L{M{"Name": "scratch0"}},
		}},
		{"container: ECR image by semver, read-only root, non-root user, hard memory limit, port 8080, after the init container", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{
				"Name":                   "app",
				"Essential":              true,
				"Image":                  M{"Fn::Join": L{"", L{"123456789012.dkr.ecr.eu-west-1.", M{"Ref": "AWS::URLSuffix"}, "/api:1.2.3"}}},
				"ReadonlyRootFilesystem": true,
				"User":                   "1000:1000",
				"Memory":                 992, // the task's 1024 MiB less the init container's 32
				"PortMappings":           L{M{"ContainerPort": 8080, "Protocol": "tcp"}},
				"MountPoints":            L{M{"ContainerPath": "/tmp", "ReadOnly": false, "SourceVolume": "scratch0"}},
				"Environment":            absent(),
				"Secrets":                absent(),
				"DependsOn":              L{M{"ContainerName": "app-init", "Condition": "SUCCESS"}},
			})}),
		}},
		{"init container: root, non-essential, chowns /tmp to the app's user with the app's image, same mount", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{M{
				"Name":                   "app-init",
				"Essential":              false,
				"Image":                  M{"Fn::Join": L{"", L{"123456789012.dkr.ecr.eu-west-1.", M{"Ref": "AWS::URLSuffix"}, "/api:1.2.3"}}},
				"User":                   "0:0",
				"Memory":                 32,
				"ReadonlyRootFilesystem": true,
				"EntryPoint":             L{"chown"},
				"Command":                L{"1000:1000", "/tmp"},
				"MountPoints":            L{M{"ContainerPath": "/tmp", "ReadOnly": false, "SourceVolume": "scratch0"}},
				"LogConfiguration": M{
					"LogDriver": "awslogs",
					"Options":   M{"awslogs-group": logGroup, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app-init"},
				},
			}}),
		}},
		{"container health check: the guidance's curl, over HTTPS (self-signed: -k), every 30 s, 5 s timeout, 3 retries, 60 s start", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{"Name": "app", "HealthCheck": M{
				"Command":  L{"CMD-SHELL", "curl -fk https://localhost:8080/health || exit 1"},
				"Interval": 30, "Timeout": 5, "Retries": 3, "StartPeriod": 60,
			}})}),
		}},
		{"awslogs to the construct's log group, stream prefix = container name", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{"Name": "app", "LogConfiguration": M{
				"LogDriver": "awslogs",
				"Options":   M{"awslogs-group": logGroup, "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app"},
			}})}),
		}},
		{"log group: named (the key pins it), customer-managed key, 90 days", "AWS::Logs::LogGroup", M{
			"LogGroupName": "/Web/Api/Logs", "KmsKeyId": s.Arn(t, "Api/Key"), "RetentionInDays": 90,
		}},
		{"key: rotation, account administration and CloudWatch Logs pinned by encryption context to the container and WAF log groups", "AWS::KMS::Key", M{
			"Description":       "Encrypts the container and WAF logs of Web/Api",
			"EnableKeyRotation": true,
			"KeyPolicy": M{"Statement": L{
				like(M{"Sid": "AllowAccountAdministration", "Action": "kms:*"}),
				M{
					"Sid": "AllowCloudWatchLogs", "Effect": "Allow", "Resource": "*",
					"Principal": M{"Service": "logs.eu-west-1.amazonaws.com"},
					"Action": L{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
						"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"},
					"Condition": M{"ArnLike": M{"kms:EncryptionContext:aws:logs:arn": L{
						"arn:aws:logs:eu-west-1:123456789012:log-group:/Web/Api/Logs",
						"arn:aws:logs:eu-west-1:123456789012:log-group:aws-waf-logs-Web-Api-WafLogs",
					}}},
				},
				like(M{"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Action": "kms:CreateGrant"}), // kmskey: CT.KMS.PR.3
			}},
		}},
		{"execution role: pinned trust policy", "AWS::IAM::Role", M{
			"AssumeRolePolicyDocument": trust,
			"Description":              "ECS task execution role of Web/Api: image pull, log writes, secret reads",
		}},
		{"task role: pinned trust policy", "AWS::IAM::Role", M{
			"AssumeRolePolicyDocument": trust,
			"Description":              "Task role of Web/Api: the application's own AWS access",
		}},
		{"execution role policy: token on *, pulls from the one repository, writes its log group", "AWS::IAM::ManagedPolicy", M{
			"Roles": L{s.Ref(t, "Api/ExecutionRole")},
			"PolicyDocument": M{"Version": "2012-10-17", "Statement": L{
				M{"Sid": "PullImageAuthorization", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
				M{"Sid": "PullImage", "Effect": "Allow",
					"Action":   L{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
					"Resource": "arn:aws:ecr:eu-west-1:123456789012:repository/api"},
				M{"Sid": "WriteLogs", "Effect": "Allow", "Action": L{"logs:CreateLogStream", "logs:PutLogEvents"},
					"Resource": s.Arn(t, "Api/Logs")},
			}},
		}},
		{"service: circuit breaker with rollback, 200 % / 100 %, grace = start + 30 s, platform 1.4.0", "AWS::ECS::Service", M{
			"DeploymentConfiguration": M{
				"DeploymentCircuitBreaker": M{"Enable": true, "Rollback": true},
				"MaximumPercent":           200, "MinimumHealthyPercent": 100,
			},
			"HealthCheckGracePeriodSeconds": 90,
			"PlatformVersion":               "1.4.0",
			"LaunchType":                    "FARGATE",
			// Autoscaling owns the count: a DesiredCount would reset it on
			// every deployment. The test App does not set the
			// @aws-cdk/aws-ecs:removeDefaultDesiredCount flag, so the L2
			// rendered DesiredCount 1 and the construct deleted it.
			"DesiredCount": absent(),
		}},
		{"service: private subnets, no public IP, its own security group", "AWS::ECS::Service", M{
			"NetworkConfiguration": M{"AwsvpcConfiguration": M{
				"AssignPublicIp": "DISABLED",
				"Subnets":        subnets(t, s, "Private"),
				"SecurityGroups": L{groupID(t, s, "Api/ServiceSecurityGroup")},
			}},
		}},
		{"service: managed tags, tags from the service, no execute command", "AWS::ECS::Service", M{
			"EnableECSManagedTags": true, "PropagateTags": "SERVICE", "EnableExecuteCommand": false,
		}},
		{"service: registered in the target group on the container port", "AWS::ECS::Service", M{
			"LoadBalancers": L{M{"ContainerName": "app", "ContainerPort": 8080, "TargetGroupArn": s.Ref(t, "Api/TargetGroup")}},
		}},
		{"autoscaling: 2 to 8 tasks", "AWS::ApplicationAutoScaling::ScalableTarget", M{
			"MinCapacity": 2, "MaxCapacity": 8, "ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs",
		}},
		{"autoscaling: CPU target tracking at 60 %", "AWS::ApplicationAutoScaling::ScalingPolicy", M{
			"PolicyType": "TargetTrackingScaling",
			"TargetTrackingScalingPolicyConfiguration": M{
				"PredefinedMetricSpecification": M{"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
				"TargetValue":                   60,
			},
		}},
		{"cluster: Container Insights", "AWS::ECS::Cluster", M{
			"ClusterSettings": L{M{"Name": "containerInsights", "Value": "enabled"}},
		}},
		{"load balancer: internet-facing in the public subnets, its own security group", "AWS::ElasticLoadBalancingV2::LoadBalancer", M{
			"Type": "application", "Scheme": "internet-facing",
			"Subnets":        subnets(t, s, "Public"),
			"SecurityGroups": L{groupID(t, s, "Api/LoadBalancerSecurityGroup")},
		}},
		{"load balancer: deletion protection, invalid headers dropped, access logs to the dedicated bucket", "AWS::ElasticLoadBalancingV2::LoadBalancer", M{
			"LoadBalancerAttributes": L{
				M{"Key": "deletion_protection.enabled", "Value": "true"},
				M{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
				M{"Key": "access_logs.s3.enabled", "Value": "true"},
				M{"Key": "access_logs.s3.bucket", "Value": s.Ref(t, "Api/AccessLogs/Bucket")},
				M{"Key": "access_logs.s3.prefix", "Value": "alb"},
			},
		}},
		{"HTTPS listener: 443, TLS 1.3/1.2 policy, ACM certificate, forwards to the target group", "AWS::ElasticLoadBalancingV2::Listener", M{
			"Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
			"Certificates":   L{M{"CertificateArn": certArn}},
			"DefaultActions": L{M{"Type": "forward", "TargetGroupArn": s.Ref(t, "Api/TargetGroup")}},
		}},
		{"HTTP listener: 80, a permanent redirect to HTTPS and nothing else", "AWS::ElasticLoadBalancingV2::Listener", M{
			"Port": 80, "Protocol": "HTTP",
			"DefaultActions": L{M{"Type": "redirect", "RedirectConfig": M{"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}},
		}},
		{"target group: HTTPS to the container port (health check too), IP targets, /health, 30 s deregistration", "AWS::ElasticLoadBalancingV2::TargetGroup", M{
			"Protocol": "HTTPS", "Port": 8080, "TargetType": "ip",
			"HealthCheckProtocol": "HTTPS", "HealthCheckPath": "/health", "Matcher": M{"HttpCode": "200"},
			"HealthCheckIntervalSeconds": 30, "HealthCheckTimeoutSeconds": 5, "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 3,
			"TargetGroupAttributes": arrayWith(L{M{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}}),
		}},
		{"access-log bucket: SSE-S3 (ELB's only option), versioned, public access blocked", "AWS::S3::Bucket", M{
			"BucketEncryption": M{"ServerSideEncryptionConfiguration": L{M{
				"ServerSideEncryptionByDefault": M{"SSEAlgorithm": "AES256"}}}},
			"VersioningConfiguration": M{"Status": "Enabled"},
			"LoggingConfiguration":    like(M{}),
			"PublicAccessBlockConfiguration": M{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		}},
		{"access-log bucket policy: ELB log delivery, Sid'd and pinned to this account's load balancers", "AWS::S3::BucketPolicy", M{
			"Bucket": s.Ref(t, "Api/AccessLogs/Bucket"),
			"PolicyDocument": M{"Statement": arrayWith(L{M{
				"Sid": "AllowLoadBalancerAccessLogDelivery", "Effect": "Allow", "Action": "s3:PutObject",
				"Principal": M{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
				"Resource":  M{"Fn::Join": L{"", L{s.Arn(t, "Api/AccessLogs/Bucket"), "/alb/AWSLogs/123456789012/*"}}},
				"Condition": M{
					"StringEquals": M{"aws:SourceAccount": "123456789012"},
					"ArnLike":      M{"aws:SourceArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/*"},
				},
			}})},
		}},
		{"access-log bucket policy: eu-west-1's Elastic Load Balancing account may deliver too", "AWS::S3::BucketPolicy", M{
			"Bucket": s.Ref(t, "Api/AccessLogs/Bucket"),
			"PolicyDocument": M{"Statement": arrayWith(L{M{
				"Sid": "AllowRegionalLoadBalancerAccountLogDelivery", "Effect": "Allow", "Action": "s3:PutObject",
				"Principal": M{"AWS": "arn:aws:iam::156460612806:root"},
				"Resource":  M{"Fn::Join": L{"", L{s.Arn(t, "Api/AccessLogs/Bucket"), "/alb/AWSLogs/123456789012/*"}}},
			}})},
		}},
		{"access logs expire after a year", "AWS::S3::Bucket", M{
			"LoggingConfiguration":   like(M{"LogFilePrefix": "AccessLogs/"}),
			"LifecycleConfiguration": M{"Rules": L{like(M{"ExpirationInDays": 365})}},
		}},
		{"ALB security group: 443 and 80 from anywhere; inline egress only the no-traffic rule (no EC2 default allow-all)", "AWS::EC2::SecurityGroup", M{
			"GroupDescription": "Load balancer of Web/Api",
			"SecurityGroupIngress": L{
				M{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Description": "HTTPS from anywhere"},
				M{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Description": "HTTP from anywhere, redirected to HTTPS"},
			},
			"SecurityGroupEgress": L{M{"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic",
				"IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}},
		}},
		{"ALB security group: egress only to the service's group on the container port", "AWS::EC2::SecurityGroupEgress", M{
			"GroupId":                    groupID(t, s, "Api/LoadBalancerSecurityGroup"),
			"DestinationSecurityGroupId": groupID(t, s, "Api/ServiceSecurityGroup"),
			"IpProtocol":                 "tcp", "FromPort": 8080, "ToPort": 8080,
		}},
		{"service security group: no inline ingress, egress 443 only", "AWS::EC2::SecurityGroup", M{
			"GroupDescription":     "Tasks of Web/Api",
			"SecurityGroupIngress": absent(),
			"SecurityGroupEgress":  L{M{"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Description": anyValue()}},
		}},
		{"service security group: ingress only from the ALB's group on the container port", "AWS::EC2::SecurityGroupIngress", M{
			"GroupId":               groupID(t, s, "Api/ServiceSecurityGroup"),
			"SourceSecurityGroupId": groupID(t, s, "Api/LoadBalancerSecurityGroup"),
			"IpProtocol":            "tcp", "FromPort": 8080, "ToPort": 8080,
		}},
	})

	for _, c := range []struct {
		typ string
		n   int
	}{
		{"AWS::IAM::Role", 2},
		// The task role has no statements, so it has no policy.
		{"AWS::IAM::ManagedPolicy", 1},
		{"AWS::IAM::Policy", 0},
		{"AWS::ElasticLoadBalancingV2::Listener", 2},
		{"AWS::EC2::SecurityGroupIngress", 1},
		{"AWS::EC2::SecurityGroupEgress", 1},
		{"AWS::ECS::ClusterCapacityProviderAssociations", 0},
	} {
		t.Run("count "+c.typ, func(t *testing.T) { s.ResourceCountIs(t, c.typ, c.n) })
	}
	t.Run("load balancer waits for the bucket policy (ELB tests the permission)", func(t *testing.T) {
		s.HasResource(t, "AWS::ElasticLoadBalancingV2::LoadBalancer", M{
			"DependsOn": arrayWith(L{s.LogicalID(t, "Api/AccessLogs/Bucket/Policy")}),
		})
	})
	t.Run("service waits for the execution role's policy", func(t *testing.T) {
		s.HasResource(t, "AWS::ECS::Service", M{
			"DependsOn": arrayWith(L{s.LogicalID(t, "Api/ExecutionRolePolicy")}),
		})
	})
	t.Run("stateful resources retained on delete and replacement, not after a failed first create", func(t *testing.T) {
		n := 0
		for _, typ := range []string{"AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::S3::Bucket"} {
			for _, id := range s.Resources(typ) {
				n++
				r := s.Resource(t, id)
				if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
					t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want RetainExceptOnCreate, Retain", id, r["DeletionPolicy"], r["UpdateReplacePolicy"])
				}
			}
		}
		// Log group, WAF log group, key, access-log bucket and its
		// server-access-log bucket.
		if n != 5 {
			t.Errorf("checked %d stateful resources, want 5", n)
		}
	})
	t.Run("no warnings with the defaults", func(t *testing.T) {
		for _, m := range s.Messages {
			if m.Level == "warning" && strings.HasPrefix(m.Path, "/Web/Api") && !strings.HasPrefix(m.Path, "/Web/Api/AccessLogs") {
				t.Errorf("unexpected warning at %s: %s", m.Path, m.Text)
			}
		}
	})
}

func TestCustomProps(t *testing.T) {
	s := stack(t, "Custom")
	run(t, s, []assertion{
		{"ARM64, 1024 CPU / 3072 MiB", "AWS::ECS::TaskDefinition", M{
			"Cpu": "1024", "Memory": "3072",
			"RuntimePlatform": M{"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
			"Volumes":         L{M{"Name": "scratch0"}, M{"Name": "scratch1"}},
		}},
		{"container: digest image, user, port, environment, secrets block, health check", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{
				"Image":        digestImage,
				"User":         "app",
				"Memory":       3040, // the task's 3072 MiB less the init container's 32
				"PortMappings": L{M{"ContainerPort": 3000, "Protocol": "tcp"}},
				"Environment":  L{M{"Name": "LOG_LEVEL", "Value": "info"}, M{"Name": "TABLE_NAME", "Value": "orders"}},
				"Secrets": L{
					M{"Name": "API_KEY", "ValueFrom": "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api-key"},
					M{"Name": "DB_PASSWORD", "ValueFrom": dbSecretArn},
					M{"Name": "SESSION_SIGNING_KEY", "ValueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/session"},
				},
				"HealthCheck": M{"Command": L{"CMD", "/app", "healthcheck"}, "Interval": 30, "Timeout": 5, "Retries": 3, "StartPeriod": 120},
				"MountPoints": L{
					M{"ContainerPath": "/tmp", "ReadOnly": false, "SourceVolume": "scratch0"},
					M{"ContainerPath": "/var/cache/app", "ReadOnly": false, "SourceVolume": "scratch1"},
				},
				"DependsOn": L{M{"ContainerName": "app-init", "Condition": "SUCCESS"}},
			})}),
		}},
		{"init container: the given public image by digest, chowns both paths to the named user", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{
				"Name": "app-init", "Essential": false, "User": "0:0", "Image": initImage,
				"EntryPoint": L{"chown"}, "Command": L{"app", "/tmp", "/var/cache/app"},
				"MountPoints": L{
					M{"ContainerPath": "/tmp", "ReadOnly": false, "SourceVolume": "scratch0"},
					M{"ContainerPath": "/var/cache/app", "ReadOnly": false, "SourceVolume": "scratch1"},
				},
			})}),
		}},
		{"execution role policy: logs, exactly the secret, the parameter and their keys via the services", "AWS::IAM::ManagedPolicy", M{
			"Roles": L{s.Ref(t, "Api/ExecutionRole")},
			"PolicyDocument": M{"Statement": L{
				M{"Sid": "WriteLogs", "Effect": "Allow", "Action": L{"logs:CreateLogStream", "logs:PutLogEvents"}, "Resource": s.Arn(t, "Api/Logs")},
				M{"Sid": "ReadSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
					"Resource": L{dbSecretArn, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/session-??????"}},
				M{"Sid": "ReadParameters", "Effect": "Allow", "Action": "ssm:GetParameters",
					"Resource": "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api-key"},
				M{"Sid": "DecryptSecrets", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": L{secretKey, paramKey},
					"Condition": M{"StringEquals": M{"kms:ViaService": L{"secretsmanager.eu-west-1.amazonaws.com", "ssm.eu-west-1.amazonaws.com"}}}},
			}},
		}},
		{"task role policy: the given statements, plus AddToTaskRolePolicy's", "AWS::IAM::ManagedPolicy", M{
			"Roles": L{s.Ref(t, "Api/TaskRole")},
			"PolicyDocument": M{"Statement": L{
				M{"Sid": "ReadOrders", "Effect": "Allow", "Action": L{"dynamodb:GetItem", "dynamodb:Query"}, "Resource": ordersTable},
				M{"Sid": "WriteOrders", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": ordersTable},
			}},
		}},
		{"no DesiredCount with autoscaling, grace period", "AWS::ECS::Service", M{
			"DesiredCount": absent(), "HealthCheckGracePeriodSeconds": 150,
			"LoadBalancers": L{like(M{"ContainerPort": 3000})},
		}},
		{"autoscaling bounds", "AWS::ApplicationAutoScaling::ScalableTarget", M{"MinCapacity": 2, "MaxCapacity": 6}},
		{"internal load balancer in the private subnets, deletion protection off, log prefix", "AWS::ElasticLoadBalancingV2::LoadBalancer", M{
			"Scheme":  "internal",
			"Subnets": subnets(t, s, "Private"),
			"LoadBalancerAttributes": arrayWith(L{
				M{"Key": "deletion_protection.enabled", "Value": "false"},
				M{"Key": "access_logs.s3.prefix", "Value": "api"},
			}),
		}},
		{"internal ALB security group admits the VPC only", "AWS::EC2::SecurityGroup", M{
			"GroupDescription": "Load balancer of Custom/Api",
			"SecurityGroupIngress": L{
				like(M{"CidrIp": M{"Fn::GetAtt": L{s.LogicalID(t, "Vpc"), "CidrBlock"}}, "FromPort": 443}),
				like(M{"CidrIp": M{"Fn::GetAtt": L{s.LogicalID(t, "Vpc"), "CidrBlock"}}, "FromPort": 80}),
			},
		}},
		{"security group chain on the custom port", "AWS::EC2::SecurityGroupIngress", M{
			"GroupId": groupID(t, s, "Api/ServiceSecurityGroup"), "SourceSecurityGroupId": groupID(t, s, "Api/LoadBalancerSecurityGroup"),
			"FromPort": 3000, "ToPort": 3000,
		}},
		{"target group: custom health check path", "AWS::ElasticLoadBalancingV2::TargetGroup", M{"HealthCheckPath": "/ready", "Port": 3000}},
		{"access logs prefix in the bucket policy", "AWS::S3::BucketPolicy", M{
			"PolicyDocument": M{"Statement": arrayWith(L{like(M{
				"Sid":      "AllowLoadBalancerAccessLogDelivery",
				"Resource": M{"Fn::Join": L{"", L{s.Arn(t, "Api/AccessLogs/Bucket"), "/api/AWSLogs/123456789012/*"}}},
			})})},
		}},
	})
	t.Run("dev removal policy destroys log group, key and buckets", func(t *testing.T) {
		for _, typ := range []string{"AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::S3::Bucket"} {
			for _, id := range s.Resources(typ) {
				if r := s.Resource(t, id); r["DeletionPolicy"] != "Delete" {
					t.Errorf("%s: DeletionPolicy %v, want Delete", id, r["DeletionPolicy"])
				}
			}
		}
	})
	t.Run("no ECR permissions for an image from another registry", func(t *testing.T) {
		for _, act := range grantedActions(s) {
			if strings.HasPrefix(act, "ecr:") {
				t.Errorf("granted %s", act)
			}
		}
	})
	t.Run("a warning for each weakened default", func(t *testing.T) {
		var texts []string
		for _, m := range s.Messages {
			if m.Level == "warning" && m.Path == "/Custom/Api" {
				texts = append(texts, m.Text)
			}
		}
		joined := strings.Join(texts, "\n")
		for _, want := range []string{"deletion protection is off", "destroyed with the stack"} {
			if !strings.Contains(joined, want) {
				t.Errorf("want a warning containing %q, got %q", want, texts)
			}
		}
	})
}

func TestSpotWorker(t *testing.T) {
	s := stack(t, "Worker")
	run(t, s, []assertion{
		{"Fargate Spot capacity provider strategy, no launch type, no load balancer", "AWS::ECS::Service", M{
			"CapacityProviderStrategy":      L{M{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}},
			"LaunchType":                    absent(),
			"LoadBalancers":                 L{},
			"HealthCheckGracePeriodSeconds": absent(),
			"PlatformVersion":               "1.4.0",
			"NetworkConfiguration": M{"AwsvpcConfiguration": M{
				"AssignPublicIp": "DISABLED", "Subnets": subnets(t, s, "Private"),
				"SecurityGroups": L{groupID(t, s, "Processor/ServiceSecurityGroup")},
			}},
			"DeploymentConfiguration": M{
				"DeploymentCircuitBreaker": M{"Enable": true, "Rollback": true},
				"MaximumPercent":           200, "MinimumHealthyPercent": 100,
			},
		}},
		{"cluster offers FARGATE_SPOT", "AWS::ECS::ClusterCapacityProviderAssociations", M{
			"CapacityProviders": L{"FARGATE", "FARGATE_SPOT"},
			"Cluster":           s.Ref(t, "Processor/Cluster"),
		}},
		{"container: image asset, no port, no health check, still hardened", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{
				"Image": M{"Fn::Sub": assertions.Match_StringLikeRegexp(jsii.String(
					`^123456789012\.dkr\.ecr\.eu-west-1\.\$\{AWS::URLSuffix\}/cdk-hnb659fds-container-assets-123456789012-eu-west-1:[0-9a-f]{64}$`))},
				"PortMappings":           absent(),
				"HealthCheck":            absent(),
				"ReadonlyRootFilesystem": true,
				"User":                   "1000:1000",
				"DependsOn":              L{M{"ContainerName": "app-init", "Condition": "SUCCESS"}},
			})}),
		}},
		{"init container uses the image asset too", "AWS::ECS::TaskDefinition", M{
			"ContainerDefinitions": arrayWith(L{like(M{
				"Name": "app-init", "Essential": false, "User": "0:0", "Command": L{"1000:1000", "/tmp"},
				"Image": M{"Fn::Sub": assertions.Match_StringLikeRegexp(jsii.String(`container-assets-123456789012-eu-west-1:[0-9a-f]{64}$`))},
			})}),
		}},
		{"execution role pulls from the bootstrap asset repository only", "AWS::IAM::ManagedPolicy", M{
			"PolicyDocument": M{"Statement": arrayWith(L{M{
				"Sid": "PullImage", "Effect": "Allow",
				"Action":   L{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"},
				"Resource": "arn:aws:ecr:eu-west-1:123456789012:repository/cdk-hnb659fds-container-assets-123456789012-eu-west-1",
			}})},
		}},
		{"service security group: no ingress at all", "AWS::EC2::SecurityGroup", M{
			"SecurityGroupIngress": absent(),
			"SecurityGroupEgress":  L{like(M{"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443})},
		}},
	})
	for _, typ := range []string{"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
		"AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::S3::Bucket", "AWS::EC2::SecurityGroupIngress"} {
		t.Run("no "+typ, func(t *testing.T) { s.ResourceCountIs(t, typ, 0) })
	}
	t.Run("service waits for the FARGATE_SPOT association", func(t *testing.T) {
		s.HasResource(t, "AWS::ECS::Service", M{
			"DependsOn": arrayWith(L{s.Resources("AWS::ECS::ClusterCapacityProviderAssociations")[0]}),
		})
	})
}

func TestNagClean(t *testing.T) {
	for _, name := range []string{"Web", "Custom", "Edge", "NoWaf", "Worker", "Fixed", "Agnostic", "Constructs"} {
		t.Run(name, func(t *testing.T) { testkit.RequireNagClean(t, stack(t, name)) })
	}
}

// TestSecurityInvariants runs Groundwork's template audit: a Sid on every
// statement (identity, trust, key and bucket policies, including anything CDK
// generated), no "*" actions, no bare "*" resource beyond the listed
// exceptions, pinned service principals, KMS-encrypted log groups, TLS
// listeners, no open ingress but the ALB's 80/443, no secret-looking
// environment names. Tags and permissions boundaries are applied by the
// stacks, not by constructs.
func TestSecurityInvariants(t *testing.T) {
	for _, name := range []string{"Web", "Custom", "Edge", "NoWaf", "Worker", "Fixed", "Agnostic", "Constructs"} {
		t.Run(name, func(t *testing.T) {
			s := stack(t, name)
			for _, f := range audit.Check(s.Name, s.Template, audit.Options{RetainStateful: name != "Custom"}) {
				if f.Rule == audit.RuleTags || f.Rule == audit.RuleBoundary {
					continue
				}
				t.Error(f)
			}
		})
	}
}

// grantedActions lists the Allow actions of the stack's identity policies.
func grantedActions(s *testkit.Stack) []string {
	var out []string
	for _, id := range s.Resources("AWS::IAM::ManagedPolicy") {
		res, _ := s.Template["Resources"].(map[string]any)
		props, _ := res[id].(map[string]any)["Properties"].(map[string]any)
		doc, _ := props["PolicyDocument"].(map[string]any)
		sts, _ := doc["Statement"].([]any)
		for _, st := range sts {
			m, _ := st.(map[string]any)
			switch a := m["Action"].(type) {
			case string:
				out = append(out, a)
			case []any:
				for _, x := range a {
					out = append(out, x.(string))
				}
			}
		}
	}
	return out
}
