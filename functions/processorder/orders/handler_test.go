package orders

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

const (
	testTable     = "orders-test"
	testSecretARN = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:prod/api-key-AbCdEf"
	// testSecret is distinctive so leak checks cannot match by accident.
	testSecret = "tOpSeCrEt-hmac-key-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	// testSub is the JWT subject of the default caller; validBody names it
	// as the customer.
	testSub   = "cust-42"
	validBody = `{"customerId":"cust-42","items":[{"sku":"SKU-1","quantity":2},{"sku":"SKU-2","quantity":1}],"currency":"EUR"}`
)

var testNow = time.Date(2026, 3, 14, 15, 9, 26, 535000000, time.FixedZone("CET", 3600))

type testEnv struct {
	h       *Handler
	db      *fakeDynamoDB
	secrets *fakeSecrets
	logs    *syncBuffer
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	logger, logs := testLogger()
	db := newFakeDynamoDB()
	sm := &fakeSecrets{value: testSecret}
	h := NewHandler(Config{TableName: testTable, APISecretARN: testSecretARN}, db, sm, logger)
	h.Now = func() time.Time { return testNow }
	var n atomic.Uint64
	h.NewID = func() (string, error) {
		return fmt.Sprintf("00000000-0000-4000-8000-%012x", n.Add(1)), nil
	}
	return &testEnv{h: h, db: db, secrets: sm, logs: logs}
}

// jwtAuthorizer returns the authorizer context API Gateway passes for a
// request whose JWT carries the given claims.
func jwtAuthorizer(claims map[string]string) *events.APIGatewayV2HTTPRequestContextAuthorizerDescription {
	return &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
			Claims: claims,
		},
	}
}

// asCaller returns req as sent by the caller whose JWT subject is sub.
func asCaller(req events.APIGatewayV2HTTPRequest, sub string) events.APIGatewayV2HTTPRequest {
	req.RequestContext.Authorizer = jwtAuthorizer(map[string]string{
		"sub":       sub,
		"iss":       "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
		"token_use": "access",
	})
	return req
}

// postOrder returns a POST /orders request from the default caller (testSub).
func postOrder(body string) events.APIGatewayV2HTTPRequest {
	return asCaller(events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: routeCreateOrder,
		RawPath:  "/orders",
		Headers:  map[string]string{"content-type": "application/json"},
		Body:     body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "api-req-1",
			RouteKey:  routeCreateOrder,
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/orders"},
		},
	}, testSub)
}

// getOrderReq returns a GET /orders/{id} request from the default caller.
func getOrderReq(id string) events.APIGatewayV2HTTPRequest {
	return asCaller(events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       routeGetOrder,
		RawPath:        "/orders/" + id,
		PathParameters: map[string]string{"id": id},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "api-req-2",
			RouteKey:  routeGetOrder,
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/orders/" + id},
		},
	}, testSub)
}

// invoke calls Handle with a Lambda context and checks invariants every
// response must satisfy.
func (e *testEnv) invoke(t *testing.T, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-1"})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := e.h.Handle(ctx, req)
	if err != nil {
		t.Fatalf("Handle returned error %v; want nil error and an HTTP response", err)
	}
	checkResponseInvariants(t, resp)
	return resp
}

func checkResponseInvariants(t *testing.T, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	if got := resp.Headers["Content-Type"]; got != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if !json.Valid([]byte(resp.Body)) {
		t.Errorf("response body is not valid JSON: %q", resp.Body)
	}
	if strings.Contains(resp.Body, testSecret) {
		t.Errorf("response body contains the secret: %q", resp.Body)
	}
}

func decodeError(t *testing.T, body string) errorBody {
	t.Helper()
	var eb errorBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if eb.Error == "" {
		t.Fatalf("error body %q has no error message", body)
	}
	return eb
}

func assertNoSecretInLogs(t *testing.T, logs string) {
	t.Helper()
	for _, enc := range []string{
		testSecret,
		hex.EncodeToString([]byte(testSecret)),
		base64.StdEncoding.EncodeToString([]byte(testSecret)),
	} {
		if strings.Contains(logs, enc) {
			t.Fatalf("logs contain the secret (or an encoding of it):\n%s", logs)
		}
	}
}

func TestSecretFetchedOnceAcrossInvocations(t *testing.T) {
	e := newTestEnv(t)
	e.secrets.delay = 20 * time.Millisecond // widen the race window for concurrent cold calls

	const concurrent = 32
	var wg sync.WaitGroup
	statuses := make([]int, concurrent)
	for i := range concurrent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.h.Handle(context.Background(), postOrder(validBody))
			if err != nil {
				t.Errorf("Handle: %v", err)
			}
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusCreated {
			t.Errorf("concurrent call %d: status %d, want 201", i, s)
		}
	}

	for range 20 {
		if resp := e.invoke(t, postOrder(validBody)); resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %d, want 201: %s", resp.StatusCode, resp.Body)
		}
	}

	if got := e.secrets.calls.Load(); got != 1 {
		t.Fatalf("GetSecretValue called %d times, want exactly 1", got)
	}
	if got := e.secrets.ids[0]; got != testSecretARN {
		t.Errorf("GetSecretValue SecretId = %q, want %q", got, testSecretARN)
	}
	if got := len(e.db.putCalls()); got != concurrent+20 {
		t.Errorf("PutItem called %d times, want %d", got, concurrent+20)
	}
	assertNoSecretInLogs(t, e.logs.String())
}

func TestWarmUpPrefetchesSecret(t *testing.T) {
	e := newTestEnv(t)
	if err := e.h.WarmUp(context.Background()); err != nil {
		t.Fatalf("WarmUp: %v", err)
	}
	for range 3 {
		if resp := e.invoke(t, postOrder(validBody)); resp.StatusCode != http.StatusCreated {
			t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
		}
	}
	if got := e.secrets.calls.Load(); got != 1 {
		t.Fatalf("GetSecretValue called %d times, want 1", got)
	}
}

func TestSecretFetchFailureIsRetried(t *testing.T) {
	tests := []struct {
		name     string
		failures []error
	}{
		{"access denied", []error{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}}},
		{"two transient failures", []error{errors.New("connection reset"), context.DeadlineExceeded}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.secrets.errs = tc.failures

			for i := range tc.failures {
				resp := e.invoke(t, postOrder(validBody))
				if resp.StatusCode != http.StatusInternalServerError {
					t.Fatalf("call %d: status %d, want 500: %s", i, resp.StatusCode, resp.Body)
				}
				if eb := decodeError(t, resp.Body); eb.Error != msgInternal {
					t.Errorf("call %d: error %q, want generic %q", i, eb.Error, msgInternal)
				}
			}
			if n := len(e.db.putCalls()); n != 0 {
				t.Fatalf("PutItem called %d times while the secret was unavailable", n)
			}

			resp := e.invoke(t, postOrder(validBody))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("retry: status %d, want 201: %s", resp.StatusCode, resp.Body)
			}
			resp = e.invoke(t, postOrder(validBody))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("after retry: status %d, want 201: %s", resp.StatusCode, resp.Body)
			}
			if got, want := int(e.secrets.calls.Load()), len(tc.failures)+1; got != want {
				t.Fatalf("GetSecretValue called %d times, want %d (one per failure plus one success)", got, want)
			}
			logs := e.logs.String()
			if !strings.Contains(logs, "cannot load API secret") {
				t.Errorf("secret failure not logged:\n%s", logs)
			}
			assertNoSecretInLogs(t, logs)
		})
	}
}

func TestSecretValueVariants(t *testing.T) {
	tests := []struct {
		name       string
		value      string
		binary     []byte
		wantStatus int
	}{
		{"secret string", testSecret, nil, http.StatusCreated},
		{"secret binary", "", []byte(testSecret), http.StatusCreated},
		{"empty secret", "", nil, http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.secrets.value, e.secrets.binary = tc.value, tc.binary
			for range 2 {
				if resp := e.invoke(t, postOrder(validBody)); resp.StatusCode != tc.wantStatus {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, resp.Body)
				}
			}
			wantCalls := int32(1)
			if tc.wantStatus != http.StatusCreated {
				wantCalls = 2 // failures are not cached
			}
			if got := e.secrets.calls.Load(); got != wantCalls {
				t.Errorf("GetSecretValue called %d times, want %d", got, wantCalls)
			}
		})
	}
}

func TestCreateOrderRejectsBadRequests(t *testing.T) {
	items := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"sku":"S%d","quantity":1}`, i)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	withItems := func(itemsJSON string) string {
		return `{"customerId":"c-1","items":` + itemsJSON + `,"currency":"USD"}`
	}
	oversized := `{"customerId":"c-1","items":[{"sku":"A","quantity":1}],"currency":"USD","pad":"` +
		strings.Repeat("x", maxBodyBytes) + `"}`

	tests := []struct {
		name       string
		body       string
		base64     bool
		wantError  string
		wantFields []string
	}{
		{"empty body", "", false, msgInvalidRequest, []string{"body"}},
		{"whitespace body", "  \n", false, msgInvalidRequest, []string{"body"}},
		{"malformed JSON", `{"customerId": "c-1",,}`, false, msgInvalidJSON, []string{"body"}},
		{"truncated JSON", `{"customerId": "c-1"`, false, msgInvalidJSON, []string{"body"}},
		{"not an object", `[1,2,3]`, false, msgInvalidJSON, []string{"body"}},
		{"trailing data", validBody + ` {}`, false, msgInvalidJSON, []string{"body"}},
		{"unknown top-level field", `{"customerId":"c-1","items":[{"sku":"A","quantity":1}],"currency":"USD","discount":50}`, false, msgInvalidJSON, []string{"discount"}},
		{"unknown item field", withItems(`[{"sku":"A","quantity":1,"price":9}]`), false, msgInvalidJSON, []string{"price"}},
		{"customerId wrong type", `{"customerId":42,"items":[{"sku":"A","quantity":1}],"currency":"USD"}`, false, msgInvalidJSON, []string{"customerId"}},
		{"quantity not integer", withItems(`[{"sku":"A","quantity":1.5}]`), false, msgInvalidJSON, []string{"items.quantity"}},
		{"quantity string", withItems(`[{"sku":"A","quantity":"2"}]`), false, msgInvalidJSON, []string{"items.quantity"}},
		{"items not array", withItems(`{"sku":"A"}`), false, msgInvalidJSON, []string{"items"}},
		// customerId is optional (the owner is the JWT subject), so it is
		// not reported when absent or null.
		{"empty object: all required fields missing", `{}`, false, msgValidation, []string{"items", "currency"}},
		{"null fields", `{"customerId":null,"items":null,"currency":null}`, false, msgValidation, []string{"items", "currency"}},
		{"empty customerId", `{"customerId":"","items":[{"sku":"A","quantity":1}],"currency":"USD"}`, false, msgValidation, []string{"customerId"}},
		{"blank customerId", `{"customerId":"   ","items":[{"sku":"A","quantity":1}],"currency":"USD"}`, false, msgValidation, []string{"customerId"}},
		{"customerId too long", `{"customerId":"` + strings.Repeat("c", maxCustomerIDLen+1) + `","items":[{"sku":"A","quantity":1}],"currency":"USD"}`, false, msgValidation, []string{"customerId"}},
		{"customerId control char", `{"customerId":"c\u0000-1","items":[{"sku":"A","quantity":1}],"currency":"USD"}`, false, msgValidation, []string{"customerId"}},
		{"missing currency", `{"customerId":"c-1","items":[{"sku":"A","quantity":1}]}`, false, msgValidation, []string{"currency"}},
		{"lower-case currency", `{"customerId":"c-1","items":[{"sku":"A","quantity":1}],"currency":"usd"}`, false, msgValidation, []string{"currency"}},
		{"4-letter currency", `{"customerId":"c-1","items":[{"sku":"A","quantity":1}],"currency":"EURO"}`, false, msgValidation, []string{"currency"}},
		{"missing items", `{"customerId":"c-1","currency":"USD"}`, false, msgValidation, []string{"items"}},
		{"empty items", withItems(`[]`), false, msgValidation, []string{"items"}},
		{"too many items", withItems(items(maxItems + 1)), false, msgValidation, []string{"items"}},
		{"missing sku", withItems(`[{"quantity":1}]`), false, msgValidation, []string{"items[0].sku"}},
		{"sku too long", withItems(`[{"sku":"` + strings.Repeat("s", maxSKULen+1) + `","quantity":1}]`), false, msgValidation, []string{"items[0].sku"}},
		{"quantity zero", withItems(`[{"sku":"A","quantity":1},{"sku":"B","quantity":0}]`), false, msgValidation, []string{"items[1].quantity"}},
		{"quantity missing", withItems(`[{"sku":"A"}]`), false, msgValidation, []string{"items[0].quantity"}},
		{"quantity negative", withItems(`[{"sku":"A","quantity":-3}]`), false, msgValidation, []string{"items[0].quantity"}},
		{"quantity too large", withItems(`[{"sku":"A","quantity":1001}]`), false, msgValidation, []string{"items[0].quantity"}},
		{"several invalid items", withItems(`[{"sku":"","quantity":0},{"sku":"B","quantity":5000}]`), false, msgValidation, []string{"items[0].sku", "items[0].quantity", "items[1].quantity"}},
		{"oversized body", oversized, false, msgBodyTooLarge, []string{"body"}},
		{"oversized base64 body", base64.StdEncoding.EncodeToString([]byte(oversized)), true, msgBodyTooLarge, []string{"body"}},
		{"invalid base64", "not*base64!", true, msgInvalidRequest, []string{"body"}},
		{"base64 of invalid order", base64.StdEncoding.EncodeToString([]byte(`{"customerId":"c-1","items":[{"sku":"A","quantity":0}],"currency":"USD"}`)), true, msgValidation, []string{"items[0].quantity"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			req := postOrder(tc.body)
			req.IsBase64Encoded = tc.base64

			resp := e.invoke(t, req)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", resp.StatusCode, resp.Body)
			}
			eb := decodeError(t, resp.Body)
			if eb.Error != tc.wantError {
				t.Errorf("error = %q, want %q", eb.Error, tc.wantError)
			}
			var got []string
			for _, d := range eb.Details {
				if d.Message == "" {
					t.Errorf("detail for %q has no message", d.Field)
				}
				got = append(got, d.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantFields, ",") {
				t.Errorf("detail fields = %q, want %q (body %s)", got, tc.wantFields, resp.Body)
			}
			if n := len(e.db.putCalls()); n != 0 {
				t.Errorf("PutItem called %d times for an invalid request", n)
			}
			if n := e.secrets.calls.Load(); n != 0 {
				t.Errorf("GetSecretValue called %d times for an invalid request", n)
			}
		})
	}
}

func TestCreateOrderAcceptsBoundaryValues(t *testing.T) {
	tests := []struct {
		name string
		sub  string
		body string
	}{
		{"max items and quantities", "c", func() string {
			parts := make([]string, maxItems)
			for i := range parts {
				parts[i] = fmt.Sprintf(`{"sku":"S%d","quantity":%d}`, i, maxQuantity)
			}
			return `{"customerId":"c","items":[` + strings.Join(parts, ",") + `],"currency":"JPY"}`
		}()},
		{"max length customerId and sku (multi-byte)", strings.Repeat("é", maxCustomerIDLen), `{"customerId":"` + strings.Repeat("é", maxCustomerIDLen) +
			`","items":[{"sku":"` + strings.Repeat("ß", maxSKULen) + `","quantity":1}],"currency":"CHF"}`},
		{"surrounding whitespace", testSub, "\n  " + validBody + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			if resp := e.invoke(t, asCaller(postOrder(tc.body), tc.sub)); resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d, want 201: %s", resp.StatusCode, resp.Body)
			}
		})
	}
}

// expectedSignature recomputes the HMAC independently of order.signature so
// that the canonical encoding is pinned by the test.
func expectedSignature(canonical string) string {
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte("groundwork/processorder/order/v1\n"))
	mac.Write([]byte(canonical))
	return hex.EncodeToString(mac.Sum(nil))
}

func TestCreateOrderHappyPath(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		base64 bool
	}{
		{"plain body", validBody, false},
		{"base64 body", base64.StdEncoding.EncodeToString([]byte(validBody)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			req := postOrder(tc.body)
			req.IsBase64Encoded = tc.base64

			resp := e.invoke(t, req)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d, want 201: %s", resp.StatusCode, resp.Body)
			}
			const wantID = "00000000-0000-4000-8000-000000000001"
			var got createOrderResponse
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatal(err)
			}
			if got != (createOrderResponse{ID: wantID, Status: "PENDING"}) {
				t.Errorf("body = %+v", got)
			}
			if loc := resp.Headers["Location"]; loc != "/orders/"+wantID {
				t.Errorf("Location = %q, want /orders/%s", loc, wantID)
			}

			puts := e.db.putCalls()
			if len(puts) != 1 {
				t.Fatalf("PutItem called %d times, want 1", len(puts))
			}
			in := puts[0]
			if aws.ToString(in.TableName) != testTable {
				t.Errorf("TableName = %q", aws.ToString(in.TableName))
			}
			if aws.ToString(in.ConditionExpression) != "attribute_not_exists(id)" {
				t.Errorf("ConditionExpression = %q", aws.ToString(in.ConditionExpression))
			}
			const createdAt = "2026-03-14T14:09:26Z" // UTC, RFC 3339, whole seconds
			canonical := `{"id":"` + wantID + `","customerId":"cust-42","items":[{"sku":"SKU-1","quantity":2},{"sku":"SKU-2","quantity":1}],"currency":"EUR","status":"PENDING","createdAt":"` + createdAt + `"}`
			want := map[string]types.AttributeValue{
				"id":         &types.AttributeValueMemberS{Value: wantID},
				"customerId": &types.AttributeValueMemberS{Value: "cust-42"},
				"items": &types.AttributeValueMemberL{Value: []types.AttributeValue{
					&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
						"sku":      &types.AttributeValueMemberS{Value: "SKU-1"},
						"quantity": &types.AttributeValueMemberN{Value: "2"},
					}},
					&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
						"sku":      &types.AttributeValueMemberS{Value: "SKU-2"},
						"quantity": &types.AttributeValueMemberN{Value: "1"},
					}},
				}},
				"currency":  &types.AttributeValueMemberS{Value: "EUR"},
				"status":    &types.AttributeValueMemberS{Value: "PENDING"},
				"createdAt": &types.AttributeValueMemberS{Value: createdAt},
				"signature": &types.AttributeValueMemberS{Value: expectedSignature(canonical)},
			}
			if diff := diffItems(want, in.Item); diff != "" {
				t.Errorf("stored item mismatch:\n%s", diff)
			}
			logs := e.logs.String()
			for _, want := range []string{`"message":"order created"`, `"requestId":"lambda-req-1"`, `"apiRequestId":"api-req-1"`, `"orderId":"` + wantID + `"`} {
				if !strings.Contains(logs, want) {
					t.Errorf("logs missing %s:\n%s", want, logs)
				}
			}
			assertNoSecretInLogs(t, logs)
		})
	}
}

// diffItems compares DynamoDB items, including attribute value types.
func diffItems(want, got map[string]types.AttributeValue) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return "want:\n" + renderItem(want) + "\ngot:\n" + renderItem(got)
}

func renderItem(item map[string]types.AttributeValue) string {
	keys := make([]string, 0, len(item))
	for k := range item {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %s\n", k, renderAV(item[k]))
	}
	return b.String()
}

func renderAV(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("S(%q)", v.Value)
	case *types.AttributeValueMemberN:
		return fmt.Sprintf("N(%s)", v.Value)
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, e := range v.Value {
			parts[i] = renderAV(e)
		}
		return "L[" + strings.Join(parts, ", ") + "]"
	case *types.AttributeValueMemberM:
		return "M{" + strings.ReplaceAll(strings.TrimSpace(renderItem(v.Value)), "\n", ";") + "}"
	default:
		return fmt.Sprintf("%T", av)
	}
}

func TestGetOrder(t *testing.T) {
	e := newTestEnv(t)
	created := e.invoke(t, postOrder(validBody))
	if created.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", created.StatusCode, created.Body)
	}
	var c createOrderResponse
	if err := json.Unmarshal([]byte(created.Body), &c); err != nil {
		t.Fatal(err)
	}
	// A stored item that does not have the expected shape.
	const corruptID = "00000000-0000-4000-8000-00000000dead"
	e.db.items[corruptID] = map[string]types.AttributeValue{
		"id":    &types.AttributeValueMemberS{Value: corruptID},
		"items": &types.AttributeValueMemberS{Value: "oops"},
	}

	tests := []struct {
		name       string
		id         string
		wantStatus int
		wantBody   string
		wantError  string
	}{
		{
			name:       "found",
			id:         c.ID,
			wantStatus: http.StatusOK,
			wantBody:   `{"id":"` + c.ID + `","customerId":"cust-42","items":[{"sku":"SKU-1","quantity":2},{"sku":"SKU-2","quantity":1}],"currency":"EUR","status":"PENDING","createdAt":"2026-03-14T14:09:26Z"}`,
		},
		{name: "not found", id: "00000000-0000-4000-8000-0000000000ff", wantStatus: http.StatusNotFound, wantError: msgOrderNotFound},
		{name: "malformed id", id: "../../etc", wantStatus: http.StatusBadRequest, wantError: msgInvalidRequest},
		{name: "empty id", id: "", wantStatus: http.StatusBadRequest, wantError: msgInvalidRequest},
		{name: "corrupt stored item", id: corruptID, wantStatus: http.StatusInternalServerError, wantError: msgInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.invoke(t, getOrderReq(tc.id))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			if tc.wantBody != "" && resp.Body != tc.wantBody {
				t.Errorf("body =\n%s\nwant\n%s", resp.Body, tc.wantBody)
			}
			if strings.Contains(resp.Body, "signature") {
				t.Errorf("response exposes the signature: %s", resp.Body)
			}
			if tc.wantError != "" {
				if eb := decodeError(t, resp.Body); eb.Error != tc.wantError {
					t.Errorf("error = %q, want %q", eb.Error, tc.wantError)
				}
			}
		})
	}

	// Every GetItem call used the configured table, the id key and an
	// eventually consistent read.
	for _, in := range e.db.gets {
		if aws.ToString(in.TableName) != testTable {
			t.Errorf("GetItem TableName = %q", aws.ToString(in.TableName))
		}
		if in.ConsistentRead == nil || *in.ConsistentRead {
			t.Errorf("GetItem ConsistentRead = %v, want explicit false", in.ConsistentRead)
		}
		if _, ok := in.Key["id"].(*types.AttributeValueMemberS); !ok || len(in.Key) != 1 {
			t.Errorf("GetItem Key = %#v", in.Key)
		}
	}
	if got := len(e.db.gets); got != 3 { // found, not found, corrupt
		t.Errorf("GetItem called %d times, want 3 (malformed ids must not reach DynamoDB)", got)
	}
}

// TestGetOrderSecret covers GET's use of the API secret, which it needs to
// verify signatures: it shares the cold-start cache with POST, is not
// fetched for requests that end before verification, and an unavailable
// secret fails closed without returning order data.
func TestGetOrderSecret(t *testing.T) {
	t.Run("shares the cached secret with POST and WarmUp", func(t *testing.T) {
		e := newTestEnv(t)
		if err := e.h.WarmUp(context.Background()); err != nil {
			t.Fatalf("WarmUp: %v", err)
		}
		id := e.mustCreate(t, validBody)
		for range 3 {
			if resp := e.invoke(t, getOrderReq(id)); resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", resp.StatusCode, resp.Body)
			}
		}
		if n := e.secrets.calls.Load(); n != 1 {
			t.Fatalf("GetSecretValue called %d times, want 1", n)
		}
	})

	t.Run("not fetched when the request ends before verification", func(t *testing.T) {
		e := newTestEnv(t)
		e.secrets.errs = []error{errors.New("must not be called")}
		e.db.items[otherOwnersID] = otherOwnersItem()
		for _, req := range []events.APIGatewayV2HTTPRequest{
			getOrderReq("00000000-0000-4000-8000-000000000001"), // not found
			getOrderReq("not-an-id"),                            // invalid id
			getOrderReq(otherOwnersID),                          // not the caller's
		} {
			resp := e.invoke(t, req)
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("%s: status %d, want 404 or 400", req.RawPath, resp.StatusCode)
			}
		}
		if n := e.secrets.calls.Load(); n != 0 {
			t.Fatalf("GetSecretValue called %d times", n)
		}
	})

	t.Run("unavailable secret fails closed", func(t *testing.T) {
		e := newTestEnv(t)
		id := e.mustCreate(t, validBody) // caches the secret in this handler
		// A new execution environment over the same table whose secret
		// fetch fails.
		logger, logs := testLogger()
		sm := &fakeSecrets{value: testSecret, errs: []error{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "denied"}}}
		h := NewHandler(e.h.Config, e.db, sm, logger)
		e2 := &testEnv{h: h, db: e.db, secrets: sm, logs: logs}

		resp := e2.invoke(t, getOrderReq(id))
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500: %s", resp.StatusCode, resp.Body)
		}
		if eb := decodeError(t, resp.Body); eb.Error != msgInternal || len(eb.Details) != 0 {
			t.Errorf("error body = %+v, want generic", eb)
		}
		if strings.Contains(resp.Body, "SKU-1") {
			t.Errorf("order data returned without verification: %s", resp.Body)
		}
		if !strings.Contains(logs.String(), "cannot load API secret") {
			t.Errorf("secret failure not logged:\n%s", logs)
		}

		// The failure is not cached: the next request verifies and succeeds.
		if resp := e2.invoke(t, getOrderReq(id)); resp.StatusCode != http.StatusOK {
			t.Fatalf("retry: status %d, want 200: %s", resp.StatusCode, resp.Body)
		}
		assertNoSecretInLogs(t, logs.String())
	})
}

func TestDynamoDBFailureIsGenericAndDoesNotLeakSecret(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException", Message: "rate exceeded"}
	tests := []struct {
		name       string
		putErr     error
		getErr     error
		req        events.APIGatewayV2HTTPRequest
		wantStatus int
		wantError  string
		wantLog    string
	}{
		{"PutItem throttled", throttled, nil, postOrder(validBody), http.StatusBadGateway, msgUpstream, "ProvisionedThroughputExceededException"},
		{"PutItem plain error", errors.New("dial tcp: i/o timeout"), nil, postOrder(validBody), http.StatusBadGateway, msgUpstream, "dependency call failed"},
		{"PutItem deadline", fmt.Errorf("operation error DynamoDB: PutItem: %w", context.DeadlineExceeded), nil, postOrder(validBody), http.StatusBadGateway, msgUpstream, `"timeout":true`},
		{"PutItem id collision", &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}, nil, postOrder(validBody), http.StatusInternalServerError, msgInternal, "order id already exists"},
		{"GetItem failure", nil, &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "denied"}, getOrderReq("00000000-0000-4000-8000-000000000001"), http.StatusBadGateway, msgUpstream, "AccessDeniedException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.db.putErr, e.db.getErr = tc.putErr, tc.getErr

			resp := e.invoke(t, tc.req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			eb := decodeError(t, resp.Body)
			if eb.Error != tc.wantError || len(eb.Details) != 0 {
				t.Errorf("error body = %+v, want generic %q without details", eb, tc.wantError)
			}
			for _, leak := range []string{"rate exceeded", "denied", "dial tcp", "DynamoDB", "conditional"} {
				if strings.Contains(resp.Body, leak) {
					t.Errorf("response leaks internal error text %q: %s", leak, resp.Body)
				}
			}
			logs := e.logs.String()
			if !strings.Contains(logs, tc.wantLog) {
				t.Errorf("logs missing %q:\n%s", tc.wantLog, logs)
			}
			if !strings.Contains(logs, `"level":"ERROR"`) {
				t.Errorf("no ERROR log line:\n%s", logs)
			}
			assertNoSecretInLogs(t, logs)
		})
	}
}

func TestUnknownRoute(t *testing.T) {
	for _, routeKey := range []string{"DELETE /orders/{id}", "GET /orders", "PUT /orders", "$default", ""} {
		t.Run(routeKey, func(t *testing.T) {
			e := newTestEnv(t)
			req := postOrder(validBody)
			req.RouteKey = routeKey
			resp := e.invoke(t, req)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("status %d, want 404", resp.StatusCode)
			}
			if eb := decodeError(t, resp.Body); eb.Error != msgRouteNotFound {
				t.Errorf("error = %q", eb.Error)
			}
			if len(e.db.putCalls()) != 0 || e.secrets.calls.Load() != 0 {
				t.Error("unknown route touched a dependency")
			}
		})
	}
}

func TestMisconfiguredHandlerReturns500(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(h *Handler)
		wantLog string
	}{
		{"missing TABLE_NAME", func(h *Handler) { h.Config.TableName = "" }, "TABLE_NAME is not set"},
		{"missing API_SECRET_ARN", func(h *Handler) { h.Config.APISecretARN = "" }, "API_SECRET_ARN is not set"},
		{"API_SECRET_ARN not an ARN", func(h *Handler) { h.Config.APISecretARN = "prod/api-key" }, "API_SECRET_ARN is not a Secrets Manager ARN"},
		{"no DynamoDB client", func(h *Handler) { h.DB = nil }, "dynamodb client is not configured"},
		{"no Secrets Manager client", func(h *Handler) { h.Secrets = nil }, "secretsmanager client is not configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			tc.mutate(e.h)
			for _, req := range []events.APIGatewayV2HTTPRequest{postOrder(validBody), getOrderReq("00000000-0000-4000-8000-000000000001")} {
				resp := e.invoke(t, req)
				if resp.StatusCode != http.StatusInternalServerError {
					t.Fatalf("%s: status %d, want 500", req.RouteKey, resp.StatusCode)
				}
				if eb := decodeError(t, resp.Body); eb.Error != msgInternal {
					t.Errorf("error = %q, want generic", eb.Error)
				}
			}
			if logs := e.logs.String(); !strings.Contains(logs, tc.wantLog) {
				t.Errorf("logs missing %q:\n%s", tc.wantLog, logs)
			}
			if err := e.h.WarmUp(context.Background()); err == nil {
				t.Error("WarmUp succeeded on a misconfigured handler")
			}
			if e.secrets.calls.Load() != 0 {
				t.Error("GetSecretValue called on a misconfigured handler")
			}
		})
	}
}

func TestZeroValueHandlerDoesNotPanic(t *testing.T) {
	var h Handler
	resp, err := h.Handle(context.Background(), postOrder(validBody))
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got (%d, %v), want (500, nil)", resp.StatusCode, err)
	}
}

func TestPanicInDependencyBecomes500(t *testing.T) {
	e := newTestEnv(t)
	e.db.panics = true
	resp := e.invoke(t, postOrder(validBody))
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "panic while handling request") {
		t.Errorf("panic not logged:\n%s", logs)
	}
	assertNoSecretInLogs(t, logs)
}

func TestDeadlineMarginLeavesTimeToRespond(t *testing.T) {
	e := newTestEnv(t)
	e.secrets.delay = time.Hour // would outlive the invocation
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	resp, err := e.h.Handle(ctx, postOrder(validBody))
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("got (%d, %v), want (500, nil)", resp.StatusCode, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("handler returned only after the invocation deadline (%v)", time.Since(start))
	}
}

func TestLogLinesUseLambdaJSONFormat(t *testing.T) {
	e := newTestEnv(t)
	e.invoke(t, postOrder(validBody))
	lines := strings.Split(strings.TrimSpace(e.logs.String()), "\n")
	if len(lines) == 0 {
		t.Fatal("no logs")
	}
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		for _, k := range []string{"timestamp", "level", "message", "requestId"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("log line missing %q: %s", k, line)
			}
		}
		if strings.Contains(line, "cust-42") {
			t.Errorf("log line contains request body data: %s", line)
		}
	}
}

func TestIDGeneratorFailureReturns500(t *testing.T) {
	e := newTestEnv(t)
	e.h.NewID = func() (string, error) { return "", errors.New("entropy exhausted") }
	resp := e.invoke(t, postOrder(validBody))
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if n := len(e.db.putCalls()); n != 0 {
		t.Fatalf("PutItem called %d times", n)
	}
}
