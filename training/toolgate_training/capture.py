"""Toolgate capture records → SFT, DPO and GRPO sets.

A capture record (one JSON line written by the gateway's capture sink or `toolgate export`):

    {"id": str, "outcome": "valid"|"repaired"|"invalid",
     "request": {"messages": [OpenAI messages], "tools": [OpenAI tools]},
     "raw": str,                          # the model's raw assistant text
     "calls": [{"name", "arguments"}],    # the checked calls after repair (may be empty)
     "reference": [{"name", "arguments"}] # optional: a human-confirmed target, wins over calls
    }

`messages`/`tools` may also sit at the top level. What each set gets:
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


class CaptureRecord:
    """One validated capture line."""

    def __init__(self, row: dict[str, Any]):
        request = row.get("request") if isinstance(row.get("request"), dict) else row
        self.id = str(row.get("id", ""))
        self.outcome = row.get("outcome")
        if self.outcome not in ("valid", "repaired", "invalid"):
            raise ValueError(f"capture {self.id}: outcome must be valid|repaired|invalid, got {self.outcome!r}")
        self.messages = request.get("messages")
        if not isinstance(self.messages, list) or not self.messages:
            raise ValueError(f"capture {self.id}: no request messages")
        self.tools = request.get("tools") or []
        self.raw = row.get("raw")
        if not isinstance(self.raw, str):
            raise ValueError(f"capture {self.id}: raw must be a string")
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
