# The one Python environment (.venv) for the parts where the ecosystem demands Python
# (LLaMA-Factory, TRL, the official BFCL checker). Areas install their own pinned
# requirements into it with a stamp file: $(VENV)/.<area>-installed.
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==25.2

.PHONY: venv
venv: $(PY)
