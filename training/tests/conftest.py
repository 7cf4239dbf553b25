"""Shared fixtures: offline hub settings, the sample data converted once, a tiny Qwen3 model."""

from __future__ import annotations

import os
import sys

for _var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[_var] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")

TRAINING_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(TRAINING_DIR)
SAMPLES = os.path.join(TRAINING_DIR, "data", "samples")
CONFIGS = os.path.join(TRAINING_DIR, "configs")
sys.path.insert(0, TRAINING_DIR)

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def prepared_data(tmp_path_factory: pytest.TempPathFactory) -> str:
    from toolgate_training.bfcl_prompts import load_bfcl_queries
    from toolgate_training.prepare import prepare

    out = str(tmp_path_factory.mktemp("data"))
    prepare(
        out,
        xlam=[os.path.join(SAMPLES, "xlam-sample.json")],
        hermes=[os.path.join(SAMPLES, "hermes-sample.json")],
        capture=[os.path.join(SAMPLES, "capture-sample.jsonl")],
        bfcl_queries=load_bfcl_queries([os.path.join(SAMPLES, "bfcl-sample.json")]),
        holdout_fraction=0.2,
    )
    return out


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    from toolgate_training.tiny_model import build_tiny_qwen3

    return build_tiny_qwen3(str(tmp_path_factory.mktemp("tiny-qwen3")), SAMPLES)
