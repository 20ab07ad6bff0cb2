package check_test

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/check"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// A plain CDK bucket breaks cdk-nag rules and the audit's encryption rule.
// With the CLI's @aws-cdk/core:annotationsInValidationReport flag on, the
// cdk-nag errors abort app.Synth with a jsii ValidationFailed error; Synth
// still reports each finding rather than that one line.
func TestSynthReportsFindings(t *testing.T) {
	dir := t.TempDir()
	ctx := map[string]any{"@aws-cdk/core:annotationsInValidationReport": true}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir), AnalyticsReporting: jsii.Bool(false)})
	stack := awscdk.NewStack(app, jsii.String("Plain"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	awss3.NewBucket(stack, jsii.String("Data"), nil)
	check.Apply(app)

	report, err := check.Synth(app, nil)
	if err == nil || report == nil {
		t.Fatalf("Synth = %v, %v; want a report and an error", report, err)
	}
	if _, statErr := os.Stat(dir + "/validation-report.json"); statErr != nil {
		t.Errorf("the flag should have made synthesis fail validation: %v", statErr)
	}
	msg := err.Error()
	for _, want := range []string{
		"problem(s) in " + dir,
		"Plain: cdk-nag error AwsSolutions-S1 on Plain/Data/Resource: The S3 Bucket has server access logs disabled.",
		"Plain: cdk-nag error AwsSolutions-S10 on Plain/Data/Resource",
		"Plain: cdk-nag error NIST.800.53.R5-S3BucketLoggingEnabled on Plain/Data/Resource",
		"Plain: audit encryption-at-rest on Data",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "ValidationFailed") || strings.Contains(msg, "    at ") {
		t.Errorf("error carries the jsii failure rather than the findings:\n%s", msg)
	}
	if len(report.Stacks) != 1 || len(report.Stacks[0].Packs) != 3 {
		t.Fatalf("want one stack with three pack reports, got %+v", report.Stacks)
	}
	if got := report.Stacks[0].Template; got != "Plain.template.json" {
		t.Errorf("template %q", got)
	}
}
