// Package threetiervpc provides ThreeTierVpc, a VPC laid out the way the
// guidance's Networking section asks: a /16 over an explicit list of AZs, three
// subnet tiers per AZ (public for ALBs and NAT gateways, private with egress
// for compute, isolated for databases) of /20 each, one NAT gateway per AZ
// (or one, for dev and staging), S3 and DynamoDB gateway endpoints on every
// private and isolated route table, optional interface endpoints (ECR, Secrets
// Manager, CloudWatch Logs, STS), flow logs of all traffic to a KMS-encrypted
// log group, no public IPs assigned on launch, and the default security group
// closed.
//
// It also gives "one security group per role, rules by security-group id":
// NewSecurityGroup, AllowFrom and AllowInternet, which admits 0.0.0.0/0 only
// to an ALB's group on 80 or 443.
//
// The construct owns its cdk-nag suppressions; each is scoped to one resource
// and one rule and says why.
package threetiervpc

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/alarm"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// ThreeTierVpc is a three-tier VPC. Its fields are the escape hatch to the
// resources it owns.
//
// It is a genuine construct: it works wherever CDK takes one (Tags_Of,
// Aspects_Of, Node().AddDependency, as a scope of other constructs).
type ThreeTierVpc struct {
	constructs.Construct

	// Vpc is the VPC.
	Vpc awsec2.Vpc
	// PublicSubnets are the public subnets (ALB, NAT gateways), one per AZ in
	// the order of Props.AvailabilityZones.
	PublicSubnets []awsec2.ISubnet
	// PrivateSubnets are the private subnets with egress through NAT
	// (compute), one per AZ.
	PrivateSubnets []awsec2.ISubnet
	// IsolatedSubnets are the isolated subnets (databases), one per AZ.
	IsolatedSubnets []awsec2.ISubnet

	// S3Endpoint and DynamoDBEndpoint are the gateway endpoints on the
	// private and isolated route tables.
	S3Endpoint, DynamoDBEndpoint awsec2.GatewayVpcEndpoint
	// InterfaceEndpoints holds the interface endpoints by service short name
	// ("ecr.api", ...); empty when Props.InterfaceEndpoints is.
	InterfaceEndpoints map[string]awsec2.InterfaceVpcEndpoint
	// EndpointSecurityGroup guards the interface endpoints (TCP 443 from the
	// VPC CIDR, no egress); nil without interface endpoints.
	EndpointSecurityGroup awsec2.SecurityGroup

	// Key encrypts the construct's log groups (rotation on).
	Key awskms.Key
	// FlowLog records all traffic of the VPC.
	FlowLog awsec2.FlowLog
	// FlowLogGroup receives the flow logs. It is named
	// "/<stack name>/<construct path>/FlowLogs", so that Key's policy can
	// grant CloudWatch Logs exactly this group.
	FlowLogGroup awslogs.LogGroup
	// FlowLogRole is the role VPC Flow Logs assumes to write to FlowLogGroup.
	FlowLogRole awsiam.Role

	// DefaultSecurityGroupCloser is the role of the Lambda function that
	// revokes the default security group's rules. That function is
	// aws-cdk-lib's AwsCustomResource handler, a singleton created at the
	// stack's root, not under this construct: Tags_Of(vpc) and
	// AddDependency(vpc) do not reach it (tag the stack, or depend on the
	// stack, to include it).
	DefaultSecurityGroupCloser awsiam.Role
	// DefaultSecurityGroupLogs is the log group of the Lambda function that
	// revokes the default security group's rules, named
	// "/<stack name>/<construct path>/DefaultSecurityGroupCloserLogs".
	DefaultSecurityGroupLogs awslogs.LogGroup

	// Alarms are the NAT gateway alarms (empty without Props.AlarmTopic).
	Alarms []awscloudwatch.Alarm

	cidr  string
	roles map[string]Role // security-group path -> role, from NewSecurityGroup
}

// Subnet group names, which also name the subnets' construct ids
// ("PublicSubnet1", ...) and their aws-cdk:subnet-name tags.
const (
	publicName   = "Public"
	privateName  = "Private"
	isolatedName = "Isolated"
)

// ToString returns the construct path. It also makes ThreeTierVpc a jsii
// subclass of Construct (jsii needs one overriding method on the pointer
// receiver), so that the struct itself is the construct.
func (v *ThreeTierVpc) ToString() *string { return v.Node().Path() }

// New creates a ThreeTierVpc. It panics with a *validate.Error, naming the
// construct path, the field, the value, the rule and the fix, when scope is
// nil, id is empty or taken, or props are invalid — including AZ names in a
// stack without an explicit region (see Props.AvailabilityZones).
// Props.AvailabilityZones is required, so props cannot be nil.
func New(scope constructs.Construct, id string, props *Props) *ThreeTierVpc {
	if props == nil {
		props = &Props{}
	}
	path := validate.ChildPath(scope, id)
	if err := validate.Scope(scope, id); err != nil {
		validate.Check("threetiervpc", path, errors.Join(err, props.validate(regionUnknown)))
	}
	stack := awscdk.Stack_Of(scope)
	region := *stack.Region()
	if *awscdk.Token_IsUnresolved(&region) {
		region = regionAgnostic
	}
	errs := []error{props.validate(region), checkSingletonFree(stack)}
	if region != regionAgnostic && len(props.AvailabilityZones) >= 2 {
		errs = append(errs, checkPinnedAZs(stack, props.AvailabilityZones))
	}
	validate.Check("threetiervpc", path, errors.Join(errs...))
	s := props.withDefaults()

	v := &ThreeTierVpc{cidr: s.cidr.String(), roles: map[string]Role{}}
	constructs.NewConstruct_Override(v, scope, jsii.String(id))

	v.Vpc = awsec2.NewVpc(v, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:       awsec2.IpAddresses_Cidr(jsii.String(s.cidr.String())),
		AvailabilityZones: jsii.Strings(s.azs...),
		NatGateways:       jsii.Number(float64(s.natGateways)),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String(publicName), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(float64(s.masks[0])),
				// Nothing gets a public IP by accident: ALBs and NAT gateways
				// bring their own addresses.
				MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(privateName), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(float64(s.masks[1]))},
			{Name: jsii.String(isolatedName), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(float64(s.masks[2]))},
		},
		// CDK's own closer is a Lambda with a Sid-less, unconditioned trust
		// policy; closeDefaultSecurityGroup does the same with our own role.
		RestrictDefaultSecurityGroup: jsii.Bool(false),
		EnableDnsHostnames:           jsii.Bool(true), // required by private DNS of interface endpoints
		EnableDnsSupport:             jsii.Bool(true),
	})
	v.PublicSubnets = *v.Vpc.PublicSubnets()
	v.PrivateSubnets = *v.Vpc.PrivateSubnets()
	v.IsolatedSubnets = *v.Vpc.IsolatedSubnets()

	if s.natGateways < len(s.azs) {
		awscdk.Annotations_Of(v).AddWarningV2(jsii.String("groundwork:threetiervpc:nat"),
			jsii.String("fewer NAT gateways than AZs: if the AZ of a NAT gateway fails, private subnets of other AZs that route through it lose egress. "+
				"The guidance accepts a single NAT gateway for dev/staging; use one per AZ in production"), nil)
	}
	for _, subnet := range v.PublicSubnets {
		// The public tier exists to route the ALB and the NAT gateways to the
		// internet gateway; private and isolated tiers have no such route.
		nag.Suppress(subnet.Node().FindChild(jsii.String("DefaultRoute")), "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
			"This is the default route of a public subnet, which holds only the internet-facing ALB and the NAT gateways; "+
				"they need a route to the internet gateway. Private subnets route through NAT and isolated subnets have no default route.")
	}

	v.Key = newKey(v, s.removal)
	v.addFlowLog(s)
	v.closeDefaultSecurityGroup(s)
	v.addGatewayEndpoints()
	v.addInterfaceEndpoints(s)
	v.addAlarms(props)
	return v
}

// addAlarms creates one port-allocation alarm per NAT gateway.
func (v *ThreeTierVpc) addAlarms(props *Props) {
	if props.AlarmTopic == nil {
		awscdk.Annotations_Of(v).AddWarningV2(jsii.String("groundwork:threetiervpc:no-alarms"),
			jsii.String("no AlarmTopic: the NAT gateway alarms are not created; pass the environment's alarm topic"), nil)
		return
	}
	threshold := props.NatPortAllocationErrorsThreshold
	if threshold == 0 {
		threshold = 1
	}
	for i, subnet := range v.PublicSubnets {
		nat, ok := subnet.Node().TryFindChild(jsii.String("NATGateway")).(awsec2.CfnNatGateway)
		if !ok {
			continue // no NAT gateway in this AZ
		}
		v.Alarms = append(v.Alarms, alarm.New(v, props.AlarmTopic, alarm.Spec{
			ID: fmt.Sprintf("NatGateway%dPortAllocationErrors", i+1),
			Description: fmt.Sprintf("NAT gateway in %s failed to allocate source ports (>= %d in 5 min): connections from private subnets are being dropped. "+
				"Check ActiveConnectionCount and the number of concurrent connections to one destination.", *subnet.AvailabilityZone(), threshold),
			Metric: alarm.Metric("AWS/NATGateway", "ErrorPortAllocation", "Sum", awscdk.Duration_Minutes(jsii.Number(5)),
				map[string]string{"NatGatewayId": *nat.Ref()}),
			Threshold: float64(threshold),
		}))
	}
}

// PublicSubnetSelection selects the public subnets (for an internet-facing ALB).
func (v *ThreeTierVpc) PublicSubnetSelection() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetGroupName: jsii.String(publicName)}
}

// PrivateSubnetSelection selects the private subnets with egress (for ECS
// services, Lambda functions and other compute).
func (v *ThreeTierVpc) PrivateSubnetSelection() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetGroupName: jsii.String(privateName)}
}

// IsolatedSubnetSelection selects the isolated subnets (for databases).
func (v *ThreeTierVpc) IsolatedSubnetSelection() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetGroupName: jsii.String(isolatedName)}
}
