package stacks_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

// boundaryHeadroom is the written headroom of each stack's ceiling
// (stacks/boundaries.go): actions no role holds that the ceiling allows
// anyway. Empty today: every ceiling is exactly its roles' needs.
var boundaryHeadroom = map[string][]string{}

// TestBoundaryFitsItsStack checks each stack's permissions boundary against
// its roles, both ways: an action a role is granted outside the ceiling would
// be denied at run time, silently; an action in the ceiling that no role is
// granted (and the headroom does not explain) makes the ceiling broader than
// it needs to be. A stack without roles has no boundary at all.
func TestBoundaryFitsItsStack(t *testing.T) {
	forEachStack(t, func(t *testing.T, cfg stacks.Config, s *testkit.Stack) {
		roles := s.Resources("AWS::IAM::Role")
		var boundaries []string
		for _, id := range s.Resources("AWS::IAM::ManagedPolicy") {
			props, _ := s.Resource(t, id)["Properties"].(map[string]any)
			if props["Description"] == "Groundwork permissions boundary: the most any role in "+s.Name+" may do" {
				boundaries = append(boundaries, id)
			}
		}
		if len(roles) == 0 {
			if len(boundaries) != 0 {
				t.Errorf("no role, but boundary %v: a stack without roles needs no boundary", boundaries)
			}
			return
		}
		if len(boundaries) != 1 {
			t.Fatalf("%d roles and boundaries %v, want exactly one boundary", len(roles), boundaries)
		}
		for _, id := range roles {
			props, _ := s.Resource(t, id)["Properties"].(map[string]any)
			ref, _ := props["PermissionsBoundary"].(map[string]any)
			if ref["Ref"] != boundaries[0] {
				t.Errorf("role %s: PermissionsBoundary %v, want {Ref: %s}", id, props["PermissionsBoundary"], boundaries[0])
			}
		}
		ceiling := map[string]bool{}
		doc, _ := s.Resource(t, boundaries[0])["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			m := st.(map[string]any)
			if m["Effect"] != "Allow" {
				continue
			}
			switch a := m["Action"].(type) {
			case string:
				ceiling[a] = true
			case []any:
				for _, x := range a {
					ceiling[fmt.Sprint(x)] = true
				}
			}
		}
		granted := map[string]bool{}
		for _, a := range grantedActions(s, boundaries[0]) {
			granted[a] = true
			if !ceiling[a] {
				t.Errorf("%s is granted but outside the permissions boundary; add it to the stack's ceiling in stacks/boundaries.go", a)
			}
		}
		part := s.Name[len("Groundwork-"+cfg.Title()+"-"):]
		var broader []string
		for a := range ceiling {
			if !granted[a] && !slices.Contains(boundaryHeadroom[part], a) {
				broader = append(broader, a)
			}
		}
		sort.Strings(broader)
		if len(broader) > 0 {
			t.Errorf("the boundary allows %v, which no role of the stack is granted: remove them from the ceiling or give the reason as headroom", broader)
		}
	})
}

// TestInvokePermissionNamesItsRoute checks that API Gateway may invoke the
// orders function only for the method and route each permission serves, not
// for any method on the path ("*/*/orders").
func TestInvokePermissionNamesItsRoute(t *testing.T) {
	for _, cfg := range stacks.Defaults() {
		s := assembly(t).Stack(t, cfg.StackName("Api"))
		t.Run(s.Name, func(t *testing.T) {
			var got []string
			for _, id := range s.Resources("AWS::Lambda::Permission") {
				props, _ := s.Resource(t, id)["Properties"].(map[string]any)
				if props["Principal"] != "apigateway.amazonaws.com" {
					continue
				}
				join, _ := props["SourceArn"].(map[string]any)["Fn::Join"].([]any)
				parts, _ := join[1].([]any)
				got = append(got, fmt.Sprint(parts[len(parts)-1]))
			}
			sort.Strings(got)
			if want := []string{"/*/GET/orders/{id}", "/*/POST/orders"}; !slices.Equal(got, want) {
				t.Errorf("invoke permissions end in %q, want %q", got, want)
			}
		})
	}
}
