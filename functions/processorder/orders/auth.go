package orders

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// claimSubject is the JWT claim that identifies the caller. Its value is the
// owner of every order the caller creates and the only customer whose orders
// the caller can read.
const claimSubject = "sub"

// callerID returns the authenticated caller's identity: the "sub" claim that
// the API Gateway JWT authorizer validated and passed on. ok is false when
// there is no usable identity, in which case reason says why (it never
// contains the claim value).
//
// The identity is stored as the order's customerId, so it must satisfy the
// same constraints as a customerId; a subject that does not is rejected
// rather than stored in a shape downstream consumers do not expect.
func callerID(req events.APIGatewayV2HTTPRequest) (sub string, reason string, ok bool) {
	auth := req.RequestContext.Authorizer
	switch {
	case auth == nil:
		return "", "no authorizer context", false
	case auth.JWT == nil:
		return "", "no JWT authorizer context", false
	}
	sub, present := auth.JWT.Claims[claimSubject]
	if !present {
		return "", "no sub claim", false
	}
	if strings.TrimSpace(sub) == "" {
		return "", "empty sub claim", false
	}
	if msg := checkText(sub, maxCustomerIDLen); msg != "" {
		return "", "sub claim is not a usable customer id: it " + msg, false
	}
	return sub, "", true
}

// authenticate returns the caller's identity, or a 401 response. The API
// runs a JWT authorizer on every route, so a request without an identity
// should never reach the function: it means a route lost its authorizer or
// the authorizer is misconfigured, and is logged as an error so that it
// raises an alarm.
func authenticate(ctx context.Context, log *slog.Logger, req events.APIGatewayV2HTTPRequest) (string, *events.APIGatewayV2HTTPResponse) {
	sub, reason, ok := callerID(req)
	if ok {
		return sub, nil
	}
	log.ErrorContext(ctx, "anomaly: request reached the function without an authenticated caller; check the route's JWT authorizer",
		"anomaly", "unauthenticated", "reason", reason)
	resp := jsonResponse(http.StatusUnauthorized, errorBody{Error: msgUnauthorized},
		map[string]string{"WWW-Authenticate": "Bearer"})
	return "", &resp
}
