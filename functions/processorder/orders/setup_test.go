package orders

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// A cold start with a bad configuration still yields a handler: it answers
// every request with a generic 500 and the problem is logged, naming the
// variables but not their values.
func TestFromEnvironmentWithBadConfiguration(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	logger, logs := testLogger()
	env := map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": "not-an-arn"}
	h := FromEnvironment(context.Background(), func(k string) string { return env[k] }, logger)
	resp, err := h.Handle(context.Background(), asCaller(postOrder(validBody), testSub))
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("Handle = %d, %v; want 500 and a nil error", resp.StatusCode, err)
	}
	out := logs.String()
	for _, want := range []string{"invalid configuration; requests will fail until it is fixed", "API_SECRET_ARN is not a Secrets Manager ARN"} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not-an-arn") {
		t.Errorf("logs contain the variable's value:\n%s", out)
	}
}
