package grant

import (
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"

	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/validate"
)

// keyUse is how a service uses a customer-managed key on its caller's
// behalf: the kms:ViaService prefix, the encryption-context condition key the
// service documents, and the KMS actions each kind of access needs.
type keyUse struct {
	service    string
	contextKey string
	actions    map[string][]string // verb → KMS actions, explicit
}

// keyUses is the one table of the KMS facts the grants rely on. The caller's
// identity policy allows the actions only through the service
// (kms:ViaService "<service>.<region>.amazonaws.com") and only for the
// resource's encryption context.
var keyUses = map[string]keyUse{
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
	// (permissions: GetObject needs kms:Decrypt; PutObject needs
	// kms:GenerateDataKey, and multipart uploads also kms:Decrypt) and
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
	// (the context is the object ARN, or the bucket ARN with S3 Bucket Keys).
	"s3": {service: "s3", contextKey: "kms:EncryptionContext:aws:s3:arn", actions: map[string][]string{
		"Read":  {"kms:Decrypt"},
		"Write": {"kms:GenerateDataKey", "kms:Decrypt"},
	}},
	// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.howitworks.html
	// (DynamoDB decrypts the table key with the caller's kms:Decrypt for reads
	// and writes alike; the context holds aws:dynamodb:tableName).
	"dynamodb": {service: "dynamodb", contextKey: "kms:EncryptionContext:aws:dynamodb:tableName", actions: map[string][]string{
		"Read":  {"kms:Decrypt"},
		"Write": {"kms:Decrypt"},
	}},
	// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
	// (producers need kms:GenerateDataKey and kms:Decrypt, consumers
	// kms:Decrypt; the context is aws:sqs:arn, the queue ARN).
	"sqs": {service: "sqs", contextKey: "kms:EncryptionContext:aws:sqs:arn", actions: map[string][]string{
		"Send":    {"kms:GenerateDataKey", "kms:Decrypt"},
		"Consume": {"kms:Decrypt"},
	}},
	// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
	// (publishers need kms:GenerateDataKey and kms:Decrypt; the context is
	// aws:sns:topicArn).
	"sns": {service: "sns", contextKey: "kms:EncryptionContext:aws:sns:topicArn", actions: map[string][]string{
		"Publish": {"kms:GenerateDataKey", "kms:Decrypt"},
	}},
	// https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
	// (GetSecretValue needs kms:Decrypt; the context holds SecretARN).
	"secretsmanager": {service: "secretsmanager", contextKey: "kms:EncryptionContext:SecretARN", actions: map[string][]string{
		"Read": {"kms:Decrypt"},
	}},
}

// keyStatement is the statement that lets the grantee use key through
// service for verb, pinned to the resource's encryption context (any of
// contextValues; a value with * or ? is matched with StringLike).
func keyStatement(to Grantee, svc, verb, sid string, key awskms.IKey, contextValues ...string) statement {
	use := keyUses[svc]
	conditions := map[string]map[string]any{
		"StringEquals": {"kms:ViaService": viaService(to, use.service)},
	}
	op := "StringEquals"
	for _, v := range contextValues {
		if strings.ContainsAny(v, "*?") {
			op = "StringLike"
		}
	}
	var value any = contextValues[0]
	if len(contextValues) > 1 {
		value = contextValues
	}
	if conditions[op] == nil {
		conditions[op] = map[string]any{}
	}
	conditions[op][use.contextKey] = value
	return statement{Statement: iamx.Statement{
		Sid:        sid,
		Actions:    use.actions[verb],
		Resources:  []string{*key.KeyArn()},
		Conditions: conditions,
	}}
}

// viaService is the kms:ViaService value for service in the grantee's region.
func viaService(to Grantee, service string) string {
	return service + "." + region(to) + ".amazonaws.com"
}

// keyActions are the KMS actions KeyUse grants: the cryptographic operations
// a service performs with its caller's permissions. Administration
// (PutKeyPolicy, ScheduleKeyDeletion, …) belongs in the key policy.
var keyActions = map[string]bool{
	"kms:Decrypt": true, "kms:Encrypt": true, "kms:GenerateDataKey": true,
	"kms:GenerateDataKeyWithoutPlaintext": true, "kms:GenerateDataKeyPair": true,
	"kms:GenerateDataKeyPairWithoutPlaintext": true, "kms:ReEncryptFrom": true, "kms:ReEncryptTo": true,
	"kms:DescribeKey": true, "kms:CreateGrant": true, "kms:Sign": true, "kms:Verify": true,
	"kms:GenerateMac": true, "kms:VerifyMac": true,
}

var servicePattern = regexp.MustCompile(`^[a-z0-9-]+$`)

// KeyUse lets to use key through one AWS service: the given explicit KMS
// actions, allowed only when the request comes from viaService in the
// grantee's region (kms:ViaService "<viaService>.<region>.amazonaws.com").
// viaService is the service's endpoint prefix, e.g. "s3", "dynamodb",
// "logs". Use it for a service the other functions do not cover; they grant
// the resource's key themselves, with its encryption context.
//
// It panics with a *validate.Error when to or key is nil, viaService is not
// an endpoint prefix, or an action is not a KMS cryptographic operation
// (no wildcard, no key administration).
func KeyUse(to Grantee, key awskms.IKey, viaService string, actions ...string) {
	var errs []error
	if !servicePattern.MatchString(viaService) {
		fix := `pass the service's endpoint prefix, e.g. "s3" or "dynamodb"`
		if prefix, _, ok := strings.Cut(viaService, "."); ok && servicePattern.MatchString(prefix) {
			fix = `pass "` + prefix + `": the region and domain are added`
		}
		errs = append(errs, validate.Fail("viaService", viaService,
			"kms:ViaService names the AWS service that may use the key for the grantee", fix))
	}
	if len(actions) == 0 {
		errs = append(errs, validate.Fail("actions", actions, "KeyUse grants explicit KMS actions and none were given",
			`list them, e.g. "kms:Decrypt"`))
	}
	for i, a := range actions {
		if !keyActions[a] {
			errs = append(errs, validate.Fail("actions["+itoa(i)+"]", a,
				"KeyUse grants explicit KMS cryptographic operations (the guidance: never use * in Action; key administration belongs in the key policy)",
				`list the operations the service performs, e.g. "kms:Decrypt", "kms:GenerateDataKey"`))
		}
	}
	check("KeyUse", to, "key", key, errs...)
	actions = dedupe(actions)
	apply(to, []statement{{Statement: iamx.Statement{
		Sid:        "Key" + actionNames(actions) + "Via" + title(viaService) + uid(key),
		Actions:    actions,
		Resources:  []string{*key.KeyArn()},
		Conditions: map[string]map[string]any{"StringEquals": {"kms:ViaService": viaService + "." + region(to) + ".amazonaws.com"}},
	}}})
}
