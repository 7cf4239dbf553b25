"""Lets vLLM 0.33's parser and serving modules import without torch (and so without the engine).

`import vllm` runs `vllm.env_override`, which imports torch to patch it; and the chat protocol
imports `vllm.config`, whose package pulls the model executor, distributed and custom-op
registration (`vllm.utils.torch_utils`), all of which need torch at import time. Torch's PyPI
wheel cannot import without the multi-GB CUDA libraries, so three modules are replaced:

  vllm.env_override       an empty module (it only sets engine env vars and patches torch)
  torch, torch.*          a permissive stand-in: any attribute is a placeholder class
  vllm.utils.torch_utils  the same stand-in (its import registers custom ops on torch)

Nothing the fixtures exercise (the hermes tool parser, the qwen3 reasoning parser, the
DelegatingParser, ChatStreamProcessor, message assembly, the pydantic protocol models) calls
torch at run time; `check()` asserts the stand-ins were not called after the imports
(VLLM_SHIM_TRACE=1 prints the stack of any such call).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import traceback
import types

_STUBBED = ("torch", "vllm.utils.torch_utils")
calls: list[str] = []
_TRACE = bool(os.environ.get("VLLM_SHIM_TRACE"))


# The one torch answer vLLM's logger needs at run time (`*_once` asks for the process rank):
# a single process, torch.distributed not initialised.
_ANSWERS = {"torch.distributed.is_initialized": lambda: False}


class _Placeholder(type):
    """A class standing for any torch attribute: attribute access yields more placeholders;
    calling one is recorded (the fixtures must never need torch at run time)."""

    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        qualified = f"{cls.__name__}.{name}"
        return _ANSWERS.get(qualified) or _Placeholder(qualified, (), {})

    def __call__(cls, *args, **kwargs):
        if _TRACE:
            traceback.print_stack(limit=8)
        calls.append(cls.__name__)
        return _Placeholder(f"{cls.__name__}()", (), {})

    def __getitem__(cls, key):
        return cls

    def __or__(cls, other):
        return cls

    def __ror__(cls, other):
        return cls


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        qualified = f"{self.__name__}.{name}"
        return _ANSWERS.get(qualified) or _Placeholder(qualified, (), {})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if any(fullname == s or fullname.startswith(s + ".") for s in _STUBBED):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


# Third-party packages that only probe for torch are imported first, so they see it is absent.
# xgrammar imports torch outright and gets the stand-in; its tvm_ffi would then try to JIT-build
# a torch extension, which TVM_FFI_DISABLE_TORCH_C_DLPACK turns off.
_IMPORT_FIRST = ("transformers", "tokenizers")


def install() -> None:
    """Call before the first `import vllm`."""
    if "vllm" in sys.modules:
        raise RuntimeError("vllm_shim.install() must run before vllm is imported")
    for name in _IMPORT_FIRST:
        importlib.import_module(name)
    os.environ.setdefault("TVM_FFI_DISABLE_TORCH_C_DLPACK", "1")
    sys.modules["vllm.env_override"] = types.ModuleType("vllm.env_override")
    sys.meta_path.insert(0, _Finder())


def imports_done() -> None:
    """Forget the placeholder calls made while modules were imported (decorators, constants)."""
    calls.clear()


def check() -> None:
    """Raises if anything called into the torch stand-in since `imports_done()`."""
    if calls:
        raise RuntimeError(f"vLLM called torch at run time: {sorted(set(calls))[:10]}")
