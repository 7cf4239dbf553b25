"""BFCL evaluation prompts, for keeping the training holdout (and training set) free of them.

BFCL v4 data files (`bfcl_eval/data/BFCL_v4_*.json`, JSON Lines) hold `question`: a list of
turns, each a list of `{"role", "content"}` messages. We take every user message's text.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable

from .sharegpt import normalize_query


def user_texts_from_bfcl_file(path: str) -> Iterable[str]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            for turn in row.get("question", []):
                for msg in turn if isinstance(turn, list) else [turn]:
                    if isinstance(msg, dict) and msg.get("role") == "user" and isinstance(msg.get("content"), str):
                        yield msg["content"]


def installed_bfcl_files() -> list[str]:
    """The data files of an installed `bfcl-eval` package (the eval area installs it into .venv)."""
    try:
        import bfcl_eval  # type: ignore[import-not-found]
    except ImportError:
        return []
    data_dir = os.path.join(os.path.dirname(bfcl_eval.__file__), "data")
    return sorted(glob.glob(os.path.join(data_dir, "BFCL_v4_*.json")))


def load_bfcl_queries(paths: Iterable[str]) -> set[str]:
    return {normalize_query(t) for p in paths for t in user_texts_from_bfcl_file(p)}
