# training (issue 6): LLaMA-Factory SFT/DPO, TRL GRPO with the spec reward, LoRA merge, GGUF export.
# Python deps are a full pinned lock (training/requirements.txt) installed into the shared .venv;
# the stamp makes re-runs a no-op. The pip lock is shared with the other areas' installs.
TRAINING_STAMP := $(VENV)/.training-installed
TRAINING_ENV := PYTHONPATH=training HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# Inputs of `make training-data` (download them on a machine with hub access; see docs/training.md).
TRAIN_RAW ?= training/out/raw
TRAIN_DATA ?= training/out/data
XLAM ?= $(TRAIN_RAW)/xlam_function_calling_60k.json
HERMES ?= $(TRAIN_RAW)/func-calling-singleturn.json
# The gateway's default capture folder (a single .jsonl file works too).
CAPTURE ?= data/capture
TRAIN_CFG := training/configs

$(TRAINING_STAMP): training/requirements.txt | $(PY)
	flock $(VENV)/.pip.lock $(PY) -m pip install --quiet --disable-pip-version-check -r training/requirements.txt
	@touch $@

.PHONY: training-deps test-training training-download training-data train-sft train-dpo train-grpo export-gguf training-gpu-smoke
training-deps: $(TRAINING_STAMP)

# pytest exits 5 when it collects nothing; that must fail CI loudly, not pass silently, so no mapping here.
test-training: $(TRAINING_STAMP)
	$(TRAINING_ENV) $(PY) -m pytest training/tests -q -p no:cacheprovider

test-extra: test-training

# Fetch the public sources (needs hub access; xlam-60k is gated: accept its terms and set HF_TOKEN).
training-download: $(TRAINING_STAMP)
	$(VENV)/bin/huggingface-cli download Salesforce/xlam-function-calling-60k xlam_function_calling_60k.json \
		--repo-type dataset --local-dir $(TRAIN_RAW)
	$(VENV)/bin/huggingface-cli download NousResearch/hermes-function-calling-v1 func-calling-singleturn.json \
		--repo-type dataset --local-dir $(TRAIN_RAW)

# Convert whatever sources exist under $(TRAIN_RAW) into $(TRAIN_DATA) (+ dataset_info.json). The
# installed bfcl-eval (eval area) supplies the BFCL prompts kept out of train and holdout.
training-data: $(TRAINING_STAMP) $(EVAL_STAMP)
	$(TRAINING_ENV) $(PY) -m toolgate_training prepare --out $(TRAIN_DATA) \
		$(if $(wildcard $(XLAM)),--xlam $(XLAM)) $(if $(wildcard $(HERMES)),--hermes $(HERMES)) \
		$(if $(wildcard $(CAPTURE)),--capture $(CAPTURE))

# LoRA SFT of Qwen3-0.6B, then merge the adapter (the GRPO starting point). ~10 GB GPU, estimate below.
train-sft: training-data
	$(PY) -m llamafactory.cli train $(TRAIN_CFG)/qwen3-0.6b-sft-lora.yaml
	$(PY) -m llamafactory.cli export $(TRAIN_CFG)/qwen3-0.6b-sft-merge.yaml

# DPO on captured (repaired-vs-raw) pairs, on top of the merged SFT model; then merge.
train-dpo: training-data
	$(PY) -m llamafactory.cli train $(TRAIN_CFG)/qwen3-0.6b-dpo-lora.yaml
	$(PY) -m llamafactory.cli export $(TRAIN_CFG)/qwen3-0.6b-dpo-merge.yaml

# GRPO (TRL) with the spec reward, LoRA on the merged SFT model; then merge.
train-grpo: training-data
	PYTHONPATH=training $(PY) training/scripts/train_grpo.py --config $(TRAIN_CFG)/qwen3-0.6b-grpo.yaml
	$(PY) -m llamafactory.cli export $(TRAIN_CFG)/qwen3-0.6b-grpo-merge.yaml

# Merged HF model → GGUF f16 → Q8_0 and Q4_K_M, checked by tensor type (llama.cpp from the
# hash-pinned llama-cpp-python sdist, built once under .tools/; MODEL= to choose).
export-gguf: $(TRAINING_STAMP)
	PY=$(PY) bash training/scripts/export_gguf.sh $(or $(MODEL),training/out/qwen3-0.6b-grpo-merged) training/out/gguf

# The CPU test steps again with CUDA + bf16 (for a GPU machine; prints losses, step times, peak memory).
training-gpu-smoke: $(TRAINING_STAMP)
	PY=$(PY) bash training/scripts/gpu_smoke.sh
