# Planta: `make run` brings the platform up locally, `make test` runs every module's tests.
SHELL := /bin/bash
GO    ?= go
BIN   := bin
SERVICES := identity session inventory allocation admin web
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)

export PLANTA_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
export PLANTA_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PLANTA_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/planta?sslmode=disable

.PHONY: run test deps deps-test web-assets build bench fuzz fmt vet charts charts-update images clean

## run: migrate and start every service plus the local ingress on 127.0.0.1:8080 (Ctrl-C stops);
## PLANTA_INGRESS_ADDR=0.0.0.0:8080 exposes it to the network (dev mode: well-known passwords)
run: deps build
	@PLANTA_POSTGRES_URL="$(PLANTA_POSTGRES_URL)" $(BIN)/localrun -bin $(BIN) -routes deploy/routes.yaml

## test: every module's tests against real Postgres and Redis (race detector on all
## service and library code; the chart tests run without it: they only render templates,
## and Helm's dependency tree triples compile time under -race)
test: deps-test web-assets
	$(GO) vet work
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' ; git ls-files --others --exclude-standard '*.go')); \
		if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) test -race -count=1 -timeout 15m $$($(GO) list work | grep -v '/charts/')
	$(GO) test -count=1 -timeout 10m ./charts/...

## charts: render, lint, strictly decode, golden files, assertions, promtool rule tests
charts: deps-test web-assets
	$(GO) test -count=1 ./charts/...

## charts-update: after changing charts/ or deploy/{routes.yaml,prometheus,grafana}: refresh copies and golden files
charts-update:
	cd charts && $(GO) test -count=1 ./charttest -update && $(GO) test -count=1 ./charttest

IMAGE_REPO ?= planta
IMAGE_TAG  ?= $(VERSION)
## images: build every service image (needs a container builder; says so clearly when none)
images:
	@if ! docker info >/dev/null 2>&1; then \
	  echo "make images: no container builder (docker daemon unreachable); nothing built."; \
	  echo "  Build where Docker/BuildKit runs: 'skaffold build', or per service from the repo root:"; \
	  echo "  docker build -f services/<svc>/Dockerfile -t $(IMAGE_REPO)/<svc>:$(IMAGE_TAG) ."; exit 1; fi
	@for s in $(SERVICES); do docker build -f services/$$s/Dockerfile -t $(IMAGE_REPO)/$$s:$(IMAGE_TAG) . || exit 1; done

deps:
	@deploy/local/ensure-infra.sh

deps-test:
	@deploy/local/ensure-infra.sh test

## web-assets: the web frontend's locked npm packages, copied where go:embed finds them
web-assets:
	@$(MAKE) --no-print-directory -C services/web assets

build: web-assets
	@mkdir -p $(BIN)
	@for s in $(SERVICES); do $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/$$s ./services/$$s/cmd/$$s || exit 1; done
	@$(GO) build -o $(BIN)/localrun ./deploy/localrun

## bench: Go benchmarks of every module, then the load scripts (wrk, loopback only).
## Results are recorded by hand in docs/benchmarks.md with the machine and the baseline.
BENCHTIME ?= 1s
bench: deps-test build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count=1 -timeout 60m $$($(GO) list work | grep -v '/charts/')
	@command -v wrk >/dev/null || { apt-get -o DPkg::Lock::Timeout=600 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq wrk; }
	deploy/bench/session-validate.sh
	deploy/bench/identity-login.sh

## fuzz: long fuzzing runs (FUZZTIME=5m by default)
FUZZTIME ?= 5m
fuzz:
	@set -e; for f in $$(git grep -l '^func Fuzz' -- '*_test.go'); do \
		dir=$$(dirname $$f); \
		for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | cut -d' ' -f2); do \
			echo "fuzzing $$t in $$dir for $(FUZZTIME)"; \
			(cd $$dir && $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) .); \
		done; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	$(GO) vet work

clean:
	rm -rf $(BIN)
