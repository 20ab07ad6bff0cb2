package nag_test

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// TestFlattenResolved checks the port against the cases of cdk-nag's
// flattenCfnReference.
func TestFlattenResolved(t *testing.T) {
	getAtt := map[string]any{"Fn::GetAtt": []any{"BucketA1", "Arn"}}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"plain string", "arn:aws:s3:::b/*", "arn:aws:s3:::b/*"},
		{"Fn::Sub syntax", "arn:${AWS::Partition}:s3:::b", "arn:<AWS::Partition>:s3:::b"},
		{"GetAtt", getAtt, "<BucketA1.Arn>"},
		{"Ref", map[string]any{"Ref": "Queue1"}, "<Queue1>"},
		{"Join of GetAtt and a suffix", map[string]any{"Fn::Join": []any{"", []any{getAtt, "/*"}}}, "<BucketA1.Arn>/*"},
		{"Join with a delimiter and a pseudo parameter", map[string]any{"Fn::Join": []any{":", []any{"arn", map[string]any{"Ref": "AWS::Partition"}, "s3"}}},
			"arn:<AWS::Partition>:s3"},
		{"ImportValue", map[string]any{"Fn::ImportValue": "Storage:ExportsOutputFnGetAttBucketArn"}, "Storage:ExportsOutputFnGetAttBucketArn"},
		{"Sub", map[string]any{"Fn::Sub": "${Bucket.Arn}/*"}, "<Bucket.Arn>/*"},
		{"anything else is JSON", map[string]any{"Fn::Select": []any{0.0, []any{"a<b"}}}, `{"Fn::Select":[0,["a<b"]]}`},
		{"nil", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nag.FlattenResolved(tc.in); got != tc.want {
				t.Errorf("FlattenResolved(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestFlattenResolvesTokens checks that Flatten resolves a token in the stack
// first, for a resource of the same stack and of another one.
func TestFlattenResolvesTokens(t *testing.T) {
	app := awscdk.NewApp(nil)
	env := &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}
	storage := awscdk.NewStack(app, jsii.String("Storage"), &awscdk.StackProps{Env: env})
	other := awscdk.NewStack(app, jsii.String("Other"), &awscdk.StackProps{Env: env})
	bucket := awss3.NewBucket(storage, jsii.String("Bucket"), nil)
	id := storage.Resolve(bucket.Node().DefaultChild().(awss3.CfnBucket).LogicalId()).(string)
	imported := awss3.Bucket_FromBucketName(other, jsii.String("Imported"), jsii.String("acme-data"))
	tests := []struct {
		name  string
		stack awscdk.Stack
		value any
		want  string
	}{
		{"objects of a bucket", storage, bucket.ArnForObjects(jsii.String("*")), "Resource::<" + id + ".Arn>/*"},
		{"objects of a bucket of another stack", other, bucket.ArnForObjects(jsii.String("*")), "Resource::<" + id + ".Arn>/*"},
		{"imported bucket", other, imported.ArnForObjects(jsii.String("*")), "Resource::arn:<AWS::Partition>:s3:::acme-data/*"},
		{"plain Go string", other, "*", "Resource::*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nag.ResourceFinding(tc.stack, tc.value); got != tc.want {
				t.Errorf("ResourceFinding = %q, want %q", got, tc.want)
			}
		})
	}
}
