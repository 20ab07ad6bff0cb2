package threetiervpc

import (
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
// account and region.
func PinAvailabilityZones(stack awscdk.Stack, azs ...string) {
	stack.Node().SetContext(jsii.String(azContextKey(*stack.Account(), *stack.Region())), jsii.Strings(azs...))
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
