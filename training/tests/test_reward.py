"""The Python reward against hand-computed cases and the shared vectors files (v2, and v1 kept selectable)."""

from __future__ import annotations

import json
import os

import pytest
from conftest import REPO_ROOT

from toolgate_training.grpo_rewards import REWARD_FUNCS, correctness_reward, format_reward, make_reward_funcs, schema_reward
from toolgate_training.reward import RewardOptions, StrictParseError, json_equal, read_output, round6, score_reward
from toolgate_training.reward_v1 import strict_parse

VECTORS_V2 = os.path.join(REPO_ROOT, "eval", "fixtures", "reward-vectors-v2.jsonl")
VECTORS_V1 = os.path.join(REPO_ROOT, "eval", "fixtures", "reward-vectors-v1.jsonl")
V1 = RewardOptions(version=1)


def fn(name: str, props: dict | None = None, required: list[str] | None = None, extra: dict | None = None) -> dict:
    f: dict = {"name": name}
    if props is not None:
        f["parameters"] = {"type": "object", "properties": props, "required": required or [], **(extra or {})}
    return {"type": "function", "function": f}


def call(name: str, args: dict) -> str:
    return "<tool_call>\n" + json.dumps({"name": name, "arguments": args}) + "\n</tool_call>"


WEATHER = [fn("get_weather", {"city": {"type": "string"}, "unit": {"type": "string"}}, ["city"])]
PARIS = [{"name": "get_weather", "arguments": {"city": "Paris"}}]

# (id, tools, raw, reference, (format, correctness, schema, total)) — worked out by hand from docs/reward-spec-v1.md.
CASES = [
    ("exact", WEATHER, call("get_weather", {"city": "Paris"}), PARIS, (1, 3, 1, 5)),
    ("empty-empty", WEATHER, "It is sunny, no tool needed.", [], (1, 3, 1, 5)),
    # P=[]: r_name 0, S_max 1+1+1=3 → -3; schema 0 because G is not empty.
    ("plain-answer-needs-call", WEATHER, "I think it is sunny.", PARIS, (1, -3, 0, -2)),
    ("unclosed-think", WEATHER, "<think>let me see " + call("get_weather", {"city": "Paris"}), PARIS, (0, -3, 0, -3)),
    ("think-then-call", WEATHER, "<think>\nhmm\n</think>\n\n" + call("get_weather", {"city": "Paris"}), PARIS, (1, 3, 1, 5)),
    ("call-only-in-think", WEATHER, "<think>" + call("get_weather", {"city": "Paris"}) + "</think>ok", PARIS, (1, -3, 0, -2)),
    # name 1 + keys 1 + values 0 = 2 of 3 → 6·2/3 − 3 = 1.
    ("wrong-value", WEATHER, call("get_weather", {"city": "Rome"}), PARIS, (1, 1, 1, 3)),
    # keys 1/2, values 1: S = 2.5 of 3 → 2.
    ("extra-key", WEATHER, call("get_weather", {"city": "Paris", "unit": "c"}), PARIS, (1, 2, 1, 4)),
    ("int-equals-float", [fn("fib", {"n": {"type": "integer"}}, ["n"])], call("fib", {"n": 5.0}),
     [{"name": "fib", "arguments": {"n": 5}}], (1, 3, 1, 5)),
    # true ≠ 1 and 1 fails "type": "boolean".
    ("bool-not-int", [fn("f", {"flag": {"type": "boolean"}}, ["flag"])], call("f", {"flag": 1}),
     [{"name": "f", "arguments": {"flag": True}}], (1, 1, 0, 2)),
    # greedy matching: g(A) takes p1 (score 2 > 1), g(B) takes p0 → all match.
    ("greedy-swap", [fn("q", {"s": {"type": "string"}}, ["s"])], call("q", {"s": "B"}) + "\n" + call("q", {"s": "A"}),
     [{"name": "q", "arguments": {"s": "A"}}, {"name": "q", "arguments": {"s": "B"}}], (1, 3, 1, 5)),
    ("trailing-comma", WEATHER, '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris",}}\n</tool_call>', PARIS, (0, -3, 0, -3)),
    ("parameters-key", WEATHER, '<tool_call>\n{"name": "get_weather", "parameters": {"city": "Paris"}}\n</tool_call>', PARIS, (0, -3, 0, -3)),
    ("nan", WEATHER, '<tool_call>\n{"name": "get_weather", "arguments": {"city": NaN}}\n</tool_call>', PARIS, (0, -3, 0, -3)),
    ("missing-close-tag", WEATHER, '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}', PARIS, (0, -3, 0, -3)),
    ("unknown-tool", WEATHER, call("other", {}), PARIS, (1, -3, 0, -2)),
    # r_name 1/2; a matches with empty keys (jaccard 1): S = 1.5 of 3 → 0; a has no parameters and {} args → schema 1.
    ("partial-names", [fn("a"), fn("b")], call("a", {}), [{"name": "a", "arguments": {}}, {"name": "b", "arguments": {}}], (1, 0, 1, 2)),
    # keys {} vs {x} → jaccard 0: S = 1 of 1+1 → 0; a tool without parameters accepts only {} → schema 0.
    ("no-params-tool-with-args", [fn("a")], call("a", {"x": 1}), [{"name": "a", "arguments": {}}], (1, 0, 0, 1)),
    # S = 1 + 1 + 1 of 3 with an enum miss in the schema: correctness 3, schema 0.
    ("schema-enum-fail", [fn("u", {"unit": {"type": "string", "enum": ["C", "F"]}}, ["unit"])], call("u", {"unit": "c"}),
     [{"name": "u", "arguments": {"unit": "c"}}], (1, 3, 0, 4)),
    # a call when no tool applies: names {u} vs {} → 0 of S_max 1.
    ("call-when-none", WEATHER, call("get_weather", {"city": "Paris"}), [], (1, -3, 1, -1)),
]


@pytest.mark.parametrize("case_id,tools,raw,reference,expected", CASES, ids=[c[0] for c in CASES])
def test_hand_computed_v1(case_id, tools, raw, reference, expected) -> None:
    got = score_reward(tools, raw, reference, V1)
    assert (got.format, got.correctness, got.schema, got.total) == pytest.approx(expected, abs=1e-9), case_id


def test_fractional_correctness_is_rounded_to_six_places() -> None:
    tools = [fn("f", {"a": {}, "b": {}, "c": {}})]
    ref = [{"name": "f", "arguments": {"a": 1, "b": 2, "c": 3}}]
    got = score_reward(tools, call("f", {"a": 1, "b": 0}), ref)
    # name 1 + keys 2/3 + values 1 = 8/3 of 1+1+3=5 → 6·(8/3)/5 − 3 = 0.2
    assert got.correctness == pytest.approx(0.2, abs=1e-6)
    got = score_reward(tools, call("f", {"a": 1}), ref)
    # 1 + 1/3 + 1 = 7/3 of 5 → 6·(7/3)/5 − 3 = −0.2; total 1 − 0.2 + 1
    assert got.correctness == round(6 * (7 / 3) / 5 - 3, 6) and got.total == round(2 + 6 * (7 / 3) / 5 - 3, 6)


def test_json_equal_semantics() -> None:
    assert json_equal({"a": [1, {"b": 2.0}]}, {"a": [1.0, {"b": 2}]})
    assert not json_equal([1, 2], [2, 1])
    assert not json_equal(True, 1) and not json_equal(0, False) and not json_equal(None, 0)
    assert json_equal({"x": 1, "y": 2}, {"y": 2, "x": 1}) and not json_equal({"x": 1}, {"x": 1, "y": None})


def test_round6_is_half_up_like_the_typescript_scorer() -> None:
    assert round6(0.0000005) == 0.000001 and round(0.0000005, 6) == 0.0  # Python's round is half-even
    assert round6(-0.0000001) == 0.0 and str(round6(-0.0000001)) == "0.0"
    assert round6(2.8333333333) == 2.833333


def test_read_output_v2() -> None:
    read = read_output(" <think>plan</think>\n" + call("a", {"x": 1}) + "\n" + call("b", {}))
    assert read.reasoning == "plan" and [c["name"] for c in read.calls] == ["a", "b"] and not read.outside.strip()
    assert read_output("text " + call("a", {})).outside == "text "
    for bad in ["<think>open", "</tool_call>x<tool_call>", '<tool_call>{"name": "a", "arguments": {"n": 1e999}}</tool_call>']:
        with pytest.raises(StrictParseError):
            read_output(bad)


def test_strict_parse_order_and_errors() -> None:
    raw = "prose " + call("a", {"x": 1}) + " more " + call("b", {})
    assert [c["name"] for c in strict_parse(raw)] == ["a", "b"]
    for bad in ['<tool_call>{"name": 1, "arguments": {}}</tool_call>', '<tool_call>{"name": "a", "arguments": "{}"}</tool_call>',
                '<tool_call>[{"name": "a", "arguments": {}}]</tool_call>']:
        with pytest.raises(StrictParseError):
            strict_parse(bad)


def test_trl_reward_functions_sum_to_total() -> None:
    raws = [call("get_weather", {"city": "Paris"}), "no call", "<think>"]
    tools = [json.dumps(WEATHER)] * 3
    refs = [json.dumps(PARIS)] * 3
    parts = [f(completions=raws, tools=tools, reference=refs, prompts=["p"] * 3) for f in REWARD_FUNCS]
    totals = [sum(x) for x in zip(*parts, strict=True)]
    assert totals == pytest.approx([5.0, -3.0, -3.0])
    conversational = [[{"role": "assistant", "content": raws[0]}]]
    assert format_reward(conversational, tools[:1], refs[:1]) == [1.0]
    assert correctness_reward(conversational, tools[:1], refs[:1]) == [3.0]
    assert schema_reward(conversational, tools[:1], refs[:1]) == [1.0]


def _vectors(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _mismatches(vectors: list[dict], default: dict | None = None) -> list[str]:
    failures = []
    for v in vectors:
        got = score_reward(v["tools"], v["raw"], v["reference"], RewardOptions.from_json(v.get("options") or default)).as_dict()
        exp = v["expected"]
        if set(got) != set(exp) or any(round(float(got[k]), 6) != round(float(exp[k]), 6) for k in exp):
            failures.append(f"{v['id']}: expected {exp}, got {got}")
    return failures


def test_shared_vectors_v2_every_line() -> None:
    """Every line of the v2 vectors the gateway's TypeScript scorer also passes (expected to 6 decimals)."""
    vectors = _vectors(VECTORS_V2)
    assert len([v for v in vectors if v["id"].startswith("adv_")]) >= 30
    failures = _mismatches(vectors)
    assert not failures, "\n".join(failures)


def test_gaming_cases_score_below_a_single_correct_call() -> None:
    """Issue 14's three cases, each paid the maximum 5 by version 1."""
    paris, rome = call("get_weather", {"city": "Paris"}), call("get_weather", {"city": "Rome"})
    assert score_reward(WEATHER, paris, PARIS).total == 5
    gaming = {"repeat": paris + "\n" + paris, "second call, wrong arguments": paris + "\n" + rome, "prose": "Sure. " + paris + " Done."}
    for case, raw in gaming.items():
        assert score_reward(WEATHER, raw, PARIS, V1).total == 5, case
        assert score_reward(WEATHER, raw, PARIS).total < 5, case


def test_shared_vectors_v1_every_line() -> None:
    vectors = _vectors(VECTORS_V1)
    assert len(vectors) == 73
    failures = _mismatches(vectors, {"version": 1})
    assert not failures, "\n".join(failures)


def test_trl_reward_functions_with_options() -> None:
    """The schedule follows trainer_state.global_step; length adds a 4th function; an open <think> in the prompt is closed."""
    funcs = make_reward_funcs(RewardOptions(schedule_steps=100, length_target=4))
    assert [f.__name__ for f in funcs] == ["format_reward", "correctness_reward", "schema_reward", "length_reward"]
    raws = [call("get_weather", {"city": "Paris"}), "a b</think>\n" + call("get_weather", {"city": "Paris"})]
    kw = {"tools": [json.dumps(WEATHER)] * 2, "reference": [json.dumps(PARIS)] * 2, "prompts": ["<|im_start|>assistant\n", "...<think>\n"]}
    state = type("State", (), {"global_step": 0})()
    fmt, corr, schema, length = (f(completions=raws, trainer_state=state, **kw) for f in funcs)
    assert fmt == [2.0, 2.0] and corr == [2.0, 2.0] and schema == [1.0, 1.0] and length == [0.0, 0.5]
    state.global_step = 50
    assert funcs[0](completions=raws, trainer_state=state, **kw) == [1.5, 1.5]
    # without the prompt's open <think>, "a b</think>" is text outside the call
    assert format_reward(completions=raws[1:], tools=kw["tools"][:1], reference=kw["reference"][:1], prompts=["x"]) == [0.0]


def test_score_cli_versions(tmp_path, capsys) -> None:
    from toolgate_training.cli import main

    paris = call("get_weather", {"city": "Paris"})
    rows = [{"id": "twice", "tools": WEATHER, "raw": paris + paris, "reference": PARIS},
            {"id": "twice-v1", "tools": WEATHER, "raw": paris + paris, "reference": PARIS, "reward": {"version": 1}}]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert main(["score", str(path)]) == 0
    assert [json.loads(line)["total"] for line in capsys.readouterr().out.splitlines()] == [2, 5]
    assert main(["score", "--reward-version", "1", str(path)]) == 0
    assert [json.loads(line)["total"] for line in capsys.readouterr().out.splitlines()] == [5, 5]


def test_grpo_script_checks_reward_weights() -> None:
    import importlib.util

    from conftest import TRAINING_DIR

    spec = importlib.util.spec_from_file_location("train_grpo", os.path.join(TRAINING_DIR, "scripts", "train_grpo.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cfg = {"grpo": {"reward_weights": [1.0, 1.0, 1.0]}, "reward": {"version": 2}}
    assert [f.__name__ for f in mod.reward_funcs_for(cfg)] == ["format_reward", "correctness_reward", "schema_reward"]
    with pytest.raises(SystemExit, match="3 entries but the reward has 4 terms"):
        mod.reward_funcs_for({"grpo": {"reward_weights": [1.0] * 3}, "reward": {"length_target": 512}})
    with pytest.raises(SystemExit, match="unknown keys"):
        mod.reward_options({"reward": {"lenght_target": 5}})
    with pytest.raises(SystemExit, match="version 1 takes no"):
        mod.reward_options({"reward": {"version": 1, "schedule_steps": 10}})
