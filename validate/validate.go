// Package validate turns invalid construct props into one readable error.
//
// Every Groundwork construct validates its props in plain Go before it creates a
// single resource. A problem names the field, the bad value, the rule it breaks
// (quoting the guidance where there is one) and the fix, so that a user never has
// to read a jsii stack trace to learn what they did wrong.
package validate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Problem is one broken rule in a props struct.
type Problem struct {
	// Field is the Go field path, e.g. "Lifecycle.TransitionToGlacierDays".
	Field string
	// Value is the offending value as the user gave it.
	Value any
	// Rule says what must hold, and why.
	Rule string
	// Fix says what to change.
	Fix string
}

// Error renders "Field = value: rule; fix".
func (p *Problem) Error() string {
	return fmt.Sprintf("%s = %s: %s; %s", p.Field, show(p.Value), p.Rule, p.Fix)
}

func show(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case nil:
		return "<nil>"
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprintf("%v", v)
	}
}

// Fail returns a Problem as an error; a shorthand for validate functions.
func Fail(field string, value any, rule, fix string) error {
	return &Problem{Field: field, Value: value, Rule: rule, Fix: fix}
}

// Error is the value a construct panics with when its props are invalid. It
// carries the construct kind (e.g. "securebucket") and the construct path.
//
// errors.As(err, &problem) with a *Problem reaches the first problem; Problems
// returns all of them. In main, ExitOnError or Main turns the panic into the
// message and exit status 1; Recover turns it into an ordinary error.
type Error struct {
	// Construct is the construct kind, e.g. "securebucket".
	Construct string
	// Path is the construct path the construct was (to be) created at.
	Path string
	// Err holds the problems, joined with errors.Join.
	Err error
}

func (e *Error) Error() string {
	var lines []string
	for _, p := range flatten(e.Err) {
		lines = append(lines, "  - "+p.Error())
	}
	return fmt.Sprintf("%s %q: invalid props:\n%s", e.Construct, e.Path, strings.Join(lines, "\n"))
}

// Unwrap exposes the joined problems to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Problems returns every *Problem in err: in a *Error, in an errors.Join
// list, or err itself; nil when err holds none. The order is the order the
// construct reported them in.
func Problems(err error) []*Problem {
	var out []*Problem
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *Problem:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// flatten undoes errors.Join so that each problem gets its own line.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// Check panics with an *Error when err is not nil. Constructs call it with the
// result of their props' validate method, before they create any resource, so
// that nothing half-built reaches the jsii kernel.
func Check(construct, path string, err error) {
	if err != nil {
		panic(&Error{Construct: construct, Path: path, Err: err})
	}
}

// Recover turns a validation panic into an ordinary error in *errp and lets any
// other panic continue. Use it in main (and in tests) as
//
//	defer validate.Recover(&err)
func Recover(errp *error) {
	r := recover()
	if r == nil {
		return
	}
	var verr *Error
	if err, ok := r.(error); ok && errors.As(err, &verr) {
		*errp = verr
		return
	}
	panic(r)
}

// ChildPath is the path a construct with id will have under scope; constructs
// name it in their errors before they create anything.
// A nil scope yields id alone.
func ChildPath(scope constructs.IConstruct, id string) string {
	if isNil(scope) {
		return id
	}
	if p := *scope.Node().Path(); p != "" {
		return p + "/" + id
	}
	return id
}

// RemovalPolicy checks a RemovalPolicy prop (a string, "" meaning the default
// RETAIN) for resources that can be retained or destroyed but not
// snapshotted; what names them in the rule, e.g. "S3 buckets".
func RemovalPolicy(value, what string) error {
	return RemovalPolicyDefault(value, what, "RETAIN")
}

// RemovalPolicyDefault is RemovalPolicy for a construct whose default (the
// meaning of "") is def, e.g. "RETAIN_ON_UPDATE_OR_DELETE"; the fix names it.
func RemovalPolicyDefault(value, what, def string) error {
	switch value {
	case "", "RETAIN", "DESTROY", "RETAIN_ON_UPDATE_OR_DELETE":
		return nil
	}
	return Fail("RemovalPolicy", value, what+" can be retained or destroyed, not snapshotted",
		"use RemovalPolicy_"+def+" (the default), RemovalPolicy_RETAIN or, in dev only, RemovalPolicy_DESTROY")
}
