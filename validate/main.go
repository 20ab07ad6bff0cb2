package validate

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"

	"github.com/aws/jsii-runtime-go"
)

// ExitOnError is the one line a CDK app's main needs:
//
//	func main() {
//		defer validate.ExitOnError()
//		app := awscdk.NewApp(nil)
//		// ... stacks and constructs ...
//		app.Synth(nil)
//	}
//
// It closes the jsii kernel (so it replaces `defer jsii.Close()`). When main
// panics with a *Error (a construct rejecting its props) or with an error
// raised by the CDK through jsii (a duplicate construct id, a failed
// validation during app.Synth), it prints the message to stderr without a
// goroutine dump or JavaScript stack, and exits with status 1. Any other
// panic, a nil-pointer dereference for instance, is re-raised unchanged, with
// its goroutine dump, because it is a bug rather than bad input.
//
// It must be deferred directly in main (recover works only there); use Main
// when main also has an ordinary error to report.
func ExitOnError() {
	r := recover()
	if r == nil {
		jsii.Close()
		return
	}
	msg, ok := message(r)
	if !ok {
		panic(r)
	}
	exit(os.Stderr, msg)
}

// Main runs fn as a CDK app's main and exits with status 1, printing the error
// to stderr, when fn returns an error or panics the way ExitOnError handles;
// it closes the jsii kernel in every case. A typical main is one line:
//
//	func main() { validate.Main(run) }
//
//	func run() error {
//		app := awscdk.NewApp(nil)
//		// ... stacks and constructs, returning errors from your own config code ...
//		app.Synth(nil)
//		return nil
//	}
func Main(fn func() error) {
	defer ExitOnError()
	if err := fn(); err != nil {
		exit(os.Stderr, err.Error())
	}
}

// exitFunc is os.Exit; a variable only so that the exit path is testable.
var exitFunc = os.Exit

func exit(w io.Writer, msg string) {
	fmt.Fprintln(w, "error:", msg)
	jsii.Close()
	exitFunc(1)
}

// jsiiErrorType is the concrete type of the errors the jsii runtime panics
// with: it builds them with errors.New from the kernel's message.
var jsiiErrorType = reflect.TypeOf(errors.New(""))

// message renders a recovered value that ExitOnError handles, and reports
// whether it is one: a *Error anywhere in an error's chain, or a plain error
// of the kind the jsii runtime raises (never a runtime.Error).
func message(r any) (string, bool) {
	err, ok := r.(error)
	if !ok {
		return "", false
	}
	var verr *Error
	if errors.As(err, &verr) {
		return verr.Error(), true
	}
	if _, isRuntime := err.(runtime.Error); isRuntime {
		return "", false
	}
	if reflect.TypeOf(err) != jsiiErrorType {
		return "", false
	}
	return JSIIMessage(err.Error()), true
}

// maxJSIILines bounds how much of a jsii error message is printed.
const maxJSIILines = 20

// JSIIMessage returns the meaningful part of an error message raised by the
// CDK through jsii: the lines that are not JavaScript stack frames
// ("    at …"), at most the first 20, trimmed.
func JSIIMessage(msg string) string {
	var keep []string
	for _, line := range strings.Split(msg, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "at ") || t == "" && len(keep) == 0 {
			continue
		}
		keep = append(keep, strings.TrimRight(line, " \t\r"))
		if len(keep) == maxJSIILines {
			keep = append(keep, "…")
			break
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}
