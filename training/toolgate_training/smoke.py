"""Run the real pipeline configs for a few steps on a small model: SFT, merge, DPO, GRPO.

    python -m toolgate_training.smoke all --model DIR --data DIR --work DIR [--precision fp32|bf16]
    python -m toolgate_training.smoke sft|dpo|merge|grpo ...   (one stage)

Used by the CPU tests (fp32) and by training/scripts/gpu_smoke.sh (CUDA, bf16). Each stage loads
the shipped YAML and overrides only what a smoke run must change — model path, data folder,
output dir, step count, precision, and the sizes that keep it tiny (sequence length, batch) —
then runs LLaMA-Factory / TRL in this process and writes `<stage>-summary.json` (losses, step
times, peak GPU memory) into the work dir.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import yaml

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
SCRIPTS = os.path.join(os.path.dirname(CONFIGS), "scripts")
SFT_YAML = os.path.join(CONFIGS, "qwen3-0.6b-sft-lora.yaml")
DPO_YAML = os.path.join(CONFIGS, "qwen3-0.6b-dpo-lora.yaml")
MERGE_YAML = os.path.join(CONFIGS, "qwen3-0.6b-sft-merge.yaml")
GRPO_YAML = os.path.join(CONFIGS, "qwen3-0.6b-grpo.yaml")


def load_yaml(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def precision_overrides(precision: str) -> dict[str, Any]:
    return {"bf16": precision == "bf16", "fp16": False}


def smoke_train_args(yaml_path: str, model: str, data_dir: str, out: str, steps: int, precision: str,
                     realistic: bool = False) -> dict[str, Any]:
    """The shipped SFT/DPO YAML with the smoke-run overrides (nothing else changes).

    realistic=True keeps the YAML's sequence length, batch and accumulation (memory figures).
    """
    args = load_yaml(yaml_path)
    for key in ("eval_dataset", "eval_steps", "per_device_eval_batch_size"):
        args.pop(key, None)
    args.update(precision_overrides(precision))
    args.update({
        "model_name_or_path": model, "dataset_dir": data_dir, "output_dir": out, "max_steps": steps,
        "logging_steps": 1, "save_steps": 10_000, "eval_strategy": "no", "plot_loss": False,
        "preprocessing_num_workers": None, "dataloader_num_workers": 0, "warmup_ratio": 0.0,
    })
    if not realistic:
        args.update({"cutoff_len": 256, "per_device_train_batch_size": 2, "gradient_accumulation_steps": 1})
    return args


def _peak_gpu_gib() -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 2**30, 3) if torch.cuda.is_available() else None


def _timer_callback(times: list[float]) -> Any:
    from transformers import TrainerCallback

    class StepTimer(TrainerCallback):
        def on_step_begin(self, *_: Any, **__: Any) -> None:
            self.t = time.perf_counter()

        def on_step_end(self, *_: Any, **__: Any) -> None:
            times.append(round(time.perf_counter() - self.t, 4))

    return StepTimer()


def run_lf_train(args: dict[str, Any]) -> dict[str, Any]:
    import torch
    from llamafactory.train.tuner import run_exp

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    times: list[float] = []
    start = time.perf_counter()
    run_exp(args=args, callbacks=[_timer_callback(times)])
    with open(os.path.join(args["output_dir"], "trainer_state.json"), encoding="utf-8") as fh:
        state = json.load(fh)
    return {
        "stage": args["stage"], "steps": state["global_step"],
        "losses": [h["loss"] for h in state["log_history"] if "loss" in h],
        "step_seconds": times, "wall_seconds": round(time.perf_counter() - start, 2),
        "peak_gpu_mem_gib": _peak_gpu_gib(), "output_dir": args["output_dir"],
    }


def run_merge(model: str, adapter: str, out: str) -> dict[str, Any]:
    from llamafactory.train.tuner import export_model

    args = load_yaml(MERGE_YAML)
    args.update({"model_name_or_path": model, "adapter_name_or_path": adapter, "export_dir": out})
    start = time.perf_counter()
    export_model(args)
    return {"stage": "merge", "export_dir": out, "wall_seconds": round(time.perf_counter() - start, 2)}


def grpo_overrides(model: str, data_dir: str, out: str, steps: int, precision: str, realistic: bool = False) -> list[str]:
    dtype = "bfloat16" if precision == "bf16" else "float32"
    sets: dict[str, Any] = {
        "model_name_or_path": model, "train_file": os.path.join(data_dir, "grpo_train.jsonl"),
        "grpo.output_dir": out, "grpo.max_steps": steps, "grpo.bf16": precision == "bf16",
        "grpo.model_init_kwargs": json.dumps({"dtype": dtype}), "grpo.logging_steps": 1,
        "grpo.save_steps": 10_000, "grpo.warmup_steps": 0,
    }
    if not realistic:
        sets.update({
            "max_train_samples": 8, "grpo.per_device_train_batch_size": 2, "grpo.num_generations": 2,
            "grpo.gradient_accumulation_steps": 1, "grpo.max_completion_length": 16, "grpo.max_prompt_length": 1000,
            "grpo.gradient_checkpointing": False,
        })
    return [f"--set={k}={v}" for k, v in sets.items()]


def run_grpo(model: str, data_dir: str, out: str, steps: int, precision: str, realistic: bool = False) -> dict[str, Any]:
    """The GRPO script as a subprocess: exactly what `make train-grpo` runs, with overrides."""
    cmd = [sys.executable, os.path.join(SCRIPTS, "train_grpo.py"), "--config", GRPO_YAML,
           *grpo_overrides(model, data_dir, out, steps, precision, realistic)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"train_grpo.py failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("GRPO_SUMMARY "))
    summary = json.loads(line[len("GRPO_SUMMARY "):])
    summary.update({"stage": "grpo", "wall_seconds": round(time.perf_counter() - start, 2)})
    return summary


def run_stage(stage: str, ns: argparse.Namespace) -> dict[str, Any]:
    w, real = ns.work, ns.realistic
    if stage == "sft":
        return run_lf_train(smoke_train_args(SFT_YAML, ns.model, ns.data, os.path.join(w, "sft-lora"), ns.steps, ns.precision, real))
    if stage == "merge":
        return run_merge(ns.model, os.path.join(w, "sft-lora"), os.path.join(w, "sft-merged"))
    if stage == "dpo":
        merged = os.path.join(w, "sft-merged")
        return run_lf_train(smoke_train_args(DPO_YAML, merged, ns.data, os.path.join(w, "dpo-lora"), ns.steps, ns.precision, real))
    if stage == "grpo":
        return run_grpo(os.path.join(w, "sft-merged"), ns.data, os.path.join(w, "grpo-lora"), ns.steps, ns.precision, real)
    raise ValueError(f"unknown stage {stage!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolgate_training.smoke")
    parser.add_argument("stage", choices=["sft", "merge", "dpo", "grpo", "all"])
    parser.add_argument("--model", required=True, help="base model folder (e.g. the tiny Qwen3)")
    parser.add_argument("--data", required=True, help="folder written by `prepare` (with dataset_info.json)")
    parser.add_argument("--work", required=True, help="folder for adapters, merged model and summaries")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--realistic", action="store_true", help="keep the YAMLs' lengths, batches and accumulation")
    ns = parser.parse_args(argv)
    os.makedirs(ns.work, exist_ok=True)
    stages = ["sft", "merge", "dpo", "grpo"] if ns.stage == "all" else [ns.stage]
    for stage in stages:
        summary = run_stage(stage, ns)
        with open(os.path.join(ns.work, f"{stage}-summary.json"), "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2)
        print(f"SMOKE_{stage.upper()} " + json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
