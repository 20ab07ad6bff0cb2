package threetiervpc

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/secgroup"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Role is what a security group guards. The guidance asks for one security
// group per role (ALB, app, database), never a catch-all group, with rules
// that reference security groups by id rather than CIDRs.
type Role int

// The roles. The zero value is no role, so that a forgotten role is an error
// rather than a silent default.
const (
	// RoleALB guards an internet-facing Application Load Balancer: the only
	// role AllowInternet accepts, and only on ports 80 and 443.
	RoleALB Role = iota + 1
	// RoleApp guards compute: ECS tasks, Lambda functions, instances.
	RoleApp
	// RoleDatabase guards databases and caches in the isolated subnets.
	RoleDatabase
	// RoleEndpoint guards interface VPC endpoints.
	RoleEndpoint
)

// String returns the constant's Go name, e.g. "RoleApp".
func (r Role) String() string {
	switch r {
	case RoleALB:
		return "RoleALB"
	case RoleApp:
		return "RoleApp"
	case RoleDatabase:
		return "RoleDatabase"
	case RoleEndpoint:
		return "RoleEndpoint"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

func (r Role) description() string {
	switch r {
	case RoleALB:
		return "Application Load Balancer"
	case RoleApp:
		return "Application compute"
	case RoleDatabase:
		return "Database"
	case RoleEndpoint:
		return "Interface VPC endpoints"
	}
	return ""
}

// internetPorts are the only ports AllowInternet opens: HTTP (to redirect to
// HTTPS) and HTTPS.
var internetPorts = map[int]string{80: "HTTP from the internet (redirected to HTTPS)", 443: "HTTPS from the internet"}

// NewSecurityGroup creates a security group for one role in the VPC, with no
// rules at all: no ingress, and no egress (AllowAllOutbound false, which CDK
// renders as a single rule matching no traffic; the construct keeps that
// rule even when group-referencing egress rules are added, which CDK would
// otherwise drop, leaving EC2's default allow-all egress). Open paths with
// AllowFrom and, for an ALB, AllowInternet. It panics with a *validate.Error for an
// unknown role, a nil scope, or an empty or taken id.
func (v *ThreeTierVpc) NewSecurityGroup(scope constructs.Construct, id string, role Role) awsec2.SecurityGroup {
	errs := []error{validate.Scope(scope, id)}
	if role.description() == "" {
		errs = append(errs, validate.Fail("role", role,
			"a security group guards exactly one role", "use RoleALB, RoleApp, RoleDatabase or RoleEndpoint"))
	}
	validate.Check("threetiervpc", validate.ChildPath(scope, id), errors.Join(errs...))
	sg := awsec2.NewSecurityGroup(scope, jsii.String(id), &awsec2.SecurityGroupProps{
		Vpc:              v.Vpc,
		Description:      jsii.String(role.description() + ": " + validate.ChildPath(scope, id)),
		AllowAllOutbound: jsii.Bool(false),
	})
	v.roles[*sg.Node().Path()] = role
	secgroup.KeepEgressClosed(sg)
	return sg
}

// AllowFrom lets source reach target on TCP port: an ingress rule on target
// that references source's id and, since groups have no egress by default, the
// matching egress rule on source. It panics with a *validate.Error for a port
// outside 1-65535 or a missing group.
func (v *ThreeTierVpc) AllowFrom(target, source awsec2.ISecurityGroup, port int, description string) {
	var errs []error
	if target == nil {
		errs = append(errs, validate.Fail("target", nil, "the security group to open is required", "pass the group that receives the traffic"))
	}
	if source == nil {
		errs = append(errs, validate.Fail("source", nil, "rules reference a security group, never a CIDR (guidance: reference by security group ID)",
			"pass the group of the clients"))
	}
	if port < 1 || port > 65535 {
		errs = append(errs, validate.Fail("port", port, "a TCP port is 1-65535", "pass the listener port, e.g. 8080 or 5432"))
	}
	path := *v.Node().Path()
	if target != nil {
		path = *target.Node().Path()
	}
	validate.Check("threetiervpc", path, errors.Join(errs...))
	if description == "" {
		description = fmt.Sprintf("TCP %d from %s to %s", port, *source.Node().Path(), *target.Node().Path())
	}
	target.Connections().AllowFrom(source, awsec2.Port_Tcp(jsii.Number(float64(port))), jsii.String(description))
}

// AllowInternet admits TCP port from 0.0.0.0/0 to sg. The guidance allows
// internet ingress only for an ALB on 80 and 443: sg must have been created by
// NewSecurityGroup with RoleALB and port must be 80 or 443, or AllowInternet
// panics with a *validate.Error. It suppresses the cdk-nag findings on that
// group's open ingress, which is the ALB's purpose.
func (v *ThreeTierVpc) AllowInternet(sg awsec2.ISecurityGroup, port int) {
	if sg == nil {
		validate.Check("threetiervpc", *v.Node().Path(), validate.Fail("sg", nil, "the ALB's security group is required",
			"pass the group returned by NewSecurityGroup(scope, id, RoleALB)"))
	}
	path := *sg.Node().Path()
	var errs []error
	role, known := v.roles[path]
	switch {
	case !known:
		errs = append(errs, validate.Fail("sg", path,
			"only an ALB may admit 0.0.0.0/0 (guidance: no 0.0.0.0/0 ingress except ALB ports 80/443), and this group was not created by this VPC's NewSecurityGroup",
			"create the ALB's group with NewSecurityGroup(scope, id, RoleALB)"))
	case role != RoleALB:
		errs = append(errs, validate.Fail("sg", role.String()+" "+path,
			"only an ALB may admit 0.0.0.0/0 (guidance: no 0.0.0.0/0 ingress except ALB ports 80/443)",
			"put an ALB (RoleALB) in front of it and use AllowFrom(target, albGroup, port, ...) for the ALB's traffic"))
	}
	description, webPort := internetPorts[port]
	if !webPort {
		errs = append(errs, validate.Fail("port", port,
			"the internet may reach an ALB only on 80 (to redirect) and 443 (guidance: no 0.0.0.0/0 ingress except ALB ports 80/443)",
			"use 443 (and 80 only for the HTTP-to-HTTPS redirect); reach other ports through a bastion-free path such as SSM Session Manager"))
	}
	validate.Check("threetiervpc", path, errors.Join(errs...))

	sg.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(float64(port))), jsii.String(description), jsii.Bool(false))
	if cfn := sg.Node().DefaultChild(); cfn != nil {
		reason := "This is the security group of an internet-facing ALB: the guidance allows 0.0.0.0/0 ingress to an ALB on 80 (redirect to HTTPS) and 443 only, " +
			"which ThreeTierVpc.AllowInternet enforces; every other rule of the VPC references a security group."
		nag.Suppress(cfn, "AwsSolutions-EC23", reason)
	}
}
