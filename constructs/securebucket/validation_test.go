package securebucket_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// badInput is one bad-input case: New(scope, id, props) must fail with a
// message containing every want (after the construct kind and path).
type badInput struct {
	name  string
	scope constructs.Construct
	id    string
	props *securebucket.Props
	want  []string
}

func runBadInputs(t *testing.T, cases []badInput) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := testkit.ValidationError(t, func() { securebucket.New(tc.scope, tc.id, tc.props) })
			path := tc.id
			if tc.scope != nil {
				path = *tc.scope.Node().Path() + "/" + tc.id
			}
			testkit.Contains(t, "message", msg, append([]string{fmt.Sprintf("securebucket %q: invalid props", path)}, tc.want...)...)
		})
	}
}

// badInputCount counts the cases of every bad-input table in the package.
var badInputCount int

func TestValidation(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Invalid")
	key := awskms.NewKey(st, jsii.String("Key"), nil)
	cases := []badInput{
		{"key with S3-managed encryption", st, "A", &securebucket.Props{Encryption: securebucket.EncryptionS3Managed,
			S3ManagedReason: "the writer supports only SSE-S3", EncryptionKey: key},
			[]string{"EncryptionKey", "Invalid/Key", "only used with Encryption EncryptionKMS", "drop EncryptionKey"}},
		{"log bucket equal to the bucket", st, "B", &securebucket.Props{BucketName: "acme-data",
			AccessLogsBucket: awss3.Bucket_FromBucketName(st, jsii.String("Self"), jsii.String("acme-data"))},
			[]string{"AccessLogsBucket", `"acme-data"`, "dedicated bucket", "leave AccessLogsBucket nil"}},
		{"negative days", st, "C", &securebucket.Props{Lifecycle: &securebucket.Lifecycle{NoncurrentVersionExpirationDays: -1}},
			[]string{"Lifecycle.NoncurrentVersionExpirationDays = -1", "cannot be negative", "use a positive number of days"}},
		{"negative abort days", st, "C2", &securebucket.Props{Lifecycle: &securebucket.Lifecycle{AbortIncompleteUploadDays: -7}},
			[]string{"Lifecycle.AbortIncompleteUploadDays = -7", "cannot be negative"}},
		{"negative expiration", st, "C3", &securebucket.Props{Lifecycle: &securebucket.Lifecycle{ExpirationDays: -1}},
			[]string{"Lifecycle.ExpirationDays = -1", "cannot be negative"}},
		{"snapshot removal policy", st, "D", &securebucket.Props{RemovalPolicy: awscdk.RemovalPolicy_SNAPSHOT},
			[]string{`RemovalPolicy = "SNAPSHOT"`, "retained or destroyed, not snapshotted", "use RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (the default)"}},
		{"SSE-S3 without a reason", st, "E", &securebucket.Props{Encryption: securebucket.EncryptionS3Managed},
			[]string{`S3ManagedReason = ""`, "needs a reason", "say why the writer cannot use KMS"}},
		{"unknown encryption", st, "F", &securebucket.Props{Encryption: securebucket.Encryption(7)},
			[]string{"Encryption = Encryption(7)", "EncryptionKMS (default) or EncryptionS3Managed"}},
		// Scope and id.
		{"nil scope", nil, "Orphan", nil, []string{"scope = <nil>", "needs a parent scope", "pass the stack or construct"}},
		{"empty id", st, "", nil, []string{`id = ""`, "must not be empty", `such as "Invoices"`}},
		{"duplicate id", st, "Key", nil, []string{`id = "Key"`, `ids are unique within a scope: "Invalid/Key" already exists`, "give this construct another id"}},
		{"nil scope with bad props: both reported", nil, "Orphan", &securebucket.Props{BucketName: "UPPER"},
			[]string{"scope = <nil>", `BucketName = "UPPER"`}},
	}
	badInputCount += len(cases)
	runBadInputs(t, cases)

	t.Run("all problems are reported together", func(t *testing.T) {
		msg := testkit.ValidationError(t, func() {
			securebucket.New(st, "Many", &securebucket.Props{BucketName: "UPPER",
				Lifecycle: &securebucket.Lifecycle{TransitionToInfrequentAccessDays: 1}})
		})
		if n := strings.Count(msg, "\n  - "); n != 2 {
			t.Errorf("want 2 problems, got %d:\n%s", n, msg)
		}
	})
	t.Run("nothing is created by a failed New", func(t *testing.T) {
		var ids []string
		for _, c := range *st.Node().Children() {
			ids = append(ids, *c.Node().Id())
		}
		if got := strings.Join(ids, ","); got != "Key,Self" {
			t.Errorf("stack children after failed New calls: %s, want Key,Self", got)
		}
	})
}

const rule = "(Amazon S3 User Guide, general purpose bucket naming rules)"

func TestBucketNames(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Names")
	fix := "choose a conforming name, or leave BucketName empty"
	bad := []struct{ name, value, rule string }{
		{"too short", "ab", "3 to 63 characters long, this one has 2"},
		{"too long", strings.Repeat("a", 64), "this one has 64"},
		{"uppercase and underscore", "Acme_Invoices", "only lowercase letters, digits, dots and hyphens"},
		{"leading hyphen", "-acme", "starts and ends with a lowercase letter or digit"},
		{"trailing dot", "acme.", "starts and ends with a lowercase letter or digit"},
		{"adjacent dots", "acme..data", "no two adjacent dots"},
		{"IP address", "192.168.5.4", "not formatted as an IP address"},
		{"prefix xn--", "xn--acme", `the prefix "xn--" is reserved`},
		{"prefix sthree-", "sthree-acme", `the prefix "sthree-" is reserved`},
		{"prefix amzn-s3-demo-", "amzn-s3-demo-acme", `the prefix "amzn-s3-demo-" is reserved`},
		{"suffix -s3alias", "acme-s3alias", `the suffix "-s3alias" is reserved`},
		{"suffix --ol-s3", "acme--ol-s3", `the suffix "--ol-s3" is reserved`},
		{"suffix .mrap", "acme.mrap", `the suffix ".mrap" is reserved`},
		{"suffix --x-s3", "acme--x-s3", `the suffix "--x-s3" is reserved`},
		{"suffix --table-s3", "acme--table-s3", `the suffix "--table-s3" is reserved`},
	}
	var cases []badInput
	for i, b := range bad {
		cases = append(cases, badInput{b.name, st, fmt.Sprintf("Bad%d", i), &securebucket.Props{BucketName: b.value},
			[]string{fmt.Sprintf("BucketName = %q", b.value), b.rule, rule, fix}})
	}
	badInputCount += len(cases)
	runBadInputs(t, cases)

	for i, ok := range []string{"abc", strings.Repeat("a", 63), "acme.data-1", "xn-acme", "acme-s3alias-2", "1acme9"} {
		t.Run("accepted "+ok, func(t *testing.T) {
			testkit.Must(t, func() { securebucket.New(st, fmt.Sprintf("Ok%d", i), &securebucket.Props{BucketName: ok}) })
		})
	}
}

// TestLifecycleBounds feeds each S3 lifecycle bound, and one day past it on
// both sides.
func TestLifecycleBounds(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Lifecycle")
	tests := []struct {
		name string
		lc   securebucket.Lifecycle
		want []string // nil: accepted
	}{
		{"IA at 29", securebucket.Lifecycle{TransitionToInfrequentAccessDays: 29},
			[]string{"Lifecycle.TransitionToInfrequentAccessDays = 29", "at least 30 days old", "S3 API reference, Transition.Days", "use 30 or more"}},
		{"IA at 30", securebucket.Lifecycle{TransitionToInfrequentAccessDays: 30, TransitionToGlacierDays: 60}, nil},
		{"IA at 31", securebucket.Lifecycle{TransitionToInfrequentAccessDays: 31, TransitionToGlacierDays: 61}, nil},
		{"IA at 7", securebucket.Lifecycle{TransitionToInfrequentAccessDays: 7},
			[]string{"Lifecycle.TransitionToInfrequentAccessDays = 7", "use 30 or more"}},
		{"Glacier at IA + 29 (default IA)", securebucket.Lifecycle{TransitionToGlacierDays: 59},
			[]string{"Lifecycle.TransitionToGlacierDays = 59", "at least 30 days after the Standard-IA transition (30 days)",
				"lifecycle transition constraints", "set it to 60 or more"}},
		{"Glacier at IA + 30", securebucket.Lifecycle{TransitionToGlacierDays: 60}, nil},
		{"Glacier at IA + 31", securebucket.Lifecycle{TransitionToGlacierDays: 61}, nil},
		{"Glacier before IA, both custom", securebucket.Lifecycle{TransitionToInfrequentAccessDays: 100, TransitionToGlacierDays: 90},
			[]string{"Lifecycle.TransitionToGlacierDays = 90", "Standard-IA transition (100 days)", "set it to 130 or more"}},
		{"Glacier at custom IA + 29", securebucket.Lifecycle{TransitionToInfrequentAccessDays: 100, TransitionToGlacierDays: 129},
			[]string{"Lifecycle.TransitionToGlacierDays = 129", "set it to 130 or more"}},
		{"Glacier at custom IA + 30", securebucket.Lifecycle{TransitionToInfrequentAccessDays: 100, TransitionToGlacierDays: 130}, nil},
		{"expiration at the Glacier day", securebucket.Lifecycle{ExpirationDays: 90},
			[]string{"Lifecycle.ExpirationDays = 90", "expire after their last transition (Glacier at 90 days)", "not greater than a Transition's", "set it above 90"}},
		{"expiration a day before Glacier", securebucket.Lifecycle{ExpirationDays: 89},
			[]string{"Lifecycle.ExpirationDays = 89", "set it above 90"}},
		{"expiration a day after Glacier", securebucket.Lifecycle{ExpirationDays: 91}, nil},
		{"expiration after a custom Glacier day", securebucket.Lifecycle{TransitionToGlacierDays: 200, ExpirationDays: 200},
			[]string{"Lifecycle.ExpirationDays = 200", "(Glacier at 200 days)", "set it above 200"}},
		{"noncurrent and abort at 1", securebucket.Lifecycle{NoncurrentVersionExpirationDays: 1, AbortIncompleteUploadDays: 1}, nil},
		{"noncurrent at -1", securebucket.Lifecycle{NoncurrentVersionExpirationDays: -1},
			[]string{"Lifecycle.NoncurrentVersionExpirationDays = -1", "cannot be negative"}},
		{"disabled rule ignores days", securebucket.Lifecycle{Disabled: true, TransitionToInfrequentAccessDays: 1}, nil},
	}
	var cases []badInput
	for i, tc := range tests {
		id := fmt.Sprintf("B%d", i)
		if tc.want == nil {
			t.Run(tc.name+" accepted", func(t *testing.T) {
				lc := tc.lc
				testkit.Must(t, func() { securebucket.New(st, id, &securebucket.Props{Lifecycle: &lc}) })
			})
			continue
		}
		lc := tc.lc
		cases = append(cases, badInput{tc.name, st, id, &securebucket.Props{Lifecycle: &lc}, tc.want})
	}
	badInputCount += len(cases)
	runBadInputs(t, cases)
}

func TestAccessLogsPrefix(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Prefixes")
	fix := `use a short prefix of letters, digits and "-", "_", "." ending in "/"`
	bad := []struct{ name, value, rule string }{
		{"one byte over the limit", strings.Repeat("a", 512) + "/", "the prefix is 513 bytes; S3 object keys are at most 1,024 bytes"},
		{"space", "my logs/", "outside those AWS calls safe in object keys"},
		{"question mark", "logs?/", "outside those AWS calls safe in object keys"},
		{"non-ASCII", "café/", "outside those AWS calls safe"},
		{"leading slash", "/logs/", `starts with "/"`},
		{"empty segment", "logs//data/", `empty path segment ("//")`},
		{"dot-dot segment", "logs/../data/", `"." or ".." path segment`},
		{"dot segment", "./logs/", `"." or ".." path segment`},
	}
	var cases []badInput
	for i, b := range bad {
		cases = append(cases, badInput{b.name, st, fmt.Sprintf("Bad%d", i), &securebucket.Props{AccessLogsPrefix: b.value},
			[]string{fmt.Sprintf("AccessLogsPrefix = %q", b.value), b.rule, fix}})
	}
	badInputCount += len(cases)
	runBadInputs(t, cases)
	for i, ok := range []string{strings.Repeat("a", 511) + "/", "reports/", "team-a/data_2024.(raw)/", "logs"} {
		t.Run(fmt.Sprintf("accepted %.20q", ok), func(t *testing.T) {
			testkit.Must(t, func() { securebucket.New(st, fmt.Sprintf("Ok%d", i), &securebucket.Props{AccessLogsPrefix: ok}) })
		})
	}
}

// TestAccessLogTargets rejects log buckets S3 cannot deliver server access
// logs to, when that is knowable at synthesis.
func TestAccessLogTargets(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Targets")
	kmsSecure := securebucket.New(st, "KmsSecure", nil)
	kmsManaged := awss3.NewBucket(st, jsii.String("KmsManaged"), &awss3.BucketProps{Encryption: awss3.BucketEncryption_KMS_MANAGED})
	dsse := awss3.NewBucket(st, jsii.String("Dsse"), &awss3.BucketProps{Encryption: awss3.BucketEncryption_DSSE_MANAGED})
	key := awskms.NewKey(st, jsii.String("Key"), nil)
	importedKms := awss3.Bucket_FromBucketAttributes(st, jsii.String("ImportedKms"), &awss3.BucketAttributes{
		BucketName: jsii.String("acme-kms-logs"), EncryptionKey: key})
	otherRegion := awss3.Bucket_FromBucketAttributes(st, jsii.String("OtherRegion"), &awss3.BucketAttributes{
		BucketName: jsii.String("acme-us-logs"), Region: jsii.String("us-east-1")})
	otherAccount := awss3.Bucket_FromBucketAttributes(st, jsii.String("OtherAccount"), &awss3.BucketAttributes{
		BucketName: jsii.String("acme-other-logs"), Account: jsii.String("210987654321")})
	locked := awss3.NewBucket(st, jsii.String("Locked"), &awss3.BucketProps{Encryption: awss3.BucketEncryption_S3_MANAGED,
		ObjectLockEnabled: jsii.Bool(true), ObjectLockDefaultRetention: awss3.ObjectLockRetention_Governance(awscdk.Duration_Days(jsii.Number(1)))})
	shared := awss3.NewBucket(st, jsii.String("Shared"), &awss3.BucketProps{Encryption: awss3.BucketEncryption_S3_MANAGED})
	testkit.Must(t, func() {
		securebucket.New(st, "First", &securebucket.Props{AccessLogsBucket: shared, AccessLogsPrefix: "same/"})
		securebucket.New(st, "Team-A", &securebucket.Props{AccessLogsBucket: shared})
	})
	sseKMS := "S3 server access logging delivers only to a target bucket whose default encryption is SSE-S3"
	fix := "pass a bucket encrypted with SSE-S3"
	cases := []badInput{
		{"a SecureBucket with SSE-KMS", st, "A", &securebucket.Props{AccessLogsBucket: kmsSecure.Bucket},
			[]string{`AccessLogsBucket = "Targets/KmsSecure/Bucket"`, sseKMS, "Amazon S3 User Guide, server access logging", fix}},
		{"a bucket with the AWS-managed KMS key", st, "B", &securebucket.Props{AccessLogsBucket: kmsManaged},
			[]string{`AccessLogsBucket = "Targets/KmsManaged"`, sseKMS, fix}},
		{"a bucket with DSSE-KMS", st, "C", &securebucket.Props{AccessLogsBucket: dsse},
			[]string{`AccessLogsBucket = "Targets/Dsse"`, "DSSE-KMS targets receive no logs", fix}},
		{"an imported bucket with its KMS key", st, "D", &securebucket.Props{AccessLogsBucket: importedKms},
			[]string{`AccessLogsBucket = "Targets/ImportedKms"`, sseKMS}},
		{"a bucket in another region", st, "E", &securebucket.Props{AccessLogsBucket: otherRegion},
			[]string{`AccessLogsBucket = "Targets/OtherRegion"`, "only to a bucket in the source bucket's region; the log bucket is in us-east-1, this bucket in eu-west-1",
				"pass a log bucket in eu-west-1"}},
		{"a bucket in another account", st, "F", &securebucket.Props{AccessLogsBucket: otherAccount},
			[]string{"source bucket's account; the log bucket is in 210987654321", "pass a log bucket in 123456789012"}},
		{"a bucket with Object Lock default retention", st, "G", &securebucket.Props{AccessLogsBucket: locked},
			[]string{`AccessLogsBucket = "Targets/Locked"`, "must not have an S3 Object Lock default retention period", "use a log bucket without Object Lock"}},
		{"a prefix another bucket already uses", st, "Second", &securebucket.Props{AccessLogsBucket: shared, AccessLogsPrefix: "same/"},
			[]string{`AccessLogsPrefix = "same/"`, "another bucket already delivers its server access logs to Targets/Shared under this prefix (statement AllowServerAccessLogsFromFirst)",
				"give each bucket sharing the log bucket its own prefix"}},
		{"a path giving the same Sid as another bucket's", st, "TeamA", &securebucket.Props{AccessLogsBucket: shared},
			[]string{`AccessLogsBucket = "Targets/Shared"`, "already has a statement AllowServerAccessLogsFromTeamA", "give this bucket another id"}},
	}
	badInputCount += len(cases)
	runBadInputs(t, cases)
}

// TestBadInputCount reports how many bad-input cases the package feeds.
func TestBadInputCount(t *testing.T) {
	t.Logf("securebucket: %d bad-input cases", badInputCount)
}
