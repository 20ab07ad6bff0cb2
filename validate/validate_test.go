package validate

import (
	"errors"
	"strings"
	"testing"
)

func TestErrorListsEveryProblem(t *testing.T) {
	err := &Error{Construct: "securebucket", Path: "Stack/Invoices", Err: errors.Join(
		Fail("BucketName", "Bad_Name", "names are lowercase", "rename it"),
		Fail("Lifecycle.TransitionToGlacierDays", 40, "at least 30 days after IA", "set it to 60 or more"),
	)}
	want := `securebucket "Stack/Invoices": invalid props:
  - BucketName = "Bad_Name": names are lowercase; rename it
  - Lifecycle.TransitionToGlacierDays = 40: at least 30 days after IA; set it to 60 or more`
	if got := err.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	var p *Problem
	if !errors.As(err, &p) || p.Field != "BucketName" {
		t.Errorf("errors.As should reach the first problem, got %v", p)
	}
}

func TestCheckAndRecover(t *testing.T) {
	run := func(fn func()) (err error) {
		defer Recover(&err)
		fn()
		return nil
	}
	if err := run(func() { Check("x", "P", nil) }); err != nil {
		t.Errorf("Check(nil) must not fail, got %v", err)
	}
	err := run(func() { Check("x", "P/Q", Fail("F", nil, "rule", "fix")) })
	if err == nil || !strings.Contains(err.Error(), `x "P/Q": invalid props:`) || !strings.Contains(err.Error(), "F = <nil>: rule; fix") {
		t.Errorf("got %v", err)
	}
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("Recover must re-panic other values, got %v", r)
		}
	}()
	_ = run(func() { panic("boom") })
}
