// Package check applies Groundwork's checks to your own CDK app: the three
// cdk-nag rule packs every Groundwork stack passes (AwsSolutions, NIST 800-53
// R5, Serverless) and the invariant audit (package audit) over every
// synthesized template.
//
//	func main() {
//		defer validate.ExitOnError()
//		app := awscdk.NewApp(nil)
//		// ... your stacks, with Groundwork constructs or without ...
//		check.Apply(app)
//		if _, err := check.Synth(app, nil); err != nil {
//			panic(err) // or print it and exit 1
//		}
//	}
//
// Synth synthesizes the app and returns a Report of the unsuppressed cdk-nag
// findings and the audit findings, per stack, with an error listing them when
// there are any. Dir does the same for a cloud assembly that `cdk synth`
// already wrote (the groundwork-check command is Dir on the command line); it
// reads cdk-nag's reports in both formats, CSV (cdk-nag's default) and JSON.
//
// A finding of Groundwork's own constructs is suppressed by the construct that
// owns the resource, so those stay clean; findings on your own resources are
// yours to fix, or to suppress on one resource for one rule with a reason
// (nag.Suppress).
package check

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/groundwork-cdk/groundwork/audit"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// Apply adds the AwsSolutions, NIST 800-53 R5 and Serverless cdk-nag packs to
// scope (normally the App) as aspects, with a CSV report per stack and pack
// in the cloud assembly, exactly as Groundwork's own stacks are checked. Call
// it before Synth (or app.Synth); aspects run during synthesis.
func Apply(scope constructs.IConstruct) {
	nag.Apply(scope, nag.Options{Reports: true})
}

// Options selects the audit rules that depend on how an app is run. The zero
// value (and nil) fits an app that is not Groundwork's: every rule that holds
// for any app is on, the Groundwork conventions below are off.
type Options struct {
	// RequireTags turns on the required-tags rule: every taggable resource
	// carries the Project, Environment and Owner tags (audit.RequiredTags),
	// and a resource type the audit has not classified as taggable or not is
	// reported, so that none is skipped silently. Groundwork applies these tags
	// at the App; turn the rule on if you do the same.
	// Default: off.
	RequireTags bool
	// RequireBoundary turns on the permissions-boundary rule: every IAM role
	// has a permissions boundary. Neither Groundwork's constructs nor the CDK
	// add one: cap the roles of a stack with boundary.Attach(stack, ceiling)
	// (package boundary) or awsiam.PermissionsBoundary_Of(stack).Apply.
	// Default: off.
	RequireBoundary bool
	// RetainStateful requires every stateful resource (buckets, keys, tables,
	// log groups, secrets, queues) to be retained: DeletionPolicy Retain or
	// RetainExceptOnCreate (RemovalPolicy RETAIN_ON_UPDATE_OR_DELETE, which
	// also lets a failed first deploy be retried) and UpdateReplacePolicy
	// Retain. Turn it on for every environment but a disposable dev one.
	// Default: off.
	RetainStateful bool
	// Account is the 12-digit account the app deploys to; when set, every
	// literal aws:SourceAccount condition must name it.
	// Default: "" (not checked).
	Account string
	// Skip lists further audit rules not to check, by name (the audit.Rule…
	// constants), for a rule your app breaks deliberately. Prefer fixing the
	// template.
	// Default: none.
	Skip []string
}

// skipped reports whether the audit rule is off under o.
func (o *Options) skipped(rule string) bool {
	switch rule {
	case audit.RuleTags, audit.RuleUnclassified:
		return !o.RequireTags
	case audit.RuleBoundary:
		return !o.RequireBoundary
	}
	return slices.Contains(o.Skip, rule)
}

func (o *Options) audit() audit.Options {
	return audit.Options{RetainStateful: o.RetainStateful, Account: o.Account}
}

// Synth synthesizes app and checks the cloud assembly it writes, as Dir does;
// call Apply on the app first, or the report has no cdk-nag results. It
// returns the Report and, when the report has problems (Report.Err), an
// error listing every one of them. opts may be nil.
//
// A CDK validation failure during synthesis (with the
// @aws-cdk/core:annotationsInValidationReport flag on, a cdk-nag error
// aborts synthesis) still yields the report of what was written. Synth
// panics as the constructs do: with a *validate.Error when a construct
// rejects its props (validate.ExitOnError prints it in main).
func Synth(app awscdk.App, opts *Options) (*Report, error) {
	synthErr := synth(app)
	dir := *app.Outdir()
	report, err := Dir(dir, opts)
	if err != nil {
		if synthErr != nil {
			return nil, fmt.Errorf("check: synthesis failed: %w", synthErr)
		}
		return nil, err
	}
	if err := report.Err(); err != nil {
		return report, err
	}
	if synthErr != nil {
		return report, fmt.Errorf("check: synthesis failed: %w", synthErr)
	}
	return report, nil
}

// synth runs app.Synth, turning a jsii error into an error with its message;
// a *validate.Error and any other panic go on.
func synth(app awscdk.App) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		var verr *validate.Error
		if e, ok := r.(error); ok && !errors.As(e, &verr) && !isRuntimeError(e) {
			err = errors.New(validate.JSIIMessage(e.Error()))
			return
		}
		panic(r)
	}()
	app.Synth(nil)
	return nil
}

func isRuntimeError(err error) bool {
	_, ok := err.(interface{ RuntimeError() })
	return ok
}

// Dir checks the cloud assembly in dir (cdk.out, as `cdk synth` or Synth
// writes it), including the stacks of nested stages and nested stacks:
//   - the audit over every template (*.template.json) the assembly lists;
//   - cdk-nag: per stack and pack, the counts and unsuppressed findings of
//     cdk-nag's reports, <Pack>-<Stage>-<Stack>-NagReport.csv (what Apply
//     writes) or .json — the newer file when a stack has both — when the app
//     wrote reports; otherwise the unsuppressed error and warning annotations
//     cdk-nag left in the assembly's metadata.
//
// opts may be nil. Dir fails only when the assembly cannot be read; the
// problems found are in the Report (Report.Err).
func Dir(dir string, opts *Options) (*Report, error) {
	if opts == nil {
		opts = &Options{}
	}
	stacks, err := loadAssembly(dir, "")
	if err != nil {
		return nil, err
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("check: %s has no stack; point it at the cloud assembly cdk synth wrote (cdk.out)", dir)
	}
	nested, err := nestedTemplates(dir, stacks)
	if err != nil {
		return nil, err
	}
	stacks = append(stacks, nested...)
	reports, err := readNagReports(dir)
	if err != nil {
		return nil, err
	}
	r := &Report{Dir: dir}
	byKey := map[string]*StackReport{}
	for _, s := range stacks {
		sr := &StackReport{Name: s.name, Template: s.templateFile}
		for _, f := range audit.Check(s.name, s.template, opts.audit()) {
			if !opts.skipped(f.Rule) {
				sr.Audit = append(sr.Audit, f)
			}
		}
		byKey[s.reportKey] = sr
		r.Stacks = append(r.Stacks, sr)
		// The annotations, for the packs that wrote no report for the stack.
		sr.annotations = s.messages
	}
	for _, rep := range reports {
		sr := byKey[rep.key]
		if sr == nil { // a report of a stack the manifest does not list
			sr = &StackReport{Name: strings.TrimPrefix(rep.key, "-")}
			byKey[rep.key] = sr
			r.Stacks = append(r.Stacks, sr)
		}
		sr.Packs = append(sr.Packs, rep.summary)
		sr.Nag = append(sr.Nag, rep.findings...)
	}
	for _, sr := range r.Stacks {
		sr.addAnnotations()
		sr.sort()
	}
	slices.SortFunc(r.Stacks, func(a, b *StackReport) int { return strings.Compare(a.Name, b.Name) })
	return r, nil
}

// nestedTemplates finds the templates of nested stacks (*.nested.template.json)
// beside the stacks' own, which the manifest does not list as artifacts.
func nestedTemplates(dir string, stacks []*stack) ([]*stack, error) {
	dirs := map[string]string{filepath.Clean(dir): ""}
	for _, s := range stacks {
		dirs[filepath.Dir(filepath.Join(dir, s.templateFile))] = s.stage
	}
	var out []*stack
	for _, d := range sortedKeys(dirs) {
		files, err := filepath.Glob(filepath.Join(d, "*.nested.template.json"))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			t, err := readTemplate(f)
			if err != nil {
				return nil, err
			}
			id := strings.TrimSuffix(filepath.Base(f), ".nested.template.json")
			rel, _ := filepath.Rel(dir, f)
			name := id
			if dirs[d] != "" {
				name = dirs[d] + "/" + id
			}
			out = append(out, &stack{name: name, templateFile: rel, template: t, reportKey: lastSegment(dirs[d]) + "-" + id})
		}
	}
	return out, nil
}

func readTemplate(path string) (map[string]any, error) {
	var t map[string]any
	if err := readJSON(path, &t); err != nil {
		return nil, err
	}
	return t, nil
}

func lastSegment(path string) string {
	return path[strings.LastIndex(path, "/")+1:]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
