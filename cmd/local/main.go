// Command local serves the orders API on localhost with no AWS account:
// the real handler (package orders) and the real AWS SDK clients, pointed
// at a local AWS emulator (moto) with AWS_ENDPOINT_URL, behind a front door
// that plays the HTTP API's part (routes and JWT claims from a development
// token). `make local` starts the emulator and runs this command; see the
// README's "See it and run it".
//
// Usage:
//
//	local [-endpoint URL] [-addr 127.0.0.1:8080] [-template FILE]
//	local token [-sub dev-user] [-ttl 12h] [-template FILE]
//
// The table and the secret are created from the Api stack's synthesized
// template (cdk.out/Groundwork-Dev-Api.template.json after make synth,
// otherwise the golden stacks/testdata/Groundwork-Dev-Api.template.json).
// `local token` prints a development token (unsigned, issuer
// urn:groundwork:local-development) that only this front door accepts.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/groundwork-cdk/groundwork/functions/processorder/orders"
	"github.com/groundwork-cdk/groundwork/internal/localapi"
)

const (
	synthesized = "cdk.out/Groundwork-Dev-Api.template.json"
	golden      = "stacks/testdata/Groundwork-Dev-Api.template.json"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "token" {
		err = token(os.Args[2:])
	} else {
		err = serve(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func defaultTemplate() string {
	if _, err := os.Stat(synthesized); err == nil {
		return synthesized
	}
	return golden
}

func token(args []string) error {
	fs := flag.NewFlagSet("local token", flag.ContinueOnError)
	sub := fs.String("sub", "dev-user", "the token's subject: the caller, owner of the orders it creates")
	ttl := fs.Duration("ttl", 12*time.Hour, "how long the token is valid")
	tmpl := fs.String("template", defaultTemplate(), "the Api stack's template (for the audience)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := localapi.Load(*tmpl, "")
	if err != nil {
		return err
	}
	if len(d.Audiences) == 0 {
		return fmt.Errorf("%s: the API has no JWT audience", *tmpl)
	}
	fmt.Println(localapi.DevToken(*sub, d.Audiences[0], *ttl, time.Now()))
	return nil
}

func serve(args []string) error {
	start := time.Now()
	// make local passes the time it started, so the start-up figure
	// includes the emulator's start.
	if s := os.Getenv("GROUNDWORK_LOCAL_T0"); s != "" {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			start = time.Unix(0, int64(f*1e9))
		}
	}
	progress := func(msg string) { fmt.Printf("[local %5.1fs] %s\n", time.Since(start).Seconds(), msg) }

	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	endpoint := fs.String("endpoint", os.Getenv("AWS_ENDPOINT_URL"), "the local AWS emulator (moto) URL")
	addr := fs.String("addr", "127.0.0.1:8080", "where to listen (loopback only)")
	tmpl := fs.String("template", defaultTemplate(), "the Api stack's synthesized template")
	level := fs.String("log-level", "INFO", "the handler's log level (AWS_LAMBDA_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *endpoint == "" {
		return errors.New("no emulator endpoint: pass -endpoint http://127.0.0.1:PORT or run `make local`, which starts one")
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("-addr %q: listen on a loopback address, e.g. 127.0.0.1:8080", *addr)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fd, err := localapi.Setup(ctx, localapi.Options{
		Template: *tmpl,
		Endpoint: *endpoint,
		Logger:   orders.NewLogger(os.Stderr, *level),
		Progress: progress,
	})
	if err != nil {
		return err
	}
	fd.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil)).With("component", "front-door")

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("%w (another make local running? set PORT=...)", err)
	}
	var routes []string
	for _, r := range fd.Definitions.Routes {
		routes = append(routes, r.Key()+" ["+r.Authorization+"]")
	}
	base := "http://" + ln.Addr().String()
	progress(fmt.Sprintf("ready in %.1fs: %s (%s)", time.Since(start).Seconds(), base, strings.Join(routes, ", ")))
	tok := localapi.DevToken("dev-user", fd.Definitions.Audiences[0], 12*time.Hour, time.Now())
	fmt.Printf(`
Try it (development token for sub "dev-user"; make others with: go run ./cmd/local token -sub NAME):

  TOKEN=%s
  curl -s -X POST %s/orders -H "Authorization: Bearer $TOKEN" \
       -H 'Content-Type: application/json' -d '{"currency":"EUR","items":[{"sku":"SKU-1","quantity":2}]}'
  curl -s %s/orders/<id> -H "Authorization: Bearer $TOKEN"

Ctrl-C stops the API and the emulator.
`, tok, base, base)

	srv := &http.Server{Handler: fd, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Println("\n[local] stopping the API")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
