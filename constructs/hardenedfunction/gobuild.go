package hardenedfunction

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"

	"github.com/groundwork-cdk/groundwork/validate"
)

// The build the construct runs for Entry. The flags are part of the asset
// hash, so changing any of them redeploys every function.
var (
	// buildEnv targets Lambda's arm64 provided.al2023 runtime with a static
	// binary. GOWORK=off builds the module that holds the package exactly as
	// its go.mod and go.sum pin it, whatever go.work the caller has.
	buildEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOWORK=off"}
	// buildTags drops aws-lambda-go's legacy RPC mode, which provided.al2023
	// never uses.
	buildTags = "lambda.norpc"
	// buildFlags make the binary small (-s -w) and independent of where it
	// was built (-trimpath, no VCS stamp, which would also make a dirty
	// worktree change the binary without changing the sources).
	buildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}
)

// compilerLines is how many lines of compiler output a validation error quotes.
const compilerLines = 8

// goPackage is a resolved Entry: a package main inside a Go module.
type goPackage struct {
	entry      string // as the user wrote it
	moduleRoot string // absolute directory holding go.mod
	dir        string // absolute package directory
	pattern    string // "./rel/path", relative to moduleRoot
	hash       string // hex SHA-256 over everything the build reads
	binary     string // path of the built bootstrap in the build cache
}

// resolveEntry maps Entry to a package directory inside a module. A relative
// Entry is relative to the module root above the working directory; an
// absolute one may live in any module.
func resolveEntry(entry string) (*goPackage, error) {
	fail := func(rule, fix string) error { return validate.Fail("Entry", entry, rule, fix) }
	var root, dir string
	if filepath.IsAbs(entry) {
		dir = filepath.Clean(entry)
		var err error
		if root, err = findModuleRoot(dir); err != nil {
			return nil, fail(fmt.Sprintf("no go.mod in %s or any parent directory", dir),
				"point Entry at a package main inside a Go module")
		}
	} else {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fail("cannot read the working directory: "+err.Error(), "run synth from inside the module")
		}
		if root, err = findModuleRoot(wd); err != nil {
			return nil, fail(fmt.Sprintf("a relative Entry is relative to the module root, but there is no go.mod in %s or any parent directory", wd),
				"run synth from inside the Go module, or give Entry as an absolute path")
		}
		dir = filepath.Join(root, entry)
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, fail(fmt.Sprintf("the package must be inside the module rooted at %s", root),
			`give the package path relative to the module root, e.g. "./functions/processorder"`)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fail(fmt.Sprintf("there is no directory %s (Entry is relative to the module root %s)", dir, root),
			`give the directory of a package main, e.g. "./functions/processorder"`)
	}
	return &goPackage{entry: entry, moduleRoot: root, dir: dir, pattern: "./" + filepath.ToSlash(rel)}, nil
}

func findModuleRoot(dir string) (string, error) {
	for {
		if fi, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil && !fi.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod")
		}
		dir = parent
	}
}

// listedPackage is the part of `go list -json` output the hash needs.
type listedPackage struct {
	ImportPath string
	Dir        string
	Name       string
	Standard   bool
	GoFiles    []string
	SFiles     []string
	EmbedFiles []string
	SysoFiles  []string
	Module     *struct {
		Path    string
		Main    bool
		Replace *struct {
			Path    string
			Version string
		}
	}
}

// fromModuleOrLocalReplace reports whether p's sources can change without a
// go.mod/go.sum change: the main module's own packages and modules replaced
// by a local directory. Everything else is pinned by go.sum.
func (p *listedPackage) fromModuleOrLocalReplace() bool {
	if p.Standard || p.Module == nil {
		return false
	}
	return p.Module.Main || (p.Module.Replace != nil && p.Module.Replace.Version == "")
}

// prepare lists the package and its dependencies, hashes every input of the
// build, and builds the binary into the build cache unless it is there. A
// package that does not exist, is not package main or does not compile is
// reported as a validation problem on Entry, quoting the go tool.
func (g *goPackage) prepare() error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return validate.Fail("Entry", g.entry, "the construct builds Go functions with the local Go toolchain, but there is no go on PATH",
			"install Go (the version in go.mod) and put it on PATH")
	}
	out, err := g.run(goTool, append([]string{"list", "-deps", "-tags", buildTags,
		"-json=ImportPath,Dir,Name,Standard,GoFiles,SFiles,EmbedFiles,SysoFiles,Module"}, g.pattern)...)
	if err != nil {
		return g.compileError("go list", out)
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("hardenedfunction: reading go list output: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	// -deps lists the named package last.
	if len(pkgs) == 0 || pkgs[len(pkgs)-1].Name != "main" {
		name := "?"
		if len(pkgs) > 0 {
			name = pkgs[len(pkgs)-1].Name
		}
		return validate.Fail("Entry", g.entry, fmt.Sprintf("a Lambda bootstrap is built from a package main, but %s is package %s", g.pattern, name),
			"point Entry at the handler's package main (the one that calls lambda.Start)")
	}
	if g.hash, err = g.sourceHash(goTool, pkgs); err != nil {
		return err
	}
	g.binary = filepath.Join(buildCacheDir(), g.hash, "bootstrap")
	return g.build(goTool)
}

// sourceHash hashes what the build reads: the toolchain version, the build
// command, go.mod and go.sum (which pin every external module), and every
// source file of the module's own packages (and locally replaced modules)
// that the package imports, for linux/arm64.
func (g *goPackage) sourceHash(goTool string, pkgs []listedPackage) (string, error) {
	h := sha256.New()
	version, err := goVersion(goTool, g.moduleRoot)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "groundwork/hardenedfunction v1\n%s\n%q\n%q\n%q\n", version, buildEnv, buildTags, buildFlags)
	// Settings from the caller's environment that change the binary.
	for _, v := range []string{"GOFLAGS", "GOARM64", "GOEXPERIMENT"} {
		fmt.Fprintf(h, "%s=%q\n", v, os.Getenv(v))
	}
	for _, name := range []string{"go.mod", "go.sum"} {
		if err := hashFile(h, name, filepath.Join(g.moduleRoot, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ImportPath < pkgs[j].ImportPath })
	for _, p := range pkgs {
		if !p.fromModuleOrLocalReplace() {
			continue
		}
		var files []string
		for _, list := range [][]string{p.GoFiles, p.SFiles, p.EmbedFiles, p.SysoFiles} {
			files = append(files, list...)
		}
		sort.Strings(files)
		for _, f := range files {
			if err := hashFile(h, p.ImportPath+"/"+f, filepath.Join(p.Dir, f)); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashFile(h io.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// Name and length first, so that file boundaries are unambiguous.
	fmt.Fprintf(h, "%s\x00%d\x00", name, fi.Size())
	_, err = io.Copy(h, f)
	return err
}

var goVersions sync.Map // module root → `go env GOVERSION`

// goVersion is the version of the toolchain that builds in root (a go.mod
// toolchain line can select another one than the go on PATH).
func goVersion(goTool, root string) (string, error) {
	if v, ok := goVersions.Load(root); ok {
		return v.(string), nil
	}
	cmd := exec.Command(goTool, "env", "GOVERSION")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), buildEnv...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("hardenedfunction: go env GOVERSION in %s: %w", root, err)
	}
	v := strings.TrimSpace(string(out))
	goVersions.Store(root, v)
	return v, nil
}

// build compiles the package into the build cache, unless a binary built
// from the same inputs is already there. It writes to a temporary file and
// renames it, so that concurrent synths never see half a binary.
func (g *goPackage) build(goTool string) error {
	if fi, err := os.Stat(g.binary); err == nil && fi.Mode().IsRegular() {
		return nil
	}
	dir := filepath.Dir(g.binary)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("hardenedfunction: build cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "bootstrap-*")
	if err != nil {
		return fmt.Errorf("hardenedfunction: build cache: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	args := append([]string{"build", "-tags", buildTags}, buildFlags...)
	args = append(args, "-o", tmp.Name(), g.pattern)
	if out, err := g.run(goTool, args...); err != nil {
		return g.compileError("go build", out)
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), g.binary)
}

func (g *goPackage) run(goTool string, args ...string) ([]byte, error) {
	cmd := exec.Command(goTool, args...)
	cmd.Dir = g.moduleRoot
	cmd.Env = append(os.Environ(), buildEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if stderr.Len() == 0 {
			stderr.WriteString(err.Error())
		}
		return stderr.Bytes(), err
	}
	return stdout.Bytes(), nil
}

// compileError quotes the first lines of the go tool's output.
func (g *goPackage) compileError(step string, output []byte) error {
	lines := strings.Split(strings.TrimSpace(string(output)), "\n")
	if len(lines) > compilerLines {
		lines = append(lines[:compilerLines], fmt.Sprintf("... (%d more lines)", len(lines)-compilerLines))
	}
	return validate.Fail("Entry", g.entry,
		fmt.Sprintf("the Go package %s does not build for linux/arm64 (%s in %s):\n      %s",
			g.pattern, step, g.moduleRoot, strings.Join(lines, "\n      ")),
		fmt.Sprintf("fix the errors above; reproduce with: cd %s && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags %s %s",
			g.moduleRoot, buildTags, g.pattern))
}

// BuildCacheEnv names the environment variable that overrides the directory
// of built binaries (default: <user cache dir>/groundwork/hardenedfunction).
const BuildCacheEnv = "GROUNDWORK_LAMBDA_BUILD_CACHE"

// buildCacheDir holds built binaries by input hash, so that repeated synths
// (and several stacks using one handler) build once.
func buildCacheDir() string {
	if dir := os.Getenv(BuildCacheEnv); dir != "" {
		return dir
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "groundwork", "hardenedfunction")
}

// code is the Lambda asset for the package: the bootstrap binary, hashed by
// its inputs (AssetHashType CUSTOM), bundled locally — never with Docker.
func (g *goPackage) code() awslambda.Code {
	return awslambda.Code_FromAsset(jsii.String(g.dir), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		AssetHash:     jsii.String(g.hash),
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: Local always succeeds or panics with the reason.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("none")),
			Local: &goBuilder{pkg: g},
		},
	})
}

// goBuilder is the asset's local bundler. jsii needs a pointer with pointer
// receivers (a value makes it panic with "reflect.Value.Addr of unaddressable
// value").
type goBuilder struct {
	pkg *goPackage
}

// TryBundle copies the binary built at construction into the asset directory
// as "bootstrap". It rebuilds if the build cache was emptied in between.
func (b *goBuilder) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := b.bundle(*outputDir); err != nil {
		panic(fmt.Sprintf("hardenedfunction: bundling %s: %v", b.pkg.entry, err))
	}
	return jsii.Bool(true)
}

func (b *goBuilder) bundle(outputDir string) error {
	if _, err := os.Stat(b.pkg.binary); err != nil {
		goTool, err := exec.LookPath("go")
		if err != nil {
			return err
		}
		if err := b.pkg.build(goTool); err != nil {
			return err
		}
	}
	src, err := os.Open(b.pkg.binary)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(filepath.Join(outputDir, "bootstrap"), os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
