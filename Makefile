# instructd — see README.md. `make run` and `make test` are the two entry points.
SHELL := /bin/bash
GO ?= go
BIN := bin/instructd
# hnswlib is header-only C++; the shim is built with -O3 (see index/hnswlib_shim.cc).
export CGO_ENABLED := 1
export INSTRUCTD_ORT_LIB ?= $(CURDIR)/.deps/onnxruntime/libonnxruntime.so.1
ADDR ?= 127.0.0.1:8080
DATA ?= $(CURDIR)/data
DEFAULT_PACK ?= BAAI/bge-small-en-v1.5

.PHONY: setup build run test test-short vet fmt bench bench-embed bench-ann bench-serve bench-eval clean

setup:
	bash scripts/setup.sh

VERSION ?= $(shell git describe --tags --always 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
build: setup
	$(GO) build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o $(BIN) ./cmd/instructd

# Pull the default real pack; where Hugging Face is unreachable fall back to the
# generated test pack (serve prints a loud warning: its vectors carry no meaning).
run: build
	bash scripts/run.sh "$(DEFAULT_PACK)" "$(ADDR)" "$(DATA)"

test: setup
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags hftokenizers ./...
	CGO_ENABLED=0 $(GO) build ./api/client/... ./wire/...
	bash scripts/check-docker.sh
	$(GO) test -race -timeout 40m ./...

test-short:
	$(GO) test -short ./...

bench: setup bench-embed bench-ann bench-serve bench-eval

bench-embed:
	bash scripts/bench-embed.sh

bench-ann:
	bash scripts/bench-ann.sh

bench-serve:
	bash scripts/bench-serve.sh

bench-eval:
	bash scripts/bench-eval.sh

clean:
	rm -rf bin .deps/onnxruntime models/test-minilm models/test-tiny testdata/generated
