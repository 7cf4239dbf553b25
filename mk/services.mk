# services (issue 5): tests start their own redis-server on a free loopback port (no system
# service is used), so the binary must exist. Installed from Debian when missing; idempotent.
.PHONY: redis-server-installed
redis-server-installed:
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "installing redis-server (Debian)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }
	@redis-server --version | head -1

test-deps: redis-server-installed
