package securebucket

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/validate"
)

// logTarget is where a SecureBucket's server access logs go: the key prefix
// and the Sid of the log-delivery statement in the log bucket's policy.
type logTarget struct {
	prefix string
	sid    string
}

// newLogTarget derives the prefix and Sid. With the construct's own log
// bucket there is one source, so the id names them. A given log bucket may be
// shared by any number of SecureBuckets, so the construct's path names them:
// relative to the stack (or the whole path when the log bucket lives in
// another stack), which is unique where the id alone repeats across scopes.
func newLogTarget(scope constructs.IConstruct, id string, p *Props) logTarget {
	name := id
	if p.AccessLogsBucket != nil {
		stackPath := *awscdk.Stack_Of(scope).Node().Path()
		name = strings.TrimPrefix(strings.TrimPrefix(validate.ChildPath(scope, id), stackPath), "/")
		if *awscdk.Stack_Of(p.AccessLogsBucket).Node().Path() != stackPath || name == "" {
			name = validate.ChildPath(scope, id)
		}
	}
	t := logTarget{prefix: p.AccessLogsPrefix, sid: "AllowServerAccessLogsFrom" + iamx.SidSafe(name)}
	if t.prefix == "" {
		t.prefix = name + "/"
	}
	return t
}

// sseKMS are the SSEAlgorithm values S3 server access logging cannot write to.
var sseKMS = []string{"aws:kms", "aws:kms:dsse"}

// validate checks what S3 requires of a server-access-log destination
// (Amazon S3 User Guide, "Enabling Amazon S3 server access logging"), as far
// as it is knowable at synthesis, and that this bucket's logs do not collide
// with another bucket's in a shared log bucket.
func (t logTarget) validate(scope constructs.IConstruct, p *Props) error {
	b := p.AccessLogsBucket
	if b == nil {
		return nil
	}
	var errs []error
	target := *b.Node().Path()
	stack := awscdk.Stack_Of(scope)
	if b.EncryptionKey() != nil || l1Contains(b, func(c awss3.CfnBucket) any { return c.BucketEncryption() }, sseKMS...) {
		errs = append(errs, validate.Fail("AccessLogsBucket", target,
			"S3 server access logging delivers only to a target bucket whose default encryption is SSE-S3; SSE-KMS and DSSE-KMS targets receive no logs (Amazon S3 User Guide, server access logging)",
			"pass a bucket encrypted with SSE-S3, e.g. a SecureBucket with Encryption EncryptionS3Managed (its Bucket field), or leave AccessLogsBucket nil for a dedicated log bucket"))
	}
	if l1Contains(b, func(c awss3.CfnBucket) any { return c.ObjectLockConfiguration() }, "DefaultRetention") {
		errs = append(errs, validate.Fail("AccessLogsBucket", target,
			"the target bucket of server access logs must not have an S3 Object Lock default retention period (Amazon S3 User Guide, server access logging)",
			"use a log bucket without Object Lock default retention, or leave AccessLogsBucket nil"))
	}
	env := b.Env()
	for _, f := range []struct{ what, mine, theirs string }{
		{"region", *stack.Region(), *env.Region},
		{"account", *stack.Account(), *env.Account},
	} {
		if !*awscdk.Token_IsUnresolved(&f.mine) && !*awscdk.Token_IsUnresolved(&f.theirs) && f.mine != f.theirs {
			errs = append(errs, validate.Fail("AccessLogsBucket", target,
				fmt.Sprintf("S3 delivers server access logs only to a bucket in the source bucket's %s; the log bucket is in %s, this bucket in %s", f.what, f.theirs, f.mine),
				fmt.Sprintf("pass a log bucket in %s, or leave AccessLogsBucket nil", f.mine)))
		}
	}
	if policy := b.Policy(); policy != nil {
		resolved := awscdk.Stack_Of(b).Resolve(policy.Document())
		mine := awscdk.Stack_Of(b).Resolve(b.ArnForObjects(jsii.String(t.prefix + "*")))
		var doc struct {
			Statement []struct {
				Sid       string
				Principal any
				Resource  any
			}
		}
		if raw, err := json.Marshal(resolved); err == nil && json.Unmarshal(raw, &doc) == nil {
			for _, st := range doc.Statement {
				switch {
				case st.Sid == t.sid:
					errs = append(errs, validate.Fail("AccessLogsBucket", target,
						fmt.Sprintf("its policy already has a statement %s, for another bucket whose path gives the same Sid", t.sid),
						"give this bucket another id, or pass another log bucket"))
				case jsonEqual(st.Resource, mine) && strings.Contains(fmt.Sprint(st.Principal), "logging.s3.amazonaws.com"):
					errs = append(errs, validate.Fail("AccessLogsPrefix", t.prefix,
						fmt.Sprintf("another bucket already delivers its server access logs to %s under this prefix (statement %s); two buckets' logs under one prefix cannot be told apart", target, st.Sid),
						"give each bucket sharing the log bucket its own prefix, or leave AccessLogsPrefix empty (the default is the bucket's construct path)"))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// l1Contains reports whether the property get returns of b's CfnBucket, once
// resolved, mentions any of words (case-insensitively); false for imported buckets (no CfnBucket).
func l1Contains(b awss3.IBucket, get func(awss3.CfnBucket) any, words ...string) bool {
	cfn, ok := b.Node().DefaultChild().(awss3.CfnBucket)
	if !ok {
		return false
	}
	v := get(cfn)
	if v == nil || reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil() {
		return false
	}
	raw, err := json.Marshal(awscdk.Stack_Of(b).Resolve(v))
	if err != nil {
		return false
	}
	for _, w := range words {
		// Resolve gives the L1's props (camelCase keys), not CloudFormation's.
		if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(`"`+w+`"`)) {
			return true
		}
	}
	return false
}

func jsonEqual(a, b any) bool {
	ra, errA := json.Marshal(a)
	rb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ra) == string(rb)
}
