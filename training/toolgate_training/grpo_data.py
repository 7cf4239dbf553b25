"""GRPO prompts: sharegpt records → `{messages, tools, reference}` rows, and prompt rendering.

Prompts are pre-rendered with the tokenizer's own chat template (Qwen3's, which lists the tools
in the system turn) with `enable_thinking=False`, i.e. exactly what vLLM sends the model when a
client passes `chat_template_kwargs: {"enable_thinking": false}`. TRL then sees plain-text
prompts and never re-templates them.
"""

from __future__ import annotations

import json
from typing import Any

from .sharegpt import Record, as_openai_tools, parse_function_call_value

_ROLE = {"human": "user", "gpt": "assistant", "observation": "tool"}


def sharegpt_to_grpo(rec: Record) -> Record | None:
    """Prompt = the turns before the first function_call; reference = that call. None if no call."""
    messages: list[dict[str, Any]] = []
    if rec.get("system"):
        messages.append({"role": "system", "content": rec["system"]})
    for turn in rec["conversations"]:
        if turn["from"] == "function_call":
            functions = json.loads(rec["tools"]) if isinstance(rec["tools"], str) else rec["tools"]
            return {
                "id": rec.get("id", ""), "source": rec.get("source", ""), "messages": messages,
                "tools": json.dumps(as_openai_tools(functions), ensure_ascii=False),
                "reference": json.dumps(parse_function_call_value(turn["value"]), ensure_ascii=False),
            }
        messages.append({"role": _ROLE[turn["from"]], "content": turn["value"]})
    return None


def render_prompt(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
    if not getattr(tokenizer, "chat_template", None):
        raise ValueError("the tokenizer has no chat template; GRPO prompts must use the model's own (Qwen3) template")
    return tokenizer.apply_chat_template(
        messages, tools=tools or None, tokenize=False, add_generation_prompt=True, enable_thinking=False
    )


def to_trl_row(tokenizer: Any, row: Record) -> dict[str, str]:
    """A GRPO jsonl row → the columns GRPOTrainer gets: prompt text plus JSON-string reward inputs.

    Reads both our rows ({messages, tools, reference}) and `toolgate export --format trl-grpo`
    rows ({prompt, tools, reference_calls}).
    """
    messages = row.get("messages") or row.get("prompt")
    reference = row.get("reference", row.get("reference_calls"))
    if not isinstance(messages, list) or reference is None or "tools" not in row:
        raise ValueError(f"GRPO row {row.get('id', '?')}: needs messages|prompt, tools and reference|reference_calls")
    tools = json.loads(row["tools"]) if isinstance(row["tools"], str) else row["tools"]
    reference = reference if isinstance(reference, str) else json.dumps(reference)
    return {"prompt": render_prompt(tokenizer, messages, tools), "tools": json.dumps(tools), "reference": reference}
