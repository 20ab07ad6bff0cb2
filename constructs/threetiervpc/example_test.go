package threetiervpc_test

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/threetiervpc"
	"github.com/groundwork-cdk/groundwork/validate"
)

// A staging-like network: three AZs, one NAT gateway, every interface
// endpoint, and the security groups of an ALB -> app -> database chain.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Network"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
	})
	azs := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	// Answer the stack's AZ lookup, so that synthesis stays offline.
	threetiervpc.PinAvailabilityZones(stack, azs...)

	network := threetiervpc.New(stack, "Network", &threetiervpc.Props{
		AvailabilityZones:  azs,
		NatGateways:        1,
		InterfaceEndpoints: threetiervpc.AllInterfaceEndpoints(),
	})
	// The VPC is a construct like any other: tag it, depend on it, use it as a scope.
	awscdk.Tags_Of(network).Add(jsii.String("Tier"), jsii.String("network"), nil)
	alb := network.NewSecurityGroup(stack, "AlbSecurityGroup", threetiervpc.RoleALB)
	svc := network.NewSecurityGroup(stack, "AppSecurityGroup", threetiervpc.RoleApp)
	db := network.NewSecurityGroup(stack, "DatabaseSecurityGroup", threetiervpc.RoleDatabase)
	network.AllowInternet(alb, 443)
	network.AllowFrom(svc, alb, 8080, "HTTP from the ALB")
	network.AllowFrom(db, svc, 5432, "PostgreSQL from the app")

	fmt.Println("subnets per tier:", len(network.PublicSubnets), len(network.PrivateSubnets), len(network.IsolatedSubnets))
	tmpl := assertions.Template_FromStack(stack, nil)
	count := func(typ string) int { return len(*tmpl.FindResources(jsii.String(typ), nil)) }
	fmt.Println("NAT gateways:", count("AWS::EC2::NatGateway"))
	fmt.Println("VPC endpoints (2 gateway + 5 interface):", count("AWS::EC2::VPCEndpoint"))
	fmt.Println("flow logs:", count("AWS::EC2::FlowLog"))
	// Output:
	// subnets per tier: 3 3 3
	// NAT gateways: 1
	// VPC endpoints (2 gateway + 5 interface): 7
	// flow logs: 1
}

// A stack without an explicit environment deploys to any region, so AZ
// names, which belong to one region, are rejected with the fix.
func Example_environmentAgnostic() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Anywhere"), nil)

	var err error
	func() {
		defer validate.Recover(&err)
		threetiervpc.New(stack, "Network", &threetiervpc.Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1b"}})
	}()
	fmt.Println(strings.Contains(err.Error(), "give the stack an explicit environment"))
	// Output: true
}
