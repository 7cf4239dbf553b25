"""Salesforce xlam-function-calling-60k rows → sharegpt SFT records.

Row: `{"id": int, "query": str, "tools": "<JSON list>", "answers": "<JSON list of {name, arguments}>"}`
(tools and answers are JSON *strings*). Every answer becomes one function_call turn; several
answers are parallel calls and become a list.
"""

from __future__ import annotations

import json
from typing import Any

from .sharegpt import Record, function_call_value, make_call, sft_record
from .xlam_schema import xlam_tool_to_function


def _json_field(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as err:
            raise ValueError(f"field {key!r} is not valid JSON: {err.msg}") from err
    return value


def convert_xlam_row(row: dict[str, Any]) -> Record:
    query = row.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ValueError("xlam row without a query")
    tools = _json_field(row, "tools")
    answers = _json_field(row, "answers")
    if not isinstance(tools, list) or not isinstance(answers, list):
        raise ValueError("xlam row: tools and answers must be JSON lists")
    functions = [xlam_tool_to_function(t) for t in tools]
    calls = [make_call(a.get("name"), a.get("arguments")) for a in answers]
    names = {f["name"] for f in functions}
    unknown = [c["name"] for c in calls if c["name"] not in names]
    if unknown:
        raise ValueError(f"xlam row calls undeclared tools: {unknown}")
    if not calls:
        raise ValueError("xlam row without answers")
    turns = [{"from": "human", "value": query}, {"from": "function_call", "value": function_call_value(calls)}]
    return sft_record(turns, functions, "xlam", f"xlam-{row.get('id', '')}")
