// Package securebucket provides SecureBucket, an S3 bucket with the guidance's
// S3 section as defaults: all public access blocked, ACLs disabled, SSE-KMS with
// a rotating customer-managed key and a bucket key, versioning, lifecycle
// transitions, server access logs to a dedicated hardened bucket, and a bucket
// policy that denies plain HTTP and TLS older than 1.2. It is retained on delete
// and on replacement, but not after a failed first create
// (RETAIN_ON_UPDATE_OR_DELETE), unless the caller opts out (dev only).
//
// The construct owns its cdk-nag suppressions; each is scoped to one resource
// and one rule and says why.
package securebucket

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/kmskey"
	"github.com/groundwork-cdk/groundwork/nag"
	"github.com/groundwork-cdk/groundwork/validate"
)

// SecureBucket is a hardened S3 bucket. Its fields are the escape hatch to the
// resources it owns.
//
// It is a genuine construct: it works wherever CDK takes one (Tags_Of,
// Aspects_Of, Node().AddDependency, as a scope of other constructs).
type SecureBucket struct {
	constructs.Construct

	// Bucket is the data bucket.
	Bucket awss3.Bucket
	// Key is the bucket's KMS key (created or given); nil with SSE-S3.
	Key awskms.IKey
	// AccessLogs is the bucket that receives the server access logs.
	AccessLogs awss3.IBucket
}

// ToString returns the construct path. It also makes SecureBucket a jsii
// subclass of Construct (jsii needs one overriding method on the pointer
// receiver), so that the struct itself is the construct.
func (sb *SecureBucket) ToString() *string { return sb.Node().Path() }

// New creates a SecureBucket. It panics with a *validate.Error, naming the
// construct path, the field, the value, the rule and the fix, when scope is
// nil, id is empty or taken, or props are invalid. A nil props means every
// default.
func New(scope constructs.Construct, id string, props *Props) *SecureBucket {
	if props == nil {
		props = &Props{}
	}
	path := validate.ChildPath(scope, id)
	if err := validate.Scope(scope, id); err != nil {
		validate.Check("securebucket", path, errors.Join(err, props.validate()))
	}
	logs := newLogTarget(scope, id, props)
	validate.Check("securebucket", path, errors.Join(props.validate(), logs.validate(scope, props)))

	removal := props.RemovalPolicy
	if removal == "" {
		removal = DefaultRemovalPolicy
	}
	sb := &SecureBucket{}
	constructs.NewConstruct_Override(sb, scope, jsii.String(id))

	bucketProps := &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     removal,
	}
	if props.BucketName != "" {
		bucketProps.BucketName = jsii.String(props.BucketName)
	}
	switch props.Encryption {
	case EncryptionKMS:
		sb.Key = props.EncryptionKey
		if sb.Key == nil {
			sb.Key = kmskey.New(sb, "Key", "Default encryption of "+path, removal)
		}
		bucketProps.Encryption = awss3.BucketEncryption_KMS
		bucketProps.EncryptionKey = sb.Key
		bucketProps.BucketKeyEnabled = jsii.Bool(true)
	case EncryptionS3Managed:
		bucketProps.Encryption = awss3.BucketEncryption_S3_MANAGED
		awscdk.Annotations_Of(sb).AddWarningV2(jsii.String("groundwork:securebucket:sse-s3"),
			jsii.String("SSE-S3 gives no key-rotation control or key-policy access boundary; use it only where the writer cannot use KMS"), nil)
	}
	if lc := lifecycleRules(props.Lifecycle); lc != nil {
		bucketProps.LifecycleRules = lc
	} else {
		awscdk.Annotations_Of(sb).AddWarningV2(jsii.String("groundwork:securebucket:no-lifecycle"),
			jsii.String("lifecycle rules are disabled: objects stay in Standard and old versions are kept forever"), nil)
	}
	sb.Bucket = awss3.NewBucket(sb, jsii.String("Bucket"), bucketProps)
	denyInsecureTransport(sb.Bucket)
	if props.Encryption == EncryptionS3Managed {
		nag.SuppressDefault(sb.Bucket, "NIST.800.53.R5-S3DefaultEncryptionKMS", props.S3ManagedReason)
	}
	nag.SuppressDefault(sb.Bucket, "NIST.800.53.R5-S3BucketReplicationEnabled",
		"Cross-region replication needs a destination bucket in a second region, which a single-region baseline "+
			"does not own. Versioning, retain-on-delete and the lifecycle rule give in-region recovery; enable "+
			"replication per workload through the Bucket escape hatch when its RPO needs it.")

	sb.AccessLogs = props.AccessLogsBucket
	if sb.AccessLogs == nil {
		sb.AccessLogs = newLogBucket(sb, "AccessLogs", removal)
	}
	cfn := sb.Bucket.Node().DefaultChild().(awss3.CfnBucket)
	// Set on the L1 so that the log-delivery statement below (with a Sid and
	// confused-deputy conditions) is the only one; the L2 prop adds its own.
	cfn.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
		DestinationBucketName: sb.AccessLogs.BucketName(),
		LogFilePrefix:         jsii.String(logs.prefix),
	})
	added := sb.AccessLogs.AddToResourcePolicy(iamx.Statement{
		Sid:        logs.sid,
		Actions:    []string{"s3:PutObject"},
		Resources:  []string{*sb.AccessLogs.ArnForObjects(jsii.String(logs.prefix + "*"))},
		Principals: []awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Conditions: map[string]map[string]any{
			"ArnLike":      {"aws:SourceArn": *sb.Bucket.BucketArn()},
			"StringEquals": {"aws:SourceAccount": *awscdk.Stack_Of(sb).Account()},
		},
	}.Build())
	if !*added.StatementAdded {
		awscdk.Annotations_Of(sb).AddWarningV2(jsii.String("groundwork:securebucket:log-policy"),
			jsii.String("AccessLogsBucket is imported, so its bucket policy cannot be changed here: allow the service principal "+
				"logging.s3.amazonaws.com s3:PutObject on <log bucket>/"+logs.prefix+"* (conditions aws:SourceArn = this bucket's ARN, "+
				"aws:SourceAccount = this account) in the log bucket's own policy, or S3 drops the logs"), nil)
	}
	return sb
}

// newLogBucket creates the dedicated server-access-log bucket.
func newLogBucket(scope constructs.Construct, id string, removal awscdk.RemovalPolicy) awss3.Bucket {
	logs := awss3.NewBucket(scope, jsii.String(id), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		// S3 server access log delivery supports only SSE-S3 on the target.
		Encryption:    awss3.BucketEncryption_S3_MANAGED,
		Versioned:     jsii.Bool(true),
		RemovalPolicy: removal,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("ExpireAccessLogs"),
			Enabled:                             jsii.Bool(true),
			Expiration:                          awscdk.Duration_Days(jsii.Number(DefaultAccessLogsExpirationDays)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(30)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(DefaultAbortIncompleteUploadDays)),
		}},
	})
	denyInsecureTransport(logs)
	cfn := logs.Node().DefaultChild()
	nag.Suppress(cfn, "NIST.800.53.R5-S3DefaultEncryptionKMS",
		"S3 server access log delivery supports only SSE-S3 (AES256) on the target bucket, not SSE-KMS.")
	nag.Suppress(cfn, "NIST.800.53.R5-S3BucketReplicationEnabled",
		"Access logs are audit records kept for a year in-region with versioning and retain-on-delete; "+
			"replicating them to a second region is an organisation-level log-archive decision.")
	return logs
}

// denyInsecureTransport adds the guidance's DenyInsecureTransport statement and
// a second one refusing TLS older than 1.2.
func denyInsecureTransport(b awss3.IBucket) {
	resources := []string{*b.BucketArn(), *b.ArnForObjects(jsii.String("*"))}
	b.AddToResourcePolicy(iamx.DenyInsecureTransport("s3:*", resources...).Build())
	b.AddToResourcePolicy(iamx.Statement{
		Sid: "DenyTLSBelow12", Deny: true, Principals: []awsiam.IPrincipal{awsiam.NewStarPrincipal()},
		Actions: []string{"s3:*"}, Resources: resources,
		Conditions: map[string]map[string]any{"NumericLessThan": {"s3:TlsVersion": 1.2}},
	}.Build())
}

func lifecycleRules(l *Lifecycle) *[]*awss3.LifecycleRule {
	if l != nil && l.Disabled {
		return nil
	}
	eff := l.withDefaults()
	days := func(n int) awscdk.Duration { return awscdk.Duration_Days(jsii.Number(float64(n))) }
	var expiration awscdk.Duration
	if eff.ExpirationDays > 0 {
		expiration = days(eff.ExpirationDays)
	}
	return &[]*awss3.LifecycleRule{{
		Expiration: expiration,
		Id:         jsii.String("TransitionToIA"),
		Enabled:    jsii.Bool(true),
		Transitions: &[]*awss3.Transition{
			{StorageClass: awss3.StorageClass_INFREQUENT_ACCESS(), TransitionAfter: days(eff.TransitionToInfrequentAccessDays)},
			{StorageClass: awss3.StorageClass_GLACIER(), TransitionAfter: days(eff.TransitionToGlacierDays)},
		},
		NoncurrentVersionExpiration:         days(eff.NoncurrentVersionExpirationDays),
		AbortIncompleteMultipartUploadAfter: days(eff.AbortIncompleteUploadDays),
	}}
}
