package threetiervpc

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// TestBoundsValidation feeds Props.validate each numeric rule at its bound and
// one past it, on both sides, and each other rule one accepted and one
// rejected case. It runs without jsii (make mutate mutates props.go against
// it). want lists parts of the message; nil means the props are accepted.
func TestBoundsValidation(t *testing.T) {
	azs2 := []string{"eu-west-1a", "eu-west-1b"}
	azs3 := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	tests := []struct {
		name   string
		props  Props
		region string
		want   []string
	}{
		{"defaults with 2 AZs", Props{AvailabilityZones: azs2}, "eu-west-1", nil},
		{"1 AZ", Props{AvailabilityZones: azs2[:1]}, "eu-west-1", []string{"AvailabilityZones", "at least 2 AZs"}},
		{"no AZs", Props{}, "eu-west-1", []string{"AvailabilityZones", "at least 2 AZs"}},

		{"public mask 16", Props{AvailabilityZones: azs2, PublicMask: 16}, "eu-west-1", []string{"PublicMask = 16", "longer than /16 and at most /28", "use a value from 17 to 28"}},
		// Two /17 subnets fill a /16: the mask is accepted, the fit is not.
		{"public mask 17", Props{AvailabilityZones: azs2, PublicMask: 17}, "eu-west-1", []string{"need 81920 addresses", "10.0.0.0/16 has 65536"}},
		{"public mask 28", Props{AvailabilityZones: azs2, PublicMask: 28}, "eu-west-1", nil},
		{"public mask 29", Props{AvailabilityZones: azs2, PublicMask: 29}, "eu-west-1", []string{"PublicMask = 29"}},
		{"private mask 16", Props{AvailabilityZones: azs2, PrivateMask: 16}, "eu-west-1", []string{"PrivateMask = 16"}},
		{"private mask 29", Props{AvailabilityZones: azs2, PrivateMask: 29}, "eu-west-1", []string{"PrivateMask = 29"}},
		{"isolated mask 16", Props{AvailabilityZones: azs2, IsolatedMask: 16}, "eu-west-1", []string{"IsolatedMask = 16"}},
		{"isolated mask 29", Props{AvailabilityZones: azs2, IsolatedMask: 29}, "eu-west-1", []string{"IsolatedMask = 29"}},
		{"isolated mask 28", Props{AvailabilityZones: azs2, IsolatedMask: 28}, "eu-west-1", nil},

		{"cidr /15", Props{AvailabilityZones: azs2, Cidr: "10.0.0.0/15"}, "eu-west-1", []string{"Cidr", "10.0.0.0/15", "/16", "to /24"}},
		{"cidr /16", Props{AvailabilityZones: azs2, Cidr: "10.0.0.0/16"}, "eu-west-1", nil},
		{"cidr /24 with /28 subnets", Props{AvailabilityZones: azs2, Cidr: "10.0.0.0/24", PublicMask: 28, PrivateMask: 28, IsolatedMask: 28}, "eu-west-1", nil},
		{"cidr /25", Props{AvailabilityZones: azs2, Cidr: "10.0.0.0/25", PublicMask: 28, PrivateMask: 28, IsolatedMask: 28}, "eu-west-1", []string{"Cidr", "10.0.0.0/25"}},
		{"cidr not canonical", Props{AvailabilityZones: azs2, Cidr: "10.0.0.1/16"}, "eu-west-1", []string{"Cidr", "not the block's network address", `use "10.0.0.0/16"`}},
		{"cidr not IPv4", Props{AvailabilityZones: azs2, Cidr: "fd00::/56"}, "eu-west-1", []string{"Cidr", "not an IPv4 CIDR block"}},
		{"cidr garbage", Props{AvailabilityZones: azs2, Cidr: "ten"}, "eu-west-1", []string{"Cidr", "not an IPv4 CIDR block"}},
		{"cidr in loopback", Props{AvailabilityZones: azs2, Cidr: "127.0.0.0/16"}, "eu-west-1", []string{"Cidr", "overlaps a range no VPC can use"}},
		{"cidr in link-local", Props{AvailabilityZones: azs2, Cidr: "169.254.0.0/16"}, "eu-west-1", []string{"Cidr", "overlaps"}},
		{"cidr next to link-local", Props{AvailabilityZones: azs2, Cidr: "169.253.0.0/16"}, "eu-west-1", nil},

		// /24 holds 2 AZs x (/27 + /27 + /26) = 256 addresses exactly.
		{"subnets fill the block exactly", Props{AvailabilityZones: azs2, Cidr: "10.0.0.0/24", PublicMask: 27, PrivateMask: 27, IsolatedMask: 26}, "eu-west-1", nil},
		{"subnets one tier too large", Props{AvailabilityZones: azs2, Cidr: "10.0.0.0/24", PublicMask: 27, PrivateMask: 26, IsolatedMask: 26}, "eu-west-1",
			[]string{"IsolatedMask = 26", "2 AZs x 3 tiers of subnets (/27 public, /26 private, /26 isolated) need 320 addresses", "VPC block 10.0.0.0/24 has 256", "use longer masks"}},
		// 16 + 128 + 16 addresses fit in 256, but the /25 must start on a
		// 128 boundary, which leaves no room for the isolated subnet.
		{"alignment leaves no room", Props{AvailabilityZones: azs2[:1], Cidr: "10.0.0.0/24", PublicMask: 28, PrivateMask: 25, IsolatedMask: 28}, "eu-west-1",
			[]string{"IsolatedMask = 28", "need 160 addresses"}},
		{"default masks in a /16 with 3 AZs", Props{AvailabilityZones: azs3, Cidr: "10.0.0.0/16"}, "eu-west-1", nil},
		{"default masks in a /17 with 3 AZs", Props{AvailabilityZones: azs3, Cidr: "10.0.0.0/17"}, "eu-west-1", []string{"IsolatedMask = 20", "need 36864 addresses", "10.0.0.0/17 has 32768"}},

		{"NAT gateways -1", Props{AvailabilityZones: azs2, NatGateways: -1}, "eu-west-1", []string{"NatGateways = -1", "over 2 AZs takes 1 to 2 NAT gateways", "use 1 for dev/staging, 2 (one per AZ)"}},
		{"NAT gateways 0 (default)", Props{AvailabilityZones: azs2, NatGateways: 0}, "eu-west-1", nil},
		{"NAT gateways = AZs", Props{AvailabilityZones: azs2, NatGateways: 2}, "eu-west-1", nil},
		{"NAT gateways = AZs + 1", Props{AvailabilityZones: azs2, NatGateways: 3}, "eu-west-1", []string{"NatGateways = 3"}},
		{"NAT port threshold -1", Props{AvailabilityZones: azs2, NatPortAllocationErrorsThreshold: -1}, "eu-west-1", []string{"NatPortAllocationErrorsThreshold = -1", "cannot be negative"}},
		{"NAT port threshold 0", Props{AvailabilityZones: azs2, NatPortAllocationErrorsThreshold: 0}, "eu-west-1", nil},

		{"every endpoint once", Props{AvailabilityZones: azs2, InterfaceEndpoints: AllInterfaceEndpoints()}, "eu-west-1", nil},
		{"unknown endpoint", Props{AvailabilityZones: azs2, InterfaceEndpoints: []string{"sqs"}}, "eu-west-1", []string{"InterfaceEndpoints", `"sqs"`, "unknown interface endpoint service"}},
		{"duplicate endpoint", Props{AvailabilityZones: azs2, InterfaceEndpoints: []string{AllInterfaceEndpoints()[0], AllInterfaceEndpoints()[0]}}, "eu-west-1",
			[]string{"InterfaceEndpoints", "created once per VPC", "list each service once"}},

		{"finite retention", Props{AvailabilityZones: azs2, LogRetention: awslogs.RetentionDays_TEN_YEARS}, "eu-west-1", nil},
		{"infinite retention", Props{AvailabilityZones: azs2, LogRetention: awslogs.RetentionDays_INFINITE}, "eu-west-1", []string{"LogRetention", "finite retention"}},
		{"bad removal policy", Props{AvailabilityZones: azs2, RemovalPolicy: "keep"}, "eu-west-1", []string{"RemovalPolicy"}},

		{"AZ letter f", Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1f"}}, "eu-west-1", nil},
		{"AZ letter g", Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1g"}}, "eu-west-1", []string{`"eu-west-1g"`, "the region followed by one letter a-f"}},
		{"AZ is the region", Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1"}}, "eu-west-1", []string{"this is the region's name", "use AZs such as eu-west-1a"}},
		{"AZ of another region", Props{AvailabilityZones: []string{"eu-west-1a", "us-east-1a"}}, "eu-west-1", []string{`"us-east-1a"`, "not in the stack's region eu-west-1"}},
		{"empty AZ", Props{AvailabilityZones: []string{"eu-west-1a", " "}}, "eu-west-1", []string{"an AZ name cannot be empty"}},
		{"duplicate AZ", Props{AvailabilityZones: []string{"eu-west-1a", "eu-west-1a"}}, "eu-west-1", []string{"each AZ may appear once"}},
		{"any AZ names without a region", Props{AvailabilityZones: []string{"x1", "x2"}}, regionUnknown, nil},
		{"AZs in an agnostic stack", Props{AvailabilityZones: azs2}, regionAgnostic, []string{"environment-agnostic stack", "PinAvailabilityZones"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.props.validate(tc.region)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("want accepted, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want rejected with %q, got accepted", tc.want)
			}
			if strings.Contains(tc.name, "mask 17") && strings.Contains(err.Error(), "longer than /16") {
				t.Errorf("mask 17 is within the bound, got %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestBoundsAgnosticWithoutAZs: an environment-agnostic stack without AZs
// lacks AZs; it is not told its AZ names lock it to a region.
func TestBoundsAgnosticWithoutAZs(t *testing.T) {
	err := (&Props{}).validate(regionAgnostic)
	if err == nil || !strings.Contains(err.Error(), "at least 2 AZs") {
		t.Fatalf("want the AZ count rule, got %v", err)
	}
	if strings.Contains(err.Error(), "environment-agnostic") {
		t.Errorf("told about region-locked AZ names without any AZ:\n%v", err)
	}
}
