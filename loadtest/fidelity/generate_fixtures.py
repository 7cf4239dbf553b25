"""Step 2 of `make vllm-fixtures`: records what vLLM 0.33 itself answers for each corpus text.

For every case exported by export-cases.ts and every server/request variant below, the raw
model text is fed, token by token, through vLLM's own code on the path its OpenAI server takes
(entrypoints/openai/chat_completion/serving.py):

  render   ParserManager.get_parser → Parser.adjust_request (renderers/online_renderer.py
           preprocess_chat), which decides skip_special_tokens and structural tags;
  decode   tokenizers.decoders.DecodeStream primed with the prompt, one token per engine step,
           the stop token left out of the text (v1/engine/detokenizer.py
           FastIncrementalDetokenizer / BaseIncrementalDetokenizer.update);
  stream   ChatStreamProcessor.step per step, chunks built and serialised as
           chat_completion_stream_generator does (exclude_unset);
  whole    Parser.parse → assemble_chat_message_fields → ChatMessage, resolve_finish_reason,
           serialised as the API router does (model_dump).

Output: one JSON line per (case, variant) with the chunks and the message, tool-call ids
replaced by "<id>". The simulator must reproduce them (loadtest/test/sim/vllm-fidelity.test.ts).
Usage: python generate_fixtures.py <cases.json> <out.jsonl>
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vllm_shim  # noqa: E402

vllm_shim.install()

import tokenizers.decoders  # noqa: E402
from vllm.entrypoints.generate.base.protocol import DeltaMessage  # noqa: E402
from vllm.entrypoints.openai.chat_completion.message_assembly import assemble_chat_message_fields  # noqa: E402
from vllm.entrypoints.openai.chat_completion.protocol import (  # noqa: E402
    ChatCompletionRequest,
    ChatCompletionResponse,
    ChatCompletionResponseChoice,
    ChatCompletionResponseStreamChoice,
    ChatCompletionStreamResponse,
    ChatMessage,
)
from vllm.entrypoints.openai.chat_completion.stream_processor import ChatStreamProcessor  # noqa: E402
from vllm.entrypoints.serve.engine.protocol import CompletionTokenUsageInfo, UsageInfo  # noqa: E402
from vllm.entrypoints.serve.utils.tool_calls_utils import resolve_finish_reason  # noqa: E402
from vllm.parser import ParserManager  # noqa: E402
from vllm.tokenizers.hf import get_cached_tokenizer  # noqa: E402
from vllm.version import __version__ as VLLM_VERSION  # noqa: E402

from qwen3_tokenizer import build_tokenizer, token_ids  # noqa: E402

vllm_shim.imports_done()
# vLLM logs a traceback for every malformed call its hermes parser gives up on; the fixtures
# record the outcome, so keep the output readable.
logging.getLogger("vllm").setLevel(logging.CRITICAL)

MODEL = "Qwen/Qwen3-0.6B"
USER = "Please help."


def variants(case: dict) -> list[dict]:
    """The server flags and request fields each case is answered under.

    server: tool_parser (--tool-call-parser, with --enable-auto-tool-choice), reasoning_parser.
    request: the fields the simulator request must carry (tools come from the case).
    """
    hermes_qwen3 = {"tool_parser": "hermes", "reasoning_parser": "qwen3"}
    hermes = {"tool_parser": "hermes", "reasoning_parser": None}
    qwen3_only = {"tool_parser": None, "reasoning_parser": "qwen3"}
    own = case["tool_choice"]
    first_tool = case["tools"][0]["function"]["name"] if case["tools"] else None
    out = [
        {"name": "qwen3+hermes", "server": hermes_qwen3, "request": {} if own is None else {"tool_choice": own}},
        {"name": "hermes", "server": hermes, "request": {} if own is None else {"tool_choice": own}},
        {"name": "qwen3+hermes/none", "server": hermes_qwen3, "request": {"tool_choice": "none"}},
        {"name": "qwen3/none", "server": qwen3_only, "request": {"tool_choice": "none"}},
        {"name": "qwen3+hermes/no-thinking", "server": hermes_qwen3,
         "request": {"chat_template_kwargs": {"enable_thinking": False}}},
    ]
    if own is None:
        # An explicit null is not "auto": calls are parsed out of the text, then dropped.
        out.append({"name": "qwen3+hermes/null", "server": hermes_qwen3, "request": {"tool_choice": None}})
        out.append({"name": "qwen3+hermes/required", "server": hermes_qwen3, "request": {"tool_choice": "required"}})
        if first_tool:
            out.append({"name": "qwen3+hermes/named", "server": hermes_qwen3,
                        "request": {"tool_choice": {"type": "function", "function": {"name": first_tool}}}})
    if case["text"].count("<tool_call>") > 1:
        out.append({"name": "qwen3+hermes/single-call", "server": hermes_qwen3, "request": {"parallel_tool_calls": False}})
    return out


def finishes(case: dict) -> list[str]:
    """'stop': the model ended with <|im_end|>. 'length': max_tokens cut it (cut-off cases)."""
    cut = any(k in case["id"] for k in ("truncated", "unterminated"))
    return ["stop", "length"] if cut else ["stop"]


def usage_part(usage: dict) -> dict:
    """The usage fields the fixture keeps: prompt_tokens/total_tokens depend on prompt tokenization."""
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    return {k: v for k, v in usage.items() if k not in ("prompt_tokens", "total_tokens")}


class Envelopes:
    """What every chunk/response carries besides its delta/message: the same for every fixture,
    so it is checked constant and written once in the header line."""

    def __init__(self) -> None:
        self.seen: dict[str, dict] = {}

    def check(self, kind: str, envelope: dict) -> None:
        for k in ("id", "created", "model"):
            envelope.pop(k, None)
        prev = self.seen.setdefault(kind, envelope)
        if prev != envelope:
            raise AssertionError(f"{kind} envelope differs: {prev} vs {envelope}")


ENVELOPES = Envelopes()
# Per variant: what adjust_request decided (skip_special_tokens, structural tags); for the docs.
NOTES: dict[str, dict] = {}


def strip_ids(obj):
    if isinstance(obj, dict):
        return {k: ("<id>" if k == "id" and isinstance(v, str) else strip_ids(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [strip_ids(v) for v in obj]
    return obj


class Run:
    """One request through one simulated vLLM server."""

    def __init__(self, tok, case: dict, variant: dict, finish: str):
        self.tok = tok
        self.server = variant["server"]
        self.auto_tools = self.server["tool_parser"] is not None
        body = {"model": MODEL, "messages": [{"role": "user", "content": USER}], "tools": case["tools"], **variant["request"]}
        self.body = body
        self.parser_cls = ParserManager.get_parser(
            tool_parser_name=self.server["tool_parser"],
            reasoning_parser_name=self.server["reasoning_parser"] or "",
            enable_auto_tools=self.auto_tools,
            model_name=MODEL,
            tokenizer=tok,
        )
        self.variant_name = variant["name"]
        self.ids = token_ids(tok, case["pieces"]) + ([tok.eos_token_id] if finish == "stop" else [])
        self.finish = finish

    def request(self) -> ChatCompletionRequest:
        return ChatCompletionRequest.model_validate(copy.deepcopy(self.body))

    def chat_template_kwargs(self, request: ChatCompletionRequest) -> dict:
        return request.build_chat_params(None, "auto").chat_template_kwargs

    def prompt_ids(self, request: ChatCompletionRequest) -> list[int]:
        # Only the end of the prompt matters to the parsers (is the reasoning block open?).
        thinking = (request.chat_template_kwargs or {}).get("enable_thinking", True)
        text = f"<|im_start|>user\n{USER}<|im_end|>\n<|im_start|>assistant\n" + ("" if thinking else "<think>\n\n</think>\n\n")
        return self.tok.encode(text, add_special_tokens=False)

    def render(self) -> tuple[ChatCompletionRequest, list[int]] | dict:
        """online_renderer.render_chat's checks and preprocess_chat's adjust_request."""
        request = self.request()
        tool_parser = self.parser_cls.tool_parser_cls if self.parser_cls is not None else None
        if tool_parser is None and request.tool_choice not in (None, "none"):
            if request.tool_choice == "auto":
                msg = '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'
            else:
                tc = request.tool_choice
                desc = f'function "{tc.function.name}"' if not isinstance(tc, str) else f'"{tc}"'
                msg = f"tool_choice={desc} requires --tool-call-parser to be set"
            return {"status": 400, "message": msg}
        prompt = self.prompt_ids(request)
        parser_cls = self.parser_cls
        if parser_cls is not None and (
            parser_cls.always_adjust_request or parser_cls.reasoning_parser_cls is not None or request.tool_choice != "none"
        ):
            p = parser_cls(self.tok, request.tools, model_config=None, chat_template_kwargs=self.chat_template_kwargs(request))
            p.set_prompt_token_ids(prompt)
            request = p.adjust_request(request=request)
        so = request.structured_outputs
        NOTES.setdefault(self.variant_name, {
            "skip_special_tokens": request.skip_special_tokens if request.skip_special_tokens is not None else True,
            "structured_outputs": None if so is None else
            ("structural_tag" if so.structural_tag else "json" if so.json is not None else "other"),
        })
        return request, prompt

    def engine_steps(self, request: ChatCompletionRequest, prompt: list[int]):
        """(delta_text, token_ids, finish_reason) per engine step, one token each."""
        skip = request.skip_special_tokens if request.skip_special_tokens is not None else True
        stream = tokenizers.decoders.DecodeStream(ids=prompt, skip_special_tokens=skip)
        last = len(self.ids) - 1
        for i, tid in enumerate(self.ids):
            stop_terminated = i == last and self.finish == "stop"
            text = "" if stop_terminated else (stream.step(self.tok._tokenizer, tid) or "")
            yield text, [tid], (self.finish if i == last else None)

    def parser(self, request: ChatCompletionRequest):
        if self.parser_cls is None:
            return None
        return self.parser_cls(self.tok, request.tools, chat_template_kwargs=self.chat_template_kwargs(request), model_config=None)

    def usage(self, completion_tokens: int, reasoning_tokens: int) -> UsageInfo:
        # prompt_tokens depends on the prompt's tokenization, which is the simulator's own:
        # the fixture keeps completion_tokens (and the details the reasoning parser adds).
        return UsageInfo(
            prompt_tokens=0, completion_tokens=completion_tokens, total_tokens=completion_tokens,
            completion_tokens_details=(CompletionTokenUsageInfo(reasoning_tokens=reasoning_tokens)
                                       if self.server["reasoning_parser"] else None),
        )

    def whole(self) -> dict:
        rendered = self.render()
        if isinstance(rendered, dict):
            return {"error": rendered}
        request, prompt = rendered
        steps = list(self.engine_steps(request, prompt))
        text = "".join(s[0] for s in steps)
        parser = self.parser(request)
        if parser is not None:
            parser.set_prompt_token_ids(prompt)
            reasoning, content, tool_calls = parser.parse(text, request, enable_auto_tools=self.auto_tools, model_output_token_ids=self.ids)
            reasoning_tokens = parser.count_reasoning_tokens(self.ids)
        else:
            reasoning, content, tool_calls, reasoning_tokens = None, text, [], 0
        fields = assemble_chat_message_fields(request, reasoning, content, tool_calls, enable_auto_tools=self.auto_tools, parser_cls=self.parser_cls)
        message = ChatMessage(role="assistant", reasoning=fields.reasoning, content=fields.content, tool_calls=fields.tool_calls)
        choice = ChatCompletionResponseChoice(
            index=0, message=message, logprobs=None,
            finish_reason=resolve_finish_reason(self.finish, request, bool(message.tool_calls)),
            stop_reason=None, token_ids=None, routed_experts=None, weight_versions=None,
        )
        response = ChatCompletionResponse(
            id="x", created=0, model=MODEL, choices=[choice], usage=self.usage(len(self.ids), reasoning_tokens),
            system_fingerprint=None, prompt_logprobs=None, prompt_token_ids=None, prompt_text=None,
            kv_transfer_params=None, ec_transfer_params=None, metrics=None,
        )
        body = strip_ids(response.model_dump())  # as the API router returns it
        c = body["choices"][0]
        out = {"message": c.pop("message"), "finish_reason": c.pop("finish_reason"), "usage": usage_part(body.pop("usage"))}
        ENVELOPES.check("whole", body)
        return out

    def stream(self) -> dict:
        rendered = self.render()
        if isinstance(rendered, dict):
            return {"error": rendered}
        request, prompt = rendered
        parser = self.parser(request)
        processor = ChatStreamProcessor(request, parser, enable_auto_tools=self.auto_tools, parser_cls=self.parser_cls)
        generated: list[int] = []
        chunks = []

        final = None

        def emit(kind: str, choice: ChatCompletionResponseStreamChoice, **extra) -> None:
            nonlocal final
            chunk = ChatCompletionStreamResponse(id="x", created=0, model=MODEL, choices=[choice], **extra)
            data = strip_ids(json.loads(chunk.model_dump_json(exclude_unset=True, exclude_none=False)))
            c = data["choices"][0]
            delta = c.pop("delta")
            if kind == "final":
                final = {"delta": delta, "finish_reason": c.pop("finish_reason")}
            elif kind == "delta":
                chunks.append(delta)
            ENVELOPES.check(f"stream.{kind}", data)

        emit("role", ChatCompletionResponseStreamChoice(index=0, delta=DeltaMessage(role="assistant", content=""), logprobs=None, finish_reason=None),
             prompt_token_ids=None, prompt_text=None)
        for delta_text, ids, finish in self.engine_steps(request, prompt):
            delta, finish_reason = processor.step(delta_text, ids, finish, prompt)
            generated.extend(ids)
            if delta is None:
                if finish is None:
                    continue
                delta = DeltaMessage()
            if finish is None:
                choice = ChatCompletionResponseStreamChoice(index=0, delta=delta, logprobs=None, finish_reason=None, token_ids=None)
            else:
                choice = ChatCompletionResponseStreamChoice(index=0, delta=delta, logprobs=None, finish_reason=finish_reason,
                                                            stop_reason=None, token_ids=None, weight_versions=None)
            emit("delta" if finish is None else "final", choice, kv_transfer_params=None)
        reasoning_tokens = parser.count_reasoning_tokens(tuple(generated)) if parser is not None else 0
        # The stream_options.include_usage chunk (exclude_none: no choices).
        usage_chunk = ChatCompletionStreamResponse(id="x", created=0, model=MODEL, choices=[],
                                                   usage=self.usage(processor.num_output_tokens, reasoning_tokens),
                                                   system_fingerprint=None, metrics=None)
        data = json.loads(usage_chunk.model_dump_json(exclude_unset=True, exclude_none=True))
        usage = usage_part(data.pop("usage"))
        ENVELOPES.check("stream.usage", data)
        return {"deltas": chunks, "final": final, "usage": usage}


MESSAGE_ENVELOPE = ("refusal", "annotations", "audio", "function_call")


def compact_whole(whole: dict) -> dict:
    """Moves the message fields that are always null into the envelope (checked)."""
    if "message" in whole:
        message = whole["message"]
        ENVELOPES.check("whole.message", {k: message.pop(k) for k in MESSAGE_ENVELOPE})
    return whole


def main() -> None:
    cases_path, out_path = sys.argv[1], sys.argv[2]
    data = json.loads(Path(cases_path).read_text())
    pieces = [p for c in data["cases"] for p in c["pieces"]]
    # The server wraps its tokenizer the same way (vllm/tokenizers/hf.py).
    tok = get_cached_tokenizer(build_tokenizer(pieces, data["added_tokens"], data["eos_token"]))
    lines = []
    variant_table: dict[str, dict] = {}
    runs_total = 0
    for case in data["cases"]:
        # One line per case; runs that stream the same deltas share one stored sequence.
        sequences: list[list] = []
        runs = []
        for variant in variants(case):
            variant_table.setdefault(variant["name"], {"server": variant["server"]})
            for finish in finishes(case):
                run = Run(tok, case, variant, finish)
                whole, stream = compact_whole(run.whole()), run.stream()
                if "deltas" in stream:
                    if stream["deltas"] not in sequences:
                        sequences.append(stream["deltas"])
                    stream["deltas"] = sequences.index(stream["deltas"])
                runs.append({"variant": variant["name"], "finish": finish, "request": variant["request"], "whole": whole, "stream": stream})
        runs_total += len(runs)
        line = {"case": case["id"], "text": case["text"], "pieces": case["pieces"],
                "tools": [t["function"]["name"] for t in case["tools"]], "sequences": sequences, "runs": runs}
        lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    vllm_shim.check()
    header = {"vllm": VLLM_VERSION, "model": MODEL, "generator": "loadtest/fidelity/generate_fixtures.py",
              "cases": len(lines), "runs": runs_total,
              "variants": {k: {**v, **NOTES.get(k, {})} for k, v in variant_table.items()},
              "envelopes": ENVELOPES.seen}
    Path(out_path).write_text(json.dumps(header) + "\n" + "\n".join(lines) + "\n")
    print(f"vLLM {VLLM_VERSION}: {runs_total} runs of {len(lines)} cases → {out_path}")


if __name__ == "__main__":
    main()
