"""Build every training set from the raw sources in one pass.

sources (xlam, hermes, capture) → sharegpt records → de-duplicate → drop anything whose
normalized user query is a BFCL evaluation prompt → split train / holdout by a hash of the
normalized first query (so one query never lands on both sides) → write JSONL files plus
LLaMA-Factory's dataset_info.json and a stats.json of what was kept and skipped and why.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .capture import CaptureRecord
from .grpo_data import sharegpt_to_grpo
from .hermes import convert_hermes_row
from .sharegpt import Record, dedupe, first_user_text, normalize_query, read_json_rows, write_jsonl
from .xlam import convert_xlam_row

SFT_COLUMNS = {"messages": "conversations", "tools": "tools", "system": "system"}
DPO_COLUMNS = {**SFT_COLUMNS, "chosen": "chosen", "rejected": "rejected"}


def dataset_info(prefix: str = "toolgate") -> dict[str, Any]:
    """LLaMA-Factory dataset_info.json entries for the files `prepare` writes."""
    def entry(file: str, ranking: bool = False) -> dict[str, Any]:
        info: dict[str, Any] = {"file_name": file, "formatting": "sharegpt", "columns": DPO_COLUMNS if ranking else SFT_COLUMNS}
        if ranking:
            info["ranking"] = True
        return info

    return {
        f"{prefix}_sft": entry("sft_train.jsonl"),
        f"{prefix}_sft_holdout": entry("sft_holdout.jsonl"),
        f"{prefix}_dpo": entry("dpo_train.jsonl", ranking=True),
        f"{prefix}_dpo_holdout": entry("dpo_holdout.jsonl", ranking=True),
    }


@dataclass
class Stats:
    read: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    written: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"read": dict(self.read), "skipped": dict(self.skipped), "skip_reasons": dict(self.reasons.most_common(20)),
                "written": self.written}


def _convert_all(rows: Iterable[Any], source: str, convert: Callable[[Any], Any], stats: Stats) -> list[Any]:
    out = []
    for row in rows:
        stats.read[source] += 1
        try:
            out.append(convert(row))
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            stats.skipped[source] += 1
            stats.reasons[f"{source}: {str(err)[:60]}"] += 1
    return out


def _expand(paths: Sequence[str]) -> list[str]:
    """Files as given; a folder (the gateway's rotating capture dir) → its *.jsonl files in name order."""
    out: list[str] = []
    for p in paths:
        out += sorted(glob.glob(os.path.join(p, "*.jsonl"))) if os.path.isdir(p) else [p]
    return out


def in_holdout(query: str, fraction: float, salt: str = "toolgate-holdout-v1") -> bool:
    digest = hashlib.sha256(f"{salt}:{normalize_query(query)}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def _prompt_text(rec: Record) -> str:
    if "conversations" in rec:
        return first_user_text(rec)
    return next((m.get("content", "") for m in rec.get("messages", []) if m.get("role") == "user"), "")


def _split(records: list[Record], fraction: float, bfcl: set[str], stats: Stats, name: str) -> tuple[list[Record], list[Record]]:
    train, holdout = [], []
    for rec in records:
        query = _prompt_text(rec)
        if normalize_query(query) in bfcl:
            stats.skipped[f"{name}: bfcl overlap"] += 1
            continue
        (holdout if in_holdout(query, fraction) else train).append(rec)
    return train, holdout


def prepare(
    out_dir: str,
    xlam: Sequence[str] = (),
    hermes: Sequence[str] = (),
    capture: Sequence[str] = (),
    bfcl_queries: set[str] | None = None,
    holdout_fraction: float = 0.02,
) -> dict[str, Any]:
    if not 0 <= holdout_fraction < 1:
        raise ValueError("holdout fraction must be in [0, 1)")
    stats = Stats()
    sft: list[Record] = []
    for path in xlam:
        sft += _convert_all(read_json_rows(path), "xlam", convert_xlam_row, stats)
    for path in hermes:
        sft += _convert_all(read_json_rows(path), "hermes", convert_hermes_row, stats)
    captures: list[CaptureRecord] = []
    for path in _expand(capture):
        captures += _convert_all(read_json_rows(path), "capture", CaptureRecord, stats)
    sft += [r for r in (c.sft() for c in captures) if r]
    dpo = [r for r in (c.dpo() for c in captures) if r]
    grpo = [r for r in (sharegpt_to_grpo(s) for s in sft if s["source"] != "capture") if r]
    grpo += [r for r in (c.grpo() for c in captures) if r]

    bfcl = bfcl_queries or set()
    os.makedirs(out_dir, exist_ok=True)
    for name, records in (("sft", sft), ("dpo", dpo), ("grpo", grpo)):
        unique = list(dedupe(records)) if name != "grpo" else _dedupe_grpo(records)
        stats.skipped[f"{name}: duplicate"] += len(records) - len(unique)
        train, holdout = _split(unique, holdout_fraction, bfcl, stats, name)
        stats.written[f"{name}_train"] = write_jsonl(os.path.join(out_dir, f"{name}_train.jsonl"), train)
        stats.written[f"{name}_holdout"] = write_jsonl(os.path.join(out_dir, f"{name}_holdout.jsonl"), holdout)
    with open(os.path.join(out_dir, "dataset_info.json"), "w", encoding="utf-8") as fh:
        json.dump(dataset_info(), fh, indent=2)
    result = stats.as_dict()
    with open(os.path.join(out_dir, "stats.json"), "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    return result


def _dedupe_grpo(records: list[Record]) -> list[Record]:
    seen: set[str] = set()
    out = []
    for rec in records:
        key = json.dumps([normalize_query(_prompt_text(rec)), rec["messages"], json.loads(rec["tools"]), json.loads(rec["reference"])],
                         sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            out.append(rec)
    return out
