package orders

import (
	"errors"
	"fmt"
	"strings"
)

// Environment variable names read at cold start.
const (
	envTableName    = "TABLE_NAME"
	envAPISecretARN = "API_SECRET_ARN"
)

// Config is the function configuration, read once from the environment when
// the execution environment starts.
type Config struct {
	// TableName is the DynamoDB table holding orders (partition key "id").
	TableName string
	// APISecretARN is the ARN of the Secrets Manager secret used as the
	// order signing key. Only the ARN is configured, never the value.
	APISecretARN string
}

// LoadConfig reads the configuration using getenv (normally os.Getenv). It
// always returns the values it found; the error reports every missing or
// malformed variable so the problem can be logged in one line.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		TableName:    strings.TrimSpace(getenv(envTableName)),
		APISecretARN: strings.TrimSpace(getenv(envAPISecretARN)),
	}
	return cfg, cfg.Validate()
}

// Validate reports whether the configuration is usable. Error messages name
// the environment variables, never their values.
func (c Config) Validate() error {
	var errs []error
	if c.TableName == "" {
		errs = append(errs, fmt.Errorf("%s is not set", envTableName))
	}
	switch {
	case c.APISecretARN == "":
		errs = append(errs, fmt.Errorf("%s is not set", envAPISecretARN))
	case !strings.HasPrefix(c.APISecretARN, "arn:") || !strings.Contains(c.APISecretARN, ":secretsmanager:"):
		errs = append(errs, fmt.Errorf("%s is not a Secrets Manager ARN", envAPISecretARN))
	}
	return errors.Join(errs...)
}
