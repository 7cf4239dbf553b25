# edge (issue 14): llama.cpp's llama-quantize and llama-server, built once from the hash-pinned
# llama-cpp-python sdist (training/llama-cpp-requirements.txt) into .tools/llama.cpp-<version>
# (training/scripts/build_llama_cpp.sh: stamped with the sdist hash and the CMake flags, redone
# when the binaries no longer run); the tiny random Qwen3 exported to GGUF for the edge tests; and
# the edge report.
#   make llama-cpp                                  build (or check) the two tools
#   make export-gguf MODEL=dir                      (mk/training.mk) merged model → f16, Q8_0, Q4_K_M
#   make edge-report [EDGE_MODEL=dir-or-gguf-dir]   size, load time, RSS, TTFT, tokens/s per quant
# mk/*.mk are included alphabetically, before training.mk defines these; same values.
VENV ?= .venv
PY ?= $(VENV)/bin/python
TRAINING_STAMP := $(VENV)/.training-installed
EDGE_DIR := .tools/edge
EDGE_TINY := $(EDGE_DIR)/tiny-qwen3
EDGE_TINY_STAMP := $(EDGE_DIR)/.tiny-gguf
EDGE_MODEL ?=
EDGE_OUT ?= bench/results

.PHONY: llama-cpp llama-cpp-start edge-deps edge-report

llama-cpp: | $(PY)
	@PY=$(PY) bash training/scripts/build_llama_cpp.sh >/dev/null || { echo "llama.cpp build failed; see above" >&2; exit 1; }

# `make test` starts the build (~1,600 CPU-seconds) in the background first, so that it overlaps
# the network-bound installs (npm, apt, pip); `llama-cpp` later waits for it on the script's lock
# and redoes it in the foreground, with its errors, if it failed. A no-op once built.
LLAMA_CPP_BG_LOG := .tools/llama-cpp-build.log
llama-cpp-start: | $(PY)
	@mkdir -p .tools
	@PY=$(PY) nohup bash training/scripts/build_llama_cpp.sh >$(LLAMA_CPP_BG_LOG) 2>&1 </dev/null &

# The tiny model at a size where Q4_K applies (every row a multiple of 256: hidden 256,
# intermediate 512), converted with the Qwen2 pre-tokenizer declared, quantized and checked.
$(EDGE_TINY_STAMP): $(TRAINING_STAMP) training/toolgate_training/tiny_model.py training/toolgate_training/gguf_convert.py \
    training/toolgate_training/gguf_check.py training/scripts/export_gguf.sh training/llama-cpp-requirements.txt
	rm -rf $(EDGE_TINY) $(EDGE_DIR)/gguf && mkdir -p $(EDGE_DIR)
	PYTHONPATH=training HF_HUB_OFFLINE=1 $(PY) -m toolgate_training.tiny_model $(EDGE_TINY) --hidden 256 --layers 2 >/dev/null
	PY=$(PY) PRE_TOKENIZER=qwen2 bash training/scripts/export_gguf.sh $(EDGE_TINY) $(EDGE_DIR)/gguf >$(EDGE_DIR)/export.log 2>&1 \
	  || { tail -40 $(EDGE_DIR)/export.log; exit 1; }
	@touch $@

# `llama-cpp` first: a stamp left by an earlier build whose binaries have gone is redone.
# The training venv first (its path spelled out: training.mk is read after this file), so that its
# pip install also overlaps the background compile.
edge-deps: $(VENV)/.training-installed llama-cpp $(EDGE_TINY_STAMP)

# The edge test runs the built `toolgate` bin in front of llama-server. Hooked on test-node, after
# every other test dependency, so that the npm/apt/pip installs run while the background build
# (llama-cpp-start) compiles, and only then is it waited for.
test-node: edge-deps build

# The tiny model's figures always; a real model's too when EDGE_MODEL names a merged HF model
# (exported here first) or a folder of GGUF files.
edge-report: edge-deps
	@set -euo pipefail; \
	args=(--llama-server "$$(PY=$(PY) bash training/scripts/build_llama_cpp.sh)/llama-server" --out $(EDGE_OUT) --model tiny-qwen3=$(EDGE_DIR)/gguf); \
	if [ -n "$(EDGE_MODEL)" ]; then \
	  dir="$(EDGE_MODEL)"; \
	  if [ -f "$$dir/config.json" ]; then PY=$(PY) bash training/scripts/export_gguf.sh "$$dir" training/out/edge-gguf; dir=training/out/edge-gguf; fi; \
	  args+=(--model "$$(basename "$(EDGE_MODEL)")=$$dir"); \
	fi; \
	npx tsx bench/edge-report.ts "$${args[@]}"
