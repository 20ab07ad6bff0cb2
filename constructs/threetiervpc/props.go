package threetiervpc

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/groundwork-cdk/groundwork/validate"
)

// Props configures a ThreeTierVpc. AvailabilityZones is required; every other
// zero-valued field means the default documented on it.
type Props struct {
	// Cidr is the VPC's IPv4 block. The guidance plans a /16 VPC with /20
	// subnets, leaving room for expansion; CIDRs from /16 to /24 are accepted
	// as long as every subnet fits.
	//
	// Default: "10.0.0.0/16".
	Cidr string

	// AvailabilityZones are the AZs the VPC spans, e.g. "eu-west-1a",
	// "eu-west-1b", "eu-west-1c": each the stack's region followed by one
	// letter a-f. In a stack with an explicit account and region they must
	// be among the stack's pinned availability zones: call
	// PinAvailabilityZones right after creating the stack, so that synthesis
	// needs no AZ lookup in AWS (New rejects an unpinned stack). At least 2,
	// no duplicates; the guidance prefers 3 for production.
	//
	// The stack needs an explicit region: New rejects an
	// environment-agnostic stack (awscdk.NewStack(app, id, nil)), whose
	// template must deploy to any region, because AZ names would lock it to
	// one. Groundwork does not fall back to Fn::GetAZs there: awsec2.Vpc
	// (CDK 2.276) then offers only 2 AZs, and a count of AZs that the
	// account's region cannot satisfy fails only at deploy time.
	//
	// Default: none; required.
	AvailabilityZones []string

	// PublicMask is the prefix length of each public subnet (ALB, NAT
	// gateways), one per AZ. 16 < mask <= 28.
	//
	// Default: 20 (DefaultSubnetMask).
	PublicMask int

	// PrivateMask is the prefix length of each private subnet with egress
	// through NAT (compute), one per AZ. 16 < mask <= 28.
	//
	// Default: 20 (DefaultSubnetMask).
	PrivateMask int

	// IsolatedMask is the prefix length of each isolated subnet (databases;
	// no route to the internet), one per AZ. 16 < mask <= 28.
	//
	// Default: 20 (DefaultSubnetMask).
	IsolatedMask int

	// NatGateways is the number of NAT gateways, placed in the first public
	// subnets: 1 (cheaper; acceptable for dev and staging per the guidance)
	// up to one per AZ (HA). Fewer than one per AZ adds a warning.
	//
	// Default: one per AZ.
	NatGateways int

	// InterfaceEndpoints lists the interface endpoints to create, by service
	// short name: "ecr.api", "ecr.dkr", "secretsmanager", "logs", "sts" (see
	// AllInterfaceEndpoints). Each gets private DNS and one network interface
	// per AZ in the private subnets, behind EndpointSecurityGroup (TCP 443
	// from the VPC CIDR only). They cost per hour and per AZ; the guidance
	// asks to weigh that against NAT traffic. The S3 and DynamoDB gateway
	// endpoints (free) are always created.
	//
	// Default: none.
	InterfaceEndpoints []string

	// LogRetention is how long the flow-log group (and the log group of the
	// Lambda function that closes the default security group) keep events.
	// Must be finite. Shorter than a year adds a warning.
	//
	// Default: awslogs.RetentionDays_ONE_YEAR.
	LogRetention awslogs.RetentionDays

	// RemovalPolicy applies to the KMS key and the log groups, on delete and
	// on replacement.
	//
	// Default: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	// (DefaultRemovalPolicy): CloudFormation DeletionPolicy
	// RetainExceptOnCreate and UpdateReplacePolicy Retain. The key and log
	// groups survive a stack delete and a replacement, but not the rollback
	// of a failed first create, so that deploy can be retried (the log groups
	// have fixed names: retained after a failed create, they would make every
	// retry fail with "already exists"). Use RemovalPolicy_DESTROY only in
	// dev stacks.
	RemovalPolicy awscdk.RemovalPolicy

	// AlarmTopic receives the construct's alarms (alarm and OK actions): one
	// per NAT gateway on port-allocation errors, the sign that a NAT gateway
	// is out of source ports for new connections.
	//
	// Default: none, and then no alarms are created (a warning says so):
	// an alarm without an action pages nobody.
	AlarmTopic awssns.ITopic

	// NatPortAllocationErrorsThreshold is the number of ErrorPortAllocation
	// events in 5 minutes that raises a NAT gateway's alarm. Any such error
	// drops connections, so the default alarms on the first.
	//
	// Default: 1.
	NatPortAllocationErrorsThreshold int
}

// Defaults.
const (
	// DefaultCidr is the VPC's IPv4 block when Props.Cidr is empty.
	DefaultCidr = "10.0.0.0/16"
	// DefaultSubnetMask is the prefix length of every subnet when its mask is 0.
	DefaultSubnetMask = 20
	// DefaultLogRetention is the retention of the construct's log groups.
	DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR
	// DefaultRemovalPolicy is the removal policy when Props.RemovalPolicy is
	// empty: retained on delete and replacement, not after a failed create.
	DefaultRemovalPolicy = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
)

// Interface endpoint service short names accepted in Props.InterfaceEndpoints.
const (
	EndpointECRAPI         = "ecr.api"
	EndpointECRDocker      = "ecr.dkr"
	EndpointSecretsManager = "secretsmanager"
	EndpointLogs           = "logs"
	EndpointSTS            = "sts"
)

// AllInterfaceEndpoints returns every interface endpoint the guidance lists:
// ECR (API and Docker), Secrets Manager, CloudWatch Logs and STS.
func AllInterfaceEndpoints() []string {
	return []string{EndpointECRAPI, EndpointECRDocker, EndpointSecretsManager, EndpointLogs, EndpointSTS}
}

// retentionDays maps each finite awslogs.RetentionDays to its length in days.
var retentionDays = map[awslogs.RetentionDays]int{
	awslogs.RetentionDays_ONE_DAY: 1, awslogs.RetentionDays_THREE_DAYS: 3, awslogs.RetentionDays_FIVE_DAYS: 5,
	awslogs.RetentionDays_ONE_WEEK: 7, awslogs.RetentionDays_TWO_WEEKS: 14, awslogs.RetentionDays_ONE_MONTH: 30,
	awslogs.RetentionDays_TWO_MONTHS: 60, awslogs.RetentionDays_THREE_MONTHS: 90, awslogs.RetentionDays_FOUR_MONTHS: 120,
	awslogs.RetentionDays_FIVE_MONTHS: 150, awslogs.RetentionDays_SIX_MONTHS: 180, awslogs.RetentionDays_ONE_YEAR: 365,
	awslogs.RetentionDays_THIRTEEN_MONTHS: 400, awslogs.RetentionDays_EIGHTEEN_MONTHS: 545,
	awslogs.RetentionDays_TWO_YEARS: 731, awslogs.RetentionDays_THREE_YEARS: 1096, awslogs.RetentionDays_FIVE_YEARS: 1827,
	awslogs.RetentionDays_SIX_YEARS: 2192, awslogs.RetentionDays_SEVEN_YEARS: 2557, awslogs.RetentionDays_EIGHT_YEARS: 2922,
	awslogs.RetentionDays_NINE_YEARS: 3288, awslogs.RetentionDays_TEN_YEARS: 3653,
}

// settings are the props with every default applied and the CIDR parsed.
type settings struct {
	cidr               netip.Prefix
	azs                []string
	masks              [3]int // public, private, isolated
	natGateways        int
	interfaceEndpoints []string
	retention          awslogs.RetentionDays
	removal            awscdk.RemovalPolicy
}

// withDefaults returns p's settings; call it only after validate succeeded.
func (p *Props) withDefaults() settings {
	s := settings{
		azs:                p.AvailabilityZones,
		masks:              p.masks(),
		natGateways:        p.NatGateways,
		interfaceEndpoints: p.InterfaceEndpoints,
		retention:          p.LogRetention,
		removal:            p.RemovalPolicy,
	}
	s.cidr, _ = netip.ParsePrefix(p.cidr())
	if s.natGateways == 0 {
		s.natGateways = len(p.AvailabilityZones)
	}
	if s.retention == "" {
		s.retention = DefaultLogRetention
	}
	if s.removal == "" {
		s.removal = DefaultRemovalPolicy
	}
	return s
}

func (p *Props) cidr() string {
	if p.Cidr == "" {
		return DefaultCidr
	}
	return p.Cidr
}

func (p *Props) masks() [3]int {
	out := [3]int{p.PublicMask, p.PrivateMask, p.IsolatedMask}
	for i := range out {
		if out[i] == 0 {
			out[i] = DefaultSubnetMask
		}
	}
	return out
}

// maskFields names the mask props in the order of masks().
var maskFields = [3]string{"PublicMask", "PrivateMask", "IsolatedMask"}

// regionUnknown is the region validate gets when there is no stack to ask
// (a nil scope); regionAgnostic when the stack's region is a token.
const (
	regionUnknown  = ""
	regionAgnostic = "<agnostic>"
)

// validate checks p before any resource exists. region is the stack's region,
// regionAgnostic for an environment-agnostic stack, or regionUnknown.
func (p *Props) validate(region string) error {
	var errs []error
	errs = append(errs, p.validateAZs(region)...)

	prefix, cidrErr := parseCidr(p.cidr())
	if cidrErr != nil {
		errs = append(errs, cidrErr)
	}
	masksOK := true
	for i, m := range [3]int{p.PublicMask, p.PrivateMask, p.IsolatedMask} {
		if m != 0 && (m <= 16 || m > 28) {
			masksOK = false
			errs = append(errs, validate.Fail(maskFields[i], m,
				"a subnet's prefix length must be longer than /16 and at most /28 (AWS's smallest subnet); the guidance plans /20 subnets",
				fmt.Sprintf("use a value from 17 to 28, or 0 for the default /%d", DefaultSubnetMask)))
		}
	}
	if cidrErr == nil && masksOK && len(p.AvailabilityZones) > 0 {
		if err := checkFit(prefix, p.masks(), len(p.AvailabilityZones)); err != nil {
			errs = append(errs, err)
		}
	}

	if n := p.NatGateways; n < 0 || n > len(p.AvailabilityZones) {
		errs = append(errs, validate.Fail("NatGateways", n,
			fmt.Sprintf("a VPC over %d AZs takes 1 to %d NAT gateways (at most one per AZ, each in its AZ's public subnet)", len(p.AvailabilityZones), len(p.AvailabilityZones)),
			fmt.Sprintf("use 1 for dev/staging, %d (one per AZ) for HA, or 0 for the default (one per AZ)", len(p.AvailabilityZones))))
	}

	if p.NatPortAllocationErrorsThreshold < 0 {
		errs = append(errs, validate.Fail("NatPortAllocationErrorsThreshold", p.NatPortAllocationErrorsThreshold,
			"an error count threshold cannot be negative", "use 1 or more, or 0 for the default (1)"))
	}

	allowed := AllInterfaceEndpoints()
	seen := map[string]bool{}
	for _, e := range p.InterfaceEndpoints {
		switch {
		case !slices.Contains(allowed, e):
			errs = append(errs, validate.Fail("InterfaceEndpoints", e,
				"unknown interface endpoint service; the guidance's interface endpoints are "+strings.Join(allowed, ", "),
				"use one of "+strings.Join(allowed, ", ")+" (or AllInterfaceEndpoints()), or add other endpoints through the Vpc field"))
		case seen[e]:
			errs = append(errs, validate.Fail("InterfaceEndpoints", e,
				"each interface endpoint can be created once per VPC (a second one would clash on its private DNS name)",
				"list each service once"))
		}
		seen[e] = true
	}

	if r := p.LogRetention; r != "" {
		if _, ok := retentionDays[r]; !ok {
			errs = append(errs, validate.Fail("LogRetention", string(r),
				"flow logs need a finite retention (NIST 800-53 AU-11 via cdk-nag CloudWatchLogGroupRetentionPeriod; logs kept forever cost without bound)",
				"use a finite awslogs.RetentionDays such as RetentionDays_ONE_YEAR (the default) or RetentionDays_TEN_YEARS"))
		}
	}
	if err := validate.RemovalPolicyDefault(string(p.RemovalPolicy), "the KMS key and log groups", "RETAIN_ON_UPDATE_OR_DELETE"); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (p *Props) validateAZs(region string) []error {
	var errs []error
	azs := p.AvailabilityZones
	if len(azs) < 2 {
		errs = append(errs, validate.Fail("AvailabilityZones", fmt.Sprintf("%q", azs),
			"the guidance asks for at least 2 AZs (3 preferred for production)",
			`list 2 or 3 AZs of the stack's region, e.g. []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}`))
	}
	if region == regionAgnostic && len(azs) > 0 {
		errs = append(errs, validate.Fail("AvailabilityZones", strings.Join(azs, ","),
			"the stack has no explicit region (an environment-agnostic stack, whose template must deploy to any region), "+
				"but AZ names belong to one region: the template would fail to deploy anywhere else (design contract: no region-locked template in an agnostic stack)",
			"give the stack an explicit environment, awscdk.NewStack(app, id, &awscdk.StackProps{Env: &awscdk.Environment{Account: ..., Region: ...}}), "+
				"and pin its AZs with threetiervpc.PinAvailabilityZones"))
	}
	seen := map[string]bool{}
	for _, az := range azs {
		switch {
		case strings.TrimSpace(az) == "":
			errs = append(errs, validate.Fail("AvailabilityZones", az, "an AZ name cannot be empty", "remove the empty entry"))
		case seen[az]:
			errs = append(errs, validate.Fail("AvailabilityZones", az,
				"each AZ may appear once: a duplicate puts two subnets of a tier in one AZ and gives no extra resilience",
				"list distinct AZs"))
		case region == regionUnknown || region == regionAgnostic || azName(region).MatchString(az):
		case az == region:
			errs = append(errs, validate.Fail("AvailabilityZones", az,
				"this is the region's name, not an AZ's: an AZ name is the region followed by one letter a-f (EC2 User Guide, Regions and Zones)",
				fmt.Sprintf("use AZs such as %sa, %sb", region, region)))
		case strings.HasPrefix(az, region):
			errs = append(errs, validate.Fail("AvailabilityZones", az,
				fmt.Sprintf("an AZ name of %s is the region followed by one letter a-f (EC2 User Guide, Regions and Zones)", region),
				fmt.Sprintf("use AZs such as %sa, %sb", region, region)))
		default:
			errs = append(errs, validate.Fail("AvailabilityZones", az,
				fmt.Sprintf("the AZ is not in the stack's region %s", region),
				fmt.Sprintf("use AZs of %s, such as %sa, or deploy the stack to the AZ's region", region, region)))
		}
		seen[az] = true
	}
	return errs
}

// azName matches the names of region's availability zones.
func azName(region string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(region) + `[a-f]$`)
}

// reservedRanges are IPv4 ranges EC2 does not accept in a VPC's CIDR block.
var reservedRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("169.254.0.0/16"), // link-local (instance metadata, DNS)
	netip.MustParsePrefix("224.0.0.0/4"),    // multicast
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved
}

// parseCidr accepts a canonical IPv4 block from /16 to /24.
func parseCidr(s string) (netip.Prefix, error) {
	prefix, err := netip.ParsePrefix(s)
	switch {
	case err != nil || !prefix.Addr().Is4():
		return prefix, validate.Fail("Cidr", s, "not an IPv4 CIDR block",
			`write it as address/prefix, e.g. "10.0.0.0/16" (the default)`)
	case prefix.Masked() != prefix:
		return prefix, validate.Fail("Cidr", s, "the address has bits set beyond the prefix length, so it is not the block's network address",
			fmt.Sprintf("use %q", prefix.Masked().String()))
	case slices.ContainsFunc(reservedRanges, prefix.Overlaps):
		return prefix, validate.Fail("Cidr", s,
			"the block overlaps a range no VPC can use (0.0.0.0/8, loopback 127.0.0.0/8, link-local 169.254.0.0/16, multicast and reserved 224.0.0.0/3); AWS recommends the RFC 1918 private ranges (Amazon VPC User Guide, VPC CIDR blocks)",
			`use a block of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, e.g. "10.0.0.0/16" (the default)`)
	case prefix.Bits() < 16 || prefix.Bits() > 24:
		return prefix, validate.Fail("Cidr", s,
			"a VPC block is /16 (AWS's largest, and the guidance's plan) to /24 here (smaller blocks cannot hold three tiers per AZ)",
			`use a /16 such as "10.0.0.0/16" (the default)`)
	}
	return prefix, nil
}

// checkFit allocates the subnets the way aws-ec2's NetworkBuilder does (tier
// by tier, AZ by AZ, each block aligned to its size) and reports the first
// one that would fall outside the VPC block.
func checkFit(vpc netip.Prefix, masks [3]int, azs int) error {
	start := uint64(ipv4(vpc.Addr()))
	end := start + 1<<(32-vpc.Bits())
	next := start
	var need uint64
	for _, m := range masks {
		need += uint64(azs) << (32 - m)
	}
	for tier, m := range masks {
		size := uint64(1) << (32 - m)
		for range azs {
			next = (next + size - 1) / size * size
			next += size
			if next > end {
				return validate.Fail(maskFields[tier], m,
					fmt.Sprintf("%d AZs x 3 tiers of subnets (/%d public, /%d private, /%d isolated) need %d addresses, allocated tier by tier with each subnet aligned to its size, but the VPC block %s has %d",
						azs, masks[0], masks[1], masks[2], need, vpc, end-start),
					"use longer masks (smaller subnets), fewer AZs, or a larger Cidr such as a /16")
			}
		}
	}
	return nil
}

func ipv4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
