"""TRL reward functions built on the spec reward.

GRPOTrainer calls each reward function with the batch's `completions` plus every extra dataset
column as a keyword list. Our GRPO set stores `tools` and `reference` as JSON strings (Arrow
cannot hold heterogeneous argument objects as one column type). The three terms are separate
reward functions with weight 1 each, so their sum is exactly the spec's `total` while TRL logs
each term on its own (rewards/format, rewards/correctness, rewards/schema).
"""

from __future__ import annotations

import json
from typing import Any

from .reward import RewardBreakdown, score_reward


def completion_text(completion: Any) -> str:
    """TRL passes plain strings for text prompts and message lists for conversational ones."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content") or "")
    raise TypeError(f"unsupported completion type {type(completion).__name__}")


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def score_batch(completions: list[Any], tools: list[Any], reference: list[Any]) -> list[RewardBreakdown]:
    if not (len(completions) == len(tools) == len(reference)):
        raise ValueError("completions, tools and reference must have the same length")
    return [
        score_reward(_loads(t) or [], completion_text(c), _loads(r) or [])
        for c, t, r in zip(completions, tools, reference, strict=True)
    ]


def format_reward(completions: list[Any], tools: list[Any], reference: list[Any], **_: Any) -> list[float]:
    return [float(b.format) for b in score_batch(completions, tools, reference)]


def correctness_reward(completions: list[Any], tools: list[Any], reference: list[Any], **_: Any) -> list[float]:
    return [b.correctness for b in score_batch(completions, tools, reference)]


def schema_reward(completions: list[Any], tools: list[Any], reference: list[Any], **_: Any) -> list[float]:
    return [float(b.schema) for b in score_batch(completions, tools, reference)]


REWARD_FUNCS = [format_reward, correctness_reward, schema_reward]
