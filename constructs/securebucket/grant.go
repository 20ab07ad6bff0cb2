package securebucket

import (
	"github.com/groundwork-cdk/groundwork/grant"
)

// GrantRead lets to read the bucket's objects and list it, with kms:Decrypt
// on the bucket's key through S3 only: grant.BucketRead(to, sb.Bucket). The
// statements go into to's own policy, in to's stack, so any number of
// grantees, in any stack, can be granted the same bucket. It panics with a
// *validate.Error when to is nil.
func (sb *SecureBucket) GrantRead(to grant.Grantee) { grant.BucketRead(to, sb.Bucket) }

// GrantWrite lets to write the bucket's objects, with the key's
// kms:GenerateDataKey (and kms:Decrypt, for multipart uploads) through S3
// only: grant.BucketWrite(to, sb.Bucket). It panics with a *validate.Error
// when to is nil.
func (sb *SecureBucket) GrantWrite(to grant.Grantee) { grant.BucketWrite(to, sb.Bucket) }

// GrantReadWrite is GrantRead and GrantWrite: grant.BucketReadWrite(to,
// sb.Bucket). It panics with a *validate.Error when to is nil.
func (sb *SecureBucket) GrantReadWrite(to grant.Grantee) { grant.BucketReadWrite(to, sb.Bucket) }
