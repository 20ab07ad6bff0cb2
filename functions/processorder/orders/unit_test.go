package orders

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{
			name: "complete",
			env:  map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": testSecretARN},
			want: Config{TableName: "orders", APISecretARN: testSecretARN},
		},
		{
			name: "whitespace trimmed",
			env:  map[string]string{"TABLE_NAME": " orders\n", "API_SECRET_ARN": " " + testSecretARN},
			want: Config{TableName: "orders", APISecretARN: testSecretARN},
		},
		{
			name:    "nothing set",
			env:     map[string]string{},
			wantErr: []string{"TABLE_NAME is not set", "API_SECRET_ARN is not set"},
		},
		{
			name:    "secret name instead of ARN",
			env:     map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": "prod/api-key"},
			want:    Config{TableName: "orders", APISecretARN: "prod/api-key"},
			wantErr: []string{"API_SECRET_ARN is not a Secrets Manager ARN"},
		},
		{
			name:    "ARN of another service",
			env:     map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": "arn:aws:ssm:eu-west-1:111111111111:parameter/x"},
			want:    Config{TableName: "orders", APISecretARN: "arn:aws:ssm:eu-west-1:111111111111:parameter/x"},
			wantErr: []string{"API_SECRET_ARN is not a Secrets Manager ARN"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadConfig(func(k string) string { return tc.env[k] })
			if got != tc.want {
				t.Errorf("config = %+v, want %+v", got, tc.want)
			}
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNewOrderID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, err := newOrderID()
		if err != nil {
			t.Fatal(err)
		}
		if !validOrderID(id) {
			t.Fatalf("newOrderID() = %q is not a valid order id", id)
		}
		if id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("newOrderID() = %q is not a version 4 / RFC 9562 variant UUID", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestValidOrderID(t *testing.T) {
	tests := map[string]bool{
		"3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b":  true,
		"3F2B8C1E-9D4A-4E6F-8A7B-1C2D3E4F5A6B":  false, // ids are issued lower-case
		"3f2b8c1e9d4a4e6f8a7b1c2d3e4f5a6b":      false,
		"3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6":   false,
		"3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6bb": false,
		"3f2b8c1e-9d4a-4e6f-8a7b_1c2d3e4f5a6b":  false,
		"zf2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b":  false,
		"":                                      false,
	}
	for id, want := range tests {
		if got := validOrderID(id); got != want {
			t.Errorf("validOrderID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestSigningKeyIsRedacted(t *testing.T) {
	key := signingKey(testSecret)
	logger, logs := testLogger()
	logger.Info("accidental", "key", key, "keyPtr", &key)
	logger.Info("accidental group", slog.Group("g", "key", key))

	rendered := []string{
		logs.String(),
		fmt.Sprint(key), fmt.Sprintf("%v %+v %#v %s %q %x", key, key, key, key, key, key),
		fmt.Sprintf("%v", struct{ K signingKey }{key}),
		fmt.Sprintf("%+v", &struct{ K signingKey }{key}),
	}
	if b, err := json.Marshal(struct{ K signingKey }{key}); err != nil {
		t.Fatal(err)
	} else {
		rendered = append(rendered, string(b))
	}
	for _, r := range rendered {
		if strings.Contains(r, testSecret) || strings.Contains(strings.ToLower(r), fmt.Sprintf("%x", []byte(testSecret))) {
			t.Errorf("secret leaked in %q", r)
		}
	}
}

func TestSecretCache(t *testing.T) {
	t.Run("concurrent first calls share one fetch", func(t *testing.T) {
		var c secretCache
		var calls atomic.Int32
		release := make(chan struct{})
		fetch := func(context.Context) (signingKey, error) {
			calls.Add(1)
			<-release
			return signingKey("k"), nil
		}
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if k, err := c.get(context.Background(), fetch); err != nil || string(k) != "k" {
					t.Errorf("get = %q, %v", k, err)
				}
			}()
		}
		close(release)
		wg.Wait()
		if n := calls.Load(); n != 1 {
			t.Fatalf("fetch called %d times, want 1", n)
		}
	})

	t.Run("failures are not cached", func(t *testing.T) {
		var c secretCache
		var calls int
		fetch := func(context.Context) (signingKey, error) {
			calls++
			if calls == 1 {
				return nil, errors.New("boom")
			}
			return signingKey("k"), nil
		}
		if _, err := c.get(context.Background(), fetch); err == nil {
			t.Fatal("first get: want error")
		}
		for range 3 {
			if k, err := c.get(context.Background(), fetch); err != nil || string(k) != "k" {
				t.Fatalf("get = %q, %v", k, err)
			}
		}
		if calls != 2 {
			t.Fatalf("fetch called %d times, want 2", calls)
		}
	})

	t.Run("cancelled context does not fetch", func(t *testing.T) {
		var c secretCache
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.get(ctx, func(context.Context) (signingKey, error) {
			t.Fatal("fetch called with a cancelled context")
			return nil, nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestParseLogLevel(t *testing.T) {
	tests := map[string]slog.Level{
		"":      slog.LevelInfo,
		"INFO":  slog.LevelInfo,
		"debug": slog.LevelDebug,
		"TRACE": slog.LevelDebug,
		"WARN":  slog.LevelWarn,
		"ERROR": slog.LevelError,
		"FATAL": slog.LevelError,
		"bogus": slog.LevelInfo,
	}
	for in, want := range tests {
		if got := parseLogLevel(in); got != want {
			t.Errorf("parseLogLevel(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestOrderSignatureVerification(t *testing.T) {
	key := signingKey(testSecret)
	base := order{
		ID:         "00000000-0000-4000-8000-000000000001",
		CustomerID: "cust-42",
		Items:      []orderItem{{SKU: "SKU-1", Quantity: 2}, {SKU: "SKU-2", Quantity: 1}},
		Currency:   "EUR",
		Status:     statusPending,
		CreatedAt:  "2026-03-14T14:09:26Z",
	}
	sig, err := base.signature(key)
	if err != nil {
		t.Fatal(err)
	}
	clone := func(mut func(*order)) order {
		o := base
		o.Items = append([]orderItem(nil), base.Items...)
		mut(&o)
		return o
	}
	tests := []struct {
		name     string
		o        order
		key      signingKey
		sig      string
		wantErr  bool
		mismatch bool
	}{
		{name: "round trip", o: base, key: key, sig: sig},
		{name: "upper-case hex is the same MAC", o: base, key: key, sig: strings.ToUpper(sig)},
		{name: "id changed", o: clone(func(o *order) { o.ID = "00000000-0000-4000-8000-000000000002" }), key: key, sig: sig, wantErr: true, mismatch: true},
		{name: "owner changed", o: clone(func(o *order) { o.CustomerID = "cust-43" }), key: key, sig: sig, wantErr: true, mismatch: true},
		{name: "quantity changed", o: clone(func(o *order) { o.Items[1].Quantity = 5 }), key: key, sig: sig, wantErr: true, mismatch: true},
		{name: "items reordered", o: clone(func(o *order) { o.Items[0], o.Items[1] = o.Items[1], o.Items[0] }), key: key, sig: sig, wantErr: true, mismatch: true},
		{name: "currency changed", o: clone(func(o *order) { o.Currency = "USD" }), key: key, sig: sig, wantErr: true, mismatch: true},
		{name: "status changed", o: clone(func(o *order) { o.Status = "SHIPPED" }), key: key, sig: sig, wantErr: true, mismatch: true},
		{name: "createdAt changed", o: clone(func(o *order) { o.CreatedAt = "2026-03-14T14:09:27Z" }), key: key, sig: sig, wantErr: true, mismatch: true},
		{name: "other key", o: base, key: signingKey("another-key"), sig: sig, wantErr: true, mismatch: true},
		{name: "empty signature", o: base, key: key, sig: "", wantErr: true, mismatch: true},
		{name: "not hex", o: base, key: key, sig: strings.Repeat("zz", 32), wantErr: true, mismatch: true},
		{name: "truncated", o: base, key: key, sig: sig[:len(sig)-2], wantErr: true, mismatch: true},
		{name: "extended", o: base, key: key, sig: sig + "00", wantErr: true, mismatch: true},
		{name: "empty key cannot verify", o: base, key: nil, sig: sig, wantErr: true, mismatch: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.o.verifySignature(tc.key, tc.sig)
			if (err != nil) != tc.wantErr {
				t.Fatalf("verifySignature error = %v, want error: %v", err, tc.wantErr)
			}
			if err == nil {
				return
			}
			if got := errors.Is(err, errSignatureMismatch); got != tc.mismatch {
				t.Errorf("errors.Is(%v, errSignatureMismatch) = %v, want %v", err, got, tc.mismatch)
			}
			if strings.Contains(err.Error(), testSecret) || (len(tc.sig) > 8 && strings.Contains(err.Error(), tc.sig[:8])) {
				t.Errorf("error leaks the key or signature: %v", err)
			}
		})
	}
}

func TestCallerID(t *testing.T) {
	type authz = events.APIGatewayV2HTTPRequestContextAuthorizerDescription
	jwt := func(claims map[string]string) *authz {
		return &authz{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims}}
	}
	tests := []struct {
		name   string
		auth   *authz
		want   string
		wantOK bool
	}{
		{"cognito uuid sub", jwt(map[string]string{"sub": "3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b"}), "3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b", true},
		{"auth0 style sub", jwt(map[string]string{"sub": "google-oauth2|109876543210987654321"}), "google-oauth2|109876543210987654321", true},
		{"max length multi-byte sub", jwt(map[string]string{"sub": strings.Repeat("é", maxCustomerIDLen)}), strings.Repeat("é", maxCustomerIDLen), true},
		{"sub is used verbatim", jwt(map[string]string{"sub": " padded "}), " padded ", true},
		{"other claims are ignored", jwt(map[string]string{"sub": "u1", "customerId": "u2", "username": "u3"}), "u1", true},
		{"nil authorizer", nil, "", false},
		{"no JWT", &authz{Lambda: map[string]any{"sub": "u1"}}, "", false},
		{"nil claims", jwt(nil), "", false},
		{"no sub", jwt(map[string]string{"username": "u1"}), "", false},
		{"empty sub", jwt(map[string]string{"sub": ""}), "", false},
		{"whitespace sub", jwt(map[string]string{"sub": "  "}), "", false},
		{"too long sub", jwt(map[string]string{"sub": strings.Repeat("x", maxCustomerIDLen+1)}), "", false},
		{"control character", jwt(map[string]string{"sub": "u\x001"}), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var req events.APIGatewayV2HTTPRequest
			req.RequestContext.Authorizer = tc.auth
			got, reason, ok := callerID(req)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("callerID = (%q, %q, %v), want (%q, %v)", got, reason, ok, tc.want, tc.wantOK)
			}
			if ok != (reason == "") {
				t.Errorf("reason = %q with ok = %v", reason, ok)
			}
			if !ok && tc.auth != nil && tc.auth.JWT != nil && tc.auth.JWT.Claims["sub"] != "" &&
				strings.Contains(reason, tc.auth.JWT.Claims["sub"]) {
				t.Errorf("reason %q contains the claim value", reason)
			}
		})
	}
}
