"""Run the official BFCL AST checker (PyPI `bfcl-eval`) over a JSONL of cases; print JSON verdicts.

Used by the TypeScript agreement tests (eval/test/bfcl-agreement.test.ts): both checkers judge the
same cases and must give the same verdict and error type on every one.

Input, one JSON object per line:
  {"id": str, "category": "simple_python" | "multiple" | "parallel" | "live_simple" | "irrelevance" | ...,
   "functions": [BFCL function docs, as in the dataset],
   "result": [{"<name>": "<arguments JSON string>"}, ...] | "<plain content>",
   "ground_truth": [...possible answers...]   (absent for irrelevance categories),
   "underscore_to_dot": bool                  (the OpenAI-style "." -> "_" name rewrite)}
Output, one JSON object per line, same order: {"id", "valid", "error_type"} (error_type null if valid).

The scoring flow mirrors bfcl_eval/eval_checker/eval_runner.py (_evaluate_single_ast_entry and
_evaluate_single_relevance_entry) for an FC model whose handler is OpenAICompletionsHandler; the
checker functions themselves are imported from the installed package, not copied.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bfcl_bootstrap import MODEL_DOT, MODEL_NODOT  # noqa: E402  (must precede bfcl_eval imports)

from bfcl_eval.constants.enums import Language  # noqa: E402
from bfcl_eval.eval_checker.ast_eval.ast_checker import ast_checker  # noqa: E402
from bfcl_eval.utils import is_empty_output, is_function_calling_format_output  # noqa: E402


def decode_fc(result):
    """OpenAICompletionsHandler.decode_ast for FC models (5 lines; the class imports the openai SDK)."""
    decoded_output = []
    for invoked_function in result:
        name = list(invoked_function.keys())[0]
        params = json.loads(invoked_function[name])
        decoded_output.append({name: params})
    return decoded_output


def language_of(category: str):
    if "java" in category and "javascript" not in category:
        return Language.JAVA
    if "javascript" in category:
        return Language.JAVASCRIPT
    return Language.PYTHON


def judge(case: dict) -> dict:
    category = case["category"]
    model = MODEL_DOT if case.get("underscore_to_dot", True) else MODEL_NODOT
    result = case["result"]
    if "irrelevance" in category or "relevance" in category:
        try:
            decoded = decode_fc(result)
            contains_call = not is_empty_output(decoded)
        except Exception:  # the official runner treats any decode failure as "no call"
            contains_call = False
        success = (not contains_call) if "irrelevance" in category else contains_call
        if success:
            return {"valid": True, "error_type": None}
        kind = "irrelevance_error:decoder_success" if "irrelevance" in category else "relevance_error:decoder_failed"
        return {"valid": False, "error_type": kind}
    try:
        decoded = decode_fc(result)
    except Exception:
        return {"valid": False, "error_type": "ast_decoder:decoder_failed"}
    if not is_function_calling_format_output(decoded):
        return {"valid": False, "error_type": "ast_decoder:decoder_wrong_output_format"}
    verdict = ast_checker(case["functions"], decoded, case["ground_truth"], language_of(category), category, model)
    return {"valid": bool(verdict["valid"]), "error_type": None if verdict["valid"] else verdict["error_type"]}


def self_test() -> None:
    fn = [{"name": "math.hypot", "description": "", "parameters": {"type": "dict", "properties": {
        "x": {"type": "integer"}, "y": {"type": "integer"}}, "required": ["x", "y"]}}]
    gt = [{"math.hypot": {"x": [4], "y": [5]}}]
    ok = judge({"category": "simple_python", "functions": fn, "ground_truth": gt,
                "result": [{"math_hypot": '{"x": 4, "y": 5}'}]})
    bad = judge({"category": "simple_python", "functions": fn, "ground_truth": gt,
                 "result": [{"math_hypot": '{"x": "4", "y": 5}'}]})
    assert ok == {"valid": True, "error_type": None}, ok
    assert bad == {"valid": False, "error_type": "type_error:simple"}, bad
    print("official BFCL checker: ok")


def main() -> int:
    if "--self-test" in sys.argv:
        self_test()
        return 0
    out = sys.stdout
    for line_no, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            verdict = judge(case)
        except Exception as exc:  # a checker crash is itself a verdict the TS side must know about
            verdict = {"valid": False, "error_type": f"python_exception:{type(exc).__name__}"}
        out.write(json.dumps({"id": case.get("id", line_no), **verdict}) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
