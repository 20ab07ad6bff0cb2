package threetiervpc

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
)

// interfaceService maps an accepted short name to CDK's service object.
func interfaceService(name string) awsec2.InterfaceVpcEndpointAwsService {
	switch name {
	case EndpointECRAPI:
		return awsec2.InterfaceVpcEndpointAwsService_ECR()
	case EndpointECRDocker:
		return awsec2.InterfaceVpcEndpointAwsService_ECR_DOCKER()
	case EndpointSecretsManager:
		return awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER()
	case EndpointLogs:
		return awsec2.InterfaceVpcEndpointAwsService_CLOUDWATCH_LOGS()
	case EndpointSTS:
		return awsec2.InterfaceVpcEndpointAwsService_STS()
	}
	panic("threetiervpc: unvalidated interface endpoint " + name)
}

// endpointIDs are the construct ids of the interface endpoints (ids are API:
// changing one replaces the endpoint).
var endpointIDs = map[string]string{
	EndpointECRAPI:         "EcrApiEndpoint",
	EndpointECRDocker:      "EcrDockerEndpoint",
	EndpointSecretsManager: "SecretsManagerEndpoint",
	EndpointLogs:           "LogsEndpoint",
	EndpointSTS:            "StsEndpoint",
}

// addGatewayEndpoints adds the free S3 and DynamoDB gateway endpoints to every
// private and isolated route table, so that traffic to them never needs NAT
// (or, from isolated subnets, any route out at all).
func (v *ThreeTierVpc) addGatewayEndpoints() {
	tiers := &[]*awsec2.SubnetSelection{v.PrivateSubnetSelection(), v.IsolatedSubnetSelection()}
	v.S3Endpoint = v.Vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(), Subnets: tiers,
	})
	v.DynamoDBEndpoint = v.Vpc.AddGatewayEndpoint(jsii.String("DynamoDBEndpoint"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB(), Subnets: tiers,
	})
}

// addInterfaceEndpoints creates the requested interface endpoints in the
// private subnets, one network interface per AZ, with private DNS so that the
// SDKs' default endpoints resolve to them, behind one security group that
// admits HTTPS from the VPC only.
func (v *ThreeTierVpc) addInterfaceEndpoints(s settings) {
	v.InterfaceEndpoints = map[string]awsec2.InterfaceVpcEndpoint{}
	if len(s.interfaceEndpoints) == 0 {
		return
	}
	v.EndpointSecurityGroup = v.NewSecurityGroup(v, "EndpointSecurityGroup", RoleEndpoint)
	v.EndpointSecurityGroup.AddIngressRule(awsec2.Peer_Ipv4(jsii.String(v.cidr)), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to the interface endpoints from inside the VPC"), jsii.Bool(false))
	for _, name := range s.interfaceEndpoints {
		v.InterfaceEndpoints[name] = awsec2.NewInterfaceVpcEndpoint(v, jsii.String(endpointIDs[name]), &awsec2.InterfaceVpcEndpointProps{
			Vpc:               v.Vpc,
			Service:           interfaceService(name),
			PrivateDnsEnabled: jsii.Bool(true),
			Subnets:           &awsec2.SubnetSelection{SubnetGroupName: jsii.String(privateName), OnePerAz: jsii.Bool(true)},
			SecurityGroups:    &[]awsec2.ISecurityGroup{v.EndpointSecurityGroup},
			// Open would add its own rule for the VPC CIDR; the rule above
			// is the one, stated once.
			Open: jsii.Bool(false),
		})
	}
}
