"""A tiny random-weight model of Qwen3's architecture, built locally (no hub, no weights).

Tests and the GPU smoke script run the real LLaMA-Factory / TRL code paths on it, and the edge
tests export it to GGUF and serve it with llama-server. The tokenizer is a byte-level BPE trained
here on the sample data with Qwen2/Qwen3's pre-tokenizer (the same split regex), Qwen3's special
tokens (`<|endoftext|>`, `<|im_start|>`, `<|im_end|>`) and, like Qwen3, the tool and think tags as
added tokens that are *not* special (so decoding with skip_special_tokens keeps them, as TRL and
llama.cpp need). The chat template, written for this project, renders tools, tool calls and
`enable_thinking` the way Qwen3's template does (tools in the system turn, `<tool_call>` JSON
blocks, an empty `<think>\\n\\n</think>\\n\\n` when thinking is disabled).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Added tokens that Qwen3 marks "special": false (tokenizer_config.json of Qwen/Qwen3-0.6B).
TAG_TOKENS = ["<tool_call>", "</tool_call>", "<think>", "</think>", "<tool_response>", "</tool_response>", "<tools>", "</tools>"]
# Qwen2's pre-tokenizer split (tokenizer.json of Qwen2/Qwen3; llama.cpp's LLAMA_VOCAB_PRE_TYPE_QWEN2).
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
               r"|\s+(?!\S)|\s+")

TOOL_PROMPT = (
    "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>"
)
TOOL_PROMPT_END = (
    "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\\n<tool_call>\\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\\n</tool_call>"
)

CHAT_TEMPLATE = (
    "{%- if tools %}"
    "{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}"
    "{{- '" + TOOL_PROMPT + "' }}"
    "{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}"
    "{{- '" + TOOL_PROMPT_END.replace("'", "\\'") + "<|im_end|>\\n' }}"
    "{%- elif messages[0].role == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for m in messages %}"
    "{%- if m.role == 'user' %}{{- '<|im_start|>user\\n' + m.content + '<|im_end|>\\n' }}"
    "{%- elif m.role == 'assistant' %}{{- '<|im_start|>assistant\\n' + (m.content or '') }}"
    "{%- for tc in (m.tool_calls or []) %}{%- set f = tc.function if tc.function is defined else tc %}"
    "{{- '\\n<tool_call>\\n{\"name\": \"' + f.name + '\", \"arguments\": ' }}"
    "{%- if f.arguments is string %}{{- f.arguments }}{%- else %}{{- f.arguments | tojson }}{%- endif %}"
    "{{- '}\\n</tool_call>' }}{%- endfor %}{{- '<|im_end|>\\n' }}"
    "{%- elif m.role == 'tool' %}{{- '<|im_start|>user\\n<tool_response>\\n' + m.content + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}"
)


def _corpus(sample_dir: str) -> Iterable[str]:
    for path in sorted(glob.glob(os.path.join(sample_dir, "*"))):
        with open(path, encoding="utf-8") as fh:
            yield fh.read()
    yield TOOL_PROMPT + TOOL_PROMPT_END + ' {"name": "x", "arguments": {}} user assistant system'


def build_tokenizer(sample_dir: str, vocab_size: int = 800):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_corpus(sample_dir), trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TAG_TOKENS])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   additional_special_tokens=SPECIAL_TOKENS[1:],
                                   model_input_names=["input_ids", "attention_mask"])  # like Qwen2TokenizerFast
    fast.chat_template = CHAT_TEMPLATE
    return fast


# Qwen3-0.6B's published shape (config.json of Qwen/Qwen3-0.6B): random weights of this shape give
# real memory and step-time figures for the 0.6B without downloading it.
QWEN3_06B_SHAPE = {"vocab_size": 151936, "hidden_size": 1024, "intermediate_size": 3072, "num_hidden_layers": 28,
                   "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "max_position_embeddings": 40960}


def build_tiny_qwen3(out_dir: str, sample_dir: str, hidden: int = 64, layers: int = 2, seed: int = 0,
                     full_shape: bool = False) -> str:
    """Save a random-weight Qwen3ForCausalLM + tokenizer into `out_dir` and return it.

    full_shape=True uses Qwen3-0.6B's dimensions (the embedding is padded past the small tokenizer).
    """
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(seed)
    tokenizer = build_tokenizer(sample_dir)
    dims = dict(QWEN3_06B_SHAPE) if full_shape else {
        "vocab_size": len(tokenizer), "hidden_size": hidden, "intermediate_size": hidden * 2, "num_hidden_layers": layers,
        "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": hidden // 4, "max_position_embeddings": 1024}
    config = Qwen3Config(
        **dims, tie_word_embeddings=True, bos_token_id=None, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    model = Qwen3ForCausalLM(config)
    if full_shape:  # Qwen3-0.6B ships bf16 weights, and trainers load a model in its saved dtype
        model = model.to(torch.bfloat16)
    model.generation_config = GenerationConfig(eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    os.makedirs(out_dir, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


if __name__ == "__main__":
    import argparse

    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(prog="python -m toolgate_training.tiny_model")
    parser.add_argument("out", nargs="?", default="training/out/tiny-qwen3")
    parser.add_argument("--hidden", type=int, default=64, help="hidden size (multiple of 4)")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--qwen3-0.6b-shape", dest="full", action="store_true", help="Qwen3-0.6B's dimensions (random weights)")
    ns = parser.parse_args()
    print(build_tiny_qwen3(ns.out, os.path.join(here, "..", "data", "samples"), hidden=ns.hidden, layers=ns.layers,
                           full_shape=ns.full))
