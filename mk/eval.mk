# eval (issue 7): the official BFCL checker + data from PyPI, used by eval/ tests to prove that the
# TypeScript checker agrees with it case by case, and by `toolgate eval --dataset bfcl:...`.
# Installed with --no-deps (see eval/requirements.txt); the stamp makes re-runs a no-op.
# mk/*.mk are included alphabetically, before python.mk defines these; same values.
VENV ?= .venv
PY ?= $(VENV)/bin/python
EVAL_STAMP := $(VENV)/.eval-installed

$(EVAL_STAMP): eval/requirements.txt | $(PY)
	flock $(VENV)/.pip.lock $(PY) -m pip install --quiet --no-deps --disable-pip-version-check -r eval/requirements.txt
	$(PY) eval/python/official_checker.py --self-test
	@touch $@

.PHONY: eval-deps
eval-deps: $(EVAL_STAMP)

test-deps: $(EVAL_STAMP)
