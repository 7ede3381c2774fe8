# tarn — the two commands a new user needs: `make run` and `make test`.
GO      ?= go
BIN     := bin/tarn
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/tarnhq/tarn/internal/server.Version=$(VERSION)

.PHONY: run build test test-go test-race smoke fuzz bench bench-crawl crash vet fmt tidy clean

run: build ## Run tarn with embedded defaults (127.0.0.1:4566, ./tarn-data)
	./$(BIN) server

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/tarn

test: vet test-go smoke ## Everything CI runs

test-go:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l cmd internal)" || (echo "gofmt needed:"; gofmt -l cmd internal; exit 1)

smoke: build ## AWS CLI and boto3 against a real tarn process
	./scripts/smoke.sh

fuzz: ## Run each fuzz target briefly (FUZZTIME=30s)
	./scripts/fuzz.sh $(or $(FUZZTIME),20s)

bench: build ## tarn bench s3 and kinesis against fresh in-process servers (see docs/benchmarks.md)
	./$(BIN) bench s3
	./$(BIN) bench kinesis

# Writes GIBS GiB of Parquet to TARN_BENCH_DIR (default /tmp) per size, crawls it, deletes it.
bench-crawl: ## crawl 1 GiB and 10 GiB Parquet datasets: objects/s, bytes read, peak heap/RSS (not part of make test)
	./scripts/bench_crawl.sh $(or $(GIBS),1 10)

# The crash test also runs 2 rounds inside `go test ./...` (skipped with -short).
crash: build ## kill -9 crash-recovery soak, ROUNDS=20 (not part of make test)
	TARN_CRASH_BIN=$(CURDIR)/$(BIN) TARN_CRASH_ROUNDS=$(or $(ROUNDS),20) $(GO) test -count=1 -run TestCrash -tags crash -v ./test/crash/

fmt:
	gofmt -w cmd internal

tidy:
	$(GO) mod tidy

clean:
	rm -rf bin tarn-data
