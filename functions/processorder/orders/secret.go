package orders

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// minRecommendedKeyLen is the HMAC-SHA256 key length below which a warning
// is logged (the key is still used).
const minRecommendedKeyLen = 32

const redacted = "[REDACTED]"

// signingKey is the API secret value. It redacts itself when printed with
// fmt's string verbs or logged through slog, so an accidental log call
// cannot leak it.
type signingKey []byte

func (signingKey) String() string                 { return redacted }
func (signingKey) GoString() string               { return redacted }
func (signingKey) LogValue() slog.Value           { return slog.StringValue(redacted) }
func (k signingKey) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// secretCache caches the signing key for the lifetime of the execution
// environment. Concurrent callers share one fetch; failures are not cached,
// so the next caller retries. The zero value is ready to use.
type secretCache struct {
	mu  sync.Mutex // serialises fetches
	key atomic.Pointer[signingKey]
}

// get returns the cached key, calling fetch if none is cached yet.
func (c *secretCache) get(ctx context.Context, fetch func(context.Context) (signingKey, error)) (signingKey, error) {
	if k := c.key.Load(); k != nil {
		return *k, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if k := c.key.Load(); k != nil {
		return *k, nil // another caller fetched it while we waited
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	c.key.Store(&k)
	return k, nil
}

// signingKey returns the API secret, fetching it from Secrets Manager on the
// first call in this execution environment.
func (h *Handler) signingKey(ctx context.Context, log *slog.Logger) (signingKey, error) {
	return h.secret.get(ctx, func(ctx context.Context) (signingKey, error) {
		return h.fetchSigningKey(ctx, log)
	})
}

func (h *Handler) fetchSigningKey(ctx context.Context, log *slog.Logger) (signingKey, error) {
	out, err := h.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(h.Config.APISecretARN),
	})
	if err != nil {
		return nil, fmt.Errorf("secretsmanager GetSecretValue: %w", err)
	}
	if out == nil {
		return nil, errors.New("secretsmanager GetSecretValue: empty response")
	}
	var key signingKey
	switch {
	case out.SecretString != nil && *out.SecretString != "":
		key = signingKey(*out.SecretString)
	case len(out.SecretBinary) > 0:
		key = signingKey(bytes.Clone(out.SecretBinary))
	default:
		return nil, errors.New("secretsmanager GetSecretValue: secret has no value")
	}
	if len(key) < minRecommendedKeyLen {
		log.WarnContext(ctx, "API secret is shorter than recommended for HMAC-SHA256",
			"keyLength", len(key), "recommendedMinimum", minRecommendedKeyLen)
	}
	log.InfoContext(ctx, "API secret loaded and cached", "versionId", aws.ToString(out.VersionId))
	return key, nil
}

// WarmUp loads the API secret ahead of the first request. main calls it
// during the Lambda init phase; an error is not fatal because the first
// request that needs the secret retries the fetch.
func (h *Handler) WarmUp(ctx context.Context) error {
	if err := h.ready(); err != nil {
		return err
	}
	_, err := h.signingKey(ctx, h.logger())
	return err
}
