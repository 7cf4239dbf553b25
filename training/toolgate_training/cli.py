"""`python -m toolgate_training <command>`: prepare (build every set) and score (the reward on JSONL)."""

from __future__ import annotations

import argparse
import json
import sys

from .bfcl_prompts import installed_bfcl_files, load_bfcl_queries
from .prepare import prepare
from .reward import RewardOptions, score_reward


def _prepare(args: argparse.Namespace) -> int:
    if not (args.xlam or args.hermes or args.capture):
        print("error: no input files (give --xlam, --hermes and/or --capture; `make training-download` fetches the public ones)",
              file=sys.stderr)
        return 2
    bfcl_files = args.bfcl or ([] if args.no_installed_bfcl else installed_bfcl_files())
    if not bfcl_files:
        print("warning: no BFCL prompts given or installed; the holdout is not checked against BFCL", file=sys.stderr)
    stats = prepare(args.out, xlam=args.xlam, hermes=args.hermes, capture=args.capture,
                    bfcl_queries=load_bfcl_queries(bfcl_files), holdout_fraction=args.holdout_fraction)
    stats["bfcl_files"] = len(bfcl_files)
    print(json.dumps(stats, indent=2))
    return 0


def _score(args: argparse.Namespace) -> int:
    src = open(args.input, encoding="utf-8") if args.input != "-" else sys.stdin
    for lineno, line in enumerate(src, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            options = RewardOptions.from_json({"version": args.reward_version, **(row.get("reward") or {})})
            result = score_reward(row.get("tools") or [], row["raw"], row.get("reference") or [], options).as_dict()
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            print(f"line {lineno}: {err}", file=sys.stderr)
            return 1
        print(json.dumps({"id": row.get("id"), **result}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolgate_training")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="convert xlam / hermes / capture files into SFT, DPO and GRPO sets")
    p.add_argument("--out", required=True, help="output folder (also gets dataset_info.json)")
    p.add_argument("--xlam", action="append", default=[], help="xlam-function-calling-60k JSON or JSONL (repeatable)")
    p.add_argument("--hermes", action="append", default=[], help="hermes-function-calling-v1 JSON or JSONL (repeatable)")
    p.add_argument("--capture", action="append", default=[], help="Toolgate capture JSONL file or folder of them (repeatable)")
    p.add_argument("--bfcl", action="append", default=[], help="BFCL data file(s) to keep out of the sets (default: the installed bfcl-eval's)")
    p.add_argument("--no-installed-bfcl", action="store_true", help="do not read the installed bfcl-eval package")
    p.add_argument("--holdout-fraction", type=float, default=0.02, help="share of normalized queries held out (default 0.02)")
    p.set_defaults(func=_prepare)
    s = sub.add_parser("score", help="score JSONL lines {tools, raw, reference} with the reward spec")
    s.add_argument("input", nargs="?", default="-", help="JSONL file or - for stdin")
    s.add_argument("--reward-version", type=int, choices=[1, 2], default=2,
                   help="reward version for lines without reward.version (default 2; 1 is superseded)")
    s.set_defaults(func=_score)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
