// Package secgroup keeps Groundwork's security groups closed by default.
//
// A group created with AllowAllOutbound false starts with CDK's inline
// "no traffic" egress placeholder (ICMP 252/86 to 255.255.255.255/32), which
// makes EC2 drop its default allow-all egress rule. CDK removes that
// placeholder as soon as any egress rule is added — also a rule it renders as
// a separate AWS::EC2::SecurityGroupEgress, as it does for every rule that
// references another group. A group left without inline egress keeps EC2's
// default allow-all rule. KeepEgressClosed puts the placeholder back at
// synthesis when that happens.
package secgroup

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NoTraffic is CDK's placeholder egress rule: it matches no traffic.
var NoTraffic = map[string]any{
	"CidrIp":      "255.255.255.255/32",
	"Description": "Disallow all traffic",
	"FromPort":    252,
	"IpProtocol":  "icmp",
	"ToPort":      86,
}

// KeepEgressClosed makes sure sg never falls back to EC2's default allow-all
// egress, whatever egress rules are added to it later.
func KeepEgressClosed(sg awsec2.SecurityGroup) {
	cfn, ok := sg.Node().DefaultChild().(awsec2.CfnSecurityGroup)
	if !ok {
		return
	}
	awscdk.Aspects_Of(cfn).Add(&closer{cfn: cfn}, nil)
}

// closer is the aspect; it holds the L1 group it guards.
type closer struct {
	cfn awsec2.CfnSecurityGroup
}

// Visit restores the placeholder when the group's inline egress is empty. It
// runs after construction, when every rule has been added.
func (c *closer) Visit(node constructs.IConstruct) {
	if *node.Node().Path() != *c.cfn.Node().Path() {
		return
	}
	egress := awscdk.Stack_Of(c.cfn).Resolve(c.cfn.SecurityGroupEgress())
	if rules, ok := egress.([]any); ok && len(rules) > 0 {
		return
	}
	c.cfn.AddPropertyOverride(jsii.String("SecurityGroupEgress"), []any{NoTraffic})
}
