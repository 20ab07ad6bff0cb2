package validate

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

const caseEnv = "VALIDATE_MAIN_CASE"

// mainCases are small mains; TestMain runs one in a child process when
// VALIDATE_MAIN_CASE names it, so that the tests can check what a user sees:
// stderr and the exit status.
var mainCases = map[string]func(){
	"clean": func() {
		defer ExitOnError()
	},
	"validation": func() {
		defer ExitOnError()
		Check("securebucket", "App/Storage/Invoices", errors.Join(
			Fail("BucketName", "Bad_Name", "bucket names are lowercase", "rename it"),
			Fail("Versioned", false, "versioning is required", "leave it on")))
	},
	"jsii": func() {
		defer ExitOnError()
		app := awscdk.NewApp(&awscdk.AppProps{AnalyticsReporting: jsii.Bool(false)})
		awscdk.NewStack(app, jsii.String("Storage"), nil)
		awscdk.NewStack(app, jsii.String("Storage"), nil)
	},
	"synth": func() {
		defer ExitOnError()
		ctx := map[string]any{"@aws-cdk/core:annotationsInValidationReport": true}
		dir, _ := os.MkdirTemp("", "validate-main-")
		defer os.RemoveAll(dir)
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir), AnalyticsReporting: jsii.Bool(false)})
		stack := awscdk.NewStack(app, jsii.String("Storage"), nil)
		awscdk.Annotations_Of(stack).AddError(jsii.String("the bucket is public"))
		app.Synth(nil)
	},
	"bug": func() {
		defer ExitOnError()
		xs := []int{1, 2}
		_ = xs[len(os.Args)+2] // an ordinary bug: a runtime error, not a validation error
	},
	"main-error": func() {
		Main(func() error { return errors.New("groundwork:dev:account must be 12 digits") })
	},
	"main-validation": func() {
		Main(func() error {
			Check("hardenedfunction", "App/Api/Fn", Fail("MemoryMiB", 64, "at least 128 MiB", "raise it"))
			return nil
		})
	},
}

func TestMain(m *testing.M) {
	if name := os.Getenv(caseEnv); name != "" {
		mainCases[name]()
		os.Exit(0)
	}
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestExitOnError(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		code     int
		want     []string // in stderr
		wantDump bool     // a goroutine dump is expected (bugs only)
	}{
		{name: "clean", code: 0},
		{name: "validation", code: 1, want: []string{
			`error: securebucket "App/Storage/Invoices": invalid props:`,
			`  - BucketName = "Bad_Name": bucket names are lowercase; rename it`,
			`  - Versioned = false: versioning is required; leave it on`,
		}},
		{name: "jsii", code: 1, want: []string{"error: There is already a Construct with name 'Storage' in App"}},
		{name: "synth", code: 1, want: []string{"the bucket is public", "error: ValidationFailed: Validation failed"}},
		{name: "bug", code: 2, want: []string{"index out of range"}, wantDump: true},
		{name: "main-error", code: 1, want: []string{"error: groundwork:dev:account must be 12 digits"}},
		{name: "main-validation", code: 1, want: []string{`error: hardenedfunction "App/Api/Fn": invalid props:`, "  - MemoryMiB = 64: at least 128 MiB; raise it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), caseEnv+"="+tc.name)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			got := stderr.String()
			if code != tc.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tc.code, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("stderr lacks %q:\n%s", w, got)
				}
			}
			if dump := strings.Contains(got, "goroutine "); dump != tc.wantDump {
				t.Errorf("goroutine dump in stderr: %v, want %v:\n%s", dump, tc.wantDump, got)
			}
			if strings.Contains(got, "    at ") {
				t.Errorf("stderr carries a JavaScript stack:\n%s", got)
			}
		})
	}
}

func TestJSIIMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Error: boom", "Error: boom"},
		{"\nValidationError: bad id\n    at Node.addChild (/x/constructs.js:1:2)\n    at new Construct (/x.js:3:4)\n", "ValidationError: bad id"},
		{strings.Repeat("line\n", 30), strings.Repeat("line\n", 20) + "…"},
	} {
		if got := JSIIMessage(tc.in); got != tc.want {
			t.Errorf("JSIIMessage(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestProblems(t *testing.T) {
	a := &Problem{Field: "A"}
	b := &Problem{Field: "B"}
	c := &Problem{Field: "C"}
	err := &Error{Construct: "x", Path: "P", Err: errors.Join(a, errors.Join(b, errors.New("not a problem")), c)}
	got := Problems(err)
	if len(got) != 3 || got[0] != a || got[1] != b || got[2] != c {
		t.Errorf("Problems = %v, want [A B C]", got)
	}
	if got := Problems(nil); got != nil {
		t.Errorf("Problems(nil) = %v", got)
	}
	if got := Problems(a); len(got) != 1 || got[0] != a {
		t.Errorf("Problems(problem) = %v", got)
	}
}
