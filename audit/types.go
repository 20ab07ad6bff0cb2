package audit

// taggable lists the resource types that accept CloudFormation tags and so must
// carry the required tags. A type in neither list is reported, so that a new
// resource type is classified deliberately rather than skipped.
var taggable = setOf(
	"AWS::AccessAnalyzer::Analyzer",
	"AWS::CloudTrail::Trail",
	"AWS::Events::Rule",
	"AWS::GuardDuty::Detector",
	"AWS::SecurityHub::Hub",
	"AWS::ApiGatewayV2::Api",
	"AWS::ApiGatewayV2::DomainName",
	"AWS::ApiGatewayV2::Stage",
	"AWS::CloudWatch::Alarm",
	"AWS::DynamoDB::Table",
	"AWS::EC2::EIP",
	"AWS::EC2::FlowLog",
	"AWS::EC2::InternetGateway",
	"AWS::EC2::NatGateway",
	"AWS::EC2::RouteTable",
	"AWS::EC2::SecurityGroup",
	"AWS::EC2::Subnet",
	"AWS::EC2::VPC",
	"AWS::EC2::VPCEndpoint",
	"AWS::ECS::Cluster",
	"AWS::ECS::Service",
	"AWS::ECS::TaskDefinition",
	"AWS::ElasticLoadBalancingV2::LoadBalancer",
	"AWS::ElasticLoadBalancingV2::TargetGroup",
	"AWS::IAM::Role",
	"AWS::KMS::Key",
	"AWS::Events::EventBus",
	"AWS::Lambda::EventSourceMapping",
	"AWS::Lambda::Function",
	"AWS::Logs::LogGroup",
	"AWS::Pipes::Pipe",
	"AWS::RDS::DBCluster",
	"AWS::RDS::DBClusterParameterGroup",
	"AWS::RDS::DBInstance",
	"AWS::RDS::DBSubnetGroup",
	"AWS::S3::Bucket",
	"AWS::SNS::Topic",
	"AWS::SQS::Queue",
	"AWS::SSM::Parameter",
	"AWS::SecretsManager::Secret",
	// The rotation function's application (AWS SAM; its Tags are a map and
	// reach the nested stack).
	"AWS::Serverless::Application",
	"AWS::WAFv2::WebACL",
)

// nonTaggable lists resource types that CloudFormation cannot tag.
var nonTaggable = setOf(
	"AWS::Config::ConfigRule",
	"AWS::Config::ConfigurationRecorder",
	"AWS::Config::DeliveryChannel",
	"AWS::IAM::ServiceLinkedRole",
	"AWS::Logs::MetricFilter",
	"AWS::SecurityHub::Standard",
	"AWS::ApiGatewayV2::ApiMapping",
	"AWS::ApiGatewayV2::Authorizer",
	"AWS::ApiGatewayV2::Integration",
	"AWS::ApiGatewayV2::Route",
	"AWS::ApplicationAutoScaling::ScalableTarget",
	"AWS::ApplicationAutoScaling::ScalingPolicy",
	"AWS::Budgets::Budget",
	"AWS::CDK::Metadata",
	"AWS::CloudWatch::Dashboard",
	"AWS::EC2::Route",
	"AWS::EC2::SecurityGroupEgress",
	"AWS::EC2::SecurityGroupIngress",
	"AWS::EC2::SubnetRouteTableAssociation",
	"AWS::EC2::VPCGatewayAttachment",
	"AWS::ECS::ClusterCapacityProviderAssociations",
	"AWS::ElasticLoadBalancingV2::Listener",
	"AWS::Events::Archive",
	"AWS::Events::Rule",
	"AWS::IAM::ManagedPolicy",
	"AWS::IAM::Policy",
	"AWS::KMS::Alias",
	"AWS::Lambda::EventInvokeConfig",
	"AWS::Lambda::Permission",
	"AWS::Logs::ResourcePolicy",
	"AWS::Route53::RecordSet",
	"AWS::S3::BucketPolicy",
	"AWS::SNS::Subscription",
	"AWS::SNS::TopicPolicy",
	"AWS::SQS::QueuePolicy",
	"AWS::SecretsManager::ResourcePolicy",
	"AWS::SecretsManager::RotationSchedule",
	"AWS::SecretsManager::SecretTargetAttachment",
	"AWS::WAFv2::LoggingConfiguration",
	"AWS::WAFv2::WebACLAssociation",
)

// stateful lists the types that hold data and are retained outside dev.
var stateful = setOf(
	"AWS::DynamoDB::Table",
	"AWS::KMS::Key",
	"AWS::Logs::LogGroup",
	"AWS::RDS::DBCluster",
	"AWS::RDS::DBInstance",
	"AWS::S3::Bucket",
	"AWS::SecretsManager::Secret",
)

// snapshotted lists the stateful types whose data survives as a final
// snapshot: DeletionPolicy and UpdateReplacePolicy Snapshot count as retained
// (a retained cluster would keep running, and billing, outside the stack).
var snapshotted = setOf(
	"AWS::RDS::DBCluster",
)

// auroraMember reports a DB instance of an Aurora cluster: it holds no data of
// its own (the storage is the cluster's), so it follows the cluster and is
// not checked on its own.
func auroraMember(typ string, res map[string]any) bool {
	props, _ := res["Properties"].(map[string]any)
	return typ == "AWS::RDS::DBInstance" && props["DBClusterIdentifier"] != nil
}

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, i := range items {
		m[i] = true
	}
	return m
}
