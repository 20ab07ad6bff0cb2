package orders

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const (
	otherSub      = "cust-other-99"
	otherOwnersID = "00000000-0000-4000-8000-00000000beef"
)

// mustCreate creates an order from the default caller and returns its id.
func (e *testEnv) mustCreate(t *testing.T, body string) string {
	t.Helper()
	return e.mustCreateAs(t, testSub, body)
}

// mustCreateAs creates an order as the caller sub and returns its id.
func (e *testEnv) mustCreateAs(t *testing.T, sub, body string) string {
	t.Helper()
	resp := e.invoke(t, asCaller(postOrder(body), sub))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create as %q: status %d: %s", sub, resp.StatusCode, resp.Body)
	}
	var c createOrderResponse
	if err := json.Unmarshal([]byte(resp.Body), &c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// otherOwnersItem is a correctly signed stored order owned by otherSub.
func otherOwnersItem() map[string]types.AttributeValue {
	o := order{
		ID:         otherOwnersID,
		CustomerID: otherSub,
		Items:      []orderItem{{SKU: "SKU-9", Quantity: 9}},
		Currency:   "GBP",
		Status:     statusPending,
		CreatedAt:  "2026-01-02T03:04:05Z",
	}
	sig, err := o.signature(signingKey(testSecret))
	if err != nil {
		panic(err)
	}
	return o.attributes(sig)
}

func sAttr(v string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: v} }

func TestUnauthenticatedRequestIsRejected(t *testing.T) {
	type authz = events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	identities := []struct {
		name       string
		authorizer *authz
		wantReason string
	}{
		{"no authorizer context", nil, "no authorizer context"},
		{"IAM authorizer instead of JWT", &authz{IAM: &events.APIGatewayV2HTTPRequestContextAuthorizerIAMDescription{UserARN: "arn:aws:iam::111111111111:user/x"}}, "no JWT authorizer context"},
		{"JWT without claims", jwtAuthorizer(nil), "no sub claim"},
		{"claims without sub", jwtAuthorizer(map[string]string{"iss": "https://issuer.example", "client_id": "abc"}), "no sub claim"},
		{"empty sub", jwtAuthorizer(map[string]string{"sub": ""}), "empty sub claim"},
		{"blank sub", jwtAuthorizer(map[string]string{"sub": " \t"}), "empty sub claim"},
		{"sub longer than a customerId", jwtAuthorizer(map[string]string{"sub": strings.Repeat("s", maxCustomerIDLen+1)}), "must be at most 64 characters"},
		{"sub with control character", jwtAuthorizer(map[string]string{"sub": "cust\n42"}), "must not contain control characters"},
	}
	requests := []struct {
		name string
		req  events.APIGatewayV2HTTPRequest
	}{
		{"POST valid body", postOrder(validBody)},
		{"POST invalid body", postOrder(`{}`)}, // authentication comes before validation
		{"GET", getOrderReq("00000000-0000-4000-8000-000000000001")},
		{"GET malformed id", getOrderReq("../etc")},
	}
	for _, id := range identities {
		for _, r := range requests {
			t.Run(id.name+"/"+r.name, func(t *testing.T) {
				e := newTestEnv(t)
				req := r.req
				req.RequestContext.Authorizer = id.authorizer

				resp := e.invoke(t, req)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401: %s", resp.StatusCode, resp.Body)
				}
				if eb := decodeError(t, resp.Body); eb.Error != msgUnauthorized || len(eb.Details) != 0 {
					t.Errorf("error body = %+v, want %q", eb, msgUnauthorized)
				}
				if got := resp.Headers["WWW-Authenticate"]; got != "Bearer" {
					t.Errorf("WWW-Authenticate = %q, want Bearer", got)
				}
				if len(e.db.putCalls()) != 0 || len(e.db.gets) != 0 || e.secrets.calls.Load() != 0 {
					t.Error("unauthenticated request touched a dependency")
				}
				logs := e.logs.String()
				var anomaly map[string]any
				for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
					var rec map[string]any
					if err := json.Unmarshal([]byte(line), &rec); err != nil {
						t.Fatalf("log line is not JSON: %q", line)
					}
					if rec["anomaly"] == "unauthenticated" {
						anomaly = rec
					}
				}
				if anomaly == nil {
					t.Fatalf("no anomaly logged:\n%s", logs)
				}
				if anomaly["level"] != "ERROR" {
					t.Errorf("anomaly logged at %v, want ERROR", anomaly["level"])
				}
				if reason, _ := anomaly["reason"].(string); !strings.Contains(reason, id.wantReason) {
					t.Errorf("anomaly reason = %q, want it to mention %q", reason, id.wantReason)
				}
				if anomaly["apiRequestId"] == nil || anomaly["requestId"] == nil {
					t.Errorf("anomaly log lacks request ids: %v", anomaly)
				}
				assertNoSecretInLogs(t, logs)
			})
		}
	}
}

func TestCreateOrderOwnerIsTheCaller(t *testing.T) {
	const (
		sub   = "user-7f3a" // differs from testSub and from the customerId in validBody
		items = `"items":[{"sku":"SKU-1","quantity":2}],"currency":"EUR"`
	)
	tests := []struct {
		name       string
		body       string
		wantStatus int
	}{
		{"customerId omitted", `{` + items + `}`, http.StatusCreated},
		{"customerId null", `{"customerId":null,` + items + `}`, http.StatusCreated},
		{"customerId equals sub", `{"customerId":"` + sub + `",` + items + `}`, http.StatusCreated},
		{"customerId of someone else", `{"customerId":"cust-42",` + items + `}`, http.StatusForbidden},
		{"customerId differs in case", `{"customerId":"USER-7F3A",` + items + `}`, http.StatusForbidden},
		{"customerId differs in whitespace", `{"customerId":"` + sub + ` ",` + items + `}`, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			resp := e.invoke(t, asCaller(postOrder(tc.body), sub))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			logs := e.logs.String()
			puts := e.db.putCalls()

			if tc.wantStatus == http.StatusForbidden {
				eb := decodeError(t, resp.Body)
				if eb.Error != msgForbidden || len(eb.Details) != 1 || eb.Details[0].Field != "customerId" {
					t.Errorf("error body = %+v, want %q with a customerId detail", eb, msgForbidden)
				}
				if strings.Contains(resp.Body, sub) || strings.Contains(resp.Body, "cust-42") {
					t.Errorf("403 body echoes an identity: %s", resp.Body)
				}
				if len(puts) != 0 {
					t.Errorf("PutItem called %d times for a forbidden request", len(puts))
				}
				if n := e.secrets.calls.Load(); n != 0 {
					t.Errorf("GetSecretValue called %d times for a forbidden request", n)
				}
				if !strings.Contains(logs, "request forbidden") || !strings.Contains(logs, `"level":"WARN"`) {
					t.Errorf("forbidden request not logged as a warning:\n%s", logs)
				}
				for _, v := range []string{sub, "cust-42", "USER-7F3A"} {
					if strings.Contains(logs, v) {
						t.Errorf("logs contain customer identifier %q:\n%s", v, logs)
					}
				}
				return
			}

			if len(puts) != 1 {
				t.Fatalf("PutItem called %d times, want 1", len(puts))
			}
			item := puts[0].Item
			if got, _ := storedOwner(item); got != sub {
				t.Errorf("stored customerId = %q, want the caller's sub %q", got, sub)
			}
			// The signature covers the owner taken from the JWT.
			const id, createdAt = "00000000-0000-4000-8000-000000000001", "2026-03-14T14:09:26Z"
			canonical := `{"id":"` + id + `","customerId":"` + sub + `","items":[{"sku":"SKU-1","quantity":2}],"currency":"EUR","status":"PENDING","createdAt":"` + createdAt + `"}`
			if got, _ := storedSignature(item); got != expectedSignature(canonical) {
				t.Errorf("stored signature does not cover customerId = sub")
			}
			// And the caller can read it back.
			get := e.invoke(t, asCaller(getOrderReq(id), sub))
			if get.StatusCode != http.StatusOK || get.Body != canonical {
				t.Errorf("GET by owner = %d %s, want 200 %s", get.StatusCode, get.Body, canonical)
			}
		})
	}
}

func TestGetOrderOnlyForItsOwner(t *testing.T) {
	e := newTestEnv(t)
	mine := e.mustCreate(t, validBody)
	theirs := e.mustCreateAs(t, otherSub, `{"items":[{"sku":"SKU-7","quantity":7}],"currency":"USD"}`)
	// A corrupt item owned by someone else must not reveal itself with a 500.
	const theirCorruptID = "00000000-0000-4000-8000-0000000c0ffe"
	e.db.items[theirCorruptID] = map[string]types.AttributeValue{
		"id":         sAttr(theirCorruptID),
		"customerId": sAttr(otherSub),
		"items":      sAttr("oops"),
	}
	const missing = "00000000-0000-4000-8000-0000000000ff"
	notFound := e.invoke(t, getOrderReq(missing))
	if notFound.StatusCode != http.StatusNotFound {
		t.Fatalf("missing order: status %d", notFound.StatusCode)
	}

	tests := []struct {
		name       string
		caller     string
		id         string
		wantStatus int
		wantOwner  string
	}{
		{"owner reads own order", testSub, mine, http.StatusOK, testSub},
		{"other owner reads own order", otherSub, theirs, http.StatusOK, otherSub},
		{"another caller reads my order", otherSub, mine, http.StatusNotFound, ""},
		{"I read another caller's order", testSub, theirs, http.StatusNotFound, ""},
		{"I read another caller's corrupt order", testSub, theirCorruptID, http.StatusNotFound, ""},
		{"caller whose sub is a prefix of the owner's", "cust-4", mine, http.StatusNotFound, ""},
		{"owner's sub in another case", "CUST-42", mine, http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.invoke(t, asCaller(getOrderReq(tc.id), tc.caller))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.wantStatus, resp.Body)
			}
			if tc.wantStatus == http.StatusNotFound {
				// Indistinguishable from an id that does not exist.
				if resp.Body != notFound.Body || len(resp.Headers) != len(notFound.Headers) {
					t.Errorf("response %v %s differs from a missing order's %v %s",
						resp.Headers, resp.Body, notFound.Headers, notFound.Body)
				}
				return
			}
			var o order
			if err := json.Unmarshal([]byte(resp.Body), &o); err != nil {
				t.Fatal(err)
			}
			if o.ID != tc.id || o.CustomerID != tc.wantOwner {
				t.Errorf("got order %+v, want id %s owned by %s", o, tc.id, tc.wantOwner)
			}
		})
	}
	if logs := e.logs.String(); !strings.Contains(logs, "order not owned by the caller") {
		t.Errorf("denied reads not logged:\n%s", logs)
	}
}

func TestGetOrderDetectsTampering(t *testing.T) {
	setS := func(name, v string) func(*testing.T, *testEnv, string) string {
		return func(_ *testing.T, e *testEnv, id string) string {
			e.db.items[id][name] = sAttr(v)
			return id
		}
	}
	itemsOf := func(e *testEnv, id string) *types.AttributeValueMemberL {
		return e.db.items[id]["items"].(*types.AttributeValueMemberL)
	}
	tests := []struct {
		name   string
		mutate func(t *testing.T, e *testEnv, id string) (getID string)
		caller string // defaults to testSub
		status int    // defaults to 500
	}{
		{name: "untouched (control)", mutate: func(_ *testing.T, _ *testEnv, id string) string { return id }, status: http.StatusOK},
		{name: "currency changed", mutate: setS("currency", "USD")},
		{name: "status changed", mutate: setS("status", "SHIPPED")},
		{name: "createdAt changed", mutate: setS("createdAt", "2020-01-01T00:00:00Z")},
		{name: "quantity changed", mutate: func(_ *testing.T, e *testEnv, id string) string {
			itemsOf(e, id).Value[0].(*types.AttributeValueMemberM).Value["quantity"] = &types.AttributeValueMemberN{Value: "200"}
			return id
		}},
		{name: "sku changed", mutate: func(_ *testing.T, e *testEnv, id string) string {
			itemsOf(e, id).Value[1].(*types.AttributeValueMemberM).Value["sku"] = sAttr("SKU-X")
			return id
		}},
		{name: "item removed", mutate: func(_ *testing.T, e *testEnv, id string) string {
			l := itemsOf(e, id)
			l.Value = l.Value[:1]
			return id
		}},
		{name: "signature removed", mutate: func(_ *testing.T, e *testEnv, id string) string {
			delete(e.db.items[id], "signature")
			return id
		}},
		{name: "signature not hex", mutate: setS("signature", "not-a-signature")},
		{name: "signature truncated", mutate: func(_ *testing.T, e *testEnv, id string) string {
			sig, _ := storedSignature(e.db.items[id])
			e.db.items[id]["signature"] = sAttr(sig[:32])
			return id
		}},
		{name: "signature of another order", mutate: func(t *testing.T, e *testEnv, id string) string {
			other := e.mustCreate(t, `{"items":[{"sku":"SKU-1","quantity":3}],"currency":"EUR"}`)
			e.db.items[id]["signature"] = e.db.items[other]["signature"]
			return id
		}},
		{name: "signed with another key", mutate: func(t *testing.T, e *testEnv, id string) string {
			o, err := orderFromAttributes(e.db.items[id])
			if err != nil {
				t.Fatal(err)
			}
			o.Status = "SHIPPED"
			sig, err := o.signature(signingKey("an-attacker's-guess-at-the-key"))
			if err != nil {
				t.Fatal(err)
			}
			e.db.items[id] = o.attributes(sig)
			return id
		}},
		{name: "copied under another id", mutate: func(_ *testing.T, e *testEnv, id string) string {
			const copyID = "00000000-0000-4000-8000-0000000000cc"
			cp := map[string]types.AttributeValue{}
			for k, v := range e.db.items[id] {
				cp[k] = v
			}
			cp["id"] = sAttr(copyID)
			e.db.items[copyID] = cp
			return copyID
		}},
		{name: "reassigned to another customer, read by them", mutate: setS("customerId", otherSub), caller: otherSub},
		{name: "reassigned to another customer, read by the original owner", mutate: setS("customerId", otherSub), status: http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.caller == "" {
				tc.caller = testSub
			}
			if tc.status == 0 {
				tc.status = http.StatusInternalServerError
			}
			e := newTestEnv(t)
			id := e.mustCreate(t, validBody)
			validSig, _ := storedSignature(e.db.items[id])
			getID := tc.mutate(t, e, id)
			storedSig, _ := storedSignature(e.db.items[getID])

			resp := e.invoke(t, asCaller(getOrderReq(getID), tc.caller))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, resp.Body)
			}
			if strings.Contains(resp.Body, "signature") {
				t.Errorf("response exposes the signature: %s", resp.Body)
			}
			logs := e.logs.String()
			assertNoSecretInLogs(t, logs)
			for _, sig := range []string{validSig, storedSig} {
				if len(sig) >= 16 && strings.Contains(logs, sig) {
					t.Errorf("logs contain a signature value:\n%s", logs)
				}
			}
			loggedIntegrity := strings.Contains(logs, `"integrity":"signature mismatch"`)
			if tc.status != http.StatusInternalServerError {
				if loggedIntegrity {
					t.Errorf("integrity error logged for status %d:\n%s", tc.status, logs)
				}
				return
			}
			if eb := decodeError(t, resp.Body); eb.Error != msgInternal || len(eb.Details) != 0 {
				t.Errorf("error body = %+v, want generic %q", eb, msgInternal)
			}
			if strings.Contains(resp.Body, "SKU") || strings.Contains(resp.Body, "integrity") {
				t.Errorf("500 body reveals order data or the cause: %s", resp.Body)
			}
			if !loggedIntegrity || !strings.Contains(logs, "integrity error") {
				t.Errorf("logs lack an integrity error:\n%s", logs)
			}
			if !strings.Contains(logs, `"orderId":"`+getID+`"`) {
				t.Errorf("integrity error does not name the order:\n%s", logs)
			}
		})
	}
}
