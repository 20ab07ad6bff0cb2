package securebucket

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// TestBoundsValidation feeds Props.validate each rule at its bound and one
// past it, on both sides. It needs no synthesis (make mutate mutates props.go
// against it). want lists parts of the message; nil means accepted.
func TestBoundsValidation(t *testing.T) {
	stack := testkit.NewStack(testkit.NewApp(nil), "Bounds")
	var imported int
	logBucket := func(n string) awss3.IBucket {
		imported++
		return awss3.Bucket_FromBucketName(stack, jsii.String(fmt.Sprint("Logs", imported)), jsii.String(n))
	}
	// generated has a name CloudFormation chooses: a token at synthesis.
	generated := awss3.NewBucket(stack, jsii.String("Generated"), nil)
	lc := func(l Lifecycle) Props { return Props{Lifecycle: &l} }
	name := func(n string) Props { return Props{BucketName: n} }
	prefix := func(p string) Props { return Props{AccessLogsPrefix: p} }
	tests := []struct {
		name  string
		props Props
		want  []string
	}{
		{"defaults", Props{}, nil},
		// Standard-IA: S3's minimum is 30 days.
		{"IA at 29", lc(Lifecycle{TransitionToInfrequentAccessDays: 29}), []string{"Lifecycle.TransitionToInfrequentAccessDays = 29", "at least 30 days old", "use 30 or more"}},
		{"IA at 30", lc(Lifecycle{TransitionToInfrequentAccessDays: 30}), nil},
		{"IA at 1", lc(Lifecycle{TransitionToInfrequentAccessDays: 1}), []string{"Lifecycle.TransitionToInfrequentAccessDays = 1"}},
		// Glacier: at least 30 days after Standard-IA.
		{"Glacier at IA + 29", lc(Lifecycle{TransitionToInfrequentAccessDays: 40, TransitionToGlacierDays: 69}),
			[]string{"Lifecycle.TransitionToGlacierDays = 69", "Standard-IA transition (40 days)", "set it to 70 or more"}},
		{"Glacier at IA + 30", lc(Lifecycle{TransitionToInfrequentAccessDays: 40, TransitionToGlacierDays: 70}), nil},
		{"Glacier at default IA + 29", lc(Lifecycle{TransitionToGlacierDays: 59}), []string{"Lifecycle.TransitionToGlacierDays = 59", "set it to 60 or more"}},
		{"Glacier at default IA + 30", lc(Lifecycle{TransitionToGlacierDays: 60}), nil},
		{"Glacier check skipped when IA is rejected", lc(Lifecycle{TransitionToInfrequentAccessDays: 29, TransitionToGlacierDays: 31}), []string{"TransitionToInfrequentAccessDays = 29"}},
		// Expiration: after the last transition.
		{"expiration at Glacier", lc(Lifecycle{ExpirationDays: 90}), []string{"Lifecycle.ExpirationDays = 90", "(Glacier at 90 days)", "set it above 90"}},
		{"expiration at Glacier + 1", lc(Lifecycle{ExpirationDays: 91}), nil},
		{"expiration at 1", lc(Lifecycle{ExpirationDays: 1}), []string{"Lifecycle.ExpirationDays = 1"}},
		// Days are not negative; 0 is the default.
		{"IA at -1", lc(Lifecycle{TransitionToInfrequentAccessDays: -1}), []string{"Lifecycle.TransitionToInfrequentAccessDays = -1", "cannot be negative"}},
		{"Glacier at -1", lc(Lifecycle{TransitionToGlacierDays: -1}), []string{"Lifecycle.TransitionToGlacierDays = -1", "cannot be negative"}},
		{"noncurrent at -1", lc(Lifecycle{NoncurrentVersionExpirationDays: -1}), []string{"Lifecycle.NoncurrentVersionExpirationDays = -1"}},
		{"abort at -1", lc(Lifecycle{AbortIncompleteUploadDays: -1}), []string{"Lifecycle.AbortIncompleteUploadDays = -1"}},
		{"expiration at -1", lc(Lifecycle{ExpirationDays: -1}), []string{"Lifecycle.ExpirationDays = -1", "cannot be negative"}},
		{"noncurrent and abort at 1", lc(Lifecycle{NoncurrentVersionExpirationDays: 1, AbortIncompleteUploadDays: 1}), nil},
		{"disabled rule is not checked", lc(Lifecycle{Disabled: true, TransitionToInfrequentAccessDays: 1}), nil},

		// Bucket names: 3 to 63 characters.
		{"name of 2", name("ab"), []string{"BucketName", "3 to 63 characters long, this one has 2"}},
		{"name of 3", name("abc"), nil},
		{"name of 63", name(strings.Repeat("a", 63)), nil},
		{"name of 64", name(strings.Repeat("a", 64)), []string{"this one has 64"}},
		{"name with uppercase", name("Abc"), []string{"only lowercase letters, digits, dots and hyphens"}},
		{"name starting with a hyphen", name("-abc"), []string{"starts and ends with a lowercase letter or digit"}},
		{"name ending with a dot", name("abc."), []string{"starts and ends with a lowercase letter or digit"}},
		{"name from digits and hyphens", name("0a-b.9"), nil},
		{"name starting and ending with z", name("z-a.z"), nil},
		{"name starting and ending with 9 and 0", name("9-a.0"), nil},
		{"name ending with the character after z", name("ab{"), []string{"starts and ends with a lowercase letter or digit"}},
		{"name with adjacent dots", name("a..b"), []string{"no two adjacent dots"}},
		{"IP address name", name("192.168.5.4"), []string{"not formatted as an IP address"}},
		{"reserved prefix", name("xn--abc"), []string{`the prefix "xn--" is reserved`}},
		{"reserved suffix", name("abc-s3alias"), []string{`the suffix "-s3alias" is reserved`}},
		{"all names rules at once", name("X"), []string{"this one has 1", "only lowercase", ", and ", "Amazon S3 User Guide, general purpose bucket naming rules", "leave BucketName empty"}},

		// Access-log prefixes: at most 512 bytes of safe characters.
		{"prefix of 512", prefix(strings.Repeat("a", 511) + "/"), nil},
		{"prefix of 513", prefix(strings.Repeat("a", 512) + "/"), []string{"AccessLogsPrefix", "the prefix is 513 bytes", "at most 512"}},
		{"prefix with a space", prefix("a b/"), []string{"outside those AWS calls safe"}},
		{"prefix starting with /", prefix("/logs/"), []string{`starts with "/"`}},
		{"prefix with //", prefix("a//b/"), []string{`empty path segment ("//")`}},
		{"prefix with ..", prefix("a/../b/"), []string{`a "." or ".." path segment`}},
		{"prefix with .", prefix("./b/"), []string{`a "." or ".." path segment`}},
		{"prefix with dots in a name", prefix("a.b/..c/"), nil},
		{"prefix without a slash", prefix("logs"), nil},

		// SSE-S3 needs a reason of at least 20 characters.
		{"reason of 19", Props{Encryption: EncryptionS3Managed, S3ManagedReason: strings.Repeat("r", 19)}, []string{"S3ManagedReason", "needs a reason a reviewer accepts"}},
		{"reason of 20", Props{Encryption: EncryptionS3Managed, S3ManagedReason: strings.Repeat("r", 20)}, nil},
		{"unknown encryption", Props{Encryption: Encryption(99)}, []string{"Encryption", "unknown encryption mode"}},
		{"bad removal policy", Props{RemovalPolicy: "keep"}, []string{"RemovalPolicy"}},

		// Server access logs never go to the bucket itself.
		{"log bucket is the bucket", Props{BucketName: "acme-data", AccessLogsBucket: logBucket("acme-data")},
			[]string{"AccessLogsBucket", `"acme-data"`, "never to the bucket itself", "leave AccessLogsBucket nil"}},
		{"log bucket is another bucket", Props{BucketName: "acme-data", AccessLogsBucket: logBucket("acme-logs")}, nil},
		{"log bucket with a generated name", Props{BucketName: "acme-data", AccessLogsBucket: generated}, nil},
		{"unnamed bucket", Props{AccessLogsBucket: logBucket("acme-logs")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.props.validate()
			testkit.Verdict(t, err, tc.want)
		})
	}
}
