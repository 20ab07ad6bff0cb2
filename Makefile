# Groundwork — every target runs with the pinned Node.js and CDK CLI from
# node_modules/.bin first on PATH (jsii needs Node >= 22; the machine's may be older).
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
GO_FILES := $(shell git ls-files '*.go' 2>/dev/null)
# npm writes node_modules/.package-lock.json on every install: a stamp that is
# older than package-lock.json means node_modules is stale.
NODE_STAMP := node_modules/.package-lock.json

.PHONY: all synth validate test lint bench golden cost clean diagram diagram-check local examples mutate

all: test synth

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

bin/groundwork: $(GO_FILES) go.mod go.sum
	go build -o $@ .

## synth: every environment's templates into cdk.out/, then the cdk-nag summary.
synth: $(NODE_STAMP) bin/groundwork
	@echo "synth: cdk synth of every environment into cdk.out/ (about a minute on 2 cores), then the checks; started $$(date +%T) ..."
	rm -rf cdk.out
	cdk synth --quiet --app bin/groundwork
	go run ./cmd/groundwork-check -require-tags -require-boundary cdk.out

## validate: the guidance's validation loop over cdk.out — cfn-lint, the AWS Control
## Tower proactive controls (cfn-guard) and IAM policy validation against the Service
## Authorization Reference; a summary per stack, non-zero on any failure. It checks the
## templates of the last synth, and synthesizes first only when cdk.out has none.
validate: $(NODE_STAMP)
	@ls cdk.out/*.template.json >/dev/null 2>&1 || $(MAKE) synth
	go run ./cmd/validate cdk.out

## test: gofmt check, go vet, and the whole test suite.
test: $(NODE_STAMP)
	@unformatted=$$(gofmt -l $(GO_FILES)); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	go vet ./...
	CDK_VALIDATION=false go test $(TEST_PACKAGES)

# How make test (and make bench, which times it) runs go test:
#  - CDK_VALIDATION=false is CDK's documented switch for its built-in
#    CloudFormation validation (resource schemas and CDK's default rules),
#    whose WebAssembly validator costs each test binary about 1.1 s of Node.js
#    start-up plus a share of every synthesis. The stacks package registers the
#    validator itself on the Apps that make the deployed templates
#    (testkit.NewValidatedApp), so those are still checked; make synth and make
#    examples run it as cdk synth does, and make validate runs cfn-lint. The
#    construct packages' scenario Apps are not validated.
#  - The packages with the longest runs come first: go test starts the test
#    binaries in the order of its arguments, two at a time on 2 cores, and the
#    stacks package (a third of the suite) would otherwise start last.
TEST_PACKAGES := ./stacks ./constructs/hardenedfunction ./constructs/fargateservice ./...

## lint: staticcheck, pinned, through the Go module proxy.
lint:
	go run $(STATICCHECK) ./...

## cost: the fixed monthly cost of every synthesized stack (run make synth first).
cost:
	go run ./cmd/cost cdk.out

## golden: regenerate the golden templates after an intended change.
golden: $(NODE_STAMP)
	go test ./stacks/... -run Golden -update

## bench: wall time of synth (all environments) and of the test suite, warm caches.
bench: $(NODE_STAMP) bin/groundwork
	@scripts/bench.sh

## diagram: one architecture diagram per environment from cdk.out (synthesized
## first when missing): docs/diagrams/<env>.{dot,svg,png}. Needs Graphviz (dot).
diagram: cdk.out/manifest.json
	go run ./cmd/diagram -cdkout cdk.out -out docs/diagrams -render

## diagram-check: fail when the committed docs/diagrams/*.dot differ from cdk.out.
diagram-check: cdk.out/manifest.json
	go run ./cmd/diagram -cdkout cdk.out -out docs/diagrams -check

cdk.out/manifest.json:
	$(MAKE) synth

## local: the orders API on 127.0.0.1 against a local AWS emulator (moto), no
## AWS account; see README "See it and run it".
local:
	@scripts/local.sh

## examples: synthesize every app under examples/ with its own cdk.json (the
## feature flags of `cdk init app --language go`) into examples/<name>/cdk.out,
## then check each like a user would: cdk-nag reports and the invariant audit
## (cmd/groundwork-check), failing on any finding; prints each one's fixed cost.
examples: $(NODE_STAMP)
	@for dir in examples/*/; do \
	  name=$$(basename $$dir); \
	  echo "examples: $$name: cdk synth ..."; \
	  rm -rf $$dir/cdk.out; \
	  (cd $$dir && cdk synth --quiet >/dev/null) || exit 1; \
	  go run ./cmd/groundwork-check $$dir/cdk.out || exit 1; \
	  go run ./cmd/cost $$dir/cdk.out | grep "USD/month fixed"; \
	done

clean:
	rm -rf cdk.out bin

## mutate: mutation testing (gremlins, pinned) over audit, iamx, internal/cost, the
## orders handler, the constructs' validation rules and the stack config; prints
## the score per package and overall, golden templates excluded. Not part of
## make test: about 30 minutes on 2 cores. See CONTRIBUTING.md "Pinning a default".
mutate: $(NODE_STAMP)
	@scripts/mutate.sh
	@echo; echo "mutate: the regressions planted by hand (issue 16), replayed:"
	@scripts/mutate-examples.sh
