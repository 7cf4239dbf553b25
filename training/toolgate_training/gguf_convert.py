"""Run llama.cpp's own convert_hf_to_gguf.py, optionally declaring the BPE pre-tokenizer.

    python -m toolgate_training.gguf_convert --llama-cpp DIR [--pre-tokenizer qwen2] MODEL --outtype f16 --outfile F

Everything after our two flags goes to the converter unchanged; it runs in this process with the
checkout's gguf-py first on the path (the converter and the file format move together).

The converter identifies a BPE tokenizer's pre-tokenizer by hashing the token ids of a test
string, and refuses tokenizers it does not know. Qwen3's real tokenizer is known (its hash maps to
`qwen2`), so exporting Qwen3-0.6B or a fine-tune of it needs no flag. The tiny test model's
tokenizer is trained here (Qwen2's pre-tokenizer regex, an 800-token vocabulary), so its hash is
new: `--pre-tokenizer qwen2` declares it. The declaration is used only when the converter does
not recognise the hash, so it can never override what the converter knows.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

log = logging.getLogger("gguf_convert")


def declare_pre_tokenizer(text_model_class: type, name: str) -> None:
    """Make `get_vocab_base_pre` fall back to `name` instead of raising for an unknown hash."""
    original = text_model_class.get_vocab_base_pre

    def get_vocab_base_pre(self, tokenizer) -> str:  # noqa: ANN001 - the converter's signature
        try:
            return original(self, tokenizer)
        except NotImplementedError:
            log.warning("pre-tokenizer hash not known to llama.cpp; using the declared %r", name)
            return name

    text_model_class.get_vocab_base_pre = get_vocab_base_pre


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolgate_training.gguf_convert", add_help=False)
    parser.add_argument("--llama-cpp", required=True, help="llama.cpp source tree (has convert_hf_to_gguf.py)")
    parser.add_argument("--pre-tokenizer", help="BPE pre-tokenizer to declare when the tokenizer's hash is unknown (e.g. qwen2)")
    ns, rest = parser.parse_known_args(argv)
    root = os.path.abspath(ns.llama_cpp)
    if not os.path.isfile(os.path.join(root, "convert_hf_to_gguf.py")):
        print(f"gguf_convert: {root} has no convert_hf_to_gguf.py", file=sys.stderr)
        return 2
    sys.path[:0] = [os.path.join(root, "gguf-py"), root]
    import convert_hf_to_gguf  # the checkout's converter  # noqa: PLC0415
    from conversion.base import TextModel  # noqa: PLC0415

    if ns.pre_tokenizer:
        declare_pre_tokenizer(TextModel, ns.pre_tokenizer)
    sys.argv = [os.path.join(root, "convert_hf_to_gguf.py"), *rest]
    convert_hf_to_gguf.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
