#!/usr/bin/env bash
# make mutate: mutation testing with gremlins (pinned) over the packages where it
# runs in reasonable time. For each target it plants gremlins' mutants (a
# comparison moved by one, a condition negated, + turned into -, ...) one at a
# time in a copy of the code and runs that package's tests; a mutant the tests
# do not fail on LIVED — a regression nothing would catch.
#
# Golden templates do not count: GROUNDWORK_SKIP_GOLDEN=1 makes testkit.Golden
# skip, because a golden file fails on any change and a routine -update accepts
# it. A kill has to come from a test that names the behaviour.
#
# The construct packages' tests need jsii (20-60 s a run on 2 cores); their
# validation rules are mutated against the pure-Go tests only (RUN below): the
# bounds tests call Props.validate directly, no synthesis.
#
# Usage: scripts/mutate.sh [target-name ...]   (default: every target)
# Output: one line per package (killed, lived, not covered, timed out, score)
# and the overall score; the lived mutants are listed with their position.
# Score = killed / (killed + lived); not-covered mutants are reported beside it,
# and "strict" counts them as lived: killed / (killed + lived + not covered).
# gremlins marks a mutant not covered when Go's coverage profile has no block
# at its position, which includes the conditions of `switch { case ...: }`
# clauses: those are not run, whatever the tests do.
#
# MUTATE_FLAGS passes extra gremlins flags, e.g. MUTATE_FLAGS=--invert-logical
# to also turn && into || (more mutants, longer run).
set -euo pipefail

GREMLINS_VERSION=v0.6.0 # supports Go 1.26 (built with it); bump deliberately
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export GROUNDWORK_SKIP_GOLDEN=1

# target: name | package dir | files to mutate (space-separated; empty = all
# non-test files) | -run pattern for the tests (empty = all of the package's tests)
TARGETS=(
	"audit|audit|audit.go deploy.go exceptions.go names.go trust.go types.go|"
	"iamx|iamx||"
	"cost|internal/cost||"
	"orders|functions/processorder/orders||"
	"securebucket|constructs/securebucket|props.go|^TestBounds"
	"hardenedfunction|constructs/hardenedfunction|validate.go|^TestBounds"
	"fargateservice|constructs/fargateservice|validate.go props.go|^TestBounds"
	"threetiervpc|constructs/threetiervpc|props.go|^TestBounds"
	"config|stacks|config.go|^TestBounds|^TestValidate|^TestDefaultsMatchDesign|^TestPlaceholders"
)
# shellcheck disable=SC2206 # word splitting intended
extra=(${MUTATE_FLAGS:-})

bin="$ROOT/bin"
if [[ ! -x $bin/gremlins-$GREMLINS_VERSION ]]; then
	echo "mutate: installing gremlins $GREMLINS_VERSION ..."
	mkdir -p "$bin"
	GOBIN="$bin" go install "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
	mv "$bin/gremlins" "$bin/gremlins-$GREMLINS_VERSION"
fi
gremlins="$bin/gremlins-$GREMLINS_VERSION"

# gremlins copies the whole module per worker: work on a lean copy of the
# working tree (tracked and untracked, not ignored: no node_modules, no cdk.out).
work=$(mktemp -d "${TMPDIR:-/tmp}/groundwork-mutate.XXXXXX")
trap 'rm -rf "$work"' EXIT
git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$work" 2>/dev/null || true

want=("$@")
results="$work/.results"
mkdir -p "$results"
start=$(date +%s)
total_k=0 total_l=0 total_nc=0 total_to=0
summary=()
for t in "${TARGETS[@]}"; do
	IFS='|' read -r name dir files run <<<"$t"
	if ((${#want[@]})) && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
	excludes=()
	# gremlins walks the package directory: exclude its subpackages, and its
	# files not listed (paths are relative to the package directory)
	while IFS= read -r f; do
		if [[ $f != */* ]] && [[ -z $files || " $files " == *" $f "* ]]; then continue; fi
		excludes+=(-E "^$(sed 's/[.]/[.]/g' <<<"$f")\$")
	done < <(cd "$work/$dir" && find . -name '*.go' ! -name '*_test.go' | sed 's|^\./||')
	t0=$(date +%s)
	echo "mutate: $name ($dir${files:+: $files}${run:+; tests $run}) ..."
	(
		cd "$work/$dir"
		# No --test-cpu: gremlins v0.6.0 passes it as one argument ("-cpu 1"),
		# which the test binary rejects, so every mutant would count as killed.
		GOFLAGS="${run:+-run=$run}" nice -n 10 "$gremlins" unleash "$work/$dir" --workers 1 \
			--timeout-coefficient 4 "${extra[@]}" "${excludes[@]}" -o "$results/$name.json" -S l >"$results/$name.log" 2>&1
	) || { echo "mutate: gremlins failed on $name:"; tail -20 "$results/$name.log"; exit 1; }
	secs=$(($(date +%s) - t0))
	read -r k l nc to nv < <(python3 - "$results/$name.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = {"KILLED": 0, "LIVED": 0, "NOT COVERED": 0, "TIMED OUT": 0, "NOT VIABLE": 0}
for f in d.get("files", []):
    for m in f.get("mutations", []):
        c[m["status"]] = c.get(m["status"], 0) + 1
print(c["KILLED"], c["LIVED"], c["NOT COVERED"], c["TIMED OUT"], c["NOT VIABLE"])
EOF
)
	score=$(awk -v k="$k" -v l="$l" 'BEGIN { if (k + l) printf "%.1f", 100 * k / (k + l); else print "n/a" }')
	strict=$(awk -v k="$k" -v l="$l" -v n="$nc" 'BEGIN { if (k + l + n) printf "%.1f", 100 * k / (k + l + n); else print "n/a" }')
	line=$(printf '%-17s killed %3d  lived %3d  not covered %3d  timed out %2d  score %5s %%  strict %5s %%  (%ds)' \
		"$name" "$k" "$l" "$nc" "$to" "$score" "$strict" "$secs")
	summary+=("$line")
	echo "  $line"
	grep -E 'LIVED' "$results/$name.log" | sed 's/^/    /' || true
	total_k=$((total_k + k)) total_l=$((total_l + l)) total_nc=$((total_nc + nc)) total_to=$((total_to + to))
done

echo
echo "mutate: score per package (golden templates skipped; timed-out mutants are shown apart, in neither count)"
printf '  %s\n' "${summary[@]}"
overall=$(awk -v k="$total_k" -v l="$total_l" 'BEGIN { if (k + l) printf "%.1f", 100 * k / (k + l); else print "n/a" }')
strict=$(awk -v k="$total_k" -v l="$total_l" -v n="$total_nc" 'BEGIN { if (k + l + n) printf "%.1f", 100 * k / (k + l + n); else print "n/a" }')
printf '  %-17s killed %3d  lived %3d  not covered %3d  timed out %2d  score %5s %%  strict %5s %%  (%ds)\n' \
	overall "$total_k" "$total_l" "$total_nc" "$total_to" "$overall" "$strict" "$(($(date +%s) - start))"
