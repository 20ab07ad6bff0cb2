package stacks_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/functions/invoiceworker/worker"
	"github.com/groundwork-cdk/groundwork/internal/testkit"
	"github.com/groundwork-cdk/groundwork/stacks"
)

func TestEventsStack(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		s := asm.Stack(t, cfg.StackName("Events"))
		api := asm.Stack(t, cfg.StackName("Api"))
		arn := func(service, resource string) string {
			return "arn:aws:" + service + ":" + cfg.Region + ":" + cfg.Account + ":" + resource
		}
		bus := "groundwork-" + cfg.Name + "-orders"
		busArn := arn("events", "event-bus/"+bus)
		ruleArn := arn("events", "rule/"+bus+"/order-placed-to-invoices")
		key := s.Arn(t, "EventsKey")
		removal := "Delete"
		if cfg.RetainData {
			removal = "RetainExceptOnCreate" // a failed first deploy can be retried
		}
		t.Run(s.Name, func(t *testing.T) {
			t.Run("the orders table streams new images (the outbox)", func(t *testing.T) {
				api.HasResourceProperties(t, "AWS::DynamoDB::Table", map[string]any{
					"StreamSpecification": map[string]any{"StreamViewType": "NEW_IMAGE"},
				})
			})
			t.Run("bus: named, encrypted with the stack's key", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::Events::EventBus", map[string]any{"Name": bus, "KmsKeyIdentifier": key})
			})
			t.Run("archive: every order event, encrypted, retained", func(t *testing.T) {
				days := 7
				if cfg.RetainData {
					days = 365
				}
				s.HasResourceProperties(t, "AWS::Events::Archive", map[string]any{
					"SourceArn": s.Arn(t, "Bus"), "KmsKeyIdentifier": key, "RetentionDays": days,
					"EventPattern": map[string]any{"source": []any{"groundwork.orders"}},
				})
			})
			t.Run("key: EventBridge may use it for this bus, archive and rule only", func(t *testing.T) {
				s.HasResource(t, "AWS::KMS::Key", map[string]any{
					"Properties": map[string]any{"EnableKeyRotation": true, "KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						map[string]any{"Sid": "AllowEventBridgeBusAndArchive", "Effect": "Allow",
							"Principal": map[string]any{"Service": "events.amazonaws.com"},
							"Action":    []any{"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"}, "Resource": "*",
							"Condition": map[string]any{
								"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account},
								"ArnLike":      map[string]any{"aws:SourceArn": []any{busArn, arn("events", "archive/*"), ruleArn}},
							}},
					})}},
					"DeletionPolicy": removal,
				})
			})
			t.Run("outbox pipe: the table's stream, INSERTs only, to the bus as OrderPlaced, with a DLQ", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::Pipes::Pipe", map[string]any{
					"Name":    assertions.Match_Absent(), // a create-only Source: no fixed name (deploy-safety)
					"RoleArn": s.Arn(t, "OutboxRole"),
					"Source": map[string]any{"Fn::GetStackOutput": assertions.Match_ObjectLike(&map[string]any{
						"StackName": cfg.StackName("Api"), "OutputName": assertions.Match_StringLikeRegexp(jsii.String("Orders.*StreamArn"))})},
					"SourceParameters": map[string]any{
						"DynamoDBStreamParameters": map[string]any{
							"StartingPosition": "TRIM_HORIZON", "BatchSize": 10, "MaximumRetryAttempts": stacks.OutboxRetryAttempts,
							"MaximumRecordAgeInSeconds": -1, "OnPartialBatchItemFailure": "AUTOMATIC_BISECT",
							"DeadLetterConfig": map[string]any{"Arn": s.Arn(t, "OutboxDeadLetterQueue")},
						},
						"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": `{"eventName":["INSERT"]}`}}},
					},
					"Target": s.Arn(t, "Bus"),
					"TargetParameters": map[string]any{
						"EventBridgeEventBusParameters": map[string]any{"Source": "groundwork.orders", "DetailType": "OrderPlaced"},
						"InputTemplate":                 assertions.Match_StringLikeRegexp(jsii.String(`"owner": "<\$\.dynamodb\.NewImage\.customerId\.S>"`)),
					},
				})
				deps, _ := s.Resource(t, s.LogicalID(t, "Outbox"))["DependsOn"].([]any)
				if !slices.Contains(deps, any(s.LogicalID(t, "OutboxRole/GrantPolicy"))) {
					t.Errorf("the pipe DependsOn %v, want its role's policy (Pipes checks it at creation)", deps)
				}
			})
			t.Run("outbox role: trusts Pipes in this account", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::IAM::Role", map[string]any{
					"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
						"Sid": "TrustService", "Effect": "Allow", "Action": "sts:AssumeRole",
						"Principal": map[string]any{"Service": "pipes.amazonaws.com"},
						"Condition": map[string]any{
							"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account},
						},
					}}, "Version": "2012-10-17"},
				})
			})
			t.Run("outbox role: exactly the stream, ListStreams, PutEvents on the bus, the table key via DynamoDB, its DLQ", func(t *testing.T) {
				policy := statementsOf(t, s, "OutboxRole/GrantPolicy")
				want := map[string]string{
					"ReadOrdersStream":   "dynamodb:DescribeStream,dynamodb:GetRecords,dynamodb:GetShardIterator",
					"ListStreams":        "dynamodb:ListStreams",
					"PublishOrderEvents": "events:PutEvents",
				}
				got := map[string]string{}
				for sid, st := range policy {
					got[sid] = strings.Join(actionsOf(st), ",")
				}
				for sid, acts := range want {
					if got[sid] != acts {
						t.Errorf("%s: actions %q, want %q", sid, got[sid], acts)
					}
				}
				if r := policy["PublishOrderEvents"]["Resource"]; r != busArn {
					t.Errorf("PutEvents on %v, want %s", r, busArn)
				}
				var all []string
				for _, st := range policy {
					all = append(all, actionsOf(st)...)
				}
				sort.Strings(all)
				wantAll := "dynamodb:DescribeStream,dynamodb:GetRecords,dynamodb:GetShardIterator,dynamodb:ListStreams,events:PutEvents," +
					"kms:Decrypt,kms:Decrypt,kms:GenerateDataKey,sqs:SendMessage"
				if strings.Join(all, ",") != wantAll {
					t.Errorf("the pipe's role holds %v, want exactly %s", all, wantAll)
				}
			})
			t.Run("rule: OrderPlaced from the outbox to the queue, bounded retries, its own DLQ", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::Events::Rule", map[string]any{
					"Name": "order-placed-to-invoices", "EventBusName": map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, "Bus"), "Name"}},
					"State":        "ENABLED",
					"EventPattern": map[string]any{"source": []any{"groundwork.orders"}, "detail-type": []any{"OrderPlaced"}},
					"Targets": []any{map[string]any{
						"Id": "InvoiceQueue", "Arn": s.Arn(t, "InvoiceQueue/Queue"),
						"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
						"DeadLetterConfig": map[string]any{"Arn": s.Arn(t, "RuleDeadLetterQueue")},
					}},
				})
			})
			for _, path := range []string{"InvoiceQueue/Queue", "RuleDeadLetterQueue"} {
				t.Run("EventBridge may send to "+path+" for the rule only", func(t *testing.T) {
					s.HasResourceProperties(t, "AWS::SQS::QueuePolicy", map[string]any{
						"Queues": []any{s.Ref(t, path)},
						"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
							"Sid":    assertions.Match_StringLikeRegexp(jsii.String("^AllowOrderPlacedRule")),
							"Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
							"Action": "sqs:SendMessage", "Resource": s.Arn(t, path),
							"Condition": map[string]any{
								"ArnEquals":    map[string]any{"aws:SourceArn": ruleArn},
								"StringEquals": map[string]any{"aws:SourceAccount": cfg.Account},
							},
						}})},
					})
				})
			}
			t.Run("queue defaults: the stack's key, visibility 6 × 30 s + 5 s, dead-lettered after 5 receives", func(t *testing.T) {
				s.HasResource(t, "AWS::SQS::Queue", map[string]any{
					"Properties": map[string]any{
						"QueueName": "groundwork-" + cfg.Name + "-invoices", "KmsMasterKeyId": key,
						"VisibilityTimeout": 185, "MessageRetentionPeriod": 345600,
						"RedrivePolicy": map[string]any{"deadLetterTargetArn": s.Arn(t, "InvoiceQueue/DeadLetterQueue"), "maxReceiveCount": 5},
					},
					"DeletionPolicy": removal,
				})
				for _, path := range []string{"InvoiceQueue/DeadLetterQueue", "RuleDeadLetterQueue", "OutboxDeadLetterQueue"} {
					props, _ := s.Resource(t, s.LogicalID(t, path))["Properties"].(map[string]any)
					if props["MessageRetentionPeriod"] != float64(1209600) || testkitJSON(props["KmsMasterKeyId"]) != testkitJSON(key) {
						t.Errorf("%s: retention %v, key %v; want 14 days and the stack's key", path, props["MessageRetentionPeriod"], props["KmsMasterKeyId"])
					}
					// Marked as dead-letter queues (Control Tower CT.SQS.PR.1): the
					// invoice queue's admits only that queue; the rule's and the
					// pipe's admit all, their sources being services.
					want := `{"redrivePermission":"allowAll"}`
					if path == "InvoiceQueue/DeadLetterQueue" {
						want = "byQueue"
					}
					if got := testkitJSON(props["RedriveAllowPolicy"]); !strings.Contains(got, want) {
						t.Errorf("%s: RedriveAllowPolicy %s, want %s", path, got, want)
					}
				}
			})
			t.Run("worker: a HardenedFunction with the bucket and account, reserved concurrency", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::Lambda::Function", map[string]any{
					"FunctionName": "groundwork-" + cfg.Name + "-invoice-worker", "Runtime": "provided.al2023",
					"Timeout": 30, "ReservedConcurrentExecutions": stacks.InvoiceWorkerConcurrency,
					"Environment": map[string]any{"Variables": map[string]any{
						"BUCKET_NAME": map[string]any{"Fn::GetStackOutput": assertions.Match_ObjectLike(&map[string]any{
							"StackName": cfg.StackName("Storage")})}, "ACCOUNT_ID": cfg.Account}},
				})
			})
			t.Run("event source mapping: partial batch responses, bounded concurrency and window", func(t *testing.T) {
				s.HasResourceProperties(t, "AWS::Lambda::EventSourceMapping", map[string]any{
					"EventSourceArn": s.Arn(t, "InvoiceQueue/Queue"), "FunctionName": s.Arn(t, "InvoiceWorker/Function"),
					"FunctionResponseTypes": []any{"ReportBatchItemFailures"}, "BatchSize": 10,
					"MaximumBatchingWindowInSeconds": 5, "ScalingConfig": map[string]any{"MaximumConcurrency": stacks.InvoiceMaxConcurrency},
				})
			})
			t.Run("worker's exact permissions: its own, the bucket write, the queue, the keys", func(t *testing.T) {
				var all []string
				for sid, st := range statementsOf(t, s, "InvoiceWorker/RolePolicy") {
					for _, a := range actionsOf(st) {
						all = append(all, sid[:min(len(sid), 12)]+" "+a)
					}
				}
				sort.Strings(all)
				want := []string{
					"ConsumeQueue sqs:ChangeMessageVisibility", "ConsumeQueue sqs:DeleteMessage", "ConsumeQueue sqs:GetQueueAttributes",
					"ConsumeQueue sqs:ReceiveMessage", "ConsumeQueue kms:Decrypt",
					"SendToDeadLe sqs:SendMessage", "UseFunctionK kms:Decrypt", "UseFunctionK kms:GenerateDataKey",
					"WriteFunctio logs:CreateLogStream", "WriteFunctio logs:PutLogEvents",
					"WriteObjects kms:Decrypt", "WriteObjects kms:GenerateDataKey", "WriteObjects s3:PutObject",
					"WriteXRayTra xray:PutTelemetryRecords", "WriteXRayTra xray:PutTraceSegments",
				}
				sort.Strings(want)
				if strings.Join(all, "\n") != strings.Join(want, "\n") {
					t.Errorf("worker permissions:\n%s\nwant:\n%s", strings.Join(all, "\n"), strings.Join(want, "\n"))
				}
			})
			t.Run("the worker writes the invoices bucket through S3 only", func(t *testing.T) {
				st := statementsOf(t, s, "InvoiceWorker/RolePolicy")
				for sid, m := range st {
					if strings.HasPrefix(sid, "WriteObjectsKey") {
						c, _ := json.Marshal(m["Condition"])
						if !strings.Contains(string(c), `"kms:ViaService":"s3.`+cfg.Region+`.amazonaws.com"`) {
							t.Errorf("%s condition %s lacks kms:ViaService s3", sid, c)
						}
					}
				}
			})
			t.Run("alarms: dead letters, failed deliveries, failed pipe runs, queue age", func(t *testing.T) {
				for _, m := range []map[string]any{
					{"MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": []any{map[string]any{"Name": "QueueName",
						"Value": map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, "RuleDeadLetterQueue"), "QueueName"}}}}},
					{"MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": []any{map[string]any{"Name": "QueueName",
						"Value": map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, "OutboxDeadLetterQueue"), "QueueName"}}}}},
					{"MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": []any{map[string]any{"Name": "QueueName",
						"Value": map[string]any{"Fn::GetAtt": []any{s.LogicalID(t, "InvoiceQueue/DeadLetterQueue"), "QueueName"}}}}},
					{"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": 900},
					{"Namespace": "AWS/Events", "MetricName": "FailedInvocations"},
					{"Namespace": "AWS/EventBridge/Pipes", "MetricName": "ExecutionFailed",
						"Dimensions": []any{map[string]any{"Name": "PipeName", "Value": s.Ref(t, "Outbox")}}},
				} {
					m["AlarmActions"] = []any{cfg.AlarmTopicArn()}
					s.HasResourceProperties(t, "AWS::CloudWatch::Alarm", m)
				}
			})
			t.Run("published to SSM", func(t *testing.T) {
				for _, name := range []string{"/groundwork/" + cfg.Name + "/events/bus-arn", "/groundwork/" + cfg.Name + "/events/invoice-queue-url"} {
					s.HasResourceProperties(t, "AWS::SSM::Parameter", map[string]any{"Name": name, "Type": "String"})
				}
			})
			t.Run("depends on Api and Storage, not the reverse", func(t *testing.T) {
				for _, dep := range []string{cfg.StackName("Api"), cfg.StackName("Storage")} {
					if !slices.Contains(s.Dependencies, dep) {
						t.Errorf("dependencies %v lack %s", s.Dependencies, dep)
					}
				}
				if slices.Contains(api.Dependencies, s.Name) {
					t.Error("the Api stack depends on Events")
				}
			})
		})
	}
}

// TestOutboxNeedsNoAPIFunction checks the transactional-outbox shape: the
// event of a stored order is produced from the table's stream by the pipe,
// so the API function neither publishes events nor is on the path after
// its write — it holds no events: or sqs:SendMessage-to-bus permission, and
// nothing in the Events stack references it.
func TestOutboxNeedsNoAPIFunction(t *testing.T) {
	asm := assembly(t)
	for _, cfg := range stacks.Defaults() {
		t.Run(cfg.Name, func(t *testing.T) {
			api := asm.Stack(t, cfg.StackName("Api"))
			events := asm.Stack(t, cfg.StackName("Events"))
			for _, act := range grantedActions(api, api.LogicalID(t, "PermissionsBoundary")) {
				if strings.HasPrefix(act, "events:") {
					t.Errorf("the API's roles hold %s: the outbox must not depend on the function publishing", act)
				}
			}
			// The pipe's source is the table's stream, an output of the Api stack.
			pipe := events.Resource(t, events.LogicalID(t, "Outbox"))
			src, _ := pipe["Properties"].(map[string]any)["Source"].(map[string]any)["Fn::GetStackOutput"].(map[string]any)
			outputs, _ := api.Template["Outputs"].(map[string]any)
			out, _ := outputs[fmt.Sprint(src["OutputName"])].(map[string]any)
			want := map[string]any{"Fn::GetAtt": []any{api.LogicalID(t, "Orders"), "StreamArn"}}
			if src["StackName"] != cfg.StackName("Api") || testkitJSON(out["Value"]) != testkitJSON(want) {
				t.Errorf("pipe source %v is not the Api stack's output of the orders table's StreamArn (%v)", src, out)
			}
			if strings.Contains(string(events.JSON), "process-order") || strings.Contains(string(events.JSON), "ProcessOrder") {
				t.Error("the Events stack references the ProcessOrder function")
			}
			// INSERT only: an update of an order (none today) must not invoice it twice.
			params := pipe["Properties"].(map[string]any)["SourceParameters"].(map[string]any)
			if f, _ := json.Marshal(params["FilterCriteria"]); !strings.Contains(string(f), `eventName\":[\"INSERT\"]`) {
				t.Errorf("filter %s, want INSERT only", f)
			}
		})
	}
}

// statementsOf maps Sid → statement of the managed policy at path.
func statementsOf(t *testing.T, s *testkit.Stack, path string) map[string]map[string]any {
	t.Helper()
	props, _ := s.Resource(t, s.LogicalID(t, path))["Properties"].(map[string]any)
	doc, _ := props["PolicyDocument"].(map[string]any)
	list, _ := doc["Statement"].([]any)
	out := map[string]map[string]any{}
	for _, e := range list {
		m := e.(map[string]any)
		out[m["Sid"].(string)] = m
	}
	return out
}

func actionsOf(st map[string]any) []string {
	switch a := st["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			out = append(out, x.(string))
		}
		sort.Strings(out)
		return out
	}
	return nil
}

func testkitJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestOutboxEventReachesTheWorker plays the outbox path with the synthesized
// pipe: a stream record of a stored order (the INSERT DynamoDB writes with
// the item, as processorder stores it) passes the pipe's filter, its input
// template renders the OrderPlaced detail, and the invoice worker's parser
// accepts the event the bus delivers — nothing of the API function is on
// that path. A MODIFY record is filtered out.
func TestOutboxEventReachesTheWorker(t *testing.T) {
	s := assembly(t).Stack(t, stacks.Defaults()[0].StackName("Events"))
	props := s.Resource(t, s.LogicalID(t, "Outbox"))["Properties"].(map[string]any)
	target := props["TargetParameters"].(map[string]any)
	tmpl := target["InputTemplate"].(string)
	bus := target["EventBridgeEventBusParameters"].(map[string]any)
	filter := props["SourceParameters"].(map[string]any)["FilterCriteria"].(map[string]any)["Filters"].([]any)[0].(map[string]any)["Pattern"].(string)

	record := func(eventName string) map[string]any {
		return map[string]any{
			"eventID": "c81e728d9d4c2f636f067f89cc14862c", "eventName": eventName, "eventSource": "aws:dynamodb",
			"dynamodb": map[string]any{"NewImage": map[string]any{
				"id":         map[string]any{"S": "00000000-0000-4000-8000-000000000001"},
				"customerId": map[string]any{"S": "user-123"},
				"currency":   map[string]any{"S": "EUR"},
				"status":     map[string]any{"S": "PLACED"},
				"createdAt":  map[string]any{"S": "2026-11-30T12:00:00Z"},
				"signature":  map[string]any{"S": "c2lnbmF0dXJl"},
				"items": map[string]any{"L": []any{map[string]any{"M": map[string]any{
					"sku": map[string]any{"S": "SKU-1"}, "quantity": map[string]any{"N": "3"}}}}},
			}},
		}
	}
	var pattern map[string][]string
	if err := json.Unmarshal([]byte(filter), &pattern); err != nil {
		t.Fatal(err)
	}
	passes := func(r map[string]any) bool { return slices.Contains(pattern["eventName"], r["eventName"].(string)) }
	if passes(record("MODIFY")) || passes(record("REMOVE")) || !passes(record("INSERT")) {
		t.Fatalf("filter %s: want INSERT only", filter)
	}
	detail := renderPipeTemplate(t, tmpl, record("INSERT"))
	body, _ := json.Marshal(map[string]any{
		"version": "0", "id": "evt-1", "source": bus["Source"], "detail-type": bus["DetailType"],
		"account": stacks.Defaults()[0].Account, "region": "eu-west-1", "detail": json.RawMessage(detail),
	})
	inv, err := worker.ParseInvoice(string(body), stacks.Defaults()[0].Account)
	if err != nil {
		t.Fatalf("the worker refuses the outbox's event: %v\ndetail: %s", err, detail)
	}
	if inv.Key() != "invoices/user-123/00000000-0000-4000-8000-000000000001.json" || inv.TotalQuantity != 3 || inv.Currency != "EUR" {
		t.Errorf("invoice %+v (key %s)", inv, inv.Key())
	}
	if strings.Contains(detail, "signature") {
		t.Error("the event carries the order's HMAC signature; the template must pick fields, not copy the image")
	}
}

// renderPipeTemplate applies an EventBridge Pipes input template to record:
// "<$.path>" in quotes inserts the string at path, <$.path> the JSON value.
func renderPipeTemplate(t *testing.T, tmpl string, record map[string]any) string {
	t.Helper()
	lookup := func(path string) any {
		var v any = record
		for _, k := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("template path %s: %s is not an object", path, k)
			}
			v = m[k]
		}
		return v
	}
	out := tmpl
	for {
		i := strings.Index(out, "<$.")
		if i < 0 {
			break
		}
		j := strings.Index(out[i:], ">") + i
		v := lookup(out[i+1 : j])
		var repl string
		if i > 0 && out[i-1] == '"' {
			b, _ := json.Marshal(v)
			repl = strings.Trim(string(b), `"`)
		} else {
			b, _ := json.Marshal(v)
			repl = string(b)
		}
		out = out[:i] + repl + out[j+1:]
	}
	if !json.Valid([]byte(out)) {
		t.Fatalf("rendered detail is not JSON: %s", out)
	}
	return out
}
