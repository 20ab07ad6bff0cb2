package securebucket_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// reportsBucketID is the unique id the grant Sids name the Reports bucket by.
var reportsBucketID string

// One App, one synth for the whole package: each scenario is its own stack.
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	securebucket.New(testkit.NewStack(app, "Defaults"), "Invoices", nil)

	custom := testkit.NewStack(app, "Custom")
	key := awskms.NewKey(custom, jsii.String("SharedKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	logs := securebucket.New(custom, "Logs", &securebucket.Props{Encryption: securebucket.EncryptionS3Managed,
		S3ManagedReason: "A log archive written by a service that supports only SSE-S3.",
		Lifecycle:       &securebucket.Lifecycle{Disabled: true}})
	sb := securebucket.New(custom, "Reports", &securebucket.Props{
		BucketName:       "acme-reports",
		EncryptionKey:    key,
		AccessLogsBucket: logs.Bucket,
		AccessLogsPrefix: "reports/",
		RemovalPolicy:    awscdk.RemovalPolicy_DESTROY,
		Lifecycle:        &securebucket.Lifecycle{TransitionToInfrequentAccessDays: 60, TransitionToGlacierDays: 180, ExpirationDays: 400},
	})
	reader := awsiam.NewRole(custom, jsii.String("Reader"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
	sb.GrantRead(grant.Role(reader))
	reportsBucketID = *awscdk.Names_UniqueId(sb.Bucket)

	// A plain bucket proves the nag gate sees real findings.
	awss3.NewBucket(testkit.NewStack(app, "Canary"), jsii.String("Plain"), nil)
	return app
})

func stack(t *testing.T, name string) *testkit.Stack { return synth.Stack(t, name) }

func TestDefaults(t *testing.T) {
	s := stack(t, "Defaults")
	tests := []struct {
		name  string
		typ   string
		props map[string]any
	}{
		{"all four public-access blocks", "AWS::S3::Bucket", map[string]any{
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		}},
		{"ACLs disabled", "AWS::S3::Bucket", map[string]any{
			"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
		}},
		{"SSE-KMS with the construct's key and a bucket key", "AWS::S3::Bucket", map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled": true,
				"ServerSideEncryptionByDefault": map[string]any{
					"SSEAlgorithm":   "aws:kms",
					"KMSMasterKeyID": s.Arn(t, "Invoices/Key"),
				},
			}}},
		}},
		{"versioning on the data bucket", "AWS::S3::Bucket", map[string]any{
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"LoggingConfiguration":    assertions.Match_ObjectLike(&map[string]any{"LogFilePrefix": "Invoices/"}),
		}},
		{"lifecycle: IA at 30, Glacier at 90, noncurrent 90, uploads 7, no expiry", "AWS::S3::Bucket", map[string]any{
			"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
				"ExpirationInDays": assertions.Match_Absent(),
				"Id":               "TransitionToIA",
				"Status":           "Enabled",
				"Transitions": []any{
					map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
					map[string]any{"StorageClass": "GLACIER", "TransitionInDays": 90},
				},
				"NoncurrentVersionExpiration":    map[string]any{"NoncurrentDays": 90},
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
			}}},
		}},
		{"access logs to the dedicated log bucket", "AWS::S3::Bucket", map[string]any{
			"LoggingConfiguration": map[string]any{
				"DestinationBucketName": s.Ref(t, "Invoices/AccessLogs"),
				"LogFilePrefix":         "Invoices/",
			},
		}},
		{"log bucket: SSE-S3, versioned, public access blocked, logs expire", "AWS::S3::Bucket", map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
			"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{
				"ExpirationInDays": 365, "Status": "Enabled"})}},
		}},
		{"key rotation on", "AWS::KMS::Key", map[string]any{"EnableKeyRotation": true}},
		{"key policy: only the account root administers the key", "AWS::KMS::Key", map[string]any{
			"KeyPolicy": map[string]any{"Statement": []any{map[string]any{
				"Sid": "AllowAccountAdministration", "Effect": "Allow", "Action": "kms:*", "Resource": "*",
				"Principal": map[string]any{"AWS": assertions.Match_AnyValue()},
			}, assertions.Match_ObjectLike(&map[string]any{"Sid": "DenyCreateGrantUnlessForAWSResource", "Effect": "Deny", "Action": "kms:CreateGrant"}), // kmskey: CT.KMS.PR.3
			}, "Version": "2012-10-17"},
		}},
		{"bucket policy denies plain HTTP and TLS below 1.2", "AWS::S3::BucketPolicy", map[string]any{
			"Bucket": s.Ref(t, "Invoices/Bucket"),
			"PolicyDocument": map[string]any{"Statement": []any{
				assertions.Match_ObjectLike(&map[string]any{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
					"Action": "s3:*", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
				assertions.Match_ObjectLike(&map[string]any{"Sid": "DenyTLSBelow12", "Effect": "Deny", "Principal": "*",
					"Action": "s3:*", "Condition": map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}}}),
			}, "Version": "2012-10-17"},
		}},
		{"log bucket policy: log delivery pinned to the source bucket and account", "AWS::S3::BucketPolicy", map[string]any{
			"Bucket": s.Ref(t, "Invoices/AccessLogs"),
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Sid": "AllowServerAccessLogsFromInvoices", "Effect": "Allow", "Action": "s3:PutObject",
					"Principal": map[string]any{"Service": "logging.s3.amazonaws.com"},
					"Condition": map[string]any{
						"ArnLike":      map[string]any{"aws:SourceArn": s.Arn(t, "Invoices/Bucket")},
						"StringEquals": map[string]any{"aws:SourceAccount": "123456789012"},
					},
				}),
			})},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { s.HasResourceProperties(t, tc.typ, tc.props) })
	}

	t.Run("two buckets: data and logs", func(t *testing.T) { s.ResourceCountIs(t, "AWS::S3::Bucket", 2) })
	t.Run("retained on delete and replacement, not after a failed create, by default", func(t *testing.T) {
		for _, typ := range []string{"AWS::S3::Bucket", "AWS::KMS::Key"} {
			for _, id := range s.Resources(typ) {
				r := s.Resource(t, id)
				if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
					t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v; want RetainExceptOnCreate, Retain", id, r["DeletionPolicy"], r["UpdateReplacePolicy"])
				}
			}
		}
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

func TestCustomProps(t *testing.T) {
	s := stack(t, "Custom")
	t.Run("given key, name, log bucket and prefix", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
			"BucketName": "acme-reports",
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"BucketKeyEnabled": true,
				"ServerSideEncryptionByDefault": map[string]any{
					"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": s.Arn(t, "SharedKey")},
			}}},
			"LoggingConfiguration": map[string]any{
				"DestinationBucketName": s.Ref(t, "Logs/Bucket"), "LogFilePrefix": "reports/"},
		})
	})
	t.Run("custom lifecycle days", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
			"BucketName": "acme-reports",
			"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{
				"Transitions": []any{
					map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": 60},
					map[string]any{"StorageClass": "GLACIER", "TransitionInDays": 180},
				},
				"ExpirationInDays": 400})}},
		})
	})
	t.Run("SSE-S3 bucket without lifecycle, and a warning for each weakened default", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::S3::Bucket", map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
			"LifecycleConfiguration": assertions.Match_Absent(),
		})
		var warnings []string
		for _, m := range s.Messages {
			if m.Level == "warning" && strings.HasPrefix(m.Path, "/Custom/Logs") {
				warnings = append(warnings, m.Text)
			}
		}
		joined := strings.Join(warnings, "\n")
		for _, want := range []string{"SSE-S3", "lifecycle rules are disabled"} {
			if !strings.Contains(joined, want) {
				t.Errorf("want a warning containing %q, got %q", want, warnings)
			}
		}
	})
	t.Run("given log bucket receives the log-delivery statement", func(t *testing.T) {
		s.HasResourceProperties(t, "AWS::S3::BucketPolicy", map[string]any{
			"Bucket": s.Ref(t, "Logs/Bucket"),
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowServerAccessLogsFromReports", "Action": "s3:PutObject"}),
			})},
		})
	})
	t.Run("destroy removal policy", func(t *testing.T) {
		s.HasResource(t, "AWS::S3::Bucket", map[string]any{
			"Properties":     assertions.Match_ObjectLike(&map[string]any{"BucketName": "acme-reports"}),
			"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
		})
	})
	t.Run("GrantRead: grant.BucketRead's statements in the reader's policy", func(t *testing.T) {
		bucket := s.Arn(t, "Reports/Bucket")
		objects := map[string]any{"Fn::Join": []any{"", []any{bucket, "/*"}}}
		s.HasResourceProperties(t, "AWS::IAM::ManagedPolicy", map[string]any{
			"Roles": []any{s.Ref(t, "Reader")},
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Sid": "ListBucket" + reportsBucketID, "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket},
				map[string]any{"Sid": "ReadObjects" + reportsBucketID, "Effect": "Allow", "Action": "s3:GetObject", "Resource": objects},
				map[string]any{"Sid": "ReadObjectsKey" + reportsBucketID, "Effect": "Allow", "Action": "kms:Decrypt",
					"Resource": s.Arn(t, "SharedKey"),
					"Condition": map[string]any{
						"StringEquals": map[string]any{"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
						"StringLike":   map[string]any{"kms:EncryptionContext:aws:s3:arn": []any{bucket, objects}},
					}},
			}, "Version": "2012-10-17"},
		})
		// The policy belongs to the reader (grant.Role), not to the bucket.
		s.LogicalID(t, "Reader/GrantPolicy")
	})
	t.Run("nag clean", func(t *testing.T) { testkit.RequireNagClean(t, s) })
}

// TestNagGateSeesFindings proves the gate is not vacuous: a plain CDK bucket
// breaks several rules of each pack.
func TestNagGateSeesFindings(t *testing.T) {
	s := stack(t, "Canary")
	rules := map[string]bool{}
	for _, f := range s.NagFindings() {
		rules[f.Rule()] = true
	}
	for _, want := range []string{"AwsSolutions-S1", "AwsSolutions-S10", "NIST.800.53.R5-S3BucketLoggingEnabled",
		"NIST.800.53.R5-S3BucketVersioningEnabled"} {
		if !rules[want] {
			t.Errorf("want finding %s on a plain bucket, got %v", want, rules)
		}
	}
}
