#!/usr/bin/env bash
# Merged Hugging Face model → GGUF f16 → Q8_0 and Q4_K_M, with llama.cpp from the hash-pinned
# llama-cpp-python sdist (training/llama-cpp-requirements.txt).
#
#   bash training/scripts/export_gguf.sh MODEL_DIR OUT_DIR      (make export-gguf MODEL=...)
#   env: PY (python with torch/transformers/safetensors, default python3)
#        QUANTS (default "Q8_0 Q4_K_M"), PRE_TOKENIZER (declare an unknown BPE pre-tokenizer, e.g.
#        qwen2; only the tiny test model needs it), DRY_RUN=1 (print the commands, run nothing)
#
# llama-quantize and llama-server are built once and cached under .tools/ (build_llama_cpp.sh).
# The conversion is llama.cpp's own convert_hf_to_gguf.py with that tree's gguf-py (the converter
# and the file format move together); the PyPI gguf package then verifies every file: its
# architecture, its file type and the tensor types it really holds (a Q4_K_M file must hold Q4_K
# tensors). The facts go to OUT_DIR/gguf-check.json.
set -euo pipefail
PY=${PY:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODEL=${1:?usage: export_gguf.sh MODEL_DIR OUT_DIR}
OUT=${2:?usage: export_gguf.sh MODEL_DIR OUT_DIR}
QUANTS=${QUANTS:-Q8_0 Q4_K_M}

if [[ ! -f "$MODEL/config.json" ]] || ! compgen -G "$MODEL/*.safetensors" >/dev/null; then
  echo "export_gguf: $MODEL is not a merged Hugging Face model (needs config.json and *.safetensors);" \
       "merge the LoRA adapter first (make train-sft / train-grpo do)" >&2
  exit 2
fi

run() { echo "+ $*"; if [[ "${DRY_RUN:-0}" != 1 ]]; then "$@"; fi; }

if [[ "${DRY_RUN:-0}" == 1 ]]; then
  BIN='$LLAMA_CPP/build/bin'
  echo "+ PY=$PY bash training/scripts/build_llama_cpp.sh"
else
  BIN=$(PY="$PY" bash "$ROOT/training/scripts/build_llama_cpp.sh")
fi
LCPP=$(dirname "$(dirname "$BIN")")

name=$(basename "$MODEL")
run mkdir -p "$OUT"
run env PYTHONPATH="$ROOT/training" "$PY" -m toolgate_training.gguf_convert --llama-cpp "$LCPP" \
  ${PRE_TOKENIZER:+--pre-tokenizer "$PRE_TOKENIZER"} "$MODEL" --outtype f16 --outfile "$OUT/$name-f16.gguf"
files=("$OUT/$name-f16.gguf")
for q in $QUANTS; do
  run "$BIN/llama-quantize" "$OUT/$name-f16.gguf" "$OUT/$name-$q.gguf" "$q"
  files+=("$OUT/$name-$q.gguf")
done
run env PYTHONPATH="$ROOT/training" "$PY" -m toolgate_training.gguf_check --arch qwen3 --json "$OUT/gguf-check.json" "${files[@]}"
