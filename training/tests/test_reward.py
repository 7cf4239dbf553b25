"""The Python reward against hand-computed cases and the shared vectors file."""

from __future__ import annotations

import json
import os

import pytest
from conftest import REPO_ROOT

from toolgate_training.grpo_rewards import REWARD_FUNCS, correctness_reward, format_reward, schema_reward
from toolgate_training.reward import json_equal, score_reward, strict_parse, StrictParseError

VECTORS = os.path.join(REPO_ROOT, "eval", "fixtures", "reward-vectors.jsonl")


def fn(name: str, props: dict | None = None, required: list[str] | None = None, extra: dict | None = None) -> dict:
    f: dict = {"name": name}
    if props is not None:
        f["parameters"] = {"type": "object", "properties": props, "required": required or [], **(extra or {})}
    return {"type": "function", "function": f}


def call(name: str, args: dict) -> str:
    return "<tool_call>\n" + json.dumps({"name": name, "arguments": args}) + "\n</tool_call>"


WEATHER = [fn("get_weather", {"city": {"type": "string"}, "unit": {"type": "string"}}, ["city"])]
PARIS = [{"name": "get_weather", "arguments": {"city": "Paris"}}]

# (id, tools, raw, reference, (format, correctness, schema, total)) — worked out by hand from docs/reward-spec.md.
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
def test_hand_computed(case_id, tools, raw, reference, expected) -> None:
    got = score_reward(tools, raw, reference)
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
    assert totals == pytest.approx([5.0, -2.0, -3.0])
    conversational = [[{"role": "assistant", "content": raws[0]}]]
    assert format_reward(conversational, tools[:1], refs[:1]) == [1.0]
    assert correctness_reward(conversational, tools[:1], refs[:1]) == [3.0]
    assert schema_reward(conversational, tools[:1], refs[:1]) == [1.0]


def _shared_vectors() -> list[dict]:
    with open(VECTORS, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_shared_vectors_every_line() -> None:
    """Every line of the vectors the gateway's TypeScript scorer also passes (expected to 6 decimals)."""
    vectors = _shared_vectors()
    assert len(vectors) >= 40, "the shared vectors file should cover every branch of the spec"
    failures = []
    for v in vectors:
        got = score_reward(v["tools"], v["raw"], v["reference"]).as_dict()
        exp = v["expected"]
        if any(round(float(got[k]), 6) != round(float(exp[k]), 6) for k in ("format", "correctness", "schema", "total")):
            failures.append(f"{v['id']}: expected {exp}, got {got}")
    assert not failures, "\n".join(failures)
