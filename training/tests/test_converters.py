"""Data tools: xlam / hermes / capture → sharegpt, de-duplication, BFCL-free holdout, dataset_info."""

from __future__ import annotations

import json
import os

import pytest
from conftest import SAMPLES

from toolgate_training.bfcl_prompts import load_bfcl_queries
from toolgate_training.capture import CaptureRecord
from toolgate_training.hermes import convert_hermes_row
from toolgate_training.sharegpt import normalize_query, parse_function_call_value, read_json_rows
from toolgate_training.xlam import convert_xlam_row
from toolgate_training.xlam_schema import params_to_schema, type_to_schema


def _rows(name: str) -> list:
    return read_json_rows(os.path.join(SAMPLES, name))


def _jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.mark.parametrize("type_str,schema,optional", [
    ("str", {"type": "string"}, False),
    ("int, optional", {"type": "integer"}, True),
    ("float", {"type": "number"}, False),
    ("List[str]", {"type": "array", "items": {"type": "string"}}, False),
    ("List[Dict[str, Any]]", {"type": "array", "items": {"type": "object"}}, False),
    ("Optional[List[int]]", {"type": "array", "items": {"type": "integer"}}, True),
    ("Dict[str, int]", {"type": "object", "additionalProperties": {"type": "integer"}}, False),
    ("Union[int, str]", {"type": ["integer", "string"]}, False),
    ("Union[str, None]", {"type": "string"}, True),
    ("Tuple[int, int]", {"type": "array"}, False),
    ("callable", {}, False),
])
def test_xlam_type_strings(type_str: str, schema: dict, optional: bool) -> None:
    assert type_to_schema(type_str) == (schema, optional)


def test_xlam_params_required_and_defaults() -> None:
    schema = params_to_schema({
        "city": {"type": "str", "description": "City"},
        "unit": {"type": "str", "description": "Unit", "default": "celsius"},
        "days": {"type": "int, optional", "description": "Days"},
    })
    assert schema == {"type": "object", "required": ["city"], "properties": {
        "city": {"type": "string", "description": "City"},
        "unit": {"type": "string", "description": "Unit", "default": "celsius"},
        "days": {"type": "integer", "description": "Days"}}}


def test_xlam_row_to_sharegpt_with_parallel_calls() -> None:
    rows = {r["id"]: r for r in _rows("xlam-sample.json")}
    rec = convert_xlam_row(rows[2])
    assert [t["from"] for t in rec["conversations"]] == ["human", "function_call"]
    calls = json.loads(rec["conversations"][1]["value"])
    assert calls == [{"name": "stock_quote", "arguments": {"symbol": "MSFT"}}, {"name": "stock_quote", "arguments": {"symbol": "NVDA"}}]
    tools = json.loads(rec["tools"])
    assert tools[0]["parameters"]["properties"]["symbol"]["type"] == "string" and "required" not in tools[0]["parameters"]
    single = convert_xlam_row(rows[1])
    assert json.loads(single["conversations"][1]["value"]) == {"name": "get_weather", "arguments": {"city": "Paris"}}
    with pytest.raises(ValueError, match="answers"):
        convert_xlam_row(rows[8])
    with pytest.raises(ValueError, match="undeclared"):
        convert_xlam_row({"id": 9, "query": "q", "tools": "[]", "answers": json.dumps([{"name": "x", "arguments": {}}])})


def test_hermes_python_literals_parallel_and_multiturn() -> None:
    rows = {r["id"]: r for r in _rows("hermes-sample.json")}
    rec = convert_hermes_row(rows["h-1"])
    assert [t["from"] for t in rec["conversations"]] == ["human", "function_call", "observation", "gpt"]
    assert json.loads(rec["conversations"][1]["value"]) == {"name": "convert_currency", "arguments": {"amount": 250, "from_currency": "EUR", "to_currency": "USD"}}
    assert rec["conversations"][2]["value"].startswith('{"name": "convert_currency"')
    assert json.loads(rec["tools"])[0]["parameters"]["required"] == ["amount", "from_currency", "to_currency"]
    par = convert_hermes_row(rows["h-2"])
    calls = parse_function_call_value(par["conversations"][1]["value"])
    assert [c["name"] for c in calls] == ["create_event", "send_email"] and calls[0]["arguments"]["all_day"] is True
    multi = convert_hermes_row(rows["h-3"])
    assert [t["from"] for t in multi["conversations"]] == ["human", "function_call", "observation", "gpt", "human", "function_call"]
    with pytest.raises(ValueError, match="without <tools>"):
        convert_hermes_row(rows["h-4"])


def test_capture_records_to_sets() -> None:
    recs = {r["id"]: CaptureRecord(r) for r in _rows("capture-sample.jsonl") if r.get("kind") != "shadow_pair"}
    repaired = recs["c-1"]
    sft = repaired.sft()
    assert sft["system"] == "You are a shopping assistant."
    assert json.loads(sft["conversations"][-1]["value"]) == {"name": "search_products", "arguments": {"query": "blue kettle", "limit": 2}}
    dpo = repaired.dpo()
    assert dpo["rejected"] == {"from": "gpt", "value": repaired.raw} and dpo["chosen"]["from"] == "function_call"
    assert [t["from"] for t in dpo["conversations"]] == ["human"]
    # invalid + human reference → all three sets; invalid without one → none
    assert recs["c-2"].sft() and recs["c-2"].dpo() and json.loads(recs["c-2"].grpo()["reference"])[0]["arguments"]["days_ahead"] == 1
    assert recs["c-4"].sft() is None and recs["c-4"].dpo() is None and recs["c-4"].grpo() is None
    # valid → SFT and GRPO, but no preference pair; the multi-turn history maps to sharegpt roles
    valid = recs["c-3"]
    assert valid.dpo() is None
    assert [t["from"] for t in valid.sft()["conversations"]] == ["human", "function_call", "observation", "human", "function_call"]
    with pytest.raises(ValueError, match="outcome"):
        CaptureRecord({"id": "x", "outcome": "weird", "messages": [{"role": "user", "content": "hi"}], "raw": ""})


def test_gateway_capture_lines() -> None:
    """The gateway's own capture format (gateway/src/capture/record.ts, kind tool_call v1)."""
    rows = {r["id"]: r for r in _rows("capture-sample.jsonl")}
    rec = CaptureRecord(rows["c-6"])
    # vLLM had parsed the calls, so rawOutput is their JSON: rejected becomes the model's text again
    assert rec.dpo()["rejected"]["value"] == '<tool_call>\n{"name": "book_table", "arguments": {"people": "4", "time": "19:30"}}\n</tool_call>'
    assert json.loads(rec.dpo()["chosen"]["value"]) == {"name": "book_table", "arguments": {"people": 4, "time": "19:30"}}
    none = CaptureRecord(rows["c-7"])
    assert none.sft() is None and none.dpo() is None and none.grpo() is None
    with pytest.raises(ValueError, match="shadow_pair"):
        CaptureRecord(rows["p-1"])


def test_grpo_rows_from_toolgate_export_are_accepted(tiny_model: str) -> None:
    from transformers import AutoTokenizer

    from toolgate_training.grpo_data import to_trl_row

    tok = AutoTokenizer.from_pretrained(tiny_model)
    row = {"id": "x", "conversation_id": "c", "prompt": [{"role": "user", "content": "Book for 2 at 8pm"}],
           "tools": json.dumps([{"type": "function", "function": {"name": "book_table", "parameters": {"type": "object"}}}]),
           "reference_calls": json.dumps([{"name": "book_table", "arguments": {"people": 2}}])}
    out = to_trl_row(tok, row)
    assert "Book for 2 at 8pm" in out["prompt"] and json.loads(out["reference"])[0]["arguments"] == {"people": 2}
    with pytest.raises(ValueError, match="needs messages"):
        to_trl_row(tok, {"id": "y", "tools": "[]"})


def test_normalize_query() -> None:
    assert normalize_query("  What's the Weather in PARIS?? ") == normalize_query("what's the weather in paris")
    assert normalize_query("Ｆｕｌｌ-width") == "full-width"


def test_prepare_dedupes_splits_and_keeps_bfcl_out(prepared_data: str) -> None:
    stats = json.load(open(os.path.join(prepared_data, "stats.json")))
    assert stats["skipped"]["sft: duplicate"] == 1
    assert stats["skipped"]["sft: bfcl overlap"] == 1 and stats["skipped"]["grpo: bfcl overlap"] == 1
    assert stats["read"] == {"xlam": 8, "hermes": 4, "capture": 8}
    assert stats["skipped"]["capture"] == 1  # the shadow_pair line
    bfcl = load_bfcl_queries([os.path.join(SAMPLES, "bfcl-sample.json")])
    sets = {}
    for name in ("sft", "dpo", "grpo"):
        for split in ("train", "holdout"):
            rows = _jsonl(os.path.join(prepared_data, f"{name}_{split}.jsonl"))
            assert stats["written"][f"{name}_{split}"] == len(rows)
            sets[f"{name}_{split}"] = rows
    def queries(rows: list[dict]) -> set[str]:
        out = set()
        for r in rows:
            msgs = r.get("conversations") or [{"from": "human", "value": m["content"]} for m in r["messages"] if m["role"] == "user"]
            out |= {normalize_query(t["value"]) for t in msgs if t["from"] == "human"}
        return out
    assert sets["sft_holdout"], "the sample split should hold something out at fraction 0.2"
    for name in ("sft", "grpo"):
        train_q, hold_q = queries(sets[f"{name}_train"]), queries(sets[f"{name}_holdout"])
        assert not (hold_q & bfcl) and not (train_q & bfcl)
        first_train = {normalize_query(next(iter(sorted(queries([r]))))) for r in sets[f"{name}_train"]}
        assert not ({normalize_query(next(iter(sorted(queries([r]))))) for r in sets[f"{name}_holdout"]} & first_train)
    assert len(sets["dpo_train"]) + len(sets["dpo_holdout"]) == 4
    for r in sets["grpo_train"]:
        assert isinstance(json.loads(r["tools"]), list) and json.loads(r["reference"])


def test_dataset_info_matches_files(prepared_data: str) -> None:
    info = json.load(open(os.path.join(prepared_data, "dataset_info.json")))
    assert info["toolgate_sft"]["columns"]["tools"] == "tools" and info["toolgate_sft"]["formatting"] == "sharegpt"
    assert info["toolgate_dpo"]["ranking"] is True and info["toolgate_dpo"]["columns"]["chosen"] == "chosen"
    for entry in info.values():
        assert os.path.exists(os.path.join(prepared_data, entry["file_name"]))


def test_cli_prepare_and_score(tmp_path) -> None:
    import subprocess
    import sys

    from conftest import TRAINING_DIR

    env = dict(os.environ, PYTHONPATH=TRAINING_DIR)
    def run(*a: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "toolgate_training", *a], capture_output=True, text=True, env=env, **kw)
    missing = run("prepare", "--out", str(tmp_path / "none"))
    assert missing.returncode == 2 and "no input files" in missing.stderr
    bad = run("prepare", "--out", str(tmp_path / "bad"), "--xlam", str(tmp_path / "absent.json"), "--no-installed-bfcl")
    assert bad.returncode == 1 and "error:" in bad.stderr
    ok = run("prepare", "--out", str(tmp_path / "d"), "--xlam", os.path.join(SAMPLES, "xlam-sample.json"),
             "--bfcl", os.path.join(SAMPLES, "bfcl-sample.json"))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["skipped"]["sft: bfcl overlap"] == 1
    line = json.dumps({"id": "a", "tools": [], "raw": "plain answer", "reference": []})
    scored = run("score", input=line + "\n")
    assert scored.returncode == 0 and json.loads(scored.stdout) == {"id": "a", "format": 1, "correctness": 3.0, "schema": 1, "total": 5.0}
    broken = run("score", input="{not json\n")
    assert broken.returncode == 1 and "line 1" in broken.stderr


def test_prepare_reads_a_capture_folder(tmp_path) -> None:
    from toolgate_training.prepare import prepare

    folder = tmp_path / "capture"
    folder.mkdir()
    lines = open(os.path.join(SAMPLES, "capture-sample.jsonl"), encoding="utf-8").read().splitlines()
    (folder / "capture-0001.jsonl").write_text("\n".join(lines[:3]) + "\n")
    (folder / "capture-0002.jsonl").write_text("\n".join(lines[3:]) + "\n")
    (folder / "notes.txt").write_text("ignored")
    stats = prepare(str(tmp_path / "out"), capture=[str(folder)], holdout_fraction=0.0)
    assert stats["read"] == {"capture": len(lines)} and stats["written"]["dpo_train"] == 4
