// Package orders is the ProcessOrder AWS Lambda function's logic: the
// handler that functions/processorder (package main, a thin Lambda entry
// point) starts, and that cmd/local serves on localhost behind a local front
// door. The function sits behind an Amazon API Gateway HTTP API (payload
// format 2.0) and serves two routes:
//
//	POST /orders       validate a JSON order, store it in DynamoDB, return 201
//	GET  /orders/{id}  read one order back (eventually consistent read)
//
// Any other route key returns 404. Every response, including errors, is a
// JSON document; errors have the shape {"error": "...", "details": [...]},
// where details name the offending request fields.
//
// # Authorization
//
// The API runs a JWT authorizer on every route, and the function acts on
// behalf of the caller it authenticated: the caller's identity is the "sub"
// claim the authorizer passes in the request context
// (requestContext.authorizer.jwt.claims.sub). It is the owner of every
// order the caller creates, stored in the item's "customerId" attribute, and
// the only customer whose orders the caller can read.
//
//   - A request without a usable identity (no JWT authorizer context, no
//     sub claim, or a sub that is empty or does not satisfy the customerId
//     rules below) gets 401 with a "WWW-Authenticate: Bearer" header. The API
//     should never route such a request, so it is also logged at ERROR with
//     "anomaly": "unauthenticated" and a reason: it means a route lost its
//     authorizer or the authorizer is misconfigured. Authentication happens
//     before the request body or path is examined.
//   - POST: customerId in the body is optional. When present it must equal
//     the caller's sub exactly; any other value is rejected with 403 (and a
//     WARN log line) rather than silently replaced. The stored owner is
//     always the sub.
//   - GET: an order owned by another customer is answered with the same 404
//     as an order that does not exist, so callers cannot learn which order
//     ids exist. The ownership check happens before anything else about the
//     item can fail.
//
// Customer identifiers (sub, customerId) are not logged; the API request id
// in each log line ties it to the API Gateway access log.
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
// stored order (attribute "signature", lower-case hex): the JSON encoding of
// the order as GET returns it (fields id, customerId, items, currency,
// status, createdAt, in that order), prefixed with a versioned context string
// (canonicalOrder and order.mac in order.go, shared by signing and
// verification). POST signs every order it stores. GET recomputes the HMAC
// over the stored fields and compares it with the stored signature in
// constant time; an item whose signature is missing, malformed or does not
// match was modified outside this function (or signed with another key) and
// is answered with a generic 500, and an "integrity error" is logged at
// ERROR with "integrity": "signature mismatch" and the order id, never the
// secret or either signature. Downstream consumers holding the same key can
// check items the same way. The secret value is never logged and never
// returned, and GET never returns the signature.
//
// Both routes therefore need the secret. A GET that ends before verification
// (invalid id, no such order, not the caller's order) does not fetch it.
// Because verification uses only the current secret, rotating it makes
// orders signed with the previous value fail verification (500) until they
// are re-signed.
//
// # Request validation
//
// POST bodies must be at most 64 KiB (after base64 decoding when the API
// marks the body as base64-encoded) and contain exactly one JSON object:
//
//	{"currency": "EUR", "items": [{"sku": "SKU-1", "quantity": 2}]}
//
// customerId is optional (see Authorization); when present and not null it
// is 1-64 characters without control characters. items holds 1-100
// entries, each with a non-empty sku of at most 64 characters and an
// integer quantity in 1..1000; currency is a three-letter upper-case
// ISO 4217 style code. Unknown fields are rejected. An invalid body gets
// 400 before the customerId is compared with the caller (403).
//
// # Logging
//
// Logs are JSON lines on stdout (log/slog) using the Lambda JSON log field
// names (timestamp, level, message) and carry the Lambda request id. Request
// bodies, customer identifiers, order signatures and the secret are never
// logged.
//
// # Running it
//
// FromEnvironment builds the Handler the way a cold start does; the Lambda
// entry point (functions/processorder) passes Handler.Handle to
// lambda.Start, and `make local` (cmd/local) calls the same Handle from an
// HTTP server that plays the API's part, with the SDK pointed at a local
// emulator through AWS_ENDPOINT_URL.
package orders
