package audit

// taggable lists the resource types that accept CloudFormation tags and so must
// carry the required tags. A type in neither list is reported, so that a new
// resource type is classified deliberately rather than skipped.
var taggable = setOf(
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
	"AWS::Lambda::Function",
	"AWS::Logs::LogGroup",
	"AWS::S3::Bucket",
	"AWS::SNS::Topic",
	"AWS::SQS::Queue",
	"AWS::SSM::Parameter",
	"AWS::SecretsManager::Secret",
	"AWS::WAFv2::WebACL",
)

// nonTaggable lists resource types that CloudFormation cannot tag.
var nonTaggable = setOf(
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

func setOf(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, i := range items {
		m[i] = true
	}
	return m
}
