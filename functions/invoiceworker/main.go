// Command invoiceworker is the invoice worker Lambda function: it consumes
// OrderPlaced events from the invoices queue and writes one invoice per
// order to the invoices bucket (package worker has the handler).
package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/groundwork-cdk/groundwork/functions/invoiceworker/worker"
)

// initTimeout bounds the work done in the Lambda init phase.
const initTimeout = 5 * time.Second

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{
		Level: logLevel(os.Getenv("AWS_LAMBDA_LOG_LEVEL")), ReplaceAttr: lambdacontext.ReplaceAttr,
	}))
	slog.SetDefault(logger)
	cfg, cfgErr := worker.LoadConfig(os.Getenv)
	if cfgErr != nil {
		logger.Error("invalid configuration; every record will fail until it is fixed", "error", cfgErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
	defer cancel()
	var client worker.S3API
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		logger.Error("cannot load AWS SDK configuration; every record will fail", "error", err)
		cfgErr = err
	} else {
		client = s3.NewFromConfig(awsCfg)
	}
	lambda.Start(worker.NewHandler(cfg, cfgErr, client, logger).Handle)
}

func logLevel(s string) slog.Level {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}
