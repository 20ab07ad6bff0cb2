package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// initTimeout bounds the work done in the Lambda init phase (which itself
// is limited to 10 seconds).
const initTimeout = 5 * time.Second

func main() {
	logger := newLogger(os.Stdout, os.Getenv("AWS_LAMBDA_LOG_LEVEL"))
	slog.SetDefault(logger)

	// Configuration is read exactly once, at cold start. A bad configuration
	// is logged here and every request then fails with a generic 500.
	cfg, cfgErr := LoadConfig(os.Getenv)
	if cfgErr != nil {
		logger.Error("invalid configuration; requests will fail until it is fixed", "error", cfgErr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
	var (
		db DynamoDBAPI
		sm SecretsManagerAPI
	)
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		logger.Error("cannot load AWS SDK configuration; requests will fail", "error", err)
	} else {
		db = dynamodb.NewFromConfig(awsCfg)
		sm = secretsmanager.NewFromConfig(awsCfg)
	}

	h := NewHandler(cfg, db, sm, logger)

	// Fetch the API secret during init so the first request does not pay
	// for it. Failure is not fatal: the first request retries.
	if cfgErr == nil && err == nil {
		if err := h.WarmUp(ctx); err != nil {
			logger.Warn("cannot prefetch API secret; will retry on first request", "error", err)
		}
	}
	cancel()

	lambda.Start(h.Handle)
}

// newLogger returns a JSON slog logger writing to w, using the Lambda JSON
// log field names (timestamp, level, message). level is the value of
// AWS_LAMBDA_LOG_LEVEL; unknown or empty values mean INFO.
func newLogger(w io.Writer, level string) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{
		Level:       parseLogLevel(level),
		ReplaceAttr: lambdacontext.ReplaceAttr,
	}))
}

func parseLogLevel(s string) slog.Level {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}
