package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
)

// NetworkStack is Groundwork-<Env>-Network: the three-tier VPC.
type NetworkStack struct {
	awscdk.Stack
	// Network is the environment's VPC.
	Network *threetiervpc.ThreeTierVpc
}

// NewNetworkStack creates the Network stack of cfg's environment with its AZs,
// NAT gateways and interface endpoints. The VPC id and each tier's subnet ids
// are published as SSM parameters under /groundwork/<env>/network/ for other
// apps (the guidance prefers SSM parameters to cross-stack exports).
func NewNetworkStack(app awscdk.App, cfg Config) *NetworkStack {
	stack := newStack(app, cfg, "Network", "three-tier VPC")
	var endpoints []string
	if cfg.InterfaceEndpoints {
		endpoints = threetiervpc.AllInterfaceEndpoints()
	}
	network := threetiervpc.New(stack, "Vpc", &threetiervpc.Props{
		AvailabilityZones:  cfg.AvailabilityZones,
		NatGateways:        cfg.NatGateways,
		InterfaceEndpoints: endpoints,
		RemovalPolicy:      cfg.RemovalPolicy(),
		AlarmTopic:         alarmTopic(stack, cfg),
	})
	prefix := "/groundwork/" + cfg.Name + "/network/"
	publish(stack, "VpcIdParameter", prefix+"vpc-id", *network.Vpc.VpcId(), "Id of the Groundwork VPC")
	for _, tier := range []struct {
		id, name string
		subnets  []awsec2.ISubnet
	}{
		{"PublicSubnetIdsParameter", "public", network.PublicSubnets},
		{"PrivateSubnetIdsParameter", "private", network.PrivateSubnets},
		{"IsolatedSubnetIdsParameter", "isolated", network.IsolatedSubnets},
	} {
		ids := make([]*string, len(tier.subnets))
		for i, s := range tier.subnets {
			ids[i] = s.SubnetId()
		}
		publish(stack, tier.id, prefix+tier.name+"-subnet-ids", *awscdk.Fn_Join(jsii.String(","), &ids),
			"Comma-separated ids of the "+tier.name+" subnets, one per AZ")
	}
	return &NetworkStack{Stack: stack, Network: network}
}

// DashboardRow graphs the NAT gateways' traffic, connections and
// port-allocation errors, beside their alarms.
func (n *NetworkStack) DashboardRow() Row {
	var bytes, conns, errs []awscloudwatch.IMetric
	for i, subnet := range n.Network.PublicSubnets {
		nat, ok := subnet.Node().TryFindChild(jsii.String("NATGateway")).(awsec2.CfnNatGateway)
		if !ok {
			continue
		}
		dims := map[string]string{"NatGatewayId": *nat.Ref()}
		label := fmt.Sprintf("NAT %d", i+1)
		bytes = append(bytes, metric("AWS/NATGateway", "BytesOutToDestination", "Sum", label, dims))
		conns = append(conns, metric("AWS/NATGateway", "ActiveConnectionCount", "Maximum", label, dims))
		errs = append(errs, metric("AWS/NATGateway", "ErrorPortAllocation", "Sum", label, dims))
	}
	return Row{Title: "Network: NAT gateways", Widgets: []awscloudwatch.IWidget{
		graph("Bytes out to destinations", bytes, 6),
		graph("Active connections", conns, 6),
		graph("Port allocation errors", errs, 6),
		alarmStatus("NAT alarms", n.Network.Alarms, 6),
	}}
}
