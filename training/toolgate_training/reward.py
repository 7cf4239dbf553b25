"""The tool-call reward, version 2 (docs/reward-spec.md), in Python for TRL's GRPOTrainer.

It mirrors the gateway's TypeScript scorer and is held to the same vectors
(eval/fixtures/reward-vectors-v2.jsonl). The reward judges the *raw* text strictly: repairs the
gateway could make at serving time earn nothing, so GRPO teaches the exact format. Version 1
(docs/reward-spec-v1.md) stays selectable: `score_reward(..., options=RewardOptions(version=1))`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
CALL_OPEN = "<tool_call>"
CALL_CLOSE = "</tool_call>"
_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
# JSON whitespace only (spec v2): str.strip()/isspace() would also take no-break spaces, which
# JavaScript's trim() treats differently again (it also strips a BOM).
_JSON_WS = " \t\n\r"
_WORD_RE = re.compile(r"[^ \t\n\r]+")

Call = dict[str, Any]  # {"name": str, "arguments": dict}


@dataclass(frozen=True)
class RewardOptions:
    """version 2 (default) or 1; schedule_steps > 0 turns on ToolRL's dynamic scaling at `step`;
    length_target > 0 adds ToolRL's length term."""

    version: int = 2
    step: float = 0
    schedule_steps: float = 0
    length_target: float = 0

    def __post_init__(self) -> None:
        if self.version not in (1, 2):
            raise ValueError("reward version must be 1 or 2")
        if self.schedule_steps < 0 or self.length_target < 0:
            raise ValueError("schedule_steps and length_target must be >= 0")
        if self.version == 1 and (self.schedule_steps or self.length_target):
            raise ValueError("reward version 1 takes no schedule or length option")

    @classmethod
    def from_json(cls, obj: dict[str, Any] | None) -> RewardOptions:
        """The vectors' / score requests' shape: {version?, schedule?: {step, steps}, length?: {target}}."""
        obj = obj or {}
        schedule = obj.get("schedule") or {}
        length = obj.get("length") or {}
        return cls(version=obj.get("version", 2), step=schedule.get("step", 0), schedule_steps=schedule.get("steps", 0),
                   length_target=length.get("target", 0))


@dataclass(frozen=True)
class RewardBreakdown:
    format: float
    correctness: float
    schema: int
    total: float
    length: float | None = None

    def as_dict(self) -> dict[str, float]:
        out = {"format": self.format, "correctness": self.correctness, "schema": self.schema, "total": self.total}
        if self.length is not None:
            out["length"] = self.length
        return out


class StrictParseError(ValueError):
    """The raw text is not in the exact Qwen3 tool-call format."""


def round6(x: float) -> float:
    """6 decimals, half up, no −0: the same as the TypeScript scorer (Python's round() is half-even)."""
    r = math.floor(x * 1e6 + 0.5) / 1e6
    return 0.0 if r == 0 else r


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN / Infinity / -Infinity by default; strict JSON does not.
    raise StrictParseError(f"non-standard JSON constant {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise StrictParseError(f"number {text[:20]} is beyond the range of a double")
    return value


def _finite_int(text: str) -> int:
    value = int(text)
    try:
        float(value)
    except OverflowError as err:
        raise StrictParseError("integer beyond the range of a double") from err
    return value


def _strict_json(text: str, finite_only: bool) -> Any:
    hooks: dict[str, Any] = {"parse_float": _finite_float, "parse_int": _finite_int} if finite_only else {}
    try:
        return json.loads(text, parse_constant=_reject_constant, **hooks)
    except json.JSONDecodeError as err:
        raise StrictParseError(f"invalid JSON in <tool_call>: {err.msg}") from err


def _read_call(body: str, finite_only: bool, strip: Any) -> Call:
    obj = _strict_json(strip(body), finite_only)
    if not isinstance(obj, dict) or set(obj) != {"name", "arguments"}:
        raise StrictParseError('a call must be an object with exactly the keys "name" and "arguments"')
    if not isinstance(obj["name"], str) or not isinstance(obj["arguments"], dict):
        raise StrictParseError('"name" must be a string and "arguments" an object')
    return {"name": obj["name"], "arguments": obj["arguments"]}


def read_blocks(text: str, finite_only: bool = True, strip: Any = lambda s: s.strip(_JSON_WS)) -> list[Call]:
    """The calls of every <tool_call> block in `text` (balanced tags, strict JSON bodies)."""
    if text.count(CALL_OPEN) != text.count(CALL_CLOSE):
        raise StrictParseError("unbalanced <tool_call> tags")
    return [_read_call(m.group(1), finite_only, strip) for m in _CALL_RE.finditer(text)]


@dataclass(frozen=True)
class OutputRead:
    calls: list[Call]
    reasoning: str | None  # the leading <think> block's text, or None
    outside: str  # the visible part with every call block removed


def read_output(raw: str) -> OutputRead:
    """Spec v2 §1; raises StrictParseError when the read fails."""
    visible, reasoning = raw, None
    lead = len(raw) - len(raw.lstrip(_JSON_WS))
    if raw.startswith(THINK_OPEN, lead):
        end = raw.find(THINK_CLOSE, lead + len(THINK_OPEN))
        if end < 0:
            raise StrictParseError("<think> without </think>")
        reasoning = raw[lead + len(THINK_OPEN) : end]
        visible = raw[end + len(THINK_CLOSE) :]
    calls = read_blocks(visible)
    outside = _CALL_RE.sub("", visible)
    if CALL_OPEN in outside or CALL_CLOSE in outside:
        raise StrictParseError("<tool_call> tags out of order")
    return OutputRead(calls, reasoning, outside)


def _as_double(x: int | float) -> float:
    try:
        return float(x)
    except OverflowError:
        return math.copysign(math.inf, x)


def json_equal(a: Any, b: Any) -> bool:
    """JSON deep equality: numbers as doubles (5 == 5.0), objects ignore key order, arrays keep it, True != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return _as_double(a) == _as_double(b)
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


def name_multiset_jaccard(pred: list[Call], gold: list[Call]) -> float:
    """ToolRL's match_score over names: duplicates count against."""
    if not pred and not gold:
        return 1.0
    inter = sum((Counter(c["name"] for c in pred) & Counter(c["name"] for c in gold)).values())
    return inter / (len(pred) + len(gold) - inter)


def match_calls(pred: list[Call], gold: list[Call]) -> list[tuple[int, int]]:
    """Greedy in reference order; among same-name unmatched predictions the best key Jaccard + value
    matches wins, ties to the lowest index. Returns (gold index, pred index) pairs."""
    unmatched = list(range(len(pred)))
    pairs = []
    for gi, g in enumerate(gold):
        best: int | None = None
        best_score = -math.inf
        for i in unmatched:  # ascending index, strict '>' keeps the lowest index on ties
            if pred[i]["name"] != g["name"]:
                continue
            score = key_jaccard(g, pred[i]) + value_matches(g, pred[i])
            if score > best_score:
                best, best_score = i, score
        if best is not None:
            unmatched.remove(best)
            pairs.append((gi, best))
    return pairs


def call_weight(call: Call) -> int:
    """1 + |keys(arguments)|: what a call is worth in S_max."""
    return 1 + len(call["arguments"])


def correctness_score(pred: list[Call], gold: list[Call], bound: float = 3.0) -> float:
    """2c·S/S_max − c (spec v2 §2): multiset names, and unmatched predictions enlarge S_max."""
    pairs = match_calls(pred, gold)
    s = name_multiset_jaccard(pred, gold) + sum(key_jaccard(gold[g], pred[p]) + value_matches(gold[g], pred[p]) for g, p in pairs)
    used = {p for _, p in pairs}
    s_max = 1 + sum(call_weight(g) for g in gold) + sum(call_weight(p) for i, p in enumerate(pred) if i not in used)
    return 2 * bound * s / s_max - bound


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


def calls_valid(pred: list[Call], tools: list[dict[str, Any]]) -> bool:
    """Every call names a tool and its arguments satisfy the tool's parameters (draft-07)."""
    params = _tool_parameters(tools)
    for call in pred:
        if call["name"] not in params:
            return False
        schema = params[call["name"]]
        if schema is None:
            if call["arguments"]:
                return False
            continue
        if not _validator(json.dumps(schema, sort_keys=True)).is_valid(call["arguments"]):
            return False
    return True


def _scales(options: RewardOptions) -> tuple[float, float]:
    """(format pay, correctness bound): (1, 3) without a schedule; (2 − t, 2 + t) with one."""
    if not options.schedule_steps:
        return 1.0, 3.0
    t = min(1.0, max(0.0, options.step) / options.schedule_steps)
    return 2.0 - t, 2.0 + t


def _breakdown(fmt: float, correctness: float, schema: int, length: float, options: RewardOptions) -> RewardBreakdown:
    with_length = options.length_target > 0
    total = fmt + correctness + schema + (length if with_length else 0.0)
    return RewardBreakdown(format=round6(fmt), correctness=round6(correctness), schema=schema, total=round6(total),
                           length=round6(length) if with_length else None)


def score_reward(tools: list[dict[str, Any]], raw: str, reference: list[Call],
                 options: RewardOptions | None = None) -> RewardBreakdown:
    """format + correctness + schema (+ length), each rounded to 6 decimals; version 2 unless asked."""
    options = options or RewardOptions()
    if options.version == 1:
        from .reward_v1 import score_reward_v1

        return score_reward_v1(tools, raw, reference)
    pay, bound = _scales(options)
    try:
        read = read_output(raw)
    except StrictParseError:
        return _breakdown(0.0, -bound, 0, 0.0, options)
    pred, outside = read.calls, read.outside
    blank = not outside.strip(_JSON_WS)
    stray_think = THINK_OPEN in outside or THINK_CLOSE in outside
    format_ok = (bool(pred) and blank) if reference else (not pred and not blank and not stray_think)
    schema = 1 if (not pred) == (not reference) and calls_valid(pred, tools) else 0
    length = 0.0
    if options.length_target > 0 and read.reasoning is not None:
        length = min(1.0, len(_WORD_RE.findall(read.reasoning)) / options.length_target)
    return _breakdown(pay if format_ok else 0.0, correctness_score(pred, reference, bound), schema, length, options)
