package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{
			name: "complete",
			env:  map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": testSecretARN},
			want: Config{TableName: "orders", APISecretARN: testSecretARN},
		},
		{
			name: "whitespace trimmed",
			env:  map[string]string{"TABLE_NAME": " orders\n", "API_SECRET_ARN": " " + testSecretARN},
			want: Config{TableName: "orders", APISecretARN: testSecretARN},
		},
		{
			name:    "nothing set",
			env:     map[string]string{},
			wantErr: []string{"TABLE_NAME is not set", "API_SECRET_ARN is not set"},
		},
		{
			name:    "secret name instead of ARN",
			env:     map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": "prod/api-key"},
			want:    Config{TableName: "orders", APISecretARN: "prod/api-key"},
			wantErr: []string{"API_SECRET_ARN is not a Secrets Manager ARN"},
		},
		{
			name:    "ARN of another service",
			env:     map[string]string{"TABLE_NAME": "orders", "API_SECRET_ARN": "arn:aws:ssm:eu-west-1:111111111111:parameter/x"},
			want:    Config{TableName: "orders", APISecretARN: "arn:aws:ssm:eu-west-1:111111111111:parameter/x"},
			wantErr: []string{"API_SECRET_ARN is not a Secrets Manager ARN"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadConfig(func(k string) string { return tc.env[k] })
			if got != tc.want {
				t.Errorf("config = %+v, want %+v", got, tc.want)
			}
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNewOrderID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, err := newOrderID()
		if err != nil {
			t.Fatal(err)
		}
		if !validOrderID(id) {
			t.Fatalf("newOrderID() = %q is not a valid order id", id)
		}
		if id[14] != '4' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("newOrderID() = %q is not a version 4 / RFC 9562 variant UUID", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}

func TestValidOrderID(t *testing.T) {
	tests := map[string]bool{
		"3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b":  true,
		"3F2B8C1E-9D4A-4E6F-8A7B-1C2D3E4F5A6B":  false, // ids are issued lower-case
		"3f2b8c1e9d4a4e6f8a7b1c2d3e4f5a6b":      false,
		"3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6":   false,
		"3f2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6bb": false,
		"3f2b8c1e-9d4a-4e6f-8a7b_1c2d3e4f5a6b":  false,
		"zf2b8c1e-9d4a-4e6f-8a7b-1c2d3e4f5a6b":  false,
		"":                                      false,
	}
	for id, want := range tests {
		if got := validOrderID(id); got != want {
			t.Errorf("validOrderID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestSigningKeyIsRedacted(t *testing.T) {
	key := signingKey(testSecret)
	logger, logs := testLogger()
	logger.Info("accidental", "key", key, "keyPtr", &key)
	logger.Info("accidental group", slog.Group("g", "key", key))

	rendered := []string{
		logs.String(),
		fmt.Sprint(key), fmt.Sprintf("%v %+v %#v %s %q %x", key, key, key, key, key, key),
		fmt.Sprintf("%v", struct{ K signingKey }{key}),
		fmt.Sprintf("%+v", &struct{ K signingKey }{key}),
	}
	if b, err := json.Marshal(struct{ K signingKey }{key}); err != nil {
		t.Fatal(err)
	} else {
		rendered = append(rendered, string(b))
	}
	for _, r := range rendered {
		if strings.Contains(r, testSecret) || strings.Contains(strings.ToLower(r), fmt.Sprintf("%x", []byte(testSecret))) {
			t.Errorf("secret leaked in %q", r)
		}
	}
}

func TestSecretCache(t *testing.T) {
	t.Run("concurrent first calls share one fetch", func(t *testing.T) {
		var c secretCache
		var calls atomic.Int32
		release := make(chan struct{})
		fetch := func(context.Context) (signingKey, error) {
			calls.Add(1)
			<-release
			return signingKey("k"), nil
		}
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if k, err := c.get(context.Background(), fetch); err != nil || string(k) != "k" {
					t.Errorf("get = %q, %v", k, err)
				}
			}()
		}
		close(release)
		wg.Wait()
		if n := calls.Load(); n != 1 {
			t.Fatalf("fetch called %d times, want 1", n)
		}
	})

	t.Run("failures are not cached", func(t *testing.T) {
		var c secretCache
		var calls int
		fetch := func(context.Context) (signingKey, error) {
			calls++
			if calls == 1 {
				return nil, errors.New("boom")
			}
			return signingKey("k"), nil
		}
		if _, err := c.get(context.Background(), fetch); err == nil {
			t.Fatal("first get: want error")
		}
		for range 3 {
			if k, err := c.get(context.Background(), fetch); err != nil || string(k) != "k" {
				t.Fatalf("get = %q, %v", k, err)
			}
		}
		if calls != 2 {
			t.Fatalf("fetch called %d times, want 2", calls)
		}
	})

	t.Run("cancelled context does not fetch", func(t *testing.T) {
		var c secretCache
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.get(ctx, func(context.Context) (signingKey, error) {
			t.Fatal("fetch called with a cancelled context")
			return nil, nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestParseLogLevel(t *testing.T) {
	tests := map[string]slog.Level{
		"":      slog.LevelInfo,
		"INFO":  slog.LevelInfo,
		"debug": slog.LevelDebug,
		"TRACE": slog.LevelDebug,
		"WARN":  slog.LevelWarn,
		"ERROR": slog.LevelError,
		"FATAL": slog.LevelError,
		"bogus": slog.LevelInfo,
	}
	for in, want := range tests {
		if got := parseLogLevel(in); got != want {
			t.Errorf("parseLogLevel(%q) = %v, want %v", in, got, want)
		}
	}
}
