package grant_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
)

// nilGrantee is a Grantee interface holding a nil pointer, like an unbuilt
// *hardenedfunction.HardenedFunction.
type nilGrantee struct{ grant.Grantee }

func TestBadInput(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Bad")
	role := grant.Role(newRole(st, "Role"))
	bucket := awss3.NewBucket(st, jsii.String("Bucket"), nil)
	table := newTable(st, "Table", nil)
	key := awskms.NewKey(st, jsii.String("Key"), nil)
	const noGrantee = `to = <nil>: a grant needs a grantee; pass a *hardenedfunction.HardenedFunction, a *fargateservice.FargateService or grant.Role(role)`
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"nil grantee", func() { grant.BucketRead(nil, bucket) },
			"grant.BucketRead \"Bad/Bucket\": invalid props:\n  - " + noGrantee},
		{"grantee holding a nil pointer", func() { grant.QueueSend((*nilGrantee)(nil), nil) },
			"grant.QueueSend \"\": invalid props:\n  - " + noGrantee +
				"\n  - queue = <nil>: a grant needs the resource it grants access to; pass the queue"},
		{"nil bucket", func() { grant.BucketWrite(role, nil) },
			"grant.BucketWrite \"Bad/Role\": invalid props:\n  - bucket = <nil>: a grant needs the resource it grants access to; pass the bucket"},
		{"nil table", func() { grant.TableRead(role, (awsdynamodb.ITable)(nil)) },
			"grant.TableRead \"Bad/Role\": invalid props:\n  - table = <nil>: a grant needs the resource it grants access to; pass the table"},
		{"nil secret", func() { grant.SecretRead(role, nil) },
			"grant.SecretRead \"Bad/Role\": invalid props:\n  - secret = <nil>: a grant needs the resource it grants access to; pass the secret"},
		{"TableActions with a wildcard", func() { grant.TableActions(role, table, "dynamodb:GetItem", "dynamodb:*") },
			"grant.TableActions \"Bad/Role\": invalid props:\n  - actions[1] = \"dynamodb:*\": TableActions grants explicit actions " +
				"(the guidance: never use * in Action); list each action, e.g. \"dynamodb:GetItem\", \"dynamodb:Query\""},
		{"TableActions with an S3 action", func() { grant.TableActions(role, table, "s3:GetObject") },
			"grant.TableActions \"Bad/Role\": invalid props:\n  - actions[0] = \"s3:GetObject\": TableActions grants dynamodb: actions on a table; " +
				"for s3 use grant.BucketRead, grant.BucketWrite or grant.BucketReadWrite(grantee, bucket)"},
		{"TableActions without actions", func() { grant.TableActions(role, table) },
			"grant.TableActions \"Bad/Role\": invalid props:\n  - actions = []: TableActions grants explicit DynamoDB actions and none were given; " +
				"list them, e.g. \"dynamodb:GetItem\", \"dynamodb:PutItem\""},
		{"KeyUse with an endpoint for a service", func() { grant.KeyUse(role, key, "s3.eu-west-1.amazonaws.com", "kms:Decrypt") },
			"grant.KeyUse \"Bad/Role\": invalid props:\n  - viaService = \"s3.eu-west-1.amazonaws.com\": kms:ViaService names the AWS service " +
				"that may use the key for the grantee; pass \"s3\": the region and domain are added"},
		{"KeyUse with kms:* and key administration", func() { grant.KeyUse(role, key, "s3", "kms:*", "kms:ScheduleKeyDeletion") },
			"grant.KeyUse \"Bad/Role\": invalid props:\n" +
				"  - actions[0] = \"kms:*\": KeyUse grants explicit KMS cryptographic operations (the guidance: never use * in Action; key administration belongs in the key policy); list the operations the service performs, e.g. \"kms:Decrypt\", \"kms:GenerateDataKey\"\n" +
				"  - actions[1] = \"kms:ScheduleKeyDeletion\": KeyUse grants explicit KMS cryptographic operations (the guidance: never use * in Action; key administration belongs in the key policy); list the operations the service performs, e.g. \"kms:Decrypt\", \"kms:GenerateDataKey\""},
		{"KeyUse without key or actions", func() { grant.KeyUse(role, nil, "s3") },
			"grant.KeyUse \"Bad/Role\": invalid props:\n" +
				"  - key = <nil>: a grant needs the resource it grants access to; pass the key\n" +
				"  - actions = []: KeyUse grants explicit KMS actions and none were given; list them, e.g. \"kms:Decrypt\""},
		{"Role(nil)", func() { grant.Role(nil) },
			"grant.Role \"\": invalid props:\n  - r = <nil>: Role adapts a role and needs one; pass the role, e.g. project.Role()"},
		{"GuardRole without a role", func() { grant.GuardRole(st, nil) },
			"grant.GuardRole \"Bad\": invalid props:\n  - role = <nil>: the guard checks a role; pass the role the construct created"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := testkit.ValidationError(t, tc.call); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestAcrossEnvironments checks that a grant across accounts or regions is
// refused: the identity policy alone would grant nothing (account), or its
// kms:ViaService of the grantee's region would never match (region).
func TestAcrossEnvironments(t *testing.T) {
	app := testkit.NewApp(nil)
	env := func(account, region string) *awscdk.StackProps {
		return &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}}
	}
	here := awscdk.NewStack(app, jsii.String("Here"), env("123456789012", "eu-west-1"))
	role := grant.Role(newRole(here, "Role"))
	for _, tc := range []struct {
		name, account, region, want string
	}{
		{"another account", "210987654321", "eu-west-1",
			`bucket = "Other/Bucket": the bucket is in account 210987654321 and the grantee in account 123456789012; a grant across accounts needs the resource's own policy`},
		{"another region", "123456789012", "us-east-1",
			`bucket = "Other/Bucket": the bucket is in region us-east-1 and the grantee in region eu-west-1; a grant across regions needs the resource's own policy`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := awscdk.NewStack(app, jsii.String("Other"+tc.region+tc.account), env(tc.account, tc.region))
			bucket := awss3.NewBucket(other, jsii.String("Bucket"), nil)
			msg := testkit.ValidationError(t, func() { grant.BucketRead(role, bucket) })
			want := strings.Replace(tc.want, "Other/", "Other"+tc.region+tc.account+"/", 1)
			testkit.Contains(t, "message", msg, []string{`grant.BucketRead "Here/Role": invalid props`, want, "keep the grantee in the resource's account and region"}...)
		})
	}
}

// TestPolicySizeLimit checks that a grantee whose grants outgrow IAM's 6,144
// characters for a managed policy fails synthesis instead of the deploy.
func TestPolicySizeLimit(t *testing.T) {
	app := testkit.NewApp(nil)
	st := testkit.NewStack(app, "Big")
	role := grant.Role(newRole(st, "Role"))
	for i := range 40 {
		grant.TableActions(role, newTable(st, fmt.Sprintf("Table%d", i), nil), "dynamodb:GetItem", "dynamodb:PutItem")
	}
	msg := testkit.SynthError(t, app)
	testkit.Contains(t, "synthesis error", msg, []string{"Big/Role/GrantPolicy", "over IAM's limit of 6144 for a managed policy", "Cannot exceed quota for PolicySize"}...)
}
