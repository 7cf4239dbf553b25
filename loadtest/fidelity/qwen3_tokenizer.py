"""A byte-level BPE tokenizer built by code (no hub download) that detokenizes like Qwen3's.

What vLLM's parsers and detokenizer depend on is reproduced exactly:
  * Qwen3's added tokens keep their ids (151643-151668) and `special` flags, so the qwen3
    reasoning parser finds <think>, </think> and <tool_call> by token id, and
    skip_special_tokens drops <|im_end|> & co. but never <think> or <tool_call>;
  * eos is <|im_end|>, pad <|endoftext|>, the other <|...|> specials are extra special tokens,
    as in Qwen3's tokenizer_config.json;
  * byte-level decoding (GPT-2 byte alphabet, ByteLevel decoder), as Qwen2/3 use.

The regular vocabulary is the 256-byte alphabet plus every token piece the simulator cut the
fixture texts into (`export-cases.ts`), so one piece is one token: vLLM and the simulator see
the same token boundaries (unused entries pad it to Qwen3's 151643 regular tokens). `ignore_merges` makes the BPE model look a whole pre-token up
before merging; with no merges anything else falls back to single bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from tokenizers import Tokenizer
from transformers import TokenizersBackend


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte → printable-character map used by byte-level BPE."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_ENCODER = _bytes_to_unicode()


def byte_level(text: str) -> str:
    return "".join(BYTE_ENCODER[b] for b in text.encode("utf-8"))


def build_tokenizer(pieces: Iterable[str], added_tokens: list[dict], eos_token: str) -> TokenizersBackend:
    added = {t["content"] for t in added_tokens}
    vocab: dict[str, int] = {}
    for ch in BYTE_ENCODER.values():
        vocab.setdefault(ch, len(vocab))
    for piece in sorted(set(pieces) - added):
        vocab.setdefault(byte_level(piece), len(vocab))
    first_added = min(t["id"] for t in added_tokens)
    if len(vocab) > first_added:
        raise ValueError(f"{len(vocab)} regular tokens collide with the added tokens at {first_added}")
    # Fill the regular vocabulary up to Qwen3's size so the added tokens keep Qwen3's ids
    # (the tokenizers library numbers added tokens after the model vocabulary).
    filler = 0
    while len(vocab) < first_added:
        vocab.setdefault(byte_level(f"\x00unused{filler}"), len(vocab))
        filler += 1
    spec = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": t["id"], "content": t["content"], "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": t["special"]}
            for t in added_tokens
        ],
        "normalizer": None,
        # Qwen2's pre-tokenizer: the split regex, then byte-level mapping.
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "behavior": "Isolated", "invert": False, "pattern": {
                    "Regex": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"}},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            ],
        },
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": True, "vocab": vocab, "merges": []},
    }
    backend = Tokenizer.from_str(json.dumps(spec))
    specials = [t["content"] for t in added_tokens if t["special"]]
    return TokenizersBackend(
        tokenizer_object=backend,
        eos_token=eos_token,
        pad_token="<|endoftext|>",
        extra_special_tokens=[s for s in specials if s not in (eos_token, "<|endoftext|>")],
    )


def token_ids(tokenizer: TokenizersBackend, pieces: list[str]) -> list[int]:
    """The ids of the simulator's pieces: an added token's id, or the piece's (byte-level) entry."""
    vocab = tokenizer.get_vocab()
    added = {t.content: i for i, t in tokenizer.added_tokens_decoder.items()}
    return [added[p] if p in added else vocab[byte_level(p)] for p in pieces]
