#!/usr/bin/env bash
# GPU smoke check of the training pipeline: the same steps as the CPU tests (LLaMA-Factory SFT →
# LoRA merge → DPO, then TRL GRPO with the Toolgate reward), but on CUDA in bf16. Needs no
# network: it builds a tiny random Qwen3 locally (or uses TINY_MODEL=dir) and the shipped samples.
#
#   PY=.venv/bin/python bash training/scripts/gpu_smoke.sh [WORKDIR]
#   env: STEPS (default 3), TINY_MODEL (a prebuilt model dir), TINY_HIDDEN / TINY_LAYERS (size of
#        the model it builds; default 256 / 4), SMOKE_OUT (copy the *-summary.json files there)
#        REALISTIC=1: random weights of Qwen3-0.6B's exact shape, synthetic ~1,400-token tool
#        prompts, and the YAMLs' own batch / sequence / accumulation / generation sizes, so the
#        peak-memory and step-time figures are those of the real configs (loss values are not).
#
# Prints one compact table: per stage, losses, mean step time, peak GPU memory.
set -euo pipefail
PY=${PY:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=${1:-$(mktemp -d -t toolgate-gpu-smoke.XXXXXX)}
SAMPLES=$ROOT/training/data/samples
export PYTHONPATH="$ROOT/training${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false WANDB_DISABLED=true

"$PY" - <<'PYEOF'
import sys, torch
if not torch.cuda.is_available():
    sys.exit("gpu_smoke: no CUDA device visible to torch")
print(f"gpu_smoke: torch {torch.__version__}, {torch.cuda.get_device_name(0)}, bf16={torch.cuda.is_bf16_supported()}")
import transformers, peft, trl, llamafactory, datasets
print(f"gpu_smoke: transformers {transformers.__version__}, peft {peft.__version__}, trl {trl.__version__}, "
      f"llamafactory {llamafactory.__version__}, datasets {datasets.__version__}")
PYEOF

MODEL=${TINY_MODEL:-$WORK/tiny-qwen3}
shape=(--hidden "${TINY_HIDDEN:-256}" --layers "${TINY_LAYERS:-4}")
extra_data=()
smoke_flags=(--steps "${STEPS:-3}" --precision bf16)
if [[ "${REALISTIC:-0}" == 1 ]]; then
  shape=(--qwen3-0.6b-shape)
  smoke_flags+=(--realistic)
fi
if [[ ! -f "$MODEL/config.json" ]]; then
  "$PY" -m toolgate_training.tiny_model "$MODEL" "${shape[@]}" >/dev/null
fi
if [[ "${REALISTIC:-0}" == 1 ]]; then
  "$PY" -m toolgate_training.long_samples "$WORK/long-xlam.json" --tokenizer "$MODEL" --tokens 1400 --rows 64
  extra_data=(--xlam "$WORK/long-xlam.json")
fi
"$PY" -m toolgate_training prepare --out "$WORK/data" --holdout-fraction 0.2 --no-installed-bfcl \
  --xlam "$SAMPLES/xlam-sample.json" --hermes "$SAMPLES/hermes-sample.json" "${extra_data[@]}" \
  --capture "$SAMPLES/capture-sample.jsonl" --bfcl "$SAMPLES/bfcl-sample.json" >/dev/null

start=$(date +%s)
"$PY" -m toolgate_training.smoke all --model "$MODEL" --data "$WORK/data" --work "$WORK/run" \
  "${smoke_flags[@]}" > "$WORK/smoke.log" 2>&1 || { tail -n 80 "$WORK/smoke.log"; exit 1; }
echo "gpu_smoke: all stages passed in $(( $(date +%s) - start )) s (log: $WORK/smoke.log)"

"$PY" - "$WORK/run" <<'PYEOF'
import json, math, os, sys
run = sys.argv[1]
print(f"{'stage':<6} {'steps':>5} {'losses':<34} {'mean step s':>11} {'peak GPU GiB':>12}")
for stage in ("sft", "merge", "dpo", "grpo"):
    s = json.load(open(os.path.join(run, f"{stage}-summary.json")))
    losses = s.get("losses") or []
    assert all(math.isfinite(x) for x in losses), f"{stage}: non-finite loss {losses}"
    times = s.get("step_seconds") or []
    mean = f"{sum(times) / len(times):.3f}" if times else "-"
    peak = s.get("peak_gpu_mem_gib")
    print(f"{stage:<6} {s.get('steps', '-'):>5} {' '.join(f'{x:.4f}' for x in losses):<34} {mean:>11} {peak if peak is not None else '-':>12}")
    if stage == "grpo":
        print(f"grpo rewards per step: {s.get('reward')}")
PYEOF
if [[ -n "${SMOKE_OUT:-}" ]]; then mkdir -p "$SMOKE_OUT" && cp "$WORK"/run/*-summary.json "$WORK/smoke.log" "$SMOKE_OUT"/; fi
