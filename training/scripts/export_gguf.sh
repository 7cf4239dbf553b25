#!/usr/bin/env bash
# Merged Hugging Face model → GGUF f16 → Q8_0 and Q4_K_M, with llama.cpp at a pinned release.
#
#   bash training/scripts/export_gguf.sh MODEL_DIR OUT_DIR      (make export-gguf MODEL=...)
#   env: PY (python with torch/transformers/safetensors, default python3)
#        LLAMA_CPP_TAG (default b6000), LLAMA_CPP_DIR (an existing checkout to use instead of cloning)
#        QUANTS (default "Q8_0 Q4_K_M"), DRY_RUN=1 (print the commands, run nothing)
#
# It clones llama.cpp at the tag (shallow) into training/out/, builds only llama-quantize (CPU,
# a few minutes), converts with the checkout's own convert_hf_to_gguf.py and gguf-py (the
# converter and the file format move together, so the PyPI gguf is used only to verify), then
# quantizes and checks every file's architecture and file type with toolgate_training.gguf_check.
set -euo pipefail
PY=${PY:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MODEL=${1:?usage: export_gguf.sh MODEL_DIR OUT_DIR}
OUT=${2:?usage: export_gguf.sh MODEL_DIR OUT_DIR}
TAG=${LLAMA_CPP_TAG:-b6000}
REPO=${LLAMA_CPP_REPO:-https://github.com/ggml-org/llama.cpp}
LCPP=${LLAMA_CPP_DIR:-$ROOT/training/out/llama.cpp-$TAG}
QUANTS=${QUANTS:-Q8_0 Q4_K_M}

if [[ ! -f "$MODEL/config.json" ]] || ! compgen -G "$MODEL/*.safetensors" >/dev/null; then
  echo "export_gguf: $MODEL is not a merged Hugging Face model (needs config.json and *.safetensors);" \
       "merge the LoRA adapter first (make train-sft / train-grpo do)" >&2
  exit 2
fi

run() { echo "+ $*"; if [[ "${DRY_RUN:-0}" != 1 ]]; then "$@"; fi; }

if [[ ! -f "$LCPP/convert_hf_to_gguf.py" ]]; then
  run git clone --depth 1 --branch "$TAG" "$REPO" "$LCPP"
fi
QUANTIZE=$LCPP/build/bin/llama-quantize
if [[ ! -x "$QUANTIZE" ]]; then
  run cmake -S "$LCPP" -B "$LCPP/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DGGML_NATIVE=ON
  run cmake --build "$LCPP/build" --target llama-quantize -j "$(nproc)"
fi

name=$(basename "$MODEL")
run mkdir -p "$OUT"
run env PYTHONPATH="$LCPP/gguf-py" "$PY" "$LCPP/convert_hf_to_gguf.py" "$MODEL" --outtype f16 --outfile "$OUT/$name-f16.gguf"
files=("$OUT/$name-f16.gguf")
for q in $QUANTS; do
  run "$QUANTIZE" "$OUT/$name-f16.gguf" "$OUT/$name-$q.gguf" "$q"
  files+=("$OUT/$name-$q.gguf")
done
run env PYTHONPATH="$ROOT/training" "$PY" -m toolgate_training.gguf_check --arch qwen3 "${files[@]}"
