"""The superseded tool-call reward, version 1 (docs/reward-spec-v1.md), kept so earlier runs can be
re-scored (`RewardOptions(version=1)`, `reward.version: 1` in the GRPO config). Held to
eval/fixtures/reward-vectors-v1.jsonl with the TypeScript scorer's `version: 1`.
"""

from __future__ import annotations

from typing import Any

from .reward import (THINK_CLOSE, THINK_OPEN, Call, RewardBreakdown, StrictParseError, calls_valid, call_weight, key_jaccard,
                     match_calls, read_blocks, value_matches)


def strict_parse(raw: str) -> list[Call]:
    """v1's strict parse: everything up to the first </think> is dropped wherever <think> was."""
    text = raw
    if THINK_OPEN in text:
        end = text.find(THINK_CLOSE)
        if end < 0:
            raise StrictParseError("<think> without </think>")
        text = text[end + len(THINK_CLOSE) :]
    return read_blocks(text, finite_only=False, strip=str.strip)


def _name_set_jaccard(pred: list[Call], gold: list[Call]) -> float:
    left, right = {c["name"] for c in pred}, {c["name"] for c in gold}
    union = left | right
    return 1.0 if not union else len(left & right) / len(union)


def score_reward_v1(tools: list[dict[str, Any]], raw: str, reference: list[Call]) -> RewardBreakdown:
    try:
        pred = strict_parse(raw)
    except StrictParseError:
        return RewardBreakdown(format=0, correctness=-3.0, schema=0, total=-3.0)
    pairs = match_calls(pred, reference)
    s = _name_set_jaccard(pred, reference) + sum(
        key_jaccard(reference[g], pred[p]) + value_matches(reference[g], pred[p]) for g, p in pairs)
    correctness = 6 * s / (1 + sum(call_weight(g) for g in reference)) - 3
    schema = (1 if calls_valid(pred, tools) else 0) if pred else (1 if not reference else 0)
    return RewardBreakdown(format=1, correctness=round(correctness, 6), schema=schema, total=round(1 + correctness + schema, 6))
