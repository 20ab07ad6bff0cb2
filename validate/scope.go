package validate

import (
	"errors"
	"reflect"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Scope checks the scope and id a construct is created with, before the
// construct registers itself, so that a mistake is reported like any other bad
// prop rather than as a jsii error or a nil-pointer panic. Constructs call it
// first and join its error with their props' problems:
//
//	validate.Check("securebucket", validate.ChildPath(scope, id),
//		errors.Join(validate.Scope(scope, id), props.validate()))
//
// It returns nil, or the *Problem (joined, when there are several) for each of:
//   - field "scope": scope is nil;
//   - field "id": id is empty, contains '/' (the construct path separator), or
//     is already the id of another child of scope.
func Scope(scope constructs.IConstruct, id string) error {
	var errs []error
	if isNil(scope) {
		errs = append(errs, Fail("scope", nil, "a construct needs a parent scope (a Stack or a construct inside one)",
			"pass the stack or construct to create it in"))
	}
	switch {
	case strings.TrimSpace(id) == "":
		errs = append(errs, Fail("id", id, "a construct id must not be empty: it names the construct path and the logical ids of its resources",
			`pass a non-empty id such as "Invoices"`))
	case strings.Contains(id, "/"):
		errs = append(errs, Fail("id", id, "a construct id must not contain '/', the construct path separator",
			"use an id without '/', e.g. "+quote(strings.ReplaceAll(id, "/", ""))))
	case !isNil(scope) && scope.Node().TryFindChild(&id) != nil:
		errs = append(errs, Fail("id", id, "ids are unique within a scope: "+quote(ChildPath(scope, id))+" already exists",
			"give this construct another id (ids are API: renaming an existing one replaces its resources)"))
	}
	return errors.Join(errs...)
}

func quote(s string) string { return `"` + s + `"` }

// isNil reports whether v is nil or a nil pointer in an interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func:
		return rv.IsNil()
	}
	return false
}
