// Command diagram draws one architecture diagram per environment from the
// cloud assembly (cdk.out), so the pictures cannot drift from what
// `cdk deploy` creates.
//
// Each diagram has a cluster per stack and, inside it, a sub-cluster per
// construct that owns drawn resources (by the aws:cdk:path of each
// resource). Only the resource types a reader needs are nodes (network,
// compute, data, edge, observability; see kinds); the rest are counted in a
// "+ N" note per construct. Edges: security-group rules (red, labelled with
// protocol and port; the internet is a node of its own), cross-stack
// references (dashed blue: Fn::GetStackOutput and Fn::ImportValue, from the
// consumer to the producer), alarm actions to the alarm topic (dashed
// orange), default routes of each subnet tier, and the API → function,
// load balancer → service and function → table/secret wiring.
//
// Usage:
//
//	go run ./cmd/diagram [-cdkout cdk.out] [-out docs/diagrams] [-render] [-check]
//
// It writes <out>/<env>.dot for every environment; with -render it also runs
// Graphviz (`dot`) to write <env>.svg and <env>.png. With -check it writes
// nothing and fails when a committed .dot differs from the regenerated one
// (CI's staleness check). The DOT output is deterministic (sorted).
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	cdkOut := flag.String("cdkout", "cdk.out", "the cloud assembly directory (make synth writes it)")
	outDir := flag.String("out", filepath.Join("docs", "diagrams"), "where to write <env>.dot/.svg/.png")
	render := flag.Bool("render", false, "also render SVG and PNG with Graphviz dot")
	check := flag.Bool("check", false, "write nothing; fail if a committed .dot is stale")
	flag.Parse()
	if err := run(*cdkOut, *outDir, *render, *check); err != nil {
		fmt.Fprintln(os.Stderr, "diagram:", err)
		os.Exit(1)
	}
}

func run(cdkOut, outDir string, render, check bool) error {
	start := time.Now()
	stacks, err := loadAssembly(cdkOut)
	if err != nil {
		return err
	}
	envs := environments(stacks)
	fmt.Printf("diagram: %d stacks in %d environments from %s\n", len(stacks), len(envs), cdkOut)
	var stale []string
	for _, env := range sortedKeys(envs) {
		src := []byte(generate(env, envs[env]))
		dotFile := filepath.Join(outDir, env+".dot")
		if check {
			old, err := os.ReadFile(dotFile)
			if err != nil || !bytes.Equal(old, src) {
				stale = append(stale, dotFile)
			}
			for _, format := range []string{"svg", "png"} {
				if _, err := os.Stat(filepath.Join(outDir, env+"."+format)); err != nil {
					stale = append(stale, filepath.Join(outDir, env+"."+format)+" (missing)")
				}
			}
			continue
		}
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dotFile, src, 0o644); err != nil {
			return err
		}
		fmt.Printf("diagram: %-8s %s\n", env, dotFile)
		if render {
			for _, format := range []string{"svg", "png"} {
				out := filepath.Join(outDir, env+"."+format)
				args := []string{"-T" + format, "-o", out, dotFile}
				if format == "png" {
					args = append([]string{"-Gdpi=110"}, args...)
				}
				if b, err := exec.Command("dot", args...).CombinedOutput(); err != nil {
					return fmt.Errorf("dot %v: %v: %s (install Graphviz: apt-get install graphviz)", args, err, b)
				}
				fmt.Printf("diagram: %-8s %s\n", env, out)
			}
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("stale diagrams %v: the cloud assembly changed; run `make diagram` and commit docs/diagrams", stale)
	}
	if check {
		fmt.Printf("diagram: %d committed diagrams match the cloud assembly\n", len(envs))
	}
	fmt.Printf("diagram: done in %.1fs\n", time.Since(start).Seconds())
	return nil
}

// generate returns the DOT source of one environment's diagram.
func generate(env string, stacks []*stack) string {
	if len(stacks) == 0 {
		panic(errors.New("generate: no stacks"))
	}
	title := fmt.Sprintf("%s (%s) — generated from cdk.out by make diagram", envTitle(stacks[0].Name), env)
	return newGraph(env, stacks).dot(title)
}

func envTitle(stackName string) string {
	return stackName[:len(stackName)-len(part(stackName))-1]
}
