"""TRL reward functions built on the spec reward (docs/reward-spec.md, version 2 by default).

GRPOTrainer calls each reward function with the batch's `prompts`, `completions`, every extra
dataset column as a keyword list, and `trainer_state`. Our GRPO set stores `tools` and
`reference` as JSON strings (Arrow cannot hold heterogeneous argument objects as one column
type). The terms are separate reward functions with weight 1 each, so their sum is exactly the
spec's `total` while TRL logs each term on its own (rewards/format_reward, …). With the
`schedule` option the trainer's global step drives ToolRL's dynamic scaling; with `length` a
fourth function pays the reasoning's length.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .reward import THINK_CLOSE, THINK_OPEN, RewardBreakdown, RewardOptions, score_reward

RewardFunc = Callable[..., list[float]]


def completion_text(completion: Any) -> str:
    """TRL passes plain strings for text prompts and message lists for conversational ones."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content") or "")
    raise TypeError(f"unsupported completion type {type(completion).__name__}")


def opens_reasoning(prompt: Any) -> bool:
    """True when a text prompt ends inside an open <think> (templates that open it for the model)."""
    return isinstance(prompt, str) and prompt.rfind(THINK_OPEN) > prompt.rfind(THINK_CLOSE)


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def score_batch(completions: list[Any], tools: list[Any], reference: list[Any], prompts: list[Any] | None = None,
                options: RewardOptions | None = None, step: float = 0) -> list[RewardBreakdown]:
    if not (len(completions) == len(tools) == len(reference)):
        raise ValueError("completions, tools and reference must have the same length")
    options = options or RewardOptions()
    if options.schedule_steps:
        options = RewardOptions(version=options.version, step=step, schedule_steps=options.schedule_steps,
                                length_target=options.length_target)
    prompts = prompts if prompts is not None else [None] * len(completions)
    out = []
    for c, t, r, p in zip(completions, tools, reference, prompts, strict=True):
        text = completion_text(c)
        if opens_reasoning(p):
            text = THINK_OPEN + text  # the spec scores the reasoning block as if the model had opened it
        out.append(score_reward(_loads(t) or [], text, _loads(r) or [], options))
    return out


def make_reward_funcs(options: RewardOptions | None = None) -> list[RewardFunc]:
    """format, correctness and schema (+ length when options.length_target > 0), for GRPOTrainer."""
    options = options or RewardOptions()

    def batch(completions: list[Any], tools: list[Any], reference: list[Any], prompts: Any = None,
              trainer_state: Any = None) -> list[RewardBreakdown]:
        step = getattr(trainer_state, "global_step", 0) if trainer_state is not None else 0
        return score_batch(completions, tools, reference, prompts, options, step)

    def format_reward(completions: list[Any], tools: list[Any], reference: list[Any], prompts: Any = None,
                      trainer_state: Any = None, **_: Any) -> list[float]:
        return [float(b.format) for b in batch(completions, tools, reference, prompts, trainer_state)]

    def correctness_reward(completions: list[Any], tools: list[Any], reference: list[Any], prompts: Any = None,
                           trainer_state: Any = None, **_: Any) -> list[float]:
        return [b.correctness for b in batch(completions, tools, reference, prompts, trainer_state)]

    def schema_reward(completions: list[Any], tools: list[Any], reference: list[Any], prompts: Any = None,
                      trainer_state: Any = None, **_: Any) -> list[float]:
        return [float(b.schema) for b in batch(completions, tools, reference, prompts, trainer_state)]

    def length_reward(completions: list[Any], tools: list[Any], reference: list[Any], prompts: Any = None,
                      trainer_state: Any = None, **_: Any) -> list[float]:
        return [float(b.length or 0.0) for b in batch(completions, tools, reference, prompts, trainer_state)]

    funcs: list[RewardFunc] = [format_reward, correctness_reward, schema_reward]
    if options.length_target > 0:
        funcs.append(length_reward)
    return funcs


REWARD_FUNCS = make_reward_funcs()
format_reward, correctness_reward, schema_reward = REWARD_FUNCS
