// Command processorder is the ProcessOrder AWS Lambda function: a thin entry
// point that builds the handler of package orders from the environment at
// cold start (orders.FromEnvironment) and passes it to lambda.Start. The
// routes, authorization, configuration, secret handling and logging are
// documented on package orders.
//
// # Building
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o bootstrap .
//
// The resulting bootstrap binary targets the provided.al2023 runtime on arm64.
package main
