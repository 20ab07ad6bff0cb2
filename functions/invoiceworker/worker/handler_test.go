package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

const (
	account = "111111111111"
	bucket  = "groundwork-dev-invoices"
	orderA  = "00000000-0000-4000-8000-00000000000a"
	orderB  = "00000000-0000-4000-8000-00000000000b"
)

// fakeS3 is an in-memory bucket with S3's If-None-Match "*" semantics.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string][]byte
	puts    []*s3.PutObjectInput
	failKey map[string]error // a write to this key fails with the error
	panics  string           // a write to this key panics
}

func newFakeS3() *fakeS3 { return &fakeS3{objects: map[string][]byte{}, failKey: map[string]error{}} }

func (f *fakeS3) PutObject(ctx context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts = append(f.puts, in)
	key := aws.ToString(in.Key)
	if key == f.panics {
		panic("fake S3 exploded")
	}
	if err := f.failKey[key]; err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, exists := f.objects[key]; exists && aws.ToString(in.IfNoneMatch) == "*" {
		return nil, &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
	}
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	f.objects[key] = body
	return &s3.PutObjectOutput{}, nil
}

// detail is a valid OrderPlaced detail as the pipe renders it.
func detail(orderID, owner string) map[string]any {
	return map[string]any{
		"orderId": orderID, "owner": owner, "currency": "EUR", "status": "PLACED", "createdAt": "2026-11-30T12:00:00Z",
		"streamEventId": "stream-1",
		"items": []any{
			map[string]any{"M": map[string]any{"sku": map[string]any{"S": "SKU-1"}, "quantity": map[string]any{"N": "2"}}},
			map[string]any{"M": map[string]any{"sku": map[string]any{"S": "SKU-2"}, "quantity": map[string]any{"N": "1"}}},
		},
	}
}

// event is the SQS body EventBridge writes for an event with detail d.
func event(id string, d any) string {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": id, "detail-type": DetailType, "source": Source, "account": account,
		"time": "2026-11-30T12:00:01Z", "region": "eu-west-1", "resources": []any{}, "detail": d,
	})
	return string(b)
}

// with replaces fields of a valid event body.
func with(body string, fields map[string]any) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	for k, v := range fields {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func withDetail(fields map[string]any) string {
	d := detail(orderA, "alice")
	for k, v := range fields {
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
	}
	return event("ev-1", d)
}

func msg(id, body string) events.SQSMessage {
	return events.SQSMessage{MessageId: id, Body: body, Attributes: map[string]string{"ApproximateReceiveCount": "1"}}
}

func newTestHandler(f *fakeS3, logs io.Writer) *Handler {
	if logs == nil {
		logs = io.Discard
	}
	return NewHandler(Config{BucketName: bucket, AccountID: account}, nil, f, slog.New(slog.NewJSONHandler(logs, nil)))
}

func failed(resp events.SQSEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestWritesInvoice(t *testing.T) {
	f := newFakeS3()
	resp, err := newTestHandler(f, nil).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		msg("m1", event("ev-1", detail(orderA, "alice"))),
	}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("resp %v, err %v; want no failures", failed(resp), err)
	}
	if len(f.puts) != 1 {
		t.Fatalf("%d puts, want 1", len(f.puts))
	}
	in := f.puts[0]
	key := "invoices/alice/" + orderA + ".json"
	checks := map[string]bool{
		"bucket":                                   aws.ToString(in.Bucket) == bucket,
		"key invoices/<owner>/<order id>.json":     aws.ToString(in.Key) == key,
		"If-None-Match *":                          aws.ToString(in.IfNoneMatch) == "*",
		"expected bucket owner":                    aws.ToString(in.ExpectedBucketOwner) == account,
		"JSON content type":                        aws.ToString(in.ContentType) == "application/json",
		"no SSE override (bucket default SSE-KMS)": in.ServerSideEncryption == "" && in.SSEKMSKeyId == nil,
	}
	for name, ok := range checks {
		if !ok {
			t.Errorf("%s: does not hold (%+v)", name, in)
		}
	}
	var inv Invoice
	if err := json.Unmarshal(f.objects[key], &inv); err != nil {
		t.Fatal(err)
	}
	want := Invoice{InvoiceID: "inv-" + orderA, OrderID: orderA, Owner: "alice", Currency: "EUR",
		Items: []Line{{"SKU-1", 2}, {"SKU-2", 1}}, TotalQuantity: 3, OrderCreatedAt: "2026-11-30T12:00:00Z", SourceEventID: "ev-1"}
	if fmt.Sprint(inv) != fmt.Sprint(want) {
		t.Errorf("invoice %+v, want %+v", inv, want)
	}
}

func TestDuplicateDeliveries(t *testing.T) {
	body := event("ev-1", detail(orderA, "alice"))
	tests := []struct {
		name    string
		batches [][]events.SQSMessage
	}{
		{"the same message twice in one batch", [][]events.SQSMessage{{msg("m1", body), msg("m1", body)}}},
		{"the same message redelivered in a later batch", [][]events.SQSMessage{{msg("m1", body)}, {msg("m1", body)}}},
		{"the same order in two events (the stream or the pipe delivered twice)", [][]events.SQSMessage{
			{msg("m1", body)}, {msg("m2", event("ev-2", detail(orderA, "alice")))}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3()
			var logs bytes.Buffer
			h := newTestHandler(f, &logs)
			for _, b := range tc.batches {
				resp, err := h.Handle(context.Background(), events.SQSEvent{Records: b})
				if err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("failures %v, err %v; a duplicate is success", failed(resp), err)
				}
			}
			if len(f.objects) != 1 {
				t.Errorf("%d objects, want 1", len(f.objects))
			}
			var inv Invoice
			_ = json.Unmarshal(f.objects["invoices/alice/"+orderA+".json"], &inv)
			if inv.SourceEventID != "ev-1" {
				t.Errorf("the first write must stand, got event %q", inv.SourceEventID)
			}
			if !strings.Contains(logs.String(), "duplicate delivery") {
				t.Errorf("no duplicate logged: %s", logs.String())
			}
		})
	}
}

func TestPoisonMessages(t *testing.T) {
	valid := event("ev-1", detail(orderA, "alice"))
	tests := []struct {
		name string
		body string
		want string // in the logged reason
	}{
		{"not JSON", "{not json", "not an EventBridge event"},
		{"empty body", "", "not an EventBridge event"},
		{"an SNS envelope", `{"Type":"Notification","Message":"{}"}`, `source ""`},
		{"foreign source", with(valid, map[string]any{"source": "attacker.orders"}), `source "attacker.orders"`},
		{"another detail-type", with(valid, map[string]any{"detail-type": "OrderCancelled"}), `detail-type "OrderCancelled"`},
		{"another account", with(valid, map[string]any{"account": "999999999999"}), `account "999999999999"`},
		{"no event id", with(valid, map[string]any{"id": ""}), "no id"},
		{"no detail", with(valid, map[string]any{"detail": nil}), "no detail"},
		{"detail is a string", with(valid, map[string]any{"detail": "order"}), "not an OrderPlaced"},
		{"missing owner", withDetail(map[string]any{"owner": nil}), "no owner"},
		{"empty owner", withDetail(map[string]any{"owner": ""}), "no owner"},
		{"foreign owner: a path into another owner's prefix", withDetail(map[string]any{"owner": "alice/../bob"}), "path separator"},
		{"foreign owner: backslash", withDetail(map[string]any{"owner": `bob\alice`}), "path separator"},
		{"owner ..", withDetail(map[string]any{"owner": ".."}), "relative path segment"},
		{"owner with a control character", withDetail(map[string]any{"owner": "ali\nce"}), "control character"},
		{"owner too long", withDetail(map[string]any{"owner": strings.Repeat("a", 257)}), "longer than 256"},
		{"owner not a string", withDetail(map[string]any{"owner": 42}), "not an OrderPlaced"},
		{"order id not a UUID", withDetail(map[string]any{"orderId": "../../etc"}), "not a lower-case UUID"},
		{"bad currency", withDetail(map[string]any{"currency": "euro"}), "ISO 4217"},
		{"no items", withDetail(map[string]any{"items": []any{}}), "1 to 100 items"},
		{"item without quantity", withDetail(map[string]any{"items": []any{map[string]any{"M": map[string]any{"sku": map[string]any{"S": "X"}}}}}), "items[0] is not"},
		{"zero quantity", withDetail(map[string]any{"items": []any{map[string]any{"M": map[string]any{
			"sku": map[string]any{"S": "X"}, "quantity": map[string]any{"N": "0"}}}}}), "items[0].quantity"},
		{"empty sku", withDetail(map[string]any{"items": []any{map[string]any{"M": map[string]any{
			"sku": map[string]any{"S": " "}, "quantity": map[string]any{"N": "1"}}}}}), "items[0].sku"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3()
			var logs bytes.Buffer
			resp, err := newTestHandler(f, &logs).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
				msg("good", valid), msg("poison", tc.body),
			}})
			if err != nil {
				t.Fatalf("Handle returned %v; a batch error would retry the good record too", err)
			}
			if got := failed(resp); len(got) != 1 || got[0] != "poison" {
				t.Fatalf("failures %v, want only [poison] (reported, so that it reaches the dead-letter queue)", got)
			}
			if len(f.objects) != 1 || f.objects["invoices/alice/"+orderA+".json"] == nil {
				t.Errorf("objects %v, want only the good record's invoice", keys(f.objects))
			}
			if !strings.Contains(logs.String(), `"reason":"poison"`) || !strings.Contains(logs.String(), strings.ReplaceAll(tc.want, `"`, `\"`)) {
				t.Errorf("log lacks the poison reason %q:\n%s", tc.want, logs.String())
			}
		})
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFailingWriteFailsOnlyItsRecord(t *testing.T) {
	keyB := "invoices/bob/" + orderB + ".json"
	tests := []struct {
		name string
		err  error
	}{
		{"access denied", &smithy.GenericAPIError{Code: "AccessDenied", Message: "denied"}},
		{"KMS throttled", &smithy.GenericAPIError{Code: "KMS.ThrottlingException"}},
		{"concurrent conditional write (409)", &smithy.GenericAPIError{Code: "ConditionalRequestConflict"}},
		{"network", errors.New("dial tcp: i/o timeout")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeS3()
			f.failKey[keyB] = tc.err
			var logs bytes.Buffer
			resp, err := newTestHandler(f, &logs).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
				msg("a", event("ev-a", detail(orderA, "alice"))),
				msg("b", event("ev-b", detail(orderB, "bob"))),
				msg("c", event("ev-c", detail("00000000-0000-4000-8000-00000000000c", "carol"))),
			}})
			if err != nil {
				t.Fatal(err)
			}
			if got := failed(resp); len(got) != 1 || got[0] != "b" {
				t.Fatalf("failures %v, want [b]", got)
			}
			if len(f.objects) != 2 {
				t.Errorf("objects %v, want alice's and carol's", keys(f.objects))
			}
			if !strings.Contains(logs.String(), `"reason":"write"`) {
				t.Errorf("log lacks the write failure: %s", logs.String())
			}
		})
	}
	t.Run("a panic in the client fails its record only", func(t *testing.T) {
		f := newFakeS3()
		f.panics = keyB
		resp, _ := newTestHandler(f, nil).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
			msg("a", event("ev-a", detail(orderA, "alice"))), msg("b", event("ev-b", detail(orderB, "bob"))),
		}})
		if got := failed(resp); len(got) != 1 || got[0] != "b" {
			t.Fatalf("failures %v, want [b]", got)
		}
	})
	t.Run("a retried record succeeds once the write works", func(t *testing.T) {
		f := newFakeS3()
		f.failKey[keyB] = errors.New("flaky")
		h := newTestHandler(f, nil)
		b := msg("b", event("ev-b", detail(orderB, "bob")))
		if resp, _ := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{b}}); len(resp.BatchItemFailures) != 1 {
			t.Fatal("first attempt should fail")
		}
		delete(f.failKey, keyB)
		if resp, _ := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{b}}); len(resp.BatchItemFailures) != 0 {
			t.Fatal("retry should succeed")
		}
		if f.objects[keyB] == nil {
			t.Error("no invoice after the retry")
		}
	})
}

func TestDeadlineFailsUnstartedRecords(t *testing.T) {
	f := newFakeS3()
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(deadlineMargin/2))
	defer cancel()
	resp, _ := newTestHandler(f, nil).Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{
		msg("a", event("ev-a", detail(orderA, "alice"))), msg("b", event("ev-b", detail(orderB, "bob"))),
	}})
	if got := failed(resp); len(got) != 2 || len(f.puts) != 0 {
		t.Errorf("failures %v, puts %d; near the deadline nothing starts and everything is retried", got, len(f.puts))
	}
}

func TestBadConfigFailsEveryRecord(t *testing.T) {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "BUCKET_NAME is not set") || !strings.Contains(err.Error(), "ACCOUNT_ID is not a 12-digit") {
		t.Fatalf("LoadConfig error %v", err)
	}
	f := newFakeS3()
	resp, _ := NewHandler(cfg, err, f, nil).Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		msg("a", event("ev-a", detail(orderA, "alice")))}})
	if got := failed(resp); len(got) != 1 || len(f.puts) != 0 {
		t.Errorf("failures %v, puts %d; want the record failed and nothing written", got, len(f.puts))
	}
	env := map[string]string{EnvBucketName: bucket, EnvAccountID: account}
	good, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil || good.BucketName != bucket || good.AccountID != account {
		t.Errorf("LoadConfig = %+v, %v", good, err)
	}
}

func TestEmptyBatch(t *testing.T) {
	resp, err := newTestHandler(newFakeS3(), nil).Handle(context.Background(), events.SQSEvent{})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("resp %v err %v", resp, err)
	}
}

func TestInvoiceIsDeterministic(t *testing.T) {
	body := event("ev-1", detail(orderA, "alice"))
	a, errA := ParseInvoice(body, account)
	b, errB := ParseInvoice(body, account)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if errA != nil || errB != nil || !bytes.Equal(ja, jb) {
		t.Errorf("two parses differ: %s vs %s (%v %v)", ja, jb, errA, errB)
	}
	if _, err := ParseInvoice(with(body, map[string]any{"account": "999999999999"}), ""); err != nil {
		t.Errorf("an empty account accepts any: %v", err)
	}
}
