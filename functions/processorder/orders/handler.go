package orders

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// Route keys served by this function (API Gateway HTTP API "METHOD /path").
const (
	routeCreateOrder = "POST /orders"
	routeGetOrder    = "GET /orders/{id}"
)

// deadlineMargin is reserved at the end of the invocation so that a slow
// dependency call is cancelled in time to still return a JSON error instead
// of the invocation being killed by the Lambda timeout.
const deadlineMargin = 500 * time.Millisecond

// DynamoDBAPI is the subset of the DynamoDB client used by the handler.
type DynamoDBAPI interface {
	PutItem(ctx context.Context, params *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	GetItem(ctx context.Context, params *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// SecretsManagerAPI is the subset of the Secrets Manager client used by the
// handler.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Compile-time checks that the real clients satisfy the interfaces.
var (
	_ DynamoDBAPI       = (*dynamodb.Client)(nil)
	_ SecretsManagerAPI = (*secretsmanager.Client)(nil)
)

// Handler serves the ProcessOrder API. Create it with NewHandler and share
// one instance (by pointer) across invocations; it is safe for concurrent
// use.
type Handler struct {
	DB      DynamoDBAPI
	Secrets SecretsManagerAPI
	Config  Config
	Logger  *slog.Logger
	// Now returns the current time; defaults to time.Now.
	Now func() time.Time
	// NewID returns a new order id; defaults to a random UUID (version 4).
	NewID func() (string, error)

	secret secretCache
}

// NewHandler returns a Handler with the default clock and id generator.
// A nil logger discards logs.
func NewHandler(cfg Config, db DynamoDBAPI, sm SecretsManagerAPI, logger *slog.Logger) *Handler {
	return &Handler{
		DB:      db,
		Secrets: sm,
		Config:  cfg,
		Logger:  logger,
		Now:     time.Now,
		NewID:   newOrderID,
	}
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	return h.Logger
}

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func (h *Handler) newID() (string, error) {
	if h.NewID == nil {
		return newOrderID()
	}
	return h.NewID()
}

// ready reports whether the handler has everything it needs to serve.
func (h *Handler) ready() error {
	var errs []error
	if err := h.Config.Validate(); err != nil {
		errs = append(errs, err)
	}
	if h.DB == nil {
		errs = append(errs, errors.New("dynamodb client is not configured"))
	}
	if h.Secrets == nil {
		errs = append(errs, errors.New("secretsmanager client is not configured"))
	}
	return errors.Join(errs...)
}

// Handle is the Lambda entry point. It always returns a well-formed HTTP
// response and a nil error: failures are reported as JSON error responses
// so that API Gateway passes them through unchanged.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	start := time.Now()
	log := h.requestLogger(ctx, req)

	defer func() {
		if r := recover(); r != nil {
			log.ErrorContext(ctx, "panic while handling request",
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			resp, err = errorResponse(http.StatusInternalServerError, msgInternal, nil), nil
		}
		level := slog.LevelInfo
		if resp.StatusCode >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		log.Log(ctx, level, "request completed",
			"status", resp.StatusCode,
			"durationMs", time.Since(start).Milliseconds())
	}()

	if err := h.ready(); err != nil {
		log.ErrorContext(ctx, "function is misconfigured; refusing request", "error", err)
		return errorResponse(http.StatusInternalServerError, msgInternal, nil), nil
	}

	ctx, cancel := withDeadlineMargin(ctx, deadlineMargin)
	defer cancel()

	var route func(context.Context, *slog.Logger, events.APIGatewayV2HTTPRequest, string) events.APIGatewayV2HTTPResponse
	switch req.RouteKey {
	case routeCreateOrder:
		route = h.createOrder
	case routeGetOrder:
		route = h.getOrder
	default:
		return errorResponse(http.StatusNotFound, msgRouteNotFound, nil), nil
	}

	// Every route acts on behalf of the authenticated caller; establish who
	// that is before looking at the request any further.
	caller, denied := authenticate(ctx, log, req)
	if denied != nil {
		return *denied, nil
	}
	return route(ctx, log, req, caller), nil
}

// requestLogger returns a logger annotated with the invocation's ids.
func (h *Handler) requestLogger(ctx context.Context, req events.APIGatewayV2HTTPRequest) *slog.Logger {
	log := h.logger()
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		log = log.With("requestId", lc.AwsRequestID)
	}
	if id := req.RequestContext.RequestID; id != "" {
		log = log.With("apiRequestId", id)
	}
	return log.With("routeKey", req.RouteKey)
}

// withDeadlineMargin shortens the context deadline (if any) by margin, but
// never to less than half of the remaining time.
func withDeadlineMargin(ctx context.Context, margin time.Duration) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	remaining := time.Until(deadline)
	if margin > remaining/2 {
		margin = remaining / 2
	}
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// createOrder stores a new order owned by caller. A customerId in the body
// is optional; if present it must equal caller; a different value is
// rejected with 403 rather than silently replaced, so a client that
// believes it is ordering for someone else learns that it is not.
func (h *Handler) createOrder(ctx context.Context, log *slog.Logger, req events.APIGatewayV2HTTPRequest, caller string) events.APIGatewayV2HTTPResponse {
	body, bad := requestBody(req)
	if bad != nil {
		log.InfoContext(ctx, "request rejected", "reason", bad.Message, "details", bad.Details)
		return bad.response()
	}
	in, bad := decodeCreateOrder(body)
	if bad != nil {
		log.InfoContext(ctx, "request rejected", "reason", bad.Message, "details", bad.Details)
		return bad.response()
	}
	if in.CustomerID != nil && *in.CustomerID != caller {
		// Values are not logged: both are customer identifiers. The API
		// request id ties this line to the access log entry.
		log.WarnContext(ctx, "request forbidden: customerId in the body does not match the authenticated caller")
		return errorResponse(http.StatusForbidden, msgForbidden, []fieldError{{
			Field:   "customerId",
			Message: "must be omitted or equal to the authenticated caller's identity",
		}})
	}

	// Validate before touching the secret so that bad requests never cause
	// a Secrets Manager call.
	key, err := h.signingKey(ctx, log)
	if err != nil {
		log.ErrorContext(ctx, "cannot load API secret", "error", err)
		return errorResponse(http.StatusInternalServerError, msgInternal, nil)
	}

	id, err := h.newID()
	if err != nil {
		log.ErrorContext(ctx, "cannot generate order id", "error", err)
		return errorResponse(http.StatusInternalServerError, msgInternal, nil)
	}

	o := order{
		ID:         id,
		CustomerID: caller,
		Items:      in.Items,
		Currency:   in.Currency,
		Status:     statusPending,
		CreatedAt:  h.now().UTC().Format(time.RFC3339),
	}
	sig, err := o.signature(key)
	if err != nil {
		log.ErrorContext(ctx, "cannot sign order", "orderId", id, "error", err)
		return errorResponse(http.StatusInternalServerError, msgInternal, nil)
	}
	_, err = h.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(h.Config.TableName),
		Item:                o.attributes(sig),
		ConditionExpression: aws.String("attribute_not_exists(id)"),
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			// Only possible if the id generator is broken.
			log.ErrorContext(ctx, "order id already exists", "orderId", id)
			return errorResponse(http.StatusInternalServerError, msgInternal, nil)
		}
		logDependencyError(ctx, log, "dynamodb", "PutItem", err)
		return errorResponse(http.StatusBadGateway, msgUpstream, nil)
	}

	log.InfoContext(ctx, "order created", "orderId", id, "itemCount", len(o.Items))
	return jsonResponse(http.StatusCreated, createOrderResponse{ID: id, Status: statusPending},
		map[string]string{"Location": "/orders/" + id})
}

// getOrder returns one order if caller owns it and its signature verifies.
// An order owned by someone else is reported exactly like a missing one
// (404), so callers cannot probe which order ids exist.
func (h *Handler) getOrder(ctx context.Context, log *slog.Logger, req events.APIGatewayV2HTTPRequest, caller string) events.APIGatewayV2HTTPResponse {
	id := req.PathParameters["id"]
	if !validOrderID(id) {
		bad := &badRequest{
			Message: msgInvalidRequest,
			Details: []fieldError{{Field: "id", Message: "must be an order id as returned by POST /orders"}},
		}
		log.InfoContext(ctx, "request rejected", "reason", bad.Message, "details", bad.Details)
		return bad.response()
	}

	out, err := h.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(h.Config.TableName),
		Key:            map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(false),
	})
	if err != nil {
		logDependencyError(ctx, log, "dynamodb", "GetItem", err)
		return errorResponse(http.StatusBadGateway, msgUpstream, nil)
	}
	if out == nil || len(out.Item) == 0 {
		return errorResponse(http.StatusNotFound, msgOrderNotFound, nil)
	}
	// Deny before anything else can fail, so that a non-owner sees the same
	// 404 whatever state the item is in. Allowing waits until the item's
	// signature has been verified below.
	if owner, ok := storedOwner(out.Item); ok && owner != caller {
		log.InfoContext(ctx, "order not owned by the caller; reporting not found", "orderId", id)
		return errorResponse(http.StatusNotFound, msgOrderNotFound, nil)
	}
	o, err := orderFromAttributes(out.Item)
	if err != nil {
		log.ErrorContext(ctx, "stored order is malformed", "orderId", id, "error", err)
		return errorResponse(http.StatusInternalServerError, msgInternal, nil)
	}

	key, err := h.signingKey(ctx, log)
	if err != nil {
		log.ErrorContext(ctx, "cannot load API secret", "error", err)
		return errorResponse(http.StatusInternalServerError, msgInternal, nil)
	}
	sig, ok := storedSignature(out.Item)
	if !ok {
		err = fmt.Errorf("%w: attribute %q missing or not a string", errSignatureMismatch, attrSignature)
	} else {
		err = o.verifySignature(key, sig)
	}
	if err != nil {
		// Neither the key nor the stored or expected signature is logged.
		if errors.Is(err, errSignatureMismatch) {
			log.ErrorContext(ctx, "integrity error: stored order failed signature verification; it was modified outside this function or signed with another key",
				"orderId", id, "integrity", "signature mismatch", "error", err)
		} else {
			log.ErrorContext(ctx, "cannot verify order signature", "orderId", id, "error", err)
		}
		return errorResponse(http.StatusInternalServerError, msgInternal, nil)
	}
	return jsonResponse(http.StatusOK, o, nil)
}

// logDependencyError logs an AWS SDK error with its service error code when
// available. SDK errors carry request metadata, never request payloads.
func logDependencyError(ctx context.Context, log *slog.Logger, service, operation string, err error) {
	attrs := []any{"service", service, "operation", operation, "error", err}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		attrs = append(attrs, "errorCode", apiErr.ErrorCode())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		attrs = append(attrs, "timeout", true)
	}
	log.ErrorContext(ctx, "dependency call failed", attrs...)
}
