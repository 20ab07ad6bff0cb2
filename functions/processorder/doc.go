// Command processorder is the ProcessOrder AWS Lambda function. It sits
// behind an Amazon API Gateway HTTP API (payload format 2.0) and serves two
// routes:
//
//	POST /orders       validate a JSON order, store it in DynamoDB, return 201
//	GET  /orders/{id}  read one order back (eventually consistent read)
//
// Any other route key returns 404. Every response, including errors, is a
// JSON document; errors have the shape {"error": "...", "details": [...]},
// where details name the offending request fields.
//
// # Configuration
//
// The function is configured through two environment variables, read once
// when the execution environment starts (cold start):
//
//	TABLE_NAME      name of the DynamoDB orders table (partition key "id", type S)
//	API_SECRET_ARN  ARN of the Secrets Manager secret holding the API signing key
//
// Only the ARN of the secret is placed in the environment, never its value:
// environment variables are visible to anyone who can read the function
// configuration and end up in deployment templates. If either variable is
// missing, the function still starts but answers every request with a
// generic 500 and logs the misconfiguration, so the problem shows up in
// logs and alarms rather than as a crash loop.
//
// # The API secret
//
// The secret value is fetched from Secrets Manager during initialisation
// (and, if that fails, on the first request that needs it), then cached in
// memory for the lifetime of the execution environment. Reading it at cold
// start keeps Secrets Manager off the hot path, avoids per-request cost and
// throttling, and uses the initialisation phase rather than billed request
// time. Concurrent first requests share a single fetch; a failed fetch is
// not cached, so a later request retries. A rotated secret is picked up by
// new execution environments; long-lived environments keep the value they
// loaded.
//
// The secret is the key of an HMAC-SHA256 over a canonical encoding of each
// stored order (attribute "signature", lower-case hex). It lets downstream
// consumers holding the same key detect items that were modified outside
// this function. The secret value is never logged and never returned.
//
// # Request validation
//
// POST bodies must be at most 64 KiB (after base64 decoding when the API
// marks the body as base64-encoded) and contain exactly one JSON object:
//
//	{"customerId": "c-123", "currency": "EUR",
//	 "items": [{"sku": "SKU-1", "quantity": 2}]}
//
// customerId is 1-64 characters; items holds 1-100 entries, each with a
// non-empty sku of at most 64 characters and an integer quantity in
// 1..1000; currency is a three-letter upper-case ISO 4217 style code.
// Unknown fields are rejected.
//
// # Logging
//
// Logs are JSON lines on stdout (log/slog) using the Lambda JSON log field
// names (timestamp, level, message) and carry the Lambda request id. Request
// bodies and the secret are never logged.
//
// # Building
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o bootstrap .
//
// The resulting bootstrap binary targets the provided.al2023 runtime on arm64.
package main
