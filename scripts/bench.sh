#!/usr/bin/env bash
# Times synth of every environment and the test suite, with warm caches: one
# untimed warm-up of each, then RUNS timed runs; prints each run and the median.
set -euo pipefail
RUNS=${RUNS:-3}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

time_it() { # label, command...
  local label=$1; shift
  "$@" >/dev/null 2>&1 # warm-up
  local times=()
  for _ in $(seq "$RUNS"); do
    local start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1
    times+=("$(awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.1f", e - s }')")
  done
  printf '%-34s %s s (median of %d: %s)\n' "$label" \
    "$(printf '%s\n' "${times[@]}" | median)" "$RUNS" "${times[*]}"
}

echo "groundwork bench — $(nproc) cores, $(node --version) (node), $(go version | cut -d' ' -f3)"
time_it "synth, all environments" bash -c 'rm -rf cdk.out && cdk synth --quiet --app bin/groundwork'
stacks=$(ls cdk.out/*.template.json | wc -l)
echo "  (${stacks} stacks synthesized)"
# Local bundling: the same synth with an empty Lambda bundle cache, so that
# every handler is rebuilt from source (the Go build cache stays warm).
time_it "synth, Lambda bundles rebuilt" bash -c \
  'rm -rf cdk.out && GROUNDWORK_LAMBDA_BUILD_CACHE=$(mktemp -d) cdk synth --quiet --app bin/groundwork'
# The test suite as make test runs it, with go test's result cache off.
time_it "make test (go test -count=1)" env GOFLAGS=-count=1 make --no-print-directory test
