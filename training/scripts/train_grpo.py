#!/usr/bin/env python3
"""GRPO with TRL's GRPOTrainer and the Toolgate reward (LLaMA-Factory has no GRPO stage).

    python training/scripts/train_grpo.py --config training/configs/qwen3-0.6b-grpo.yaml \
        [--set grpo.max_steps=2 --set model_name_or_path=/tmp/tiny ...]

Reads the GRPO jsonl written by `python -m toolgate_training prepare` ({messages, tools,
reference}), renders each prompt with the model's chat template (tools included, thinking
disabled), drops prompts longer than max_prompt_length (TRL would truncate them and train on a
prompt the model never sees in serving), trains a LoRA adapter and saves it with the tokenizer.
Prints one JSON summary line (`GRPO_SUMMARY {...}`) with losses, rewards and step times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from toolgate_training.grpo_data import to_trl_row  # noqa: E402
from toolgate_training.grpo_rewards import make_reward_funcs  # noqa: E402
from toolgate_training.reward import RewardOptions  # noqa: E402


def apply_override(cfg: dict[str, Any], assignment: str) -> None:
    """`a.b=value`, value parsed as YAML (so 2 → int, false → bool, [1,2] → list)."""
    key, sep, raw = assignment.partition("=")
    if not sep:
        raise SystemExit(f"--set expects key=value, got {assignment!r}")
    node = cfg
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = yaml.safe_load(raw)


def load_config(path: str, overrides: list[str]) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    for o in overrides:
        apply_override(cfg, o)
    for key in ("model_name_or_path", "train_file", "grpo", "lora"):
        if key not in cfg:
            raise SystemExit(f"{path}: missing required key {key!r}")
    return cfg


def reward_options(cfg: dict[str, Any]) -> RewardOptions:
    """The config's `reward:` block (docs/reward-spec.md; version 2 when absent)."""
    block = cfg.get("reward") or {}
    unknown = set(block) - {"version", "schedule_steps", "length_target"}
    if unknown:
        raise SystemExit(f"reward: unknown keys {sorted(unknown)} (known: version, schedule_steps, length_target)")
    try:
        return RewardOptions(version=block.get("version", 2), schedule_steps=block.get("schedule_steps", 0),
                             length_target=block.get("length_target", 0))
    except ValueError as err:
        raise SystemExit(f"reward: {err}") from err


def reward_funcs_for(cfg: dict[str, Any]) -> list[Any]:
    """The TRL reward functions, checked against grpo.reward_weights (one weight per function)."""
    funcs = make_reward_funcs(reward_options(cfg))
    weights = cfg["grpo"].get("reward_weights")
    if weights is not None and len(weights) != len(funcs):
        names = ", ".join(f.__name__ for f in funcs)
        raise SystemExit(f"grpo.reward_weights has {len(weights)} entries but the reward has {len(funcs)} terms ({names})")
    return funcs


def build_dataset(cfg: dict[str, Any], tokenizer: Any, path: str, limit: int | None) -> Any:
    from datasets import load_dataset

    ds = load_dataset("json", data_files=path, split="train")
    if limit is not None and len(ds) > limit:
        ds = ds.shuffle(seed=cfg.get("seed", 42)).select(range(limit))
    ds = ds.map(lambda row: to_trl_row(tokenizer, row), remove_columns=ds.column_names)
    max_len = cfg["grpo"].get("max_prompt_length")
    if max_len:
        before = len(ds)
        ds = ds.filter(lambda row: len(tokenizer(row["prompt"], add_special_tokens=False)["input_ids"]) <= max_len)
        if len(ds) < before:
            print(f"dropped {before - len(ds)} prompts longer than {max_len} tokens", file=sys.stderr)
    if len(ds) == 0:
        raise SystemExit(f"{path}: no usable GRPO prompts")
    return ds


class StepTimer:
    """A TrainerCallback (duck-typed) that records wall time per optimizer step."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._t = 0.0

    def on_step_begin(self, *_: Any, **__: Any) -> None:
        self._t = time.perf_counter()

    def on_step_end(self, *_: Any, **__: Any) -> None:
        self.times.append(time.perf_counter() - self._t)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key (dotted)")
    args = parser.parse_args(argv)
    cfg = load_config(args.config, args.set)
    funcs = reward_funcs_for(cfg)

    import torch
    from peft import LoraConfig
    from transformers import AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = AutoTokenizer.from_pretrained(cfg["model_name_or_path"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"  # generation pads on the left
    train = build_dataset(cfg, tokenizer, cfg["train_file"], cfg.get("max_train_samples"))

    timer = StepTimer()
    callback = type("StepTimerCallback", (TrainerCallback,), {
        "on_step_begin": lambda self, *a, **k: timer.on_step_begin(),
        "on_step_end": lambda self, *a, **k: timer.on_step_end(),
    })()
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer = GRPOTrainer(
        model=cfg["model_name_or_path"],
        reward_funcs=funcs,
        args=GRPOConfig(seed=cfg.get("seed", 42), **cfg["grpo"]),
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=LoraConfig(**cfg["lora"]),
        callbacks=[callback],
    )
    result = trainer.train()
    trainer.save_model(cfg["grpo"]["output_dir"])
    tokenizer.save_pretrained(cfg["grpo"]["output_dir"])

    logs = [h for h in trainer.state.log_history if "loss" in h]
    summary = {
        "steps": trainer.state.global_step,
        "train_loss": result.training_loss,
        "losses": [h["loss"] for h in logs],
        "reward": [h.get("reward") for h in logs],
        "rewards_format": [h.get("rewards/format_reward/mean") for h in logs],
        "reward_options": vars(reward_options(cfg)),
        "step_seconds": [round(t, 3) for t in timer.times],
        "peak_gpu_mem_gib": round(torch.cuda.max_memory_allocated() / 2**30, 3) if torch.cuda.is_available() else None,
        "output_dir": cfg["grpo"]["output_dir"],
    }
    print("GRPO_SUMMARY " + json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
