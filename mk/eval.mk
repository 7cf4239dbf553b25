# eval (issues 7, 17): the official BFCL package from PyPI — data, AST checker, multi-turn and memory
# backends, eval runner — used by `toolgate eval --dataset bfcl:...` and by the eval/ tests that
# hold the TypeScript side to BFCL's own code case by case. Installed with --no-deps (see
# eval/requirements.txt); the stamp makes re-runs a no-op.
# mk/*.mk are included alphabetically, before python.mk defines these; same values.
VENV ?= .venv
PY ?= $(VENV)/bin/python
EVAL_STAMP := $(VENV)/.eval-installed

$(EVAL_STAMP): eval/requirements.txt | $(PY)
	flock $(VENV)/.pip.lock $(PY) -m pip install --quiet --no-deps --disable-pip-version-check -r eval/requirements.txt
	$(PY) eval/python/official_checker.py --self-test
	$(PY) eval/python/bfcl_sidecar.py --self-test
	@touch $@

.PHONY: eval-deps
eval-deps: $(EVAL_STAMP)

# The eval CLI tests run the built `toolgate` bin (dist/), as users do; build it before the suite
# (eval/test/helpers/built-bin.ts also rebuilds a stale dist/ when tests run on their own).
test-deps: $(EVAL_STAMP) build
