"""Toolgate capture records → SFT, DPO and GRPO sets.

Reads the gateway's capture lines (gateway/src/capture/record.ts, `kind: "tool_call"`, v1):

    {"kind": "tool_call", "id": str, "outcome": "none"|"valid"|"repaired"|"invalid",
     "messages": [OpenAI messages], "tools": [OpenAI tools],
     "rawOutput": str,                    # content, or the upstream's parsed tool calls as JSON
     "calls": [{"name", "arguments"}] | null,   # the valid (possibly repaired) calls
     "reference": [{"name", "arguments"}] # optional, added by a human: wins over calls
    }

`raw` may replace `rawOutput` and `request: {messages, tools}` may wrap the request (hand-made
files). `shadow_pair` records carry no target and are skipped. What each set gets:
- SFT: the prompt plus the target calls as a function_call turn (valid and repaired records,
  and invalid ones with a reference), so the model learns to emit the repaired form directly.
- DPO: chosen = the target calls, rejected = the raw text (only when the raw text was not
  already valid: repaired, or invalid with a reference) — the pair the gateway had to fix.
- GRPO: the prompt, the tools and the target as `reference`.
"""

from __future__ import annotations

import json
from typing import Any

from .sharegpt import Call, Record, canonical_json, function_call_value, make_call

Turn = dict[str, str]


def _calls_from_message(msg: dict[str, Any]) -> list[Call]:
    calls = []
    for tc in msg.get("tool_calls") or []:
        fn = tc.get("function", tc)
        calls.append(make_call(fn.get("name"), fn.get("arguments")))
    return calls


def messages_to_turns(messages: list[dict[str, Any]]) -> tuple[str, list[Turn]]:
    """OpenAI messages → (system, sharegpt turns). Consecutive tool results join into one observation."""
    system_parts: list[str] = []
    turns: list[Turn] = []
    for msg in messages:
        role = msg.get("role")
        content = msg.get("content")
        text = content if isinstance(content, str) else "" if content is None else json.dumps(content, ensure_ascii=False)
        if role in ("system", "developer"):
            system_parts.append(text)
        elif role == "user":
            turns.append({"from": "human", "value": text})
        elif role == "assistant":
            calls = _calls_from_message(msg)
            turns.append({"from": "function_call", "value": function_call_value(calls)} if calls else {"from": "gpt", "value": text})
        elif role == "tool":
            if turns and turns[-1]["from"] == "observation":
                turns[-1]["value"] += "\n" + text
            else:
                turns.append({"from": "observation", "value": text})
        else:
            raise ValueError(f"unknown message role {role!r}")
    return "\n".join(p for p in system_parts if p), turns


def _functions(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t.get("function", t) for t in tools]


def raw_text(raw_output: str) -> str:
    """The assistant text as the model wrote it.

    When vLLM's parser already split the output into tool calls, the capture holds those calls as
    JSON; render them back into Qwen3 `<tool_call>` blocks (arguments verbatim when they are a
    string, as the model produced them) so a DPO `rejected` turn is model-format text.
    """
    try:
        parsed = json.loads(raw_output)
    except (json.JSONDecodeError, TypeError):
        return raw_output
    if not isinstance(parsed, list) or not parsed or not all(isinstance(c, dict) for c in parsed):
        return raw_output
    blocks = []
    for call in parsed:
        fn = call.get("function", call)
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            return raw_output
        args = fn.get("arguments")
        args_text = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
        blocks.append('<tool_call>\n{"name": ' + json.dumps(fn["name"], ensure_ascii=False) + ', "arguments": ' + args_text + "}\n</tool_call>")
    return "\n".join(blocks)


class CaptureRecord:
    """One validated capture line."""

    def __init__(self, row: dict[str, Any]):
        if not isinstance(row, dict):
            raise ValueError("capture line is not a JSON object")
        if row.get("kind", "tool_call") != "tool_call":
            raise ValueError(f"capture kind {row.get('kind')!r} carries no training target")
        request = row.get("request") if isinstance(row.get("request"), dict) else row
        self.id = str(row.get("id", ""))
        self.outcome = row.get("outcome")
        if self.outcome not in ("none", "valid", "repaired", "invalid"):
            raise ValueError(f"capture {self.id}: outcome must be none|valid|repaired|invalid, got {self.outcome!r}")
        self.messages = request.get("messages")
        if not isinstance(self.messages, list) or not self.messages:
            raise ValueError(f"capture {self.id}: no request messages")
        self.tools = request.get("tools") or []
        raw = row.get("raw", row.get("rawOutput"))
        if not isinstance(raw, str):
            raise ValueError(f"capture {self.id}: rawOutput (or raw) must be a string")
        self.raw = raw_text(raw)
        ref = row.get("reference")
        source = ref if isinstance(ref, list) else row.get("calls") or []
        self.target = [make_call(c.get("name"), c.get("arguments")) for c in source]
        self.has_reference = isinstance(ref, list)
        self.system, self.turns = messages_to_turns(self.messages)
        if not self.turns or self.turns[-1]["from"] not in ("human", "observation"):
            raise ValueError(f"capture {self.id}: the prompt must end with a user or tool message")

    @property
    def trusted_target(self) -> bool:
        """A target worth learning: the gateway's accepted calls, or a human reference."""
        return bool(self.target) and (self.outcome in ("valid", "repaired") or self.has_reference)

    def _base(self) -> Record:
        return {"tools": json.dumps(_functions(self.tools), ensure_ascii=False), "system": self.system,
                "source": "capture", "id": f"capture-{self.id}"}

    def sft(self) -> Record | None:
        if not self.trusted_target:
            return None
        return {"conversations": [*self.turns, {"from": "function_call", "value": function_call_value(self.target)}], **self._base()}

    def dpo(self) -> Record | None:
        if not self.trusted_target or self.outcome == "valid":
            return None
        chosen = function_call_value(self.target)
        if canonical_json(self.raw.strip()) == canonical_json(chosen):
            return None
        return {
            "conversations": list(self.turns),
            "chosen": {"from": "function_call", "value": chosen},
            "rejected": {"from": "gpt", "value": self.raw},
            **self._base(),
        }

    def grpo(self) -> Record | None:
        if not self.trusted_target:
            return None
        return {"id": f"capture-{self.id}", "source": "capture", "messages": self.messages,
                "tools": json.dumps(self.tools, ensure_ascii=False), "reference": json.dumps(self.target, ensure_ascii=False)}
