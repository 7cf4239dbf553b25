"""Every shipped YAML parses with the parser of the tool that will run it, unchanged."""

from __future__ import annotations

import glob
import os

import pytest
import yaml
from conftest import CONFIGS

TRAIN_YAMLS = ["qwen3-0.6b-sft-lora.yaml", "qwen3-0.6b-dpo-lora.yaml"]
MERGE_YAMLS = ["qwen3-0.6b-sft-merge.yaml", "qwen3-0.6b-dpo-merge.yaml", "qwen3-0.6b-grpo-merge.yaml"]


def _load(name: str) -> dict:
    with open(os.path.join(CONFIGS, name), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _cpu_hardware_override(args: dict) -> dict:
    """The configs ask for bf16 on a GPU; HF's TrainingArguments refuses bf16 on a machine without
    one unless `use_cpu` is set. That is the only change, and only where no GPU is present."""
    import torch

    return args if torch.cuda.is_available() else dict(args, use_cpu=True)


def test_every_config_is_covered() -> None:
    shipped = {os.path.basename(p) for p in glob.glob(os.path.join(CONFIGS, "*.yaml"))}
    assert shipped == set(TRAIN_YAMLS + MERGE_YAMLS + ["qwen3-0.6b-grpo.yaml"])


@pytest.mark.parametrize("name", TRAIN_YAMLS)
def test_llamafactory_train_args(name: str, tmp_path) -> None:
    from llamafactory.hparams import get_train_args

    args = _cpu_hardware_override(_load(name))
    args["output_dir"] = str(tmp_path / "out")  # the parser may create or inspect it; keep the repo clean
    model_args, data_args, training_args, finetuning_args, _ = get_train_args(args)
    assert data_args.template == "qwen3" and data_args.enable_thinking is False
    assert finetuning_args.finetuning_type == "lora" and finetuning_args.stage in ("sft", "dpo")
    assert training_args.bf16 and training_args.gradient_accumulation_steps >= 8
    assert "qwen3" in model_args.model_name_or_path.lower()


@pytest.mark.parametrize("name", MERGE_YAMLS)
def test_llamafactory_export_args(name: str) -> None:
    from llamafactory.hparams import get_infer_args

    model_args, data_args, finetuning_args, _ = get_infer_args(_load(name))
    assert model_args.export_dir and model_args.adapter_name_or_path and model_args.export_device == "cpu"
    assert data_args.template == "qwen3"


def test_grpo_config_builds_trl_and_peft_objects(tmp_path) -> None:
    from peft import LoraConfig
    from trl import GRPOConfig

    cfg = _load("qwen3-0.6b-grpo.yaml")
    grpo = _cpu_hardware_override(dict(cfg["grpo"], output_dir=str(tmp_path / "grpo")))
    args = GRPOConfig(**grpo)
    assert args.num_generations == 8 and args.reward_weights == [1.0, 1.0, 1.0] and not args.use_vllm
    # every optimizer step sees whole prompt groups
    assert (args.per_device_train_batch_size * args.gradient_accumulation_steps) % args.num_generations == 0
    lora = LoraConfig(**cfg["lora"])
    assert lora.r == 16 and lora.target_modules == "all-linear"
