package localapi

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/groundwork-cdk/groundwork/functions/processorder/orders"
)

// Options configure Setup.
type Options struct {
	// Template is the Api stack's synthesized template.
	Template string
	// Endpoint is the local emulator's URL, e.g. http://127.0.0.1:5000. It
	// must be a loopback address: the local setup never talks to AWS.
	Endpoint string
	// Region is the AWS region the SDK is configured with.
	// Default: eu-west-1 (the environments' region).
	Region string
	// Logger receives the handler's JSON logs (nil: discarded).
	Logger *slog.Logger
	// Progress, if set, is told about each start-up step.
	Progress func(string)
}

// Setup prepares the local API: it reads the definitions from the template,
// points this process's AWS SDK environment at the emulator
// (AWS_ENDPOINT_URL, AWS_REGION and dummy credentials, so the SDK's default
// configuration, which the handler uses as in Lambda, can reach nothing
// else), creates the table and the secret, and builds the real handler with
// orders.FromEnvironment and the function's environment. It returns the
// front door to serve.
func Setup(ctx context.Context, o Options) (*FrontDoor, error) {
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	if err := checkLoopback(o.Endpoint); err != nil {
		return nil, err
	}
	region := o.Region
	if region == "" {
		region = "eu-west-1"
	}
	progress("reading the Api stack's definitions from " + o.Template)
	d, err := Load(o.Template, "")
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":          o.Endpoint,
		"AWS_REGION":                region,
		"AWS_ACCESS_KEY_ID":         "local",
		"AWS_SECRET_ACCESS_KEY":     "local",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		if err := os.Setenv(k, v); err != nil {
			return nil, err
		}
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		_ = os.Unsetenv(k)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	env, err := Provision(ctx, cfg, d, progress)
	if err != nil {
		return nil, fmt.Errorf("%w (is the emulator running at %s?)", err, o.Endpoint)
	}
	progress(fmt.Sprintf("starting the handler with the function's environment %v", sortedKeys(env)))
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := orders.FromEnvironment(ctx, func(k string) string { return env[k] }, logger)
	return &FrontDoor{Definitions: d, Invoke: h.Handle}, nil
}

func checkLoopback(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return fmt.Errorf("emulator endpoint %q is not a URL; give e.g. http://127.0.0.1:5000", endpoint)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("emulator endpoint %q is not a loopback address; the local setup only talks to an emulator on this machine (e.g. http://127.0.0.1:5000)", endpoint)
	}
	return nil
}
