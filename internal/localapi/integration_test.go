//go:build integration

// The integration test drives the orders API through the same path as
// `make local`: HTTP → front door → the real handler → the real AWS SDK
// clients → moto's server on 127.0.0.1. It needs moto (pip install
// "moto[server]") and is skipped with a message where it is missing. It is
// behind the "integration" build tag so that `make test` stays fast; .ci/run
// runs it with:
//
//	go test -tags integration -count=1 -v -run Integration ./internal/localapi/
package localapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Bounded load of the concurrent run, loopback only.
const (
	loadRequests = 500
	loadWorkers  = 8
)

// startEmulator starts moto's server on a free loopback port and stops it
// (by its PID) when the test ends.
func startEmulator(t *testing.T) string {
	t.Helper()
	python := os.Getenv("PYTHON")
	if python == "" {
		python = "python3"
	}
	out, err := exec.Command(python, "-c", `import socket, moto, moto.server
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(moto.__version__, s.getsockname()[1])`).Output()
	if err != nil {
		t.Skipf("SKIPPED: the local AWS emulator is not installed (%s cannot import moto.server); install it with: pip install \"moto[server]\"", python)
	}
	var version, port string
	fmt.Sscan(string(out), &version, &port)
	cmd := exec.Command(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", port)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
	})
	endpoint := "http://127.0.0.1:" + port
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto did not answer within 30 s; log:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("moto %s on %s (pid %d), ready in %.1fs", version, endpoint, cmd.Process.Pid, time.Since(start).Seconds())
	return endpoint
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c *client) do(method, path, token, body string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return resp.StatusCode, nil, fmt.Errorf("body %q is not a JSON object", b)
	}
	return resp.StatusCode, m, nil
}

func TestIntegrationOrdersAPI(t *testing.T) {
	endpoint := startEmulator(t)
	start := time.Now()
	fd, err := Setup(context.Background(), Options{Template: goldenAPI, Endpoint: endpoint, Progress: func(s string) { t.Log(s) }})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: fd}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	t.Logf("local API ready in %.2fs (definitions, table, secret, handler)", time.Since(start).Seconds())

	c := &client{t: t, base: "http://" + ln.Addr().String(), http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: loadWorkers},
	}}
	aud := fd.Definitions.Audiences[0]
	alice := DevToken("alice", aud, time.Hour, time.Now())
	bob := DevToken("bob", aud, time.Hour, time.Now())
	const body = `{"currency":"EUR","items":[{"sku":"SKU-1","quantity":2},{"sku":"SKU-2","quantity":1}]}`

	var id string
	t.Run("POST then GET", func(t *testing.T) {
		status, m, err := c.do("POST", "/orders", alice, body)
		if err != nil || status != 201 || m["status"] != "PENDING" {
			t.Fatalf("POST: %d %v %v", status, m, err)
		}
		id, _ = m["id"].(string)
		status, m, err = c.do("GET", "/orders/"+id, alice, "")
		if err != nil || status != 200 {
			t.Fatalf("GET: %d %v %v", status, m, err)
		}
		items, _ := json.Marshal(m["items"])
		if m["id"] != id || m["customerId"] != "alice" || m["currency"] != "EUR" ||
			string(items) != `[{"quantity":2,"sku":"SKU-1"},{"quantity":1,"sku":"SKU-2"}]` {
			t.Errorf("GET returned %v", m)
		}
		if _, leaked := m["signature"]; leaked {
			t.Errorf("GET returned the stored signature: %v", m)
		}
	})
	t.Run("another caller gets 404", func(t *testing.T) {
		if status, m, err := c.do("GET", "/orders/"+id, bob, ""); err != nil || status != 404 {
			t.Fatalf("GET as bob: %d %v %v", status, m, err)
		}
	})
	t.Run("no token gets the gateway's 401", func(t *testing.T) {
		if status, m, err := c.do("POST", "/orders", "", body); err != nil || status != 401 || m["message"] != "Unauthorized" {
			t.Fatalf("POST without token: %d %v %v", status, m, err)
		}
	})
	t.Run("invalid body gets 400 from the handler", func(t *testing.T) {
		if status, m, err := c.do("POST", "/orders", alice, `{"currency":"euro","items":[]}`); err != nil || status != 400 || m["details"] == nil {
			t.Fatalf("POST bad body: %d %v %v", status, m, err)
		}
	})
	t.Run("concurrent run", func(t *testing.T) {
		// loadRequests requests: POST an order, then GET it back, per job.
		jobs := make(chan int)
		var passed, failed atomic.Int64
		var mu sync.Mutex
		var latencies []time.Duration
		var firstErr atomic.Value
		record := func(d time.Duration, ok bool, what string) {
			mu.Lock()
			latencies = append(latencies, d)
			mu.Unlock()
			if ok {
				passed.Add(1)
			} else {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, what)
			}
		}
		var wg sync.WaitGroup
		begin := time.Now()
		for w := 0; w < loadWorkers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				tok := DevToken(fmt.Sprintf("load-%d", w), aud, time.Hour, time.Now())
				for range jobs {
					t0 := time.Now()
					status, m, err := c.do("POST", "/orders", tok, body)
					id, _ := m["id"].(string)
					record(time.Since(t0), err == nil && status == 201 && id != "", fmt.Sprintf("POST %d %v %v", status, m, err))
					t0 = time.Now()
					status, m, err = c.do("GET", "/orders/"+id, tok, "")
					record(time.Since(t0), err == nil && status == 200 && m["id"] == id, fmt.Sprintf("GET %d %v %v", status, m, err))
				}
			}(w)
		}
		for i := 0; i < loadRequests/2; i++ {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		wall := time.Since(begin)
		sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
		pct := func(p float64) float64 {
			return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
		}
		n := passed.Load() + failed.Load()
		summary := fmt.Sprintf("concurrent run: %d requests (%d POST + %d GET), %d workers, loopback: %d passed, %d failed (errors); %.0f requests/s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; wall %.2fs",
			n, n/2, n/2, loadWorkers, passed.Load(), failed.Load(), float64(n)/wall.Seconds(), pct(0.50), pct(0.99), pct(1), wall.Seconds())
		fmt.Println(summary)
		t.Log(summary)
		if failed.Load() > 0 {
			t.Errorf("%d requests failed; first: %v", failed.Load(), firstErr.Load())
		}
		if n != loadRequests {
			t.Errorf("ran %d requests, want %d", n, loadRequests)
		}
	})
}
