// Package testkit is Groundwork's test harness: it synthesizes an App once,
// reads every stack's template and annotations straight from the cloud
// assembly (plain Go, no further jsii round trips), gates on cdk-nag findings,
// compares golden templates, and turns jsii panics from the CDK assertions
// module into ordinary test failures.
//
// jsii runs one single-threaded Node.js process per test binary: synthesize once
// per package (sync.OnceValues), share the result, and never call jsii from
// parallel tests.
package testkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Main runs the package's tests, closes the jsii kernel and removes the cloud
// assemblies the tests synthesized (kept, and their directory printed, when a
// test failed); call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	jsii.Close()
	outRoot.Lock()
	dir := outRoot.dir
	outRoot.Unlock()
	if dir != "" {
		if code == 0 {
			os.RemoveAll(dir)
		} else {
			fmt.Fprintf(os.Stderr, "testkit: the cloud assemblies of this run are in %s\n", dir)
		}
	}
	os.Exit(code)
}

// outRoot is the directory that holds every App's cloud assembly in this test
// binary, created by the first NewApp. Each assembly of the stacks package is
// tens of MB (the Lambda bundles), so they must not outlive the run.
var outRoot struct {
	sync.Mutex
	dir string
}

// newOutdir returns a fresh directory under outRoot.
func newOutdir() string {
	outRoot.Lock()
	defer outRoot.Unlock()
	if outRoot.dir == "" {
		dir, err := os.MkdirTemp("", "groundwork-test-")
		if err != nil {
			panic(err)
		}
		outRoot.dir = dir
	}
	dir, err := os.MkdirTemp(outRoot.dir, "cdk-out-")
	if err != nil {
		panic(err)
	}
	return dir
}

// RepoRoot is the directory holding go.mod, found by walking up from the
// working directory (go test runs in the package directory).
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("testkit: no go.mod above the working directory")
		}
		dir = parent
	}
}

// CDKContext returns the "context" block of cdk.json: the same feature flags
// the CLI passes to the app.
func CDKContext() map[string]any {
	raw, err := os.ReadFile(filepath.Join(RepoRoot(), "cdk.json"))
	if err != nil {
		panic(err)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		panic(fmt.Sprintf("testkit: cdk.json: %v", err))
	}
	return cfg.Context
}

// NewApp returns an App with cdk.json's context plus extra, synthesizing into a
// fresh directory that Main removes after the run.
//
// One flag differs from cdk.json: annotationsInValidationReport is off, so that
// an error annotation (a cdk-nag finding) does not abort synthesis with
// ValidationFailed but reaches the nag gate, which lists every finding with
// its rule and path. The CLI keeps the flag on, so `cdk synth` still fails.
//
// CDK's built-in CloudFormation validation (the resource schemas and CDK's
// default rules) is off too: its WebAssembly validator is the slowest part of a
// test synthesis, about 1.1 s to start in each test binary plus a share of
// every synthesis. It runs on the Apps that make the deployed templates: the
// stacks package's (NewValidatedApp), `make synth` (the CLI) and `make
// examples`; `make validate` runs cfn-lint on the same templates. The
// construct packages' scenario Apps are therefore not schema-validated in
// `make test`. (`make test` also sets CDK_VALIDATION=false, which reaches the
// Apps that Example functions create with awscdk.NewApp(nil): jsii copies the
// environment for its Node.js process when the CDK packages initialise, before
// TestMain runs, so a test cannot set it.)
func NewApp(extra map[string]any) awscdk.App {
	return newApp(extra, false)
}

// NewValidatedApp is NewApp with CDK's CloudFormation validation, as in `cdk
// synth`: synthesis fails on a property the resource schema does not allow or
// a breach of CDK's default rules. The validator is registered on the App
// explicitly, so it runs even under CDK_VALIDATION=false. Use it for the Apps
// that make the deployed templates.
func NewValidatedApp(extra map[string]any) awscdk.App {
	return newApp(extra, true)
}

func newApp(extra map[string]any, cfnValidation bool) awscdk.App {
	ctx := CDKContext()
	ctx["@aws-cdk/core:annotationsInValidationReport"] = false
	for k, v := range extra {
		ctx[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{
		Context:            &ctx,
		Outdir:             jsii.String(newOutdir()),
		AnalyticsReporting: jsii.Bool(false),
		StackTraces:        jsii.Bool(false),
		// Off in every App: the validator is the slowest part of a test
		// synthesis (see NewApp). NewValidatedApp registers it on the App
		// instead, which CDK_VALIDATION=false does not turn off.
		BuiltinCloudFormationValidation: jsii.Bool(false),
	})
	if cfnValidation {
		awscdk.Validations_Of(app).AddPlugins(cfnValidatePlugin())
	}
	return app
}

// cfnValidatePlugin is one validator for every App of the test binary: each
// instance starts its own WebAssembly engine (about a second).
var cfnValidatePlugin = sync.OnceValue(func() awscdk.CloudFormationValidatePlugin {
	return awscdk.NewCloudFormationValidatePlugin(nil)
})

// TestEnv is the account and region construct tests synthesize for.
var TestEnv = &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}

// NewStack adds a stack for construct tests with an explicit environment and
// answered AZ lookup, so synthesis stays offline.
func NewStack(app awscdk.App, id string) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{Env: TestEnv})
	stack.Node().SetContext(jsii.String("availability-zones:account=123456789012:region=eu-west-1"),
		jsii.Strings("eu-west-1a", "eu-west-1b", "eu-west-1c"))
	return stack
}

// Message is one annotation in the cloud assembly.
type Message struct {
	Level string // "error", "warning" or "info"
	Path  string // construct path
	Text  string
}

// Rule is the rule id of a cdk-nag message ("AwsSolutions-S1"), or "".
func (m Message) Rule() string {
	for _, p := range nag.RulePrefixes {
		if strings.HasPrefix(m.Text, p) {
			// "AwsSolutions-IAM5[Resource::*]: ..." keeps its finding id.
			id, _, _ := strings.Cut(m.Text, ": ")
			return id
		}
	}
	return ""
}

// Stack is one synthesized stack.
type Stack struct {
	Name     string
	Template map[string]any
	JSON     []byte
	Messages []Message
	// LogicalIDs maps construct paths ("/Stack/Bucket/Resource") to logical ids.
	LogicalIDs map[string]string
	// TerminationProtection is the stack's setting in the manifest.
	TerminationProtection bool
	// Dependencies are the artifacts the stack depends on in the manifest
	// (stack names, and "<stack>.assets" for its assets).
	Dependencies []string
	tmpl         assertions.Template
}

// LogicalID returns the logical id of the resource at path, which is relative
// to the stack ("Invoices/Bucket" or "Invoices/Bucket/Resource"), or fails.
func (s *Stack) LogicalID(t testing.TB, path string) string {
	t.Helper()
	for _, p := range []string{"/" + s.Name + "/" + path, "/" + s.Name + "/" + path + "/Resource"} {
		if id, ok := s.LogicalIDs[p]; ok {
			return id
		}
	}
	t.Fatalf("%s: no resource at path %q", s.Name, path)
	return ""
}

// Ref is {"Ref": id} for the resource at path.
func (s *Stack) Ref(t testing.TB, path string) map[string]any {
	t.Helper()
	return map[string]any{"Ref": s.LogicalID(t, path)}
}

// Arn is {"Fn::GetAtt": [id, "Arn"]} for the resource at path.
func (s *Stack) Arn(t testing.TB, path string) map[string]any {
	t.Helper()
	return map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, path), "Arn"}}
}

// Assembly is a synthesized App.
type Assembly struct {
	Dir    string
	Stacks map[string]*Stack
}

// Synth synthesizes app once and loads every stack's template and messages.
// When CDK's policy validation fails (a CloudFormation schema violation, say),
// the error lists the violations from validation-report.json instead of a
// jsii trace.
func Synth(app awscdk.App) (asm *Assembly, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synth failed: %s%s", firstLine(cleanPanic(r)), validationReport(*app.Outdir()))
		}
	}()
	return Load(*app.Synth(nil).Directory())
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// validationReport summarises validation-report.json's violations, if any.
func validationReport(dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	if err != nil {
		return ""
	}
	var report struct {
		PluginReports []struct {
			Violations []struct {
				RuleName            string `json:"ruleName"`
				Description         string `json:"description"`
				Severity            string `json:"severity"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if json.Unmarshal(raw, &report) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range report.PluginReports {
		for _, v := range p.Violations {
			if v.Severity == "warning" {
				continue
			}
			for _, c := range v.ViolatingConstructs {
				fmt.Fprintf(&b, "\n  %s %s: %s", v.RuleName, c.ConstructPath, strings.TrimSpace(v.Description))
			}
		}
	}
	return b.String()
}

// Load reads a cloud assembly directory (as written by Synth or cdk synth).
func Load(dir string) (*Assembly, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type         string   `json:"type"`
			Dependencies []string `json:"dependencies"`
			Properties   struct {
				TemplateFile          string `json:"templateFile"`
				TerminationProtection bool   `json:"terminationProtection"`
			} `json:"properties"`
			Metadata               map[string][]metadataEntry `json:"metadata"`
			AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	asm := &Assembly{Dir: dir, Stacks: map[string]*Stack{}}
	for name, art := range manifest.Artifacts {
		if art.Type != "aws:cloudformation:stack" {
			continue
		}
		s := &Stack{Name: name, LogicalIDs: map[string]string{}, TerminationProtection: art.Properties.TerminationProtection,
			Dependencies: art.Dependencies}
		if s.JSON, err = os.ReadFile(filepath.Join(dir, art.Properties.TemplateFile)); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(s.JSON, &s.Template); err != nil {
			return nil, fmt.Errorf("%s: %w", art.Properties.TemplateFile, err)
		}
		meta := art.Metadata
		if art.AdditionalMetadataFile != "" {
			extra, err := os.ReadFile(filepath.Join(dir, art.AdditionalMetadataFile))
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(extra, &meta); err != nil {
				return nil, fmt.Errorf("%s: %w", art.AdditionalMetadataFile, err)
			}
		}
		for path, entries := range meta {
			for _, e := range entries {
				if id, ok := e.Data.(string); ok && e.Type == "aws:cdk:logicalId" {
					s.LogicalIDs[path] = id
				}
				level, ok := map[string]string{"aws:cdk:error": "error", "aws:cdk:warning": "warning", "aws:cdk:info": "info"}[e.Type]
				if !ok {
					continue
				}
				text, _ := e.Data.(string)
				s.Messages = append(s.Messages, Message{Level: level, Path: path, Text: text})
			}
		}
		sort.Slice(s.Messages, func(i, j int) bool {
			return s.Messages[i].Path+s.Messages[i].Text < s.Messages[j].Path+s.Messages[j].Text
		})
		asm.Stacks[name] = s
	}
	return asm, nil
}

type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

// Names returns the stack names, sorted.
func (a *Assembly) Names() []string {
	names := make([]string, 0, len(a.Stacks))
	for n := range a.Stacks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Stack returns the named stack or fails the test.
func (a *Assembly) Stack(t testing.TB, name string) *Stack {
	t.Helper()
	s, ok := a.Stacks[name]
	if !ok {
		t.Fatalf("no stack %q in the assembly; have %v", name, a.Names())
	}
	return s
}

// NagFindings returns the unsuppressed cdk-nag errors of s (suppressed findings
// are not annotated).
func (s *Stack) NagFindings() []Message {
	var out []Message
	for _, m := range s.Messages {
		if m.Level == "error" && m.Rule() != "" {
			out = append(out, m)
		}
	}
	return out
}

// Resources returns the logical ids of resources of the given type (all
// resources when typ is ""), sorted.
func (s *Stack) Resources(typ string) []string {
	res, _ := s.Template["Resources"].(map[string]any)
	var ids []string
	for id, r := range res {
		if m, _ := r.(map[string]any); typ == "" || m["Type"] == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Resource returns the resource with the given logical id or fails the test.
func (s *Stack) Resource(t testing.TB, id string) map[string]any {
	t.Helper()
	res, _ := s.Template["Resources"].(map[string]any)
	r, ok := res[id].(map[string]any)
	if !ok {
		t.Fatalf("%s: no resource %q", s.Name, id)
	}
	return r
}

// RequireNagClean fails the test with one line per unsuppressed cdk-nag error:
// rule id, construct path and message.
func RequireNagClean(t testing.TB, s *Stack) {
	t.Helper()
	findings := s.NagFindings()
	if len(findings) == 0 {
		return
	}
	var b strings.Builder
	for _, f := range findings {
		text := f.Text
		if i := strings.Index(text, ". "); i > 0 {
			text = text[:i+1]
		}
		fmt.Fprintf(&b, "\n  %-45s %s\n      %s", f.Rule(), f.Path, text)
	}
	t.Errorf("%s: %d unsuppressed cdk-nag error(s):%s", s.Name, len(findings), b.String())
}

// Assertions returns the CDK assertions Template for s (built once).
func (s *Stack) Assertions(t testing.TB) assertions.Template {
	t.Helper()
	if s.tmpl == nil {
		Must(t, func() { s.tmpl = assertions.Template_FromJSON(&s.Template, nil) })
	}
	return s.tmpl
}

// HasResourceProperties asserts that a resource of typ matches props
// (assertions.Template.HasResourceProperties), failing the test instead of
// panicking.
func (s *Stack) HasResourceProperties(t testing.TB, typ string, props any) {
	t.Helper()
	tmpl := s.Assertions(t)
	Must(t, func() { tmpl.HasResourceProperties(jsii.String(typ), props) })
}

// HasResource asserts on a whole resource (DeletionPolicy and friends).
func (s *Stack) HasResource(t testing.TB, typ string, props any) {
	t.Helper()
	tmpl := s.Assertions(t)
	Must(t, func() { tmpl.HasResource(jsii.String(typ), props) })
}

// ResourceCountIs asserts the number of resources of typ.
func (s *Stack) ResourceCountIs(t testing.TB, typ string, n int) {
	t.Helper()
	if got := len(s.Resources(typ)); got != n {
		t.Errorf("%s: %d resource(s) of type %s, want %d", s.Name, got, typ, n)
	}
}

// Must runs fn and turns a panic (a jsii error from the assertions module, for
// instance) into a test error carrying the message without the JavaScript
// stack.
func Must(t testing.TB, fn func()) {
	t.Helper()
	if msg, ok := catch(fn); ok {
		t.Error(msg)
	}
}

func catch(fn func()) (msg string, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = cleanPanic(r), true
		}
	}()
	fn()
	return "", false
}

// cleanPanic renders a recovered value without JavaScript stack frames.
func cleanPanic(r any) string {
	var text string
	switch v := r.(type) {
	case error:
		text = v.Error()
	default:
		text = fmt.Sprint(v)
	}
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "at ") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// ValidationError runs fn, which must panic with a *validate.Error (a
// construct rejecting its props), and returns the error's message. It fails
// the test when fn does not panic or panics with something else.
func ValidationError(t testing.TB, fn func()) string {
	t.Helper()
	var got error
	func() {
		defer validate.Recover(&got)
		defer func() {
			// Re-panic anything that is not a validation error as a test failure.
			if r := recover(); r != nil {
				var verr *validate.Error
				if err, ok := r.(error); ok && errors.As(err, &verr) {
					panic(r)
				}
				t.Fatalf("want a validation error, got panic: %s", cleanPanic(r))
			}
		}()
		fn()
	}()
	if got == nil {
		t.Fatal("want a validation error, got none")
	}
	return got.Error()
}

// Lazy is an App synthesized once, on first use, for a whole test package.
type Lazy struct {
	synth func() (*Assembly, error)
}

// Once returns a Lazy for the App that build returns. Build the App with one
// stack per scenario, so that the package pays for one synthesis.
func Once(build func() awscdk.App) *Lazy {
	return &Lazy{synth: sync.OnceValues(func() (*Assembly, error) { return Synth(build()) })}
}

// Assembly synthesizes (the first time) and returns the assembly, or fails.
func (l *Lazy) Assembly(t testing.TB) *Assembly {
	t.Helper()
	asm, err := l.synth()
	if err != nil {
		t.Fatal(err)
	}
	return asm
}

// Stack returns the named stack of the assembly, or fails.
func (l *Lazy) Stack(t testing.TB, name string) *Stack {
	t.Helper()
	return l.Assembly(t).Stack(t, name)
}

// HasWarning fails the test unless s carries a warning annotation containing
// text (a construct telling its user that a default was weakened).
func (s *Stack) HasWarning(t testing.TB, text string) {
	t.Helper()
	var seen []string
	for _, m := range s.Messages {
		if m.Level == "warning" {
			if strings.Contains(m.Text, text) {
				return
			}
			seen = append(seen, m.Text)
		}
	}
	t.Errorf("%s: no warning containing %q; warnings: %q", s.Name, text, seen)
}

// SynthError synthesizes app, which must fail (a construct's validation
// rejecting the tree, say), and returns the error without JavaScript stack
// frames. It fails the test when synthesis succeeds.
func SynthError(t testing.TB, app awscdk.App) string {
	t.Helper()
	msg, panicked := catch(func() { app.Synth(nil) })
	if !panicked {
		t.Fatal("want synthesis to fail, it succeeded")
	}
	return msg
}

// Verdict checks a validation result against a table row: want nil means the
// input must be accepted; otherwise err must be non-nil and its message must
// contain every string in want.
func Verdict(t testing.TB, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want accepted, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want rejected with %q, got accepted", want)
	}
	Contains(t, "message", err.Error(), want...)
}

// Contains reports, as a test error, each string of want that got lacks;
// what names got in the report ("message", "stderr").
func Contains(t testing.TB, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// Strings reads a template field that is a string or a list of strings (an
// IAM Action or Resource, say) as a list; other elements are skipped.
func Strings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
