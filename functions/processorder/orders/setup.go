package orders

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// InitTimeout bounds the work FromEnvironment does (the Lambda init phase
// itself is limited to 10 seconds).
const InitTimeout = 5 * time.Second

// FromEnvironment builds the Handler the way the function's cold start does:
// the configuration from getenv (TABLE_NAME, API_SECRET_ARN), the real
// DynamoDB and Secrets Manager clients from the AWS SDK's default
// configuration (which honours AWS_REGION, the credential chain and
// AWS_ENDPOINT_URL), and the API secret prefetched. The Lambda main and the
// local front door (cmd/local) both call it, so they run the same code.
//
// It never fails: a bad configuration or an SDK that cannot be configured
// is logged, and every request then gets a generic 500 (see ready), so the
// problem shows up in logs and alarms rather than as a crash loop. A failed
// prefetch is logged as a warning; the first request retries it.
func FromEnvironment(ctx context.Context, getenv func(string) string, logger *slog.Logger) *Handler {
	cfg, cfgErr := LoadConfig(getenv)
	if cfgErr != nil {
		logger.Error("invalid configuration; requests will fail until it is fixed", "error", cfgErr)
	}

	ctx, cancel := context.WithTimeout(ctx, InitTimeout)
	defer cancel()
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

	// Fetch the API secret now so the first request does not pay for it.
	// Failure is not fatal: the first request retries.
	if cfgErr == nil && err == nil {
		if err := h.WarmUp(ctx); err != nil {
			logger.Warn("cannot prefetch API secret; will retry on first request", "error", err)
		}
	}
	return h
}
