# Exam Reg Processes service. `make run` and `make test` do all set-up on a
# fresh machine that has Go, a Python 3 that can create a virtual environment
# and, for the OpenAPI linters, Node.js: see cmd/devsetup.

SHELL := /bin/bash
GO ?= go
PYTHON ?= python3
TABLE_NAME ?= examreg
PORT ?= 3000
TENANT ?= demo
SUB ?= dev-user
export TABLE_NAME PORT
# make docs: where the page's Try it out sends requests, and where it goes.
API_URL ?=
DOCS_DIR ?= bin/docs

FUNCTIONS := create list get update patch delete eligible batch history historyversion compare restore snapshottake snapshotlist snapshotget snapshotdelete snapshotapply historywriter
# Lambda build flags: no RPC mode (provided.al2023 talks the Runtime API),
# reproducible and small binaries.
LAMBDA_FLAGS := -tags lambda.norpc,nethttpomithttp2 -trimpath -ldflags "-s -w -buildid="
LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
# The Lambda Runtime Interface Emulator, at the version go.mod's tool
# directive pins, built where the emulator tests find it.
RIE := $(CURDIR)/bin/aws-lambda-rie
RIE_PACKAGE := github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie
export AWS_LAMBDA_RIE := $(RIE)

FUZZTIME ?= 60s
SOAK_DURATION ?= 5m
FUZZ_TARGETS := pkg/jsondoc:FuzzParse pkg/jsondoc:FuzzPatchApply pkg/examreg:FuzzDecodeProcess pkg/examreg:FuzzApplyPatch pkg/examreg:FuzzParseFields pkg/api:FuzzDecodePageKey

# bin/devsetup checks Go against go.mod and what a target needs, names
# everything missing at once, installs what it can (moto and cfn-lint into
# .venv when PYTHON lacks them, the OpenAPI linters into node_modules), and
# then runs the command after `--` with MOTO_PYTHON set and cfn-lint on PATH.
DEVSETUP = bin/devsetup -go '$(GO)' -python '$(PYTHON)'
WITH_PYTHON_TOOLS = $(DEVSETUP) python-tools --

# staticcheck at the version go.mod's tool directive pins.
STATICCHECK := $(GO) tool staticcheck
# Packages whose staticcheck findings are shown without failing the build,
# for a change in progress (none now): make lint STATICCHECK_ADVISORY=./pkg/x/...
STATICCHECK_ADVISORY :=
STATICCHECK_PACKAGES = $(filter-out $(if $(STATICCHECK_ADVISORY),$(shell $(GO) list $(STATICCHECK_ADVISORY))),$(shell $(GO) list ./...))

.PHONY: help run token test unit lint build clean fuzz soak bench docs

help:
	@echo "make run                  the API on http://127.0.0.1:$(PORT) (moto started for you, demo data, dev token); Ctrl-C stops it"
	@echo "make token TENANT=<id>    a dev token for the local server [SUB=<user>]"
	@echo "make docs API_URL=<url>   the API reference page of /docs as static files in $(DOCS_DIR)/, for the API at <url>"
	@echo "make test                 lint, then unit, integration (moto), Lambda emulator and template tests, with -race"
	@echo "make unit                 only the tests that need no DynamoDB engine nor emulator (go test -race -short)"
	@echo "make lint                 gofmt, go vet, go mod tidy -diff, staticcheck, and the OpenAPI linters (Node.js)"
	@echo "make build                arm64 bootstrap of every function in bin/lambda/<op>/"
	@echo "make build-<Op>Function   one function, as sam build runs it (ARTIFACTS_DIR=<dir>)"
	@echo "make fuzz [FUZZTIME=60s]  every fuzz target"
	@echo "make soak [SOAK_DURATION=5m]  a long mixed concurrent workload"
	@echo "make bench                measurements, written to BENCHMARKS.md with charts in docs/bench/"
	@echo "make clean                remove bin/ and .aws-sam/ (not .venv/ nor node_modules/)"
	@echo "PYTHON=/path/to/python3   the Python to find moto and cfn-lint in, or to create .venv with (default python3)"

# The server is built, then run by exec: Ctrl-C reaches it, not a `go run`,
# and it stops moto, says "stopped" and exits 0 (see cmd/localapi).
run: bin/devsetup
	@$(DEVSETUP) python-tools docs-page
	@echo "building the local server (the first build takes a minute or two)"
	@$(GO) build -o bin/localapi ./cmd/localapi
	@exec $(WITH_PYTHON_TOOLS) bin/localapi

token:
	@$(GO) run ./cmd/devtoken -tenant "$(TENANT)" -sub "$(SUB)"

# The page /docs serves (Swagger UI from node_modules), for publishing.
docs: bin/devsetup
	@$(DEVSETUP) docs-page
	@$(GO) run ./cmd/apidocs -api-url "$(API_URL)" -out "$(DOCS_DIR)"

# Everything test needs is checked first, so that all that is missing is
# named before anything slow runs. The handler benchmarks run once each (so
# a broken benchmark fails the build), then every package's tests under the
# race detector (the batch workers, the stream poller and the retriers are
# concurrent). gotestsum (pinned in go.mod) prints each package as it
# finishes and the output of any failed test, and ends with one line:
# "DONE N tests[, N skipped][, N failures] in Ns". The benchmarks stay out
# of it: gotestsum counts a benchmark that passed as failed (its issue 332).
GOTESTSUM := $(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg
test: bin/devsetup
	@$(DEVSETUP) python-tools openapi-linters
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory -s $(RIE)
	$(WITH_PYTHON_TOOLS) cfn-lint template.yaml
	$(GO) test -short -run '^$$' -bench . -benchtime 1x ./pkg/api
	@echo "go test -race ./... (a few minutes; a line per package as it finishes)"
	@$(WITH_PYTHON_TOOLS) $(GOTESTSUM) -- -race -count=1 ./...

# Fast tests only: no DynamoDB engine, no emulator.
unit:
	@$(GOTESTSUM) -- -race -short ./...

# The OpenAPI linters are skipped, with a line saying so, where npm is
# missing, unless OPENAPI_LINT=required (as in .ci/run).
lint: bin/devsetup
	@$(DEVSETUP)
	@test -z "$$(gofmt -l .)" || { echo "not gofmt-clean:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff
	@echo "$(STATICCHECK) ./...$(if $(STATICCHECK_ADVISORY), except $(STATICCHECK_ADVISORY))"
	@$(STATICCHECK) $(STATICCHECK_PACKAGES)
	$(if $(STATICCHECK_ADVISORY),@$(STATICCHECK) $(STATICCHECK_ADVISORY) || echo "staticcheck: the findings above are in packages being rewritten (STATICCHECK_ADVISORY); they do not fail the build yet")
	$(DEVSETUP) openapi-linters -- npm run --silent lint:openapi

# Each fuzz target for FUZZTIME (default 60s), from its seed corpus in testdata/fuzz.
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  echo "== $${t#*:} for $(FUZZTIME)"; \
	  $(GO) test -run='^$$' -fuzz="^$${t#*:}\$$" -fuzztime=$(FUZZTIME) ./$${t%%:*}; \
	done

# The mixed concurrent workload for SOAK_DURATION (default 5m) against moto.
soak: bin/devsetup
	SOAK_DURATION=$(SOAK_DURATION) $(WITH_PYTHON_TOOLS) $(GO) test -count=1 -run '^TestSoak$$' -timeout 0 -v ./pkg/api

# Every measurement of BENCHMARKS.md and its charts in docs/bench/, in one
# run (a few minutes on 2 cores). The handler benchmarks run 6 times over,
# the whole suite each time (rather than -count 6, which repeats each
# benchmark in a row), so that every operation runs beside its floor under
# the same load; cmd/bench summarises them with benchstat. The timings are
# left in bin/bench-results.txt for `go tool benchstat` to compare runs.
bench: bin/devsetup $(RIE)
	set -o pipefail; for run in 1 2 3 4 5 6; do \
	  $(GO) test -short -run '^$$' -bench . -benchmem -benchtime 2000x ./pkg/api || exit 1; \
	done | tee bin/bench-handlers.txt
	$(WITH_PYTHON_TOOLS) $(GO) run ./cmd/bench -handlers bin/bench-handlers.txt -out BENCHMARKS.md -charts docs/bench -results bin/bench-results.txt

build: $(addprefix bin/lambda/,$(addsuffix /bootstrap,$(FUNCTIONS)))

bin/lambda/%/bootstrap: FORCE
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $@ ./functions/$*

# `sam build` (BuildMethod: makefile) runs build-<LogicalId> with ARTIFACTS_DIR
# set: CreateFunction builds ./functions/create, and so on.
build-%Function:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o "$(ARTIFACTS_DIR)/bootstrap" ./functions/$(shell echo '$*' | tr A-Z a-z)

# The AWS Lambda Runtime Interface Emulator, for the end-to-end tests: the
# tool go.mod pins, built again when go.mod or go.sum changes.
$(RIE): go.mod go.sum
	@echo "building the Lambda Runtime Interface Emulator into bin/ (the version go.mod pins)"
	@$(GO) build -o $@ $(RIE_PACKAGE)

# Built in GOPATH mode, which ignores go.mod's go line: a Go older than
# go.mod asks for still builds it, and it says so.
bin/devsetup: $(filter-out %_test.go,$(wildcard cmd/devsetup/*.go))
	@command -v $(GO) >/dev/null || { echo "Go is missing: install Go $$(sed -n 's/^go //p' go.mod) or newer from https://go.dev/dl/"; exit 1; }
	@GO111MODULE=off GOFLAGS= $(GO) build -o $@ ./cmd/devsetup

clean:
	rm -rf bin .aws-sam

FORCE:
