#!/usr/bin/env bash
# The regressions issue 16 planted by hand, each replayed in a copy of the
# code: the named test must pass on the code as it is and fail on the mutant.
# gremlins (scripts/mutate.sh) covers operators; these are literal changes it
# does not make (a price, an action, a policy kind, a condition). Golden
# templates are skipped, as in make mutate.
#
# Usage: scripts/mutate-examples.sh    (about 3 minutes on 2 cores)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
export GROUNDWORK_SKIP_GOLDEN=1

work=$(mktemp -d "${TMPDIR:-/tmp}/groundwork-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$work" 2>/dev/null || true

# name | file | sed expression (the mutant) | package | tests
EXAMPLES=(
	"Standard-IA transition at 29 days let through|constructs/securebucket/props.go|s/raw.TransitionToInfrequentAccessDays < 30 {/raw.TransitionToInfrequentAccessDays < 29 {/|./constructs/securebucket|^TestBounds"
	"audit: topic policies dropped from the resource-policy kinds|audit/audit.go|s/case \"AWS::S3::BucketPolicy\", \"AWS::SQS::QueuePolicy\", \"AWS::SNS::TopicPolicy\":/case \"AWS::S3::BucketPolicy\", \"AWS::SQS::QueuePolicy\":/|./audit|^TestPolicyRulesCoverEveryPolicyKind\$"
	"audit: Resource * allowed in resource policies|audit/audit.go|s/if kind != docKey \&\& kind != docTrust \&\& hasBareStar/if kind == docIdentity \&\& hasBareStar/|./audit|^TestPolicyRulesCoverEveryPolicyKind\$"
	"audit: an internet-open port range on an ALB (443-8443)|audit/audit.go|s/r\[\"IpProtocol\"\] == \"tcp\" \&\& from == to \&\&/r[\"IpProtocol\"] == \"tcp\" \&\& to == to \&\&/|./audit|^TestOpenIngressShapes\$"
	"cost: eu-west-1 ALB hourly price wrong|internal/cost/cost.go|s/ALBHour: 0.0252,/ALBHour: 0.0225,/|./internal/cost|^TestPriceTablesMatchTheirSource\$|^TestReportFollowsEachRegionsTable\$"
	"boundary: iam:* dropped from the explicit deny|internal/boundary/boundary.go|s/\"iam:\*\", \"organizations:\*\"/\"organizations:*\"/|./internal/boundary|^TestBoundaryStatements\$"
	"boundary: aws:ResourceAccount pin dropped from S3 object actions|internal/boundary/boundary.go|s/\"aws:ResourceAccount\": \*stack.Account()/\"aws:PrincipalAccount\": *stack.Account()/|./internal/boundary|^TestBoundaryStatements\$"
	"boundary: iam:* dropped, over every stack|internal/boundary/boundary.go|s/\"iam:\*\", \"organizations:\*\"/\"organizations:*\"/|./stacks|^TestBoundaryProtectiveStatements\$"
)

fails=0
for e in "${EXAMPLES[@]}"; do
	IFS='|' read -r name file expr pkg run <<<"$e"
	printf '%-62s ' "$name"
	orig=$(cat "$work/$file")
	if ! (cd "$work" && go test -count=1 -run "$run" "$pkg" >/dev/null 2>&1); then
		echo "BROKEN: the test fails on the code as it is"
		fails=$((fails + 1))
		continue
	fi
	sed -i "$expr" "$work/$file"
	if [[ $(cat "$work/$file") == "$orig" ]]; then
		echo "STALE: the mutant no longer applies to $file (update the sed expression)"
		fails=$((fails + 1))
		continue
	fi
	if (cd "$work" && go test -count=1 -run "$run" "$pkg" >/dev/null 2>&1); then
		echo "MISSED: $run passes on the mutant"
		fails=$((fails + 1))
	else
		echo "caught by $run"
	fi
	printf '%s\n' "$orig" >"$work/$file"
done
exit $((fails > 0))
