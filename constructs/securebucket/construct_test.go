package securebucket_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

// recorder is an aspect that records the paths it visits.
type recorder struct{ visited []string }

func (r *recorder) Visit(node constructs.IConstruct) {
	r.visited = append(r.visited, *node.Node().Path())
}

var (
	aspect    = &recorder{}
	stackOfSB string // *Stack_Of(bucket).Node().Path(), taken at construction
)

// A second App for the construct contract, environment-agnostic stacks and a
// shared log bucket; separate from the defaults' App so that its stacks stay
// minimal.
var contract = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	st := testkit.NewStack(app, "Construct")
	data := securebucket.New(st, "Data", nil)
	awscdk.Tags_Of(data).Add(jsii.String("CostCentre"), jsii.String("42"), nil)
	awscdk.Aspects_Of(data).Add(aspect, nil)
	stackOfSB = *awscdk.Stack_Of(data).Node().Path()
	before := awscdk.NewCfnWaitConditionHandle(st, jsii.String("Before"), nil)
	after := awscdk.NewCfnWaitConditionHandle(st, jsii.String("After"), nil)
	data.Node().AddDependency(before)
	after.Node().AddDependency(data)
	awscdk.NewCfnWaitConditionHandle(data, jsii.String("Inside"), nil)
	awscdk.Annotations_Of(data).AddWarningV2(jsii.String("test:warning"), jsii.String("a warning on the SecureBucket"), nil)

	securebucket.New(awscdk.NewStack(app, jsii.String("Agnostic"), nil), "Data", nil)

	sh := testkit.NewStack(app, "Shared")
	logs := securebucket.New(sh, "Logs", &securebucket.Props{Encryption: securebucket.EncryptionS3Managed,
		S3ManagedReason: "S3 server access log delivery supports only SSE-S3 targets.",
		Lifecycle:       &securebucket.Lifecycle{ExpirationDays: 365}})
	for _, team := range []string{"TeamA", "TeamB"} {
		securebucket.New(constructs.NewConstruct(sh, jsii.String(team)), "Data", &securebucket.Props{AccessLogsBucket: logs.Bucket})
	}
	securebucket.New(sh, "ToImported", &securebucket.Props{
		AccessLogsBucket: awss3.Bucket_FromBucketName(sh, jsii.String("Central"), jsii.String("acme-central-logs"))})
	return app
})

func TestConstructContract(t *testing.T) {
	s := contract.Stack(t, "Construct")
	bucket, key, logs := s.LogicalID(t, "Data/Bucket"), s.LogicalID(t, "Data/Key"), s.LogicalID(t, "Data/AccessLogs")
	t.Run("Tags_Of lands on every taggable resource", func(t *testing.T) {
		for _, id := range []string{bucket, key, logs} {
			tags, _ := s.Resource(t, id)["Properties"].(map[string]any)["Tags"].([]any)
			if !slices.ContainsFunc(tags, func(v any) bool {
				m, _ := v.(map[string]any)
				return m["Key"] == "CostCentre" && m["Value"] == "42"
			}) {
				t.Errorf("%s: Tags %v lack CostCentre=42", id, tags)
			}
		}
	})
	t.Run("Aspects_Of visits the construct's children", func(t *testing.T) {
		for _, want := range []string{"Construct/Data", "Construct/Data/Bucket/Resource", "Construct/Data/Key/Resource"} {
			if !slices.Contains(aspect.visited, want) {
				t.Errorf("aspect did not visit %s; visited %v", want, aspect.visited)
			}
		}
	})
	t.Run("Stack_Of", func(t *testing.T) {
		if stackOfSB != "Construct" {
			t.Errorf("Stack_Of(bucket) = %q, want Construct", stackOfSB)
		}
	})
	t.Run("AddDependency on the construct: its resources wait", func(t *testing.T) {
		for _, id := range []string{bucket, key, logs} {
			deps, _ := s.Resource(t, id)["DependsOn"].([]any)
			if !slices.Contains(deps, any(s.LogicalID(t, "Before"))) {
				t.Errorf("%s: DependsOn %v lacks Before", id, deps)
			}
		}
	})
	t.Run("AddDependency of another construct on it", func(t *testing.T) {
		deps, _ := s.Resource(t, s.LogicalID(t, "After"))["DependsOn"].([]any)
		for _, id := range []string{bucket, key, logs} {
			if !slices.Contains(deps, any(id)) {
				t.Errorf("After: DependsOn %v lacks %s", deps, id)
			}
		}
	})
	t.Run("as a scope", func(t *testing.T) {
		if id := s.LogicalID(t, "Data/Inside"); s.Resource(t, id)["Type"] != "AWS::CloudFormation::WaitConditionHandle" {
			t.Errorf("no child resource under the SecureBucket")
		}
	})
	t.Run("Annotations_Of", func(t *testing.T) {
		for _, m := range s.Messages {
			if m.Path == "/Construct/Data" && m.Level == "warning" && strings.HasPrefix(m.Text, "a warning on the SecureBucket") {
				return
			}
		}
		t.Errorf("no warning on /Construct/Data in %v", s.Messages)
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

// An environment-agnostic stack gets a template that deploys to any account
// and region: pseudo-parameters, never literals.
func TestEnvironmentAgnostic(t *testing.T) {
	s := contract.Stack(t, "Agnostic")
	t.Run("no literal region or account", func(t *testing.T) {
		if m := regexp.MustCompile(`"[a-z]{2}(-gov)?-[a-z]+-\d[a-z]?"|\d{12}`).Find(s.JSON); m != nil {
			t.Errorf("template has the literal %s", m)
		}
	})
	t.Run("log delivery pinned to the deploying account", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::S3::BucketPolicy", map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowServerAccessLogsFromData",
					"Condition": assertions.Match_ObjectLike(&map[string]any{
						"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}})}),
			})},
		})
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

// Two SecureBuckets with the same id in different scopes share one log
// bucket: distinct prefixes and distinct Sids.
func TestSharedLogBucket(t *testing.T) {
	s := contract.Stack(t, "Shared")
	for _, team := range []string{"TeamA", "TeamB"} {
		t.Run(team, func(t *testing.T) {
			s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
				"LoggingConfiguration": map[string]any{
					"DestinationBucketName": s.Ref(t, "Logs/Bucket"), "LogFilePrefix": team + "/Data/"},
			})
		})
	}
	t.Run("one statement per source bucket, each scoped to its prefix", func(t *testing.T) {
		var statements []any
		for _, team := range []string{"TeamA", "TeamB"} {
			statements = append(statements, assertions.Match_ObjectLike(&map[string]any{
				"Sid":       "AllowServerAccessLogsFrom" + team + "Data",
				"Resource":  map[string]any{"Fn::Join": []any{"", []any{s.Arn(t, "Logs/Bucket"), "/" + team + "/Data/*"}}},
				"Condition": assertions.Match_ObjectLike(&map[string]any{"ArnLike": map[string]any{"aws:SourceArn": s.Arn(t, team+"/Data/Bucket")}}),
			}))
		}
		s.HasResourceProperties(t, "AWS::S3::BucketPolicy", map[string]any{
			"Bucket":         s.Ref(t, "Logs/Bucket"),
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&statements)},
		})
	})
	t.Run("an imported log bucket: a warning to add the statement there", func(t *testing.T) {
		s.HasWarning(t, "AccessLogsBucket is imported, so its bucket policy cannot be changed here")
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}
