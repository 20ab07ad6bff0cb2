package grant_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/constructs/securebucket"
	"github.com/groundwork-cdk/groundwork/grant"
	"github.com/groundwork-cdk/groundwork/iamx"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/nag"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// ids are the resources' unique ids (awscdk.Names_UniqueId) by construct
// path, recorded while the App is built: the grant Sids end with them.
var ids = map[string]string{}

func record(c constructs.IConstruct) {
	ids[*c.Node().Path()] = iamx.SidSafe(*awscdk.Names_UniqueId(c))
}

func newRole(scope constructs.Construct, id string) awsiam.Role {
	return awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
}

func newKey(scope constructs.Construct, id string) awskms.Key {
	return awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
}

func newTable(scope constructs.Construct, id string, key awskms.IKey) awsdynamodb.Table {
	props := &awsdynamodb.TableProps{
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
	}
	if key != nil {
		props.Encryption, props.EncryptionKey = awsdynamodb.TableEncryption_CUSTOMER_MANAGED, key
	}
	t := awsdynamodb.NewTable(scope, jsii.String(id), props)
	record(t)
	return t
}

// One App, one synth for the package.
//
//   - Same: every grant function, grantee and resources in one stack.
//   - Data and Consumer: grants across stacks, two grantees on one bucket,
//     several grants to one grantee, a repeated grant, and two tables with
//     the same construct id in different stacks.
var synth = testkit.Once(func() awscdk.App {
	app := testkit.NewApp(nil)
	nag.Apply(app, nag.Options{})

	same := testkit.NewStack(app, "Same")
	invoices := securebucket.New(same, "Invoices", nil)
	record(invoices.Bucket)
	orders := newTable(same, "Orders", newKey(same, "OrdersKey"))
	plain := newTable(same, "Plain", nil)
	jobs := awssqs.NewQueue(same, jsii.String("Jobs"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_KMS, EncryptionMasterKey: newKey(same, "JobsKey"), EnforceSSL: jsii.Bool(true)})
	record(jobs)
	events := awssns.NewTopic(same, jsii.String("Events"), &awssns.TopicProps{MasterKey: newKey(same, "EventsKey"), EnforceSSL: jsii.Bool(true)})
	record(events)
	secret := awssecretsmanager.NewSecret(same, jsii.String("ApiSecret"), &awssecretsmanager.SecretProps{EncryptionKey: newKey(same, "SecretKey")})
	record(secret)
	imported := awssecretsmanager.Secret_FromSecretNameV2(same, jsii.String("Imported"), jsii.String("prod/api"))
	record(imported)
	shared := newKey(same, "Shared")
	record(shared)

	workerRole := newRole(same, "Worker")
	grant.GuardRole(workerRole, workerRole) // library grants pass the guard
	worker := grant.Role(workerRole)
	grant.BucketReadWrite(worker, invoices.Bucket)
	grant.TableRead(worker, orders)
	grant.TableWrite(worker, orders)
	grant.TableActions(worker, plain, "dynamodb:GetItem", "dynamodb:Query", "dynamodb:GetItem")
	grant.QueueSend(worker, jobs)
	grant.QueueConsume(worker, jobs)
	grant.TopicPublish(worker, events)
	grant.SecretRead(worker, secret)
	grant.SecretRead(worker, imported)
	grant.KeyUse(worker, shared, "logs", "kms:Encrypt", "kms:Decrypt")

	data := testkit.NewStack(app, "Data")
	archive := securebucket.New(data, "Archive", nil)
	record(archive.Bucket)
	dataOrders := newTable(data, "Orders", newKey(data, "OrdersKey"))

	consumer := testkit.NewStack(app, "Consumer")
	reader, auditor := newRole(consumer, "Reader"), newRole(consumer, "Auditor")
	grant.BucketRead(grant.Role(reader), archive.Bucket)
	grant.BucketRead(grant.Role(reader), archive.Bucket)      // repeated: no-op
	grant.BucketReadWrite(grant.Role(reader), archive.Bucket) // adds only the write statements
	grant.TableRead(grant.Role(reader), dataOrders)
	grant.TableRead(grant.Role(reader), orders) // same construct id "Orders", stack Same
	archiveGrant := grant.Role(auditor)
	archive.GrantRead(archiveGrant) // SecureBucket's wrapper
	ci := awsiam.Role_FromRoleArn(consumer, jsii.String("Ci"), jsii.String("arn:aws:iam::123456789012:role/ci"), nil)
	grant.TableRead(grant.Role(ci), dataOrders)
	return app
})

// statements returns the statements of the managed policy at path, by Sid,
// and their Sids in order.
func statements(t *testing.T, s *testkit.Stack, path string) (map[string]map[string]any, []string) {
	t.Helper()
	policy := s.Resource(t, s.LogicalID(t, path))
	if policy["Type"] != "AWS::IAM::ManagedPolicy" {
		t.Fatalf("%s is a %v, want AWS::IAM::ManagedPolicy", path, policy["Type"])
	}
	doc := policy["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
	out := map[string]map[string]any{}
	var sids []string
	for _, st := range doc["Statement"].([]any) {
		m := st.(map[string]any)
		sid, _ := m["Sid"].(string)
		out[sid] = m
		sids = append(sids, sid)
	}
	return out, sids
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

type obj = map[string]any

func TestSameStackStatements(t *testing.T) {
	s := synth.Stack(t, "Same")
	got, sids := statements(t, s, "Worker/GrantPolicy")
	arn := func(path string) obj { return s.Arn(t, path) }
	ref := func(path string) obj { return s.Ref(t, path) }
	via := func(svc string) obj { return obj{"kms:ViaService": svc + ".eu-west-1.amazonaws.com"} }
	with := func(m obj, k string, v any) obj { m[k] = v; return m }
	bucket, bucketID := arn("Invoices/Bucket"), ids["Same/Invoices/Bucket"]
	objects := obj{"Fn::Join": []any{"", []any{bucket, "/*"}}}
	s3Context := obj{"StringEquals": via("s3"), "StringLike": obj{"kms:EncryptionContext:aws:s3:arn": []any{bucket, objects}}}
	ordersID, plainID := ids["Same/Orders"], ids["Same/Plain"]
	jobsID, eventsID := ids["Same/Jobs"], ids["Same/Events"]
	secretID, importedID := ids["Same/ApiSecret"], ids["Same/Imported"]
	importedArn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-??????"
	allow := func(sid string, action any, resource any, condition obj) obj {
		m := obj{"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resource}
		if condition != nil {
			m["Condition"] = condition
		}
		return m
	}
	want := []obj{
		allow("ListBucket"+bucketID, "s3:ListBucket", bucket, nil),
		allow("ReadObjects"+bucketID, "s3:GetObject", objects, nil),
		allow("ReadObjectsKey"+bucketID, "kms:Decrypt", arn("Invoices/Key"), s3Context),
		allow("WriteObjects"+bucketID, "s3:PutObject", objects, nil),
		allow("WriteObjectsKey"+bucketID, []any{"kms:Decrypt", "kms:GenerateDataKey"}, arn("Invoices/Key"), s3Context),
		allow("ReadTable"+ordersID, []any{"dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:Query"}, arn("Orders"), nil),
		allow("TableKey"+ordersID, "kms:Decrypt", arn("OrdersKey"),
			obj{"StringEquals": with(via("dynamodb"), "kms:EncryptionContext:aws:dynamodb:tableName", ref("Orders"))}),
		allow("WriteTable"+ordersID, []any{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}, arn("Orders"), nil),
		allow("TableGetItemQuery"+plainID, []any{"dynamodb:GetItem", "dynamodb:Query"}, arn("Plain"), nil),
		allow("SendQueue"+jobsID, "sqs:SendMessage", arn("Jobs"), nil),
		allow("SendQueueKey"+jobsID, []any{"kms:Decrypt", "kms:GenerateDataKey"}, arn("JobsKey"),
			obj{"StringEquals": with(via("sqs"), "kms:EncryptionContext:aws:sqs:arn", arn("Jobs"))}),
		allow("ConsumeQueue"+jobsID, []any{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}, arn("Jobs"), nil),
		allow("ConsumeQueueKey"+jobsID, "kms:Decrypt", arn("JobsKey"),
			obj{"StringEquals": with(via("sqs"), "kms:EncryptionContext:aws:sqs:arn", arn("Jobs"))}),
		allow("PublishTopic"+eventsID, "sns:Publish", ref("Events"), nil),
		allow("PublishTopicKey"+eventsID, []any{"kms:Decrypt", "kms:GenerateDataKey"}, arn("EventsKey"),
			obj{"StringEquals": with(via("sns"), "kms:EncryptionContext:aws:sns:topicArn", ref("Events"))}),
		allow("ReadSecret"+secretID, "secretsmanager:GetSecretValue", ref("ApiSecret"), nil),
		allow("ReadSecretKey"+secretID, "kms:Decrypt", arn("SecretKey"),
			obj{"StringEquals": with(via("secretsmanager"), "kms:EncryptionContext:SecretARN", ref("ApiSecret"))}),
		allow("ReadSecret"+importedID, "secretsmanager:GetSecretValue", importedArn, nil),
		allow("KeyEncryptDecryptViaLogs"+ids["Same/Shared"], []any{"kms:Decrypt", "kms:Encrypt"}, arn("Shared"), obj{"StringEquals": via("logs")}),
	}
	var wantSids []string
	for _, w := range want {
		sid := w["Sid"].(string)
		wantSids = append(wantSids, sid)
		t.Run(sid, func(t *testing.T) {
			if g := got[sid]; js(g) != js(w) {
				t.Errorf("statement %s:\n got  %s\n want %s", sid, js(g), js(w))
			}
		})
	}
	t.Run("no other statement", func(t *testing.T) {
		if !slices.Equal(sids, wantSids) {
			t.Errorf("Sids:\n got  %v\n want %v", sids, wantSids)
		}
	})
	t.Run("the policy is attached to the role and lives under it", func(t *testing.T) {
		policy := s.Resource(t, s.LogicalID(t, "Worker/GrantPolicy"))
		if roles := policy["Properties"].(obj)["Roles"]; js(roles) != js([]any{ref("Worker")}) {
			t.Errorf("Roles = %s, want the worker role", js(roles))
		}
	})
	t.Run("no inline policy", func(t *testing.T) { s.ResourceCountIs(t, "AWS::IAM::Policy", 0) })
	t.Run("nag: no finding on the grantee", func(t *testing.T) {
		// The stack's test resources (a queue without a dead-letter queue, …)
		// have findings of their own; the grantee has none.
		for _, f := range s.NagFindings() {
			if strings.HasPrefix(f.Path, "/Same/Worker") {
				t.Errorf("%s %s: %s", f.Rule(), f.Path, f.Text)
			}
		}
	})
}

func TestCrossStack(t *testing.T) {
	asm := synth.Assembly(t)
	data, consumer := asm.Stack(t, "Data"), asm.Stack(t, "Consumer")
	reader, readerSids := statements(t, consumer, "Reader/GrantPolicy")
	archiveID, dataOrdersID, sameOrdersID := ids["Data/Archive/Bucket"], ids["Data/Orders"], ids["Same/Orders"]

	t.Run("the consumer depends on the data stack, never the reverse", func(t *testing.T) {
		if !slices.Contains(consumer.Dependencies, "Data") {
			t.Errorf("Consumer depends on %v, want Data among them", consumer.Dependencies)
		}
		if slices.Contains(data.Dependencies, "Consumer") {
			t.Errorf("Data depends on Consumer: a grant put something in the resource's stack")
		}
		if strings.Contains(string(data.JSON), "Reader") || strings.Contains(string(data.JSON), "Auditor") {
			t.Error("the Data template mentions a grantee")
		}
		data.ResourceCountIs(t, "AWS::IAM::ManagedPolicy", 0)
		data.ResourceCountIs(t, "AWS::IAM::Policy", 0)
	})
	t.Run("several grants to one grantee, a repeated grant added once", func(t *testing.T) {
		want := []string{
			"ListBucket" + archiveID, "ReadObjects" + archiveID, "ReadObjectsKey" + archiveID,
			"WriteObjects" + archiveID, "WriteObjectsKey" + archiveID,
			"ReadTable" + dataOrdersID, "TableKey" + dataOrdersID,
			"ReadTable" + sameOrdersID, "TableKey" + sameOrdersID,
		}
		if !slices.Equal(readerSids, want) {
			t.Errorf("Sids:\n got  %v\n want %v", readerSids, want)
		}
	})
	t.Run("tables with the same construct id in two stacks get distinct Sids", func(t *testing.T) {
		if dataOrdersID == sameOrdersID || !strings.HasPrefix(dataOrdersID, "DataOrders") || !strings.HasPrefix(sameOrdersID, "SameOrders") {
			t.Errorf("unique ids %q and %q", dataOrdersID, sameOrdersID)
		}
	})
	t.Run("statements reference the other stack's resources", func(t *testing.T) {
		st := reader["ReadTable"+dataOrdersID]
		if st["Action"] == nil || !strings.Contains(js(st["Resource"]), "Data") {
			t.Errorf("ReadTable statement %s does not reference the Data stack", js(st))
		}
	})
	t.Run("two grantees on one bucket, each with its own policy", func(t *testing.T) {
		auditor, auditorSids := statements(t, consumer, "Auditor/GrantPolicy")
		want := []string{"ListBucket" + archiveID, "ReadObjects" + archiveID, "ReadObjectsKey" + archiveID}
		if !slices.Equal(auditorSids, want) {
			t.Errorf("Auditor Sids %v, want %v", auditorSids, want)
		}
		if js(auditor["ReadObjects"+archiveID]) != js(reader["ReadObjects"+archiveID]) {
			t.Errorf("the two grantees' ReadObjects statements differ:\n %s\n %s",
				js(auditor["ReadObjects"+archiveID]), js(reader["ReadObjects"+archiveID]))
		}
	})
	t.Run("an imported role gets its policy in its stack", func(t *testing.T) {
		var found bool
		for _, id := range consumer.Resources("AWS::IAM::ManagedPolicy") {
			props := consumer.Resource(t, id)["Properties"].(obj)
			if js(props["Roles"]) == `["ci"]` {
				found = true
				if !strings.Contains(js(props["PolicyDocument"]), "ReadTable"+dataOrdersID) {
					t.Errorf("the ci role's policy lacks the table grant: %s", js(props["PolicyDocument"]))
				}
			}
		}
		if !found {
			t.Error("no managed policy attached to the imported ci role")
		}
	})
	t.Run("nag clean: grantee stack", func(t *testing.T) { testkit.RequireNagClean(t, consumer) })
	t.Run("the object-level suppression is scoped to that finding", func(t *testing.T) {
		policy := consumer.Resource(t, consumer.LogicalID(t, "Reader/GrantPolicy"))
		meta, _ := policy["Metadata"].(obj)
		rules, _ := meta["cdk_nag"].(obj)["rules_to_suppress"].([]any)
		want := "Resource::<" + data.LogicalID(t, "Archive/Bucket") + ".Arn>/*"
		if len(rules) != 1 {
			t.Fatalf("suppressions %s, want one", js(rules))
		}
		r := rules[0].(obj)
		if r["id"] != "AwsSolutions-IAM5" || js(r["applies_to"]) != js([]any{want}) ||
			!strings.Contains(r["reason"].(string), "S3 object actions") {
			t.Errorf("suppression %s, want AwsSolutions-IAM5 applying to %s only", js(r), want)
		}
	})
}
