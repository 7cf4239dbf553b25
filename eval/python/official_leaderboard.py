"""BFCL's own score table for given per-category results: the reference for eval/src/bfcl/leaderboard.ts.

Input, one JSON object per line: {"id": str, "scores": {category: {"accuracy": float, "total_count": int}}}
(categories left out were "not run"). For each line, bfcl_eval's generate_leaderboard_csv — the
function that writes the leaderboard's data_overall.csv — is run on a one-model table in a temp
folder, and its numbers are read back from the CSV files it wrote.
Output, same order: {"id", "overall", "non_live", "live", "irrelevance", "multi_turn", "agentic"},
each a percentage as printed by BFCL ("12.34"), irrelevance null when BFCL prints N/A.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bfcl_bootstrap  # noqa: E402  (must precede bfcl_eval imports)

from bfcl_eval.eval_checker.eval_runner_helper import generate_leaderboard_csv  # noqa: E402

OUT = sys.stdout
sys.stdout = sys.stderr  # generate_leaderboard_csv prints progress

MODEL = "toolgate"  # no "_": the table key is mapped back with model_name.replace("_", "/")
sys.modules["bfcl_eval.constants.model_config"].MODEL_CONFIG_MAPPING[MODEL] = SimpleNamespace(
    display_name=MODEL, url="", org="", license="", input_price=None, output_price=None, underscore_to_dot=False
)


def column(path: Path, name: str) -> str:
    with open(path) as f:
        rows = list(csv.reader(f))
    return rows[1][rows[0].index(name)]


def pct(text: str):
    return None if text == "N/A" else text.rstrip("%")


def main() -> int:
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            generate_leaderboard_csv({MODEL: {k: dict(v) for k, v in case["scores"].items()}}, out)
            result = {
                "id": case["id"],
                "overall": pct(column(out / "data_overall.csv", "Overall Acc")),
                "non_live": pct(column(out / "data_non_live.csv", "Non-Live Overall Acc")),
                "live": pct(column(out / "data_live.csv", "Live Overall Acc")),
                "irrelevance": pct(column(out / "data_overall.csv", "Irrelevance Detection")),
                "multi_turn": pct(column(out / "data_multi_turn.csv", "Multi Turn Overall Acc")),
                "agentic": pct(column(out / "data_agentic.csv", "Agentic Overall Acc")),
            }
        OUT.write(json.dumps(result) + "\n")
    OUT.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
