// Command hello is the smallest provided.al2023 handler: the hardenedfunction
// tests build it to check the local linux/arm64 bundling.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type greeting struct {
	Message string `json:"message"`
}

func handle(_ context.Context, _ map[string]any) (greeting, error) {
	return greeting{Message: "hello"}, nil
}

func main() { lambda.Start(handle) }
