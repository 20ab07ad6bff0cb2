package testkit

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/ with the current output")

// assetHash matches CDK asset hashes (hex SHA-256), which change with any byte
// of an asset and are normalised out of golden files.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

// Normalize re-indents a template with sorted keys and replaces asset hashes
// with "<asset-hash>", so that golden files only change when the template does.
func Normalize(template map[string]any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(template); err != nil {
		panic(err)
	}
	return assetHash.ReplaceAll(b.Bytes(), []byte("<asset-hash>"))
}

// SkipGoldenEnv is the environment variable that makes Golden skip its test
// when set to 1. make mutate sets it: a golden template catches any change, so a
// mutant killed only by a golden file says nothing about which behaviour is
// pinned — and a routine -update would have accepted it.
const SkipGoldenEnv = "GROUNDWORK_SKIP_GOLDEN"

// Golden compares got with testdata/<name>, or rewrites the file when the
// test runs with -update. On a mismatch it reports the first differing line.
// It skips the test when GROUNDWORK_SKIP_GOLDEN=1 (see SkipGoldenEnv).
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	if os.Getenv(SkipGoldenEnv) == "1" && !*update {
		t.Skipf("%s=1: golden templates do not count as pinning a behaviour", SkipGoldenEnv)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("%s differs from the synthesized template at line %d:\n  golden: %s\n  got:    %s\n"+
				"Review the change; if it is intended, run go test ./... -update and commit testdata/.", path, i+1, w, g)
			return
		}
	}
}
