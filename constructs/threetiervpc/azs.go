package threetiervpc

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/validate"
)

// azContextKey is the context key CDK reads the stack's availability zones
// from; without it, synthesis records a lookup that the CDK CLI answers by
// calling AWS.
func azContextKey(account, region string) string {
	return "availability-zones:account=" + account + ":region=" + region
}

// PinAvailabilityZones answers the stack's availability-zone lookup with azs,
// so that synthesis needs no AWS credentials and does no lookup. Call it right
// after creating the stack, before adding any construct to it (CDK accepts
// context only on a node without children). The stack must have an explicit
// account and region, and azs must be AZs of that region.
//
// It panics with a *validate.Error when the stack is environment-agnostic
// (its context key would name no account or region, so the pin would answer
// nothing), when the stack already has children, or when an AZ is not one of
// the region's.
func PinAvailabilityZones(stack awscdk.Stack, azs ...string) {
	if stack == nil {
		validate.Check("threetiervpc", "PinAvailabilityZones", validate.Fail("stack", nil,
			"the stack whose AZs to pin is required", "pass the stack right after creating it"))
	}
	path := *stack.Node().Path()
	account, region := *stack.Account(), *stack.Region()
	var errs []error
	if *awscdk.Token_IsUnresolved(&account) || *awscdk.Token_IsUnresolved(&region) {
		errs = append(errs, validate.Fail("stack", path,
			"the stack is environment-agnostic (no explicit account and region), so there is no AZ lookup to answer, and AZ names would lock its template to one region",
			"give the stack an explicit environment, awscdk.StackProps{Env: &awscdk.Environment{Account: ..., Region: ...}}"))
	} else {
		for _, az := range azs {
			if !azName(region).MatchString(az) {
				errs = append(errs, validate.Fail("azs", az,
					fmt.Sprintf("an AZ name of the stack's region %s is the region followed by one letter a-f (EC2 User Guide, Regions and Zones)", region),
					fmt.Sprintf("pin AZs such as %sa, %sb, %sc", region, region, region)))
			}
		}
	}
	if len(azs) == 0 {
		errs = append(errs, validate.Fail("azs", "", "pinning no AZs leaves the stack with no availability zones",
			"pass the region's AZs you deploy to, e.g. \"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\""))
	}
	if n := len(*stack.Node().Children()); n > 0 {
		errs = append(errs, validate.Fail("stack", path,
			fmt.Sprintf("the stack already has %d construct(s); CDK accepts context only on a node without children", n),
			"call PinAvailabilityZones right after creating the stack, before adding constructs to it"))
	}
	validate.Check("threetiervpc", path, errors.Join(errs...))
	stack.Node().SetContext(jsii.String(azContextKey(account, region)), jsii.Strings(azs...))
}

// checkPinnedAZs fails when a stack with an explicit environment has not
// answered its AZ lookup (synthesis would need AWS), or when an AZ is not
// among the answer. An environment-agnostic stack uses Fn::GetAZs instead
// and needs no answer.
func checkPinnedAZs(stack awscdk.Stack, azs []string) error {
	account, region := *stack.Account(), *stack.Region()
	if *awscdk.Token_IsUnresolved(&account) || *awscdk.Token_IsUnresolved(&region) {
		return nil
	}
	key := azContextKey(account, region)
	pinned := stack.Node().TryGetContext(jsii.String(key))
	if pinned == nil {
		quoted := make([]string, len(azs))
		for i, az := range azs {
			quoted[i] = fmt.Sprintf("%q", az)
		}
		return validate.Fail("AvailabilityZones", strings.Join(azs, ","),
			"the stack's availability zones are not pinned, so synthesis would look them up in AWS (a context lookup that needs credentials)",
			fmt.Sprintf("call threetiervpc.PinAvailabilityZones(stack, %s) right after creating the stack, or set the context key %q in cdk.json",
				strings.Join(quoted, ", "), key))
	}
	var known []string
	if list, ok := pinned.([]any); ok {
		for _, v := range list {
			known = append(known, fmt.Sprint(v))
		}
	}
	for _, az := range azs {
		if !slices.Contains(known, az) {
			return validate.Fail("AvailabilityZones", az,
				fmt.Sprintf("every AZ must be among the stack's pinned availability zones %v", known),
				"use AZs from that list, or pin the stack's AZs with threetiervpc.PinAvailabilityZones")
		}
	}
	return nil
}
