package orders

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Cases at the edges the other tests approach from afar, each one a change
// that mutation testing showed no test would catch.

// completedLevel returns the level of the "request completed" log line.
func completedLevel(t *testing.T, logs string) string {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["message"] == "request completed" {
			level, _ := rec["level"].(string)
			return level
		}
	}
	t.Fatalf("no request completed line in:\n%s", logs)
	return ""
}

// TestCompletionLogLevel: a 5xx response (from exactly 500) is logged as an
// error, so that the error-log metric and alarms see it; anything below is
// info.
func TestCompletionLogLevel(t *testing.T) {
	e := newTestEnv(t)
	if resp := e.invoke(t, postOrder(validBody)); resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := completedLevel(t, e.logs.String()); got != "INFO" {
		t.Errorf("201: level %q, want INFO", got)
	}
	e = newTestEnv(t)
	e.h.NewID = func() (string, error) { return "", errors.New("entropy exhausted") }
	if resp := e.invoke(t, postOrder(validBody)); resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := completedLevel(t, e.logs.String()); got != "ERROR" {
		t.Errorf("500: level %q, want ERROR", got)
	}
}

// TestWithDeadlineMargin: the margin comes off the deadline, but never more
// than half of the time left.
func TestWithDeadlineMargin(t *testing.T) {
	tests := []struct {
		name             string
		left, margin     time.Duration
		wantBeforeByLeft time.Duration // how much earlier the new deadline is
	}{
		{"margin well within", 10 * time.Second, time.Second, time.Second},
		{"margin above half", time.Second, 900 * time.Millisecond, 500 * time.Millisecond},
		{"margin just below half", 2 * time.Second, 900 * time.Millisecond, 900 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent, cancel := context.WithTimeout(context.Background(), tc.left)
			defer cancel()
			deadline, _ := parent.Deadline()
			ctx, cancel2 := withDeadlineMargin(parent, tc.margin)
			defer cancel2()
			got, ok := ctx.Deadline()
			if !ok {
				t.Fatal("no deadline")
			}
			if d := deadline.Sub(got) - tc.wantBeforeByLeft; d < -100*time.Millisecond || d > 100*time.Millisecond {
				t.Errorf("new deadline %v before the invocation's, want %v", deadline.Sub(got), tc.wantBeforeByLeft)
			}
		})
	}
	ctx, cancel := withDeadlineMargin(context.Background(), time.Second)
	defer cancel()
	if _, ok := ctx.Deadline(); ok {
		t.Error("a context without a deadline got one")
	}
}

// padded returns validBody padded with trailing spaces to exactly n bytes.
func padded(n int) string { return validBody + strings.Repeat(" ", n-len(validBody)) }

// TestBodySizeAtTheLimit: a body of exactly maxBodyBytes (decoded) is
// accepted, plain or base64-encoded; one byte more is not.
func TestBodySizeAtTheLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   string
		base64 bool
		want   int
	}{
		{"plain at the limit", padded(maxBodyBytes), false, http.StatusCreated},
		{"plain one over", padded(maxBodyBytes + 1), false, http.StatusBadRequest},
		{"base64 at the limit", base64.StdEncoding.EncodeToString([]byte(padded(maxBodyBytes))), true, http.StatusCreated},
		{"base64 one over", base64.StdEncoding.EncodeToString([]byte(padded(maxBodyBytes + 1))), true, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			req := postOrder(tc.body)
			req.IsBase64Encoded = tc.base64
			resp := e.invoke(t, req)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tc.want, resp.Body)
			}
			if tc.want == http.StatusBadRequest && decodeError(t, resp.Body).Error != msgBodyTooLarge {
				t.Errorf("error %q, want %q", decodeError(t, resp.Body).Error, msgBodyTooLarge)
			}
		})
	}
}

// TestUnknownFieldNameEcho: a client-supplied field name is echoed whole up
// to maxEchoedNameLen runes, and cut with "…" beyond.
func TestUnknownFieldNameEcho(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{strings.Repeat("é", maxEchoedNameLen), strings.Repeat("é", maxEchoedNameLen)},
		{strings.Repeat("é", maxEchoedNameLen+1), strings.Repeat("é", maxEchoedNameLen) + "…"},
	} {
		e := newTestEnv(t)
		resp := e.invoke(t, postOrder(`{"items":[{"sku":"A","quantity":1}],"currency":"USD","`+tc.name+`":1}`))
		eb := decodeError(t, resp.Body)
		if len(eb.Details) != 1 || eb.Details[0].Field != tc.want || eb.Details[0].Message != "unknown field" {
			t.Errorf("%d runes: details %+v, want field %q", len([]rune(tc.name)), eb.Details, tc.want)
		}
	}
}

// TestTypeErrorNamesTheType: a value of the wrong JSON type says which type
// the field takes.
func TestTypeErrorNamesTheType(t *testing.T) {
	for body, want := range map[string]string{
		`{"customerId":42,"items":[{"sku":"A","quantity":1}],"currency":"USD"}`:   "must be a string",
		`{"items":[{"sku":"A","quantity":"1"}],"currency":"USD"}`:                 "must be an integer",
		`{"items":{"sku":"A"},"currency":"USD"}`:                                  "must be an array",
		`{"items":[{"sku":"A","quantity":1}],"currency":["USD"]}`:                 "must be a string",
		`{"customerId":true,"items":[{"sku":"A","quantity":1}],"currency":"USD"}`: "must be a string",
	} {
		e := newTestEnv(t)
		eb := decodeError(t, e.invoke(t, postOrder(body)).Body)
		if len(eb.Details) != 1 || eb.Details[0].Message != want {
			t.Errorf("%s: details %+v, want %q", body, eb.Details, want)
		}
	}
}

// TestCurrencyLetters: a currency code is three letters A-Z, the first and
// last letters of the range included, the characters next to them not.
func TestCurrencyLetters(t *testing.T) {
	for code, ok := range map[string]bool{"AAA": true, "ZZZ": true, "AZA": true, "@AA": false, "AA[": false, "AAa": false, "A1A": false} {
		e := newTestEnv(t)
		resp := e.invoke(t, postOrder(`{"items":[{"sku":"A","quantity":1}],"currency":"`+code+`"}`))
		if got := resp.StatusCode == http.StatusCreated; got != ok {
			t.Errorf("currency %q: status %d, want accepted %v", code, resp.StatusCode, ok)
		}
	}
}

// TestShortSecretWarns: a signing key under minRecommendedKeyLen bytes is
// used, with a warning; one of exactly that length is not warned about.
func TestShortSecretWarns(t *testing.T) {
	for n, warn := range map[int]bool{minRecommendedKeyLen - 1: true, minRecommendedKeyLen: false} {
		e := newTestEnv(t)
		e.secrets.value = strings.Repeat("k", n)
		if err := e.h.WarmUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(e.logs.String(), "shorter than recommended"); got != warn {
			t.Errorf("%d-byte key: warned %v, want %v:\n%s", n, got, warn, e.logs.String())
		}
	}
}

// TestFromEnvironmentPrefetches: with a good configuration, the cold start
// builds the SDK clients and prefetches the secret (here against a closed
// local port, offline: the prefetch fails and is logged as a warning).
func TestFromEnvironmentPrefetches(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	logger, logs := testLogger()
	env := map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": testSecretARN}
	h := FromEnvironment(context.Background(), func(k string) string { return env[k] }, logger)
	if h == nil || h.Secrets == nil {
		t.Fatal("no handler, or no Secrets Manager client")
	}
	out := logs.String()
	if !strings.Contains(out, "cannot prefetch API secret; will retry on first request") {
		t.Errorf("the secret was not prefetched:\n%s", out)
	}
	for _, bad := range []string{"cannot load AWS SDK configuration", "invalid configuration"} {
		if strings.Contains(out, bad) {
			t.Errorf("logs say %q for a good configuration:\n%s", bad, out)
		}
	}
}
