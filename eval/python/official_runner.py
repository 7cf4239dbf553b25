"""Score recorded multi-turn and memory results with BFCL's official runner; print JSON verdicts.

The reference the TypeScript harness is held to (eval/test/bfcl-multi-turn-agreement.test.ts):
both sides judge the same recorded model outputs and must give the same verdict and error type.

Input, one JSON object per line:
  {"id": str, "category": "multi_turn_base" | ... | "memory_kv" | "memory_rec_sum",
   "entry_id": str, "result": [[model_responses per step] per turn] | "Error during inference: ..."}
where model_responses is what OpenAICompletionsHandler._parse_query_response_FC records: a list of
{name: arguments-JSON} for tool calls, else the message content.
Output, same order: {"id", "valid", "error_type", "decoded"} — decoded: per turn, per step, the
call strings eval_runner passes to the checker (multi-turn only).

Each case goes through eval_runner._evaluate_single_multi_turn_entry or
_evaluate_single_agentic_entry — imported from the installed package, not copied — with the handler
an FC model on the OpenAI completions API has (decode_execute = convert_to_function_call), the
prompt and ground-truth entries eval_runner.evaluate_task would load, and a fresh model name per case
(the backends' instances are cached per model name for the life of the process).

  official_runner.py --gt-calls    stdin {"category", "entry_id"} lines → the entry's ground-truth
                                   calls as [[{"name", "arguments"}] per turn] (test helper: builds
                                   correct model outputs from BFCL's answers)
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bfcl_bootstrap import MODEL_NODOT  # noqa: E402  (must precede bfcl_eval imports)

from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING  # noqa: E402
from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils  # noqa: E402
from bfcl_eval.model_handler.utils import convert_to_function_call  # noqa: E402
from bfcl_eval.utils import is_agentic, load_dataset_entry, load_ground_truth_entry  # noqa: E402

OUT = sys.stdout
sys.stdout = sys.stderr  # the checkers print progress


class FcHandler:
    """OpenAICompletionsHandler with is_fc_model=True, as far as the runner uses it (the class imports the openai SDK)."""

    is_fc_model = True

    def decode_execute(self, result, has_tool_call_tag):
        return convert_to_function_call(result)


_cache: dict[str, tuple[dict, dict]] = {}


def prompt_and_truth(category: str) -> tuple[dict, dict]:
    """eval_runner.evaluate_task: prompts without prerequisites or hints, ground truth aligned by index."""
    if category not in _cache:
        prompts = load_dataset_entry(category, include_prereq=False, include_language_specific_hint=False)
        truth = load_ground_truth_entry(category)
        assert len(prompts) == len(truth), f"{category}: {len(prompts)} prompts, {len(truth)} answers"
        _cache[category] = ({p["id"]: p for p in prompts}, {p["id"]: t for p, t in zip(prompts, truth)})
    return _cache[category]


def judge(case: dict, model_name: str) -> dict:
    category = case["category"]
    prompts, truth = prompt_and_truth(category)
    entry_id = case["entry_id"]
    prompt = copy.deepcopy(prompts[entry_id])
    gt = truth[entry_id]["ground_truth"]
    result = case["result"]
    handler = FcHandler()
    # Imported here: eval_runner pulls in pandas and friends, which --gt-calls does not need.
    from bfcl_eval.eval_checker.eval_runner import _evaluate_single_agentic_entry, _evaluate_single_multi_turn_entry

    if is_agentic(category):
        verdict = _evaluate_single_agentic_entry(handler, entry_id, result, gt, prompt, model_name, category)
        decoded = None
    else:
        verdict = _evaluate_single_multi_turn_entry(handler, entry_id, result, gt, prompt, model_name, category)
        decoded = decode_like_runner(handler, result)
    error_type = None if verdict["valid"] else verdict["error"]["error_type"]
    return {"valid": bool(verdict["valid"]), "error_type": error_type, "decoded": decoded}


def decode_like_runner(handler, result):
    """The decoding loop of _evaluate_single_multi_turn_entry, to compare call strings too."""
    if type(result) != list:
        return None
    out = []
    for turn in result:
        steps = []
        for item in turn:
            try:
                decoded = handler.decode_execute(item, has_tool_call_tag=False)
                if multi_turn_utils.is_empty_execute_response(decoded):
                    continue
                steps.append(decoded)
            except Exception:
                continue
        out.append(steps)
    return out


def forget(model_name: str) -> None:
    """Drop the case's backend instances from execute_multi_turn_func_call's cache."""
    for name in [n for n in vars(multi_turn_utils) if n.startswith(model_name + "_")]:
        del vars(multi_turn_utils)[name]


def gt_calls(category: str, entry_id: str) -> list:
    """Ground-truth call strings → [{"name", "arguments"}], positional arguments bound by the backend method's signature."""
    prompts, truth = prompt_and_truth(category)
    classes = [getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[c]), c) for c in prompts[entry_id]["involved_classes"]]
    turns = []
    for calls in truth[entry_id]["ground_truth"]:
        turn = []
        for call in calls:
            node = ast.parse(call, mode="eval").body
            name = node.func.id
            method = next(getattr(cls, name) for cls in classes if hasattr(cls, name))
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            bound = inspect.signature(method).bind(None, *args, **kwargs).arguments
            bound.pop(next(iter(bound)))  # self
            turn.append({"name": name, "arguments": dict(bound)})
        turns.append(turn)
    return turns


def main() -> int:
    if "--gt-calls" in sys.argv:
        for line in sys.stdin:
            if line.strip():
                req = json.loads(line)
                OUT.write(json.dumps({"entry_id": req["entry_id"], "turns": gt_calls(req["category"], req["entry_id"])}) + "\n")
        OUT.flush()
        return 0
    for n, line in enumerate(sys.stdin):
        if not line.strip():
            continue
        case = json.loads(line)
        model_name = f"{MODEL_NODOT.replace('-', '_')}_case{n}"
        try:
            verdict = judge(case, model_name)
        except Exception as exc:  # a runner crash is itself a verdict the TS side must know about
            verdict = {"valid": False, "error_type": f"python_exception:{type(exc).__name__}", "decoded": None}
        finally:
            forget(model_name)
        OUT.write(json.dumps({"id": case["id"], **verdict}) + "\n")
    OUT.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
