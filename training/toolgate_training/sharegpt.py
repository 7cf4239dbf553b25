"""LLaMA-Factory sharegpt records with a `tools` column and `function_call` turns.

A record: `{"conversations": [{"from": "human"|"gpt"|"function_call"|"observation", "value": str}],
"tools": "<JSON list of function definitions>", "source": str, "id": str}`. A `function_call`
value is the JSON of one `{"name", "arguments"}` object or, for parallel calls, a list of them —
the form LLaMA-Factory's FunctionFormatter renders into Qwen3 `<tool_call>` blocks.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

Record = dict[str, Any]
Call = dict[str, Any]


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def function_call_value(calls: list[Call]) -> str:
    """LLaMA-Factory's function_call content: one object, or a list for parallel calls."""
    if not calls:
        raise ValueError("a function_call turn needs at least one call")
    payload: Any = calls[0] if len(calls) == 1 else calls
    return json.dumps(payload, ensure_ascii=False)


def parse_function_call_value(value: str) -> list[Call]:
    payload = json.loads(value)
    return payload if isinstance(payload, list) else [payload]


def make_call(name: Any, arguments: Any) -> Call:
    if not isinstance(name, str) or not name:
        raise ValueError("call without a function name")
    if isinstance(arguments, str):  # some sources store arguments as a JSON string
        arguments = json.loads(arguments) if arguments.strip() else {}
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ValueError(f"arguments of {name!r} are not an object")
    return {"name": name, "arguments": arguments}


def sft_record(
    turns: list[dict[str, str]], functions: list[dict[str, Any]], source: str, rec_id: str, system: str = ""
) -> Record:
    # `system` is always present: LLaMA-Factory reads the mapped column from every row.
    return {"conversations": turns, "tools": json.dumps(functions, ensure_ascii=False), "system": system,
            "source": source, "id": rec_id}


def as_openai_tools(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f if f.get("type") == "function" else {"type": "function", "function": f} for f in functions]


_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")


def normalize_query(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed, edge punctuation dropped: 'What's  the weather?' ≈ 'what's the weather'."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _EDGE_PUNCT.sub("", _SPACE.sub(" ", text).strip())


def first_user_text(rec: Record) -> str:
    for turn in rec.get("conversations", []):
        if turn.get("from") == "human":
            return str(turn.get("value", ""))
    return ""


def dedupe_key(rec: Record) -> str:
    """Same normalized turns, same tools and same targets → the same example."""
    turns = [(t["from"], normalize_query(t["value"]) if t["from"] == "human" else t["value"]) for t in rec["conversations"]]
    extra = [rec.get(k) for k in ("chosen", "rejected", "reference")]
    tools = json.loads(rec["tools"]) if isinstance(rec.get("tools"), str) else rec.get("tools")
    return hashlib.sha256(canonical_json([turns, tools, extra]).encode()).hexdigest()


def dedupe(records: Iterable[Record]) -> Iterator[Record]:
    seen: set[str] = set()
    for rec in records:
        key = dedupe_key(rec)
        if key not in seen:
            seen.add(key)
            yield rec


def read_json_rows(path: str) -> list[Any]:
    """A JSON array file or a JSON Lines file (the hub ships both shapes)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = json.loads(stripped)
        if not isinstance(rows, list):
            raise ValueError(f"{path}: expected a JSON array")
        return rows
    rows = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{lineno}: invalid JSON ({err.msg})") from err
    return rows


def write_jsonl(path: str, records: Iterable[Record]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n
