package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Environment variable names read at cold start.
const (
	EnvBucketName = "BUCKET_NAME"
	EnvAccountID  = "ACCOUNT_ID"
)

// Config is the worker's configuration, read once at cold start.
type Config struct {
	// BucketName is the invoices bucket.
	BucketName string
	// AccountID is this account: events from another account are refused,
	// and the bucket must be owned by it (ExpectedBucketOwner).
	AccountID string
}

// LoadConfig reads the configuration with getenv (normally os.Getenv). The
// error names every missing or malformed variable, never a value.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{BucketName: strings.TrimSpace(getenv(EnvBucketName)), AccountID: strings.TrimSpace(getenv(EnvAccountID))}
	var errs []error
	if cfg.BucketName == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvBucketName))
	}
	if len(cfg.AccountID) != 12 || strings.Trim(cfg.AccountID, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("%s is not a 12-digit account id", EnvAccountID))
	}
	return cfg, errors.Join(errs...)
}

// S3API is the part of the S3 client the worker uses.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ S3API = (*s3.Client)(nil)

// deadlineMargin is kept free at the end of an invocation: records not
// started by then are reported as failures (and retried) instead of the
// invocation timing out, which would retry the whole batch.
const deadlineMargin = 2 * time.Second

// Handler writes invoices.
type Handler struct {
	cfg    Config
	cfgErr error
	s3     S3API
	log    *slog.Logger
}

// NewHandler returns a handler; cfgErr, if set, fails every record (the
// messages are retried until the configuration is fixed, then dead-lettered).
func NewHandler(cfg Config, cfgErr error, client S3API, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, cfgErr: cfgErr, s3: client, log: log}
}

// Handle processes one batch and reports the records that failed; it never
// returns an error (which would retry the whole batch, duplicates and all).
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	fail := func(r events.SQSMessage, reason string, err error) {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
		h.log.Error("record failed; it will be retried, then dead-lettered", "messageId", r.MessageId,
			"receiveCount", r.Attributes["ApproximateReceiveCount"], "reason", reason, "error", err)
	}
	for _, r := range ev.Records {
		if h.cfgErr != nil {
			fail(r, "configuration", h.cfgErr)
			continue
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < deadlineMargin {
			fail(r, "deadline", errors.New("not started: the invocation is about to time out"))
			continue
		}
		if err := h.record(ctx, r); err != nil {
			reason := "write"
			if errors.Is(err, errPoison) {
				reason = "poison"
			}
			fail(r, reason, err)
		}
	}
	return resp, nil
}

// record writes the invoice of one message.
func (h *Handler) record(ctx context.Context, r events.SQSMessage) (err error) {
	defer func() {
		// A panic fails this record only, not its batch.
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	inv, err := ParseInvoice(r.Body, h.cfg.AccountID)
	if err != nil {
		return err
	}
	body, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("encode invoice: %w", err)
	}
	_, err = h.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:              aws.String(h.cfg.BucketName),
		Key:                 aws.String(inv.Key()),
		Body:                bytes.NewReader(body),
		ContentType:         aws.String("application/json"),
		IfNoneMatch:         aws.String("*"),
		ExpectedBucketOwner: aws.String(h.cfg.AccountID),
	})
	switch {
	case err == nil:
		h.log.Info("invoice written", "orderId", inv.OrderID, "key", inv.Key(), "eventId", inv.SourceEventID)
		return nil
	case alreadyWritten(err):
		h.log.Info("invoice already written; duplicate delivery", "orderId", inv.OrderID, "key", inv.Key())
		return nil
	}
	return fmt.Errorf("put %s: %w", inv.Key(), err)
}

// alreadyWritten is S3's answer to If-None-Match "*" on an existing key:
// 412 Precondition Failed. (409 ConditionalRequestConflict, a concurrent
// conditional write, is not: that record is retried.)
func alreadyWritten(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed" {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed
}
