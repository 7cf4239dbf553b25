"""A few real SFT, merge, DPO and GRPO steps on CPU with a tiny random Qwen3 and the sample data."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
from conftest import TRAINING_DIR

from toolgate_training.grpo_data import render_prompt, to_trl_row
from toolgate_training.grpo_rewards import REWARD_FUNCS


@pytest.fixture(scope="module")
def smoke(tiny_model: str, prepared_data: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = str(tmp_path_factory.mktemp("smoke"))
    env = dict(os.environ, PYTHONPATH=TRAINING_DIR, CUDA_VISIBLE_DEVICES="")
    proc = subprocess.run(
        [sys.executable, "-m", "toolgate_training.smoke", "all", "--model", tiny_model, "--data", prepared_data,
         "--work", work, "--steps", "2", "--precision", "fp32"],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    out = {"work": work}
    for stage in ("sft", "merge", "dpo", "grpo"):
        with open(os.path.join(work, f"{stage}-summary.json"), encoding="utf-8") as fh:
            out[stage] = json.load(fh)
    return out


def _adapter_written(path: str) -> None:
    assert os.path.isfile(os.path.join(path, "adapter_model.safetensors")), os.listdir(path)
    with open(os.path.join(path, "adapter_config.json"), encoding="utf-8") as fh:
        assert json.load(fh)["peft_type"] == "LORA"


@pytest.mark.parametrize("stage", ["sft", "dpo", "grpo"])
def test_stage_trains_with_finite_losses_and_writes_an_adapter(smoke: dict, stage: str) -> None:
    summary = smoke[stage]
    assert summary["steps"] == 2
    assert len(summary["losses"]) == 2 and all(math.isfinite(x) for x in summary["losses"])
    _adapter_written(summary["output_dir"])


def test_sft_loss_is_language_modelling_scale(smoke: dict) -> None:
    # A random model over an 800-token vocabulary starts near ln(800) ≈ 6.7 nats per token.
    assert all(3.0 < x < 9.0 for x in smoke["sft"]["losses"])


def test_dpo_starts_at_ln2(smoke: dict) -> None:
    # LoRA starts as the identity, so policy == reference and the sigmoid DPO loss is ln 2.
    assert smoke["dpo"]["losses"][0] == pytest.approx(math.log(2), abs=1e-3)


def test_merged_model_loads_and_generates(smoke: dict) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    merged = smoke["merge"]["export_dir"]
    model = AutoModelForCausalLM.from_pretrained(merged)
    tok = AutoTokenizer.from_pretrained(merged)
    assert model.config.model_type == "qwen3" and tok.chat_template
    ids = tok("hello", return_tensors="pt")
    with torch.no_grad():
        out = model.generate(**ids, max_new_tokens=3, do_sample=False)
    assert out.shape[1] <= ids["input_ids"].shape[1] + 3


def test_grpo_rewards_in_range(smoke: dict) -> None:
    g = smoke["grpo"]
    assert all(-3.0 <= r <= 5.0 for r in g["reward"]) and all(f in (0.0, 1.0) or 0 <= f <= 1 for f in g["rewards_format"])


def test_grpo_prompt_rendering_and_reward_on_known_completions(tiny_model: str, prepared_data: str) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    with open(os.path.join(prepared_data, "grpo_train.jsonl"), encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    row = next(r for r in rows if r["id"] == "xlam-1")
    trl_row = to_trl_row(tok, row)
    prompt = trl_row["prompt"]
    assert "<tools>" in prompt and '"name": "get_weather"' in prompt
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert prompt.index("<|im_start|>system") < prompt.index("<|im_start|>user\nWhat's the weather in Paris")
    with pytest.raises(ValueError, match="chat template"):
        render_prompt(type("NoTemplate", (), {"chat_template": None})(), row["messages"], [])

    good = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
    wrong_city = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>'
    broken = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}\n</tool_call>'
    completions = [good, wrong_city, broken, "It is sunny."]
    kw = {"tools": [trl_row["tools"]] * 4, "reference": [trl_row["reference"]] * 4, "prompts": [prompt] * 4}
    totals = [sum(x) for x in zip(*(f(completions=completions, **kw) for f in REWARD_FUNCS))]
    # spec v2: exact 5; right name+keys, wrong value: 1 + (6·2/3 − 3) + 1 = 3; unparsable −3;
    # a plain answer on a tool turn: format 0, correctness −3, schema 0
    assert totals == pytest.approx([5.0, 3.0, -3.0, -3.0])
