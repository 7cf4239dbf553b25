"""Import-time setup shared by every script that imports the installed `bfcl-eval` package.

Import this module before anything from `bfcl_eval`:

1. `bfcl_eval.constants.eval_config` creates `result/`, `score/` and `.file_locks/` under
   `BFCL_PROJECT_ROOT` (default: the venv's site-packages) as a side effect of being imported.
   We point it at a folder in the system temp dir unless the caller chose one.
2. `bfcl_eval.constants.model_config` imports every vendor SDK's model handler (openai, anthropic,
   mistral, …), which are not installed (requirements are installed --no-deps). The checkers and
   the runner only read `MODEL_CONFIG_MAPPING[model].underscore_to_dot` from it, so a one-module
   stand-in with two model names (dot rewrite on / off) is registered instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
import types
from dataclasses import dataclass

if "BFCL_PROJECT_ROOT" not in os.environ:
    os.environ["BFCL_PROJECT_ROOT"] = os.path.join(tempfile.gettempdir(), "toolgate-bfcl")

MODEL_DOT = "toolgate-fc-dot"
MODEL_NODOT = "toolgate-fc"


@dataclass
class _Cfg:
    underscore_to_dot: bool


_stub = types.ModuleType("bfcl_eval.constants.model_config")
_stub.MODEL_CONFIG_MAPPING = {MODEL_DOT: _Cfg(True), MODEL_NODOT: _Cfg(False)}  # type: ignore[attr-defined]
sys.modules["bfcl_eval.constants.model_config"] = _stub
