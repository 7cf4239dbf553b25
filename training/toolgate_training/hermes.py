"""NousResearch hermes-function-calling-v1 rows → sharegpt SFT records.

Rows are `{"id", "conversations": [{"from": "system"|"human"|"gpt"|"tool", "value"}], ...}`. The
system turn lists tools inside `<tools>...</tools>` and the gpt turns hold `<tool_call>` blocks,
both often as Python literals (single quotes, True/None) rather than JSON, so each is read with
`ast.literal_eval` after `json.loads` fails. The hermes system prompt is dropped: LLaMA-Factory's
qwen3 template writes the Qwen3 tool prompt from the `tools` column itself.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from .sharegpt import Record, function_call_value, make_call, sft_record

_TOOLS_RE = re.compile(r"<tools>(.*?)</tools>", re.DOTALL)
_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)
_RESPONSE_RE = re.compile(r"<tool_response>(.*?)</tool_response>", re.DOTALL)


def parse_literal(text: str) -> Any:
    """JSON first, then a Python literal (hermes mixes both)."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as err:
        raise ValueError(f"neither JSON nor a Python literal: {text[:80]!r}") from err


def extract_tools(system: str) -> list[dict[str, Any]]:
    # The prompt often mentions "<tools></tools> XML tags" before the real list: take the first non-empty body.
    body = next((b.strip() for b in _TOOLS_RE.findall(system) if b.strip()), "")
    if not body:
        return []
    try:
        parsed = parse_literal(body)
        items = parsed if isinstance(parsed, list) else [parsed]
    except ValueError:
        # Some rows list one tool object per line instead of one list.
        items = [parse_literal(line) for line in body.splitlines() if line.strip()]
    functions = []
    for item in items:
        fn = item.get("function", item) if isinstance(item, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise ValueError("tool entry without a function name")
        functions.append({"name": fn["name"], "description": str(fn.get("description") or ""),
                          "parameters": fn.get("parameters") or {"type": "object", "properties": {}}})
    return functions


def _assistant_turn(value: str) -> dict[str, str]:
    bodies = _CALL_RE.findall(value)
    if not bodies:
        return {"from": "gpt", "value": value.strip()}
    calls = []
    for body in bodies:
        obj = parse_literal(body)
        if not isinstance(obj, dict):
            raise ValueError("a <tool_call> body is not an object")
        calls.append(make_call(obj.get("name"), obj.get("arguments", obj.get("parameters"))))
    # Prose around the calls is dropped: the served format is calls only.
    return {"from": "function_call", "value": function_call_value(calls)}


def _observation(value: str) -> str:
    parts = _RESPONSE_RE.findall(value)
    return "\n".join(p.strip() for p in parts) if parts else value.strip()


def convert_hermes_row(row: dict[str, Any]) -> Record:
    turns_in = row.get("conversations")
    if not isinstance(turns_in, list) or not turns_in:
        raise ValueError("hermes row without conversations")
    functions: list[dict[str, Any]] = []
    turns: list[dict[str, str]] = []
    for turn in turns_in:
        role, value = turn.get("from"), str(turn.get("value", ""))
        if role == "system":
            functions = extract_tools(value) or functions
        elif role == "human":
            turns.append({"from": "human", "value": value.strip()})
        elif role == "gpt":
            turns.append(_assistant_turn(value))
        elif role == "tool":
            turns.append({"from": "observation", "value": _observation(value)})
        else:
            raise ValueError(f"unknown hermes role {role!r}")
    if not functions:
        raise ValueError("hermes row without <tools> (not a function-calling row)")
    if not any(t["from"] == "function_call" for t in turns):
        raise ValueError("hermes row without a tool call")
    while turns and turns[-1]["from"] in ("human", "observation"):
        turns.pop()  # a trailing prompt has no target to learn
    for i, t in enumerate(turns):
        expected = ("human", "observation") if i % 2 == 0 else ("gpt", "function_call")
        if t["from"] not in expected:
            raise ValueError(f"hermes row: turn {i} is {t['from']!r}, expected one of {expected}")
    return sft_record(turns, functions, "hermes", f"hermes-{row.get('id', '')}")
