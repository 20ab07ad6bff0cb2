package orders

import (
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Client-facing error messages. They are deliberately generic for server
// side failures: details go to the logs, not to the caller.
const (
	msgInternal       = "internal server error"
	msgUpstream       = "upstream service error"
	msgRouteNotFound  = "route not found"
	msgOrderNotFound  = "order not found"
	msgInvalidRequest = "invalid request"
	msgInvalidJSON    = "request body is not valid JSON for this operation"
	msgBodyTooLarge   = "request body too large"
	msgValidation     = "request validation failed"
	msgUnauthorized   = "authentication required"
	msgForbidden      = "customerId does not match the authenticated caller"
)

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error   string       `json:"error"`
	Details []fieldError `json:"details,omitempty"`
}

// fieldError names one offending request field.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// badRequest is a client error that is reported as a 400 response.
type badRequest struct {
	Message string
	Details []fieldError
}

func (b *badRequest) response() events.APIGatewayV2HTTPResponse {
	return errorResponse(http.StatusBadRequest, b.Message, b.Details)
}

func errorResponse(status int, message string, details []fieldError) events.APIGatewayV2HTTPResponse {
	return jsonResponse(status, errorBody{Error: message, Details: details}, nil)
}

// fallbackBody is used if a response value cannot be encoded, which only a
// programming error could cause.
const fallbackBody = `{"error":"` + msgInternal + `"}`

func jsonResponse(status int, v any, extraHeaders map[string]string) events.APIGatewayV2HTTPResponse {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(fallbackBody)
	}
	headers := map[string]string{
		"Content-Type":           "application/json",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
	for k, val := range extraHeaders {
		headers[k] = val
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    headers,
		Body:       string(body),
	}
}
