# Toolgate — one entry point for humans and CI.
#   make start   install, build, and run the gateway in front of the built-in simulator
#   make test    install everything the tests need (npm, Debian services, Python .venv) and run them all
# Areas add their own targets in mk/*.mk: they hook into `test-deps` (things to install/start
# before the Node suite) and `test-extra` (suites that run after it).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export NODE_OPTIONS ?= --max-old-space-size=4096

NPM_STAMP := node_modules/.toolgate-installed

.PHONY: help install build start test test-deps typecheck lint test-node test-extra bench clean

help:
	@echo "make start   run the gateway (with two simulated vLLM pods) on :8080"
	@echo "make test    install and run every test"
	@echo "make bench   run the benchmarks (JSON in bench/results/)"
	@echo "make bench-peers  Toolgate against vllm-router, Portkey and LiteLLM in one run"
	@echo "make lint    Prettier check and ESLint (strict, import boundaries); make hadolint: the Dockerfiles"
	@echo "make docs    fill the generated blocks in docs/ and check every link"
	@echo "make loadtest / make edge-report / make train-sft: see docs/loadtest.md, docs/training.md"

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: $(NPM_STAMP)

build: install
	npm run build

# ARGS passes flags through, e.g. `make start ARGS="--config toolgate.yaml"`.
start: build
	node dist/gateway/src/cli/main.js serve $(ARGS)

test: test-deps typecheck lint test-node test-extra

# llama-cpp-start (mk/edge.mk) first: the one long compile runs while the installs download.
test-deps: llama-cpp-start install

typecheck: install
	npm run typecheck

# Prettier's check (TS/JS/JSON; `npm run format` fixes it), then ESLint: typescript-eslint's strict
# type-checked rules and the package boundaries (eslint.config.js).
lint: install
	npm run format:check
	npm run lint

# Built first: some suites run the built `toolgate` bin (dist/), as users do.
test-node: test-deps build
	npx vitest run

test-extra:

bench: build
	npm run bench

clean:
	rm -rf dist node_modules .venv

# python.mk first: other fragments name $(VENV) paths in targets, which make expands at parse time.
include mk/python.mk
include $(filter-out mk/python.mk,$(sort $(wildcard mk/*.mk)))
