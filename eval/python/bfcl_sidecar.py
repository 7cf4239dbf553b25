"""The Python half of `toolgate eval` for BFCL's stateful categories (multi-turn, memory).

The TypeScript harness drives the conversation; this process owns what only Python can do: the
official backends shipped in `bfcl-eval` (GorillaFileSystem, MessageAPI, TradingBot, TravelAPI,
MemoryAPI_kv, …) and BFCL's own state and response checkers. Nothing here re-implements BFCL:
entries come from `bfcl_eval.utils.load_dataset_entry`, calls run through
`multi_turn_utils.execute_multi_turn_func_call`, checks through `multi_turn_checker.state_checker`
and `response_checker`, the memory system prompt through `add_memory_instruction_system_prompt`.

Modes
  bfcl_sidecar.py --dump CATEGORY...         print each category's entries as JSON lines
  bfcl_sidecar.py [--memory-dir DIR]         serve requests: one JSON object per line on stdin,
                                             one answer per line on stdout, same `id`

Requests ({"id": n, "op": ..., ...}); answers are {"id": n, "result": ...} or {"id": n, "error": str}
  open     {session, category, entry_id, eval}   instantiate the entry's backends from its
           initial_config, as BaseHandler.inference_multi_turn_FC (eval=false) or
           multi_turn_checker (eval=true) do; returns {"question": [...]} (memory entries get the
           memory system prompt, as at inference)
  exec     {session, calls: [str], trusted}      run decoded calls one at a time; {"results": [str],
           "blocked": [index]} (see _refusal: untrusted calls that are not plain API calls with
           literal arguments are refused instead of eval'd)
  state    {model, ground_truth}                 multi_turn_checker.state_checker
  response {model_results, ground_truth_results, turn}  multi_turn_checker.response_checker
  close    {session, flush}                      drop the instances; flush=true writes the memory
           snapshot, as BaseHandler does after a memory prerequisite conversation
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bfcl_bootstrap  # noqa: E402,F401  (must precede bfcl_eval imports)

from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils  # noqa: E402
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import (  # noqa: E402
    response_checker,
    state_checker,
)
from bfcl_eval.model_handler.utils import add_memory_instruction_system_prompt  # noqa: E402
from bfcl_eval.utils import (  # noqa: E402
    is_memory,
    is_memory_prereq,
    load_dataset_entry,
    load_ground_truth_entry,
    make_json_serializable,
    populate_initial_settings_for_memory_test_cases,
)

# Library code prints progress and warnings (e.g. a missing memory snapshot); the protocol owns stdout.
PROTOCOL_OUT = sys.stdout
sys.stdout = sys.stderr


def is_long_context(category: str) -> bool:
    # BaseHandler and multi_turn_checker both pass long_context=("long_context" in c or "composite" in c)
    return "long_context" in category or "composite" in category


def load_entries(category: str, memory_dir: Path) -> list[dict]:
    """The entries BFCL's generation pipeline would run for `category`, in its order."""
    entries = load_dataset_entry(category)
    if is_memory(category):
        entries = populate_initial_settings_for_memory_test_cases(entries, memory_dir)
    return entries


def dump(categories: list[str]) -> None:
    """Entries as the TS harness needs them: prompts, function docs, ground truth, dependencies."""
    for category in categories:
        entries = load_dataset_entry(category)
        scored = [e for e in entries if not is_memory_prereq(e["id"])]
        # eval_runner aligns prompts and ground truth by index (memory ids differ between the files).
        truth = load_ground_truth_entry(category)
        if len(truth) != len(scored):
            raise SystemExit(f"{category}: {len(scored)} entries but {len(truth)} ground-truth rows")
        gt_by_id = {e["id"]: t["ground_truth"] for e, t in zip(scored, truth)}
        for e in entries:
            row = {
                "id": e["id"],
                "category": category,
                "question": e["question"],
                "function": e["function"],
                "missed_function": e.get("missed_function", {}),
                "involved_classes": e["involved_classes"],
                "depends_on": e.get("depends_on", []),
                "scenario": e.get("scenario"),
                "prereq": is_memory_prereq(e["id"]),
                "ground_truth": gt_by_id.get(e["id"]),
            }
            # default=str: what make_json_serializable does for the few non-JSON values, at C speed.
            PROTOCOL_OUT.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    PROTOCOL_OUT.flush()


SAFE_NODES = (ast.keyword, ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.UnaryOp, ast.USub, ast.UAdd, ast.Load)
# Names an expression eval'd inside execute_multi_turn_func_call can reach: builtins, the module's
# globals (imports, cached backend instances) and that function's own locals.
_EVAL_LOCALS = set(multi_turn_utils.execute_multi_turn_func_call.__code__.co_varnames)


def _defined(name: str) -> bool:
    return name in vars(multi_turn_utils) or hasattr(builtins, name) or name in _EVAL_LOCALS


def _refusal(call: str, methods: set[str]) -> str | None:
    """Why an untrusted call string must not reach BFCL's `eval`, or None when it may.

    BFCL executes model output with `eval` in multi_turn_utils' namespace. A call decoded from a
    JSON tool call is `name(k=repr(v), ...)`: one name with literal arguments. Passed to BFCL as is
    (so it answers with its own results and error texts): such calls of the entry's API methods;
    syntax errors (eval rejects them before running anything); and calls whose function name is
    undefined, like `get.symbol_by_name(...)` (Python raises NameError on the name before it
    evaluates anything else). Refused: everything else — calls of Python builtins or module globals
    (`open`, `eval`, `json.dumps`, …) and API calls whose arguments are not literals. Only hostile
    tool names or argument keys produce those; BFCL would run them as code.
    """
    try:
        tree = ast.parse(call, mode="eval")
    except SyntaxError:
        return None  # eval raises the same SyntaxError before evaluating anything
    top = tree.body
    if not isinstance(top, ast.Call):
        return "not a function call"
    root = top.func
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name):
        return "the function is not a name"
    # BFCL prefixes a method name with its instance only where the name is directly called.
    is_method = isinstance(top.func, ast.Name) and top.func.id in methods
    if not is_method:
        if not _defined(root.id):
            return None  # NameError on the function's name, before its arguments are evaluated
        return f"'{ast.unparse(top.func)}' is not a function of this task's APIs"
    for node in ast.walk(top):
        if node is top or node is top.func:
            continue
        if isinstance(node, ast.Name):
            if not _defined(node.id):  # e.g. repr(float('inf')) is `inf`: a NameError, as upstream
                continue
            return f"argument refers to '{node.id}'"
        if not isinstance(node, SAFE_NODES):
            return f"argument is a {type(node).__name__} expression, not a literal"
    return None


def _brief(check: dict) -> dict:
    """A checker's verdict without the full instance states (megabytes for long-context entries)."""
    if check.get("valid"):
        return check
    details = check.get("details", {})
    kept = make_json_serializable({k: details[k] for k in ("differences", "missing_items") if k in details})
    return {**{k: v for k, v in check.items() if k != "details"}, "details": _truncate(kept)}


def _truncate(value, limit: int = 2000):
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + f"… ({len(value) - limit} more characters)"
    if isinstance(value, dict):
        return {k: _truncate(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_truncate(v, limit) for v in value[:50]]
    return value


class Session:
    def __init__(self, entry: dict, category: str, model_name: str, is_eval: bool):
        self.entry = entry
        self.category = category
        self.model_name = model_name
        self.is_eval = is_eval
        self.instances: dict = {}
        self.globals_added: set[str] = set()
        self._methods: set[str] | None = None

    def execute(self, calls: list[str]) -> list[str]:
        before = set(vars(multi_turn_utils))
        results, self.instances = multi_turn_utils.execute_multi_turn_func_call(
            calls,
            self.entry.get("initial_config", {}),
            self.entry["involved_classes"],
            self.model_name,
            self.entry["id"],
            long_context=is_long_context(self.category),
            is_evaL_run=self.is_eval,
        )
        self.globals_added |= set(vars(multi_turn_utils)) - before
        return results

    def methods(self) -> set[str]:
        # The names execute_multi_turn_func_call maps to instances (inspect.ismethod, no "_" prefix).
        if self._methods is None:
            self._methods = {m for inst in self.instances.values() for m, _ in inspect.getmembers(inst, predicate=inspect.ismethod) if not m.startswith("_")}
        return self._methods

    def close(self) -> None:
        # execute_multi_turn_func_call caches instances in the module's globals for the process's life.
        for name in self.globals_added:
            vars(multi_turn_utils).pop(name, None)


class Server:
    def __init__(self, memory_dir: Path):
        self.memory_dir = memory_dir
        self.entries: dict[str, dict[str, dict]] = {}
        self.sessions: dict[str, Session] = {}
        self.counter = 0

    def entry(self, category: str, entry_id: str) -> dict:
        if category not in self.entries:
            self.entries[category] = {e["id"]: e for e in load_entries(category, self.memory_dir)}
        if entry_id not in self.entries[category]:
            raise KeyError(f"no entry '{entry_id}' in BFCL category '{category}'")
        return self.entries[category][entry_id]

    def session(self, name: str) -> Session:
        if name not in self.sessions:
            raise KeyError(f"no open session '{name}'")
        return self.sessions[name]

    def op_open(self, session: str, category: str, entry_id: str, eval: bool = False) -> dict:
        if session in self.sessions:
            raise ValueError(f"session '{session}' is already open")
        entry = copy.deepcopy(self.entry(category, entry_id))
        self.counter += 1
        s = Session(entry, category, f"toolgate_s{self.counter}", eval)
        s.execute([])  # instantiate (BaseHandler does the same to get the instances before turn 0)
        self.sessions[session] = s
        question = entry["question"]
        if is_memory(category) and not eval:
            (memory_instance,) = s.instances.values()
            question = add_memory_instruction_system_prompt(question, category, entry["scenario"], memory_instance)
        return {"question": question}

    def op_exec(self, session: str, calls: list[str], trusted: bool = False) -> dict:
        s = self.session(session)
        results: list[str] = []
        blocked: list[int] = []
        for i, call in enumerate(calls):
            reason = None if trusted else _refusal(call, s.methods())
            if reason is not None:
                blocked.append(i)
                results.append(f"Error during execution: refused by toolgate: {reason}")
                continue
            # One call at a time is the same as BFCL's list: instances persist between calls.
            results.extend(s.execute([call]))
        return {"results": results, "blocked": blocked}

    def op_state(self, model: str, ground_truth: str) -> dict:
        return _brief(state_checker(self.session(model).instances, self.session(ground_truth).instances))

    def op_response(self, model_results: list, ground_truth_results: list, turn: int) -> dict:
        return _brief(response_checker(model_results, ground_truth_results, turn))

    def op_close(self, session: str, flush: bool = False) -> dict:
        s = self.sessions.pop(session, None)
        if s is None:
            return {"closed": False}
        if flush and is_memory_prereq(s.entry["id"]):
            (memory_instance,) = s.instances.values()
            memory_instance._flush_memory_to_local_file()
        s.close()
        return {"closed": True}

    def handle(self, req: dict) -> dict:
        op = req.get("op")
        fn = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
        if fn is None:
            raise ValueError(f"unknown op {op!r}")
        args = {k: v for k, v in req.items() if k not in ("id", "op")}
        return fn(**args)

    def serve(self) -> None:
        for line in sys.stdin:
            if not line.strip():
                continue
            req_id = None
            try:
                req = json.loads(line)
                req_id = req.get("id")
                answer = {"id": req_id, "result": make_json_serializable(self.handle(req))}
            except Exception as exc:  # reported to the caller; the server keeps serving
                answer = {"id": req_id, "error": f"{type(exc).__name__}: {exc}"}
            PROTOCOL_OUT.write(json.dumps(answer, ensure_ascii=False) + "\n")
            PROTOCOL_OUT.flush()


def self_test() -> None:
    """Every backend toolgate runs imports and executes (run by `make eval-deps`)."""
    import importlib
    import tempfile

    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING

    for name in ("GorillaFileSystem", "MathAPI", "MessageAPI", "TwitterAPI", "TicketAPI", "TradingBot", "TravelAPI", "VehicleControlAPI", "MemoryAPI_kv", "MemoryAPI_rec_sum"):
        importlib.import_module(CLASS_FILE_PATH_MAPPING[name])
    server = Server(Path(tempfile.mkdtemp(prefix="toolgate-bfcl-selftest-")))
    server.op_open("a", "multi_turn_base", "multi_turn_base_0", False)
    (result,) = server.op_exec("a", ["pwd()"])["results"]
    assert json.loads(result) == {"current_working_directory": "/workspace"}, result
    print("BFCL sidecar: ok", file=sys.stderr)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--dump":
        dump(argv[1:])
        return 0
    if argv and argv[0] == "--self-test":
        self_test()
        return 0
    memory_dir = Path(argv[argv.index("--memory-dir") + 1]) if "--memory-dir" in argv else Path(os.environ["BFCL_PROJECT_ROOT"])
    memory_dir.mkdir(parents=True, exist_ok=True)
    Server(memory_dir.resolve()).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
