# Simulator fidelity (issue 12): `make vllm-fixtures` records what vLLM 0.33's own parsing and
# serving code answers for every raw text of the tool-call corpus (whole and streamed), into
# loadtest/fidelity/fixtures/vllm-0.33.jsonl, which loadtest/test/sim/vllm-fidelity.test.ts replays
# against the simulator. `make test` only replays the committed file: no vLLM wheel in CI.
#   make vllm-fixtures [VLLM_CORPUS=gateway/test/fixtures/toolcall-corpus.jsonl] [VLLM_WHEEL=/path/vllm-0.33.0-*.whl]
# vLLM (336 MB from PyPI, or VLLM_WHEEL) and the modules its parsers import go into their own venv
# with --no-deps (loadtest/fidelity/requirements.txt), apart from the training/eval .venv; torch is
# not installed (loadtest/fidelity/vllm_shim.py).
VLLM_VENV := .venv-vllm
VLLM_PY := $(VLLM_VENV)/bin/python
VLLM_STAMP := $(VLLM_VENV)/.vllm-fidelity-installed
VLLM_WHEEL ?= vllm==0.33.0
VLLM_CORPUS ?= gateway/test/fixtures/toolcall-corpus.jsonl
VLLM_FIXTURES := loadtest/fidelity/fixtures/vllm-0.33.jsonl

$(VLLM_STAMP): loadtest/fidelity/requirements.txt
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.2
	$(VLLM_PY) -m pip install --quiet --disable-pip-version-check --no-deps "$(VLLM_WHEEL)" -r loadtest/fidelity/requirements.txt
	@touch $@

.PHONY: vllm-fixtures
vllm-fixtures: $(VLLM_STAMP) $(NPM_STAMP)
	@mkdir -p tmp
	npx tsx loadtest/fidelity/export-cases.ts $(VLLM_CORPUS) tmp/vllm-fidelity-cases.json
	$(VLLM_PY) loadtest/fidelity/generate_fixtures.py tmp/vllm-fidelity-cases.json $(VLLM_FIXTURES)

.PHONY: vllm-clean
vllm-clean:
	rm -rf $(VLLM_VENV)

clean: vllm-clean
