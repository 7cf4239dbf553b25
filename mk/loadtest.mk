# Load tester (issue 8). `make loadtest` runs a short matrix against `make start`'s gateway and
# its simulated pods; `make test` needs Debian's chromium for the report's screenshot test.
#   make loadtest [LOADTEST_MATRIX=loadtest/matrices/short.yaml] [LOADTEST_MODEL=M]
#                 [LOADTEST_PORT=0] [LOADTEST_OUT=tmp/loadtest/<time>] [LOADTEST_ARGS="--goodput ttft:300"]
CHROMIUM ?= /usr/bin/chromium
LOADTEST_MATRIX ?= loadtest/matrices/short.yaml
LOADTEST_PORT ?= 0
LOADTEST_OUT ?= tmp/loadtest/$(shell date -u +%Y%m%dT%H%M%SZ)
LOADTEST_MODEL ?=
LOADTEST_ARGS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: loadtest loadtest-deps

# Idempotent: the file target is skipped once chromium is installed. flock serialises apt with
# the other areas' installs in the same checkout.
$(CHROMIUM):
	flock /tmp/toolgate-apt.lock bash -c 'command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium; }'

# Prometheus (for the --prometheus test) is installed by mk/charts.mk's stamp when present.
loadtest-deps: $(CHROMIUM) $(if $(PROMETHEUS_STAMP),$(PROMETHEUS_STAMP))

test-deps: loadtest-deps

# Start the gateway (it starts two simulated vLLM pods when no upstream is configured) on
# loopback — on a port the OS picks unless LOADTEST_PORT says otherwise — take its URL from its
# own log once it is ready (await-gateway.ts: the process must be alive, so a gateway that could
# not listen fails the run instead of measuring whatever else answers), run the matrix, and stop
# the gateway however the run ends.
loadtest: build
	@set -euo pipefail; out="$(LOADTEST_OUT)"; mkdir -p "$$out"; \
	LOG_LEVEL=info node dist/gateway/src/cli/main.js serve --host 127.0.0.1 --port $(LOADTEST_PORT) >"$$out/gateway.log" 2>&1 & gw=$$!; \
	trap 'kill $$gw 2>/dev/null || true; wait $$gw 2>/dev/null || true' EXIT; \
	url=$$(node dist/loadtest/src/runner/await-gateway.js "$$out/gateway.log" $$gw) || { cat "$$out/gateway.log"; exit 1; }; \
	echo "load test against $$url (gateway pid $$gw)"; \
	node dist/gateway/src/cli/main.js loadtest --target "$$url" --matrix "$(LOADTEST_MATRIX)" --out "$$out" \
	  $(if $(LOADTEST_MODEL),--model "$(LOADTEST_MODEL)") $(LOADTEST_ARGS); \
	echo "load-test report: $$out/report.html (summary: $$out/summary.md)"
