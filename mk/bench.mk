# Side-by-side benchmark (issue 15): `npm run bench:peers` measures Toolgate next to its peers.
# Installs, each idempotent and stamped so re-runs are no-ops:
#   wrk            Debian's package (the load generator)
#   vllm-router,   pinned in bench/peers/requirements.txt (+ .lock.txt for everything they pull),
#   LiteLLM proxy  into the project's .venv
#   Portkey        @portkey-ai/gateway from npm into a scratch folder, .tools/portkey-<version>
# Not part of `make test`: only the benchmark needs them.
VENV ?= .venv
PY ?= $(VENV)/bin/python
PEERS_STAMP := $(VENV)/.peers-installed
PORTKEY_VERSION := 1.15.2
PORTKEY_DIR := .tools/portkey-$(PORTKEY_VERSION)
PORTKEY_STAMP := $(PORTKEY_DIR)/.installed

.PHONY: bench-peers-deps bench-peers wrk-installed

wrk-installed:
	@command -v wrk >/dev/null 2>&1 || flock /tmp/toolgate-apt.lock bash -c 'command -v wrk >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null; }'

$(PEERS_STAMP): bench/peers/requirements.txt bench/peers/requirements.lock.txt | $(PY)
	flock $(VENV)/.pip.lock $(PY) -m pip install --quiet --disable-pip-version-check -r bench/peers/requirements.txt -c bench/peers/requirements.lock.txt
	@touch $@

$(PORTKEY_STAMP):
	mkdir -p $(PORTKEY_DIR)
	cd $(PORTKEY_DIR) && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --save-exact @portkey-ai/gateway@$(PORTKEY_VERSION) >/dev/null
	@touch $@

bench-peers-deps: wrk-installed $(PEERS_STAMP) $(PORTKEY_STAMP)

bench-peers: build bench-peers-deps
	npx tsx bench/peers.ts
