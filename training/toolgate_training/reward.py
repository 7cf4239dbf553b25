"""The tool-call reward, version 1 (docs/reward-spec.md), in Python for TRL's GRPOTrainer.

It mirrors the gateway's TypeScript scorer and is held to the same vectors
(eval/fixtures/reward-vectors.jsonl). The reward judges the *raw* text strictly: repairs the
gateway could make at serving time earn nothing, so GRPO teaches the exact format.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
CALL_OPEN = "<tool_call>"
CALL_CLOSE = "</tool_call>"
_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)

Call = dict[str, Any]  # {"name": str, "arguments": dict}


@dataclass(frozen=True)
class RewardBreakdown:
    format: int
    correctness: float
    schema: int
    total: float

    def as_dict(self) -> dict[str, float]:
        return {"format": self.format, "correctness": self.correctness, "schema": self.schema, "total": self.total}


class StrictParseError(ValueError):
    """The raw text is not in the exact Qwen3 tool-call format."""


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN / Infinity / -Infinity by default; strict JSON does not.
    raise StrictParseError(f"non-standard JSON constant {name}")


def _strict_json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise StrictParseError(f"invalid JSON in <tool_call>: {err.msg}") from err


def strict_parse(raw: str) -> list[Call]:
    """Return the predicted calls of `raw`, or raise StrictParseError (spec: "Strict parse")."""
    text = raw
    if THINK_OPEN in text:
        end = text.find(THINK_CLOSE)
        if end < 0:
            raise StrictParseError("<think> without </think>")
        text = text[end + len(THINK_CLOSE) :]
    if text.count(CALL_OPEN) != text.count(CALL_CLOSE):
        raise StrictParseError("unbalanced <tool_call> tags")
    calls: list[Call] = []
    for match in _CALL_RE.finditer(text):
        obj = _strict_json(match.group(1).strip())
        if not isinstance(obj, dict) or set(obj) != {"name", "arguments"}:
            raise StrictParseError('a call must be an object with exactly the keys "name" and "arguments"')
        if not isinstance(obj["name"], str) or not isinstance(obj["arguments"], dict):
            raise StrictParseError('"name" must be a string and "arguments" an object')
        calls.append({"name": obj["name"], "arguments": obj["arguments"]})
    return calls


def json_equal(a: Any, b: Any) -> bool:
    """JSON deep equality: 5 == 5.0, objects ignore key order, arrays keep it, True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return False


def _jaccard(left: set[str], right: set[str]) -> float:
    union = left | right
    return 1.0 if not union else len(left & right) / len(union)


def key_jaccard(g: Call, p: Call) -> float:
    return _jaccard(set(g["arguments"]), set(p["arguments"]))


def value_matches(g: Call, p: Call) -> int:
    pa = p["arguments"]
    return sum(1 for k, v in g["arguments"].items() if k in pa and json_equal(v, pa[k]))


def correctness_score(pred: list[Call], gold: list[Call]) -> float:
    """6·S/S_max − 3 with greedy matching of gold calls to predictions (spec: "Terms")."""
    r_name = _jaccard({c["name"] for c in pred}, {c["name"] for c in gold})
    unmatched = list(range(len(pred)))
    r_param = 0.0
    r_value = 0
    for g in gold:
        best: int | None = None
        best_score = -math.inf
        for i in unmatched:  # ascending index, strict '>' keeps the lowest index on ties
            if pred[i]["name"] != g["name"]:
                continue
            score = key_jaccard(g, pred[i]) + value_matches(g, pred[i])
            if score > best_score:
                best, best_score = i, score
        if best is None:
            continue
        unmatched.remove(best)
        r_param += key_jaccard(g, pred[best])
        r_value += value_matches(g, pred[best])
    s = r_name + r_param + r_value
    s_max = 1 + len(gold) + sum(len(g["arguments"]) for g in gold)
    return 6 * s / s_max - 3


def _tool_parameters(tools: list[dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """name → parameters schema (None when the tool declares none); the first definition wins."""
    out: dict[str, dict[str, Any] | None] = {}
    for tool in tools:
        fn = tool.get("function", tool) if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str) and fn["name"] not in out:
            params = fn.get("parameters")
            out[fn["name"]] = params if isinstance(params, dict) else None
    return out


@lru_cache(maxsize=4096)
def _validator(schema_json: str) -> Draft7Validator:
    return Draft7Validator(json.loads(schema_json))


def schema_valid(pred: list[Call], gold: list[Call], tools: list[dict[str, Any]]) -> int:
    if not pred:
        return 1 if not gold else 0
    params = _tool_parameters(tools)
    for call in pred:
        if call["name"] not in params:
            return 0
        schema = params[call["name"]]
        if schema is None:
            if call["arguments"]:
                return 0
            continue
        if not _validator(json.dumps(schema, sort_keys=True)).is_valid(call["arguments"]):
            return 0
    return 1


def score_reward(tools: list[dict[str, Any]], raw: str, reference: list[Call]) -> RewardBreakdown:
    """format + correctness + schema ∈ [-3, 5], each rounded to 6 decimals."""
    try:
        pred = strict_parse(raw)
    except StrictParseError:
        return RewardBreakdown(format=0, correctness=-3.0, schema=0, total=-3.0)
    correctness = correctness_score(pred, reference)
    schema = schema_valid(pred, reference, tools)
    return RewardBreakdown(
        format=1, correctness=round(correctness, 6), schema=schema, total=round(1 + correctness + schema, 6)
    )
