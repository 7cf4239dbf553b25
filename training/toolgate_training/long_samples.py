"""Synthetic xlam-format rows with long tool lists, for measuring memory at realistic lengths.

`python -m toolgate_training.long_samples OUT.json --tokenizer MODEL_DIR --tokens 1400 --rows 64`
writes rows whose tool list alone is about `tokens` tokens long under that tokenizer, so the
GPU smoke (`REALISTIC=1`) trains on prompts of the length the real configs budget for.
"""

from __future__ import annotations

import argparse
import json

WORDS = ("the weather service returns hourly forecasts station readings humidity pressure wind gusts and "
         "alerts for any city region or coordinate pair with optional units language and detail level").split()


def _tool(i: int) -> dict:
    desc = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(40))
    return {"name": f"tool_{i}", "description": desc, "parameters": {
        "city": {"type": "str", "description": f"City for tool {i}."},
        "days": {"type": "int, optional", "description": "Days ahead.", "default": 1},
        "units": {"type": "str, optional", "description": "metric or imperial.", "default": "metric"}}}


def long_rows(tokenizer, tokens: int, rows: int) -> list[dict]:
    tools: list[dict] = []
    while len(tokenizer(json.dumps(tools))["input_ids"]) < tokens:
        tools.append(_tool(len(tools)))
    out = []
    for r in range(rows):
        target = r % len(tools)
        out.append({"id": 10_000 + r, "query": f"Request {r}: forecast for city number {r} using tool {target}.",
                    "tools": json.dumps(tools),
                    "answers": json.dumps([{"name": f"tool_{target}", "arguments": {"city": f"City{r}", "days": r % 5}}])})
    return out


def main(argv: list[str] | None = None) -> int:
    from transformers import AutoTokenizer

    parser = argparse.ArgumentParser(prog="python -m toolgate_training.long_samples")
    parser.add_argument("out")
    parser.add_argument("--tokenizer", required=True)
    parser.add_argument("--tokens", type=int, default=1400)
    parser.add_argument("--rows", type=int, default=64)
    ns = parser.parse_args(argv)
    rows = long_rows(AutoTokenizer.from_pretrained(ns.tokenizer), ns.tokens, ns.rows)
    with open(ns.out, "w", encoding="utf-8") as fh:
        json.dump(rows, fh)
    print(f"{len(rows)} rows, {len(json.loads(rows[0]['tools']))} tools each -> {ns.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
