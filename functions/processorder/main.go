package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/groundwork-cdk/groundwork/functions/processorder/orders"
)

func main() {
	logger := orders.NewLogger(os.Stdout, os.Getenv("AWS_LAMBDA_LOG_LEVEL"))
	// Configuration and clients are set up exactly once, at cold start.
	h := orders.FromEnvironment(context.Background(), os.Getenv, logger)
	lambda.Start(h.Handle)
}
