#!/usr/bin/env bash
# Build llama.cpp's llama-quantize and llama-server once, from the hash-pinned llama-cpp-python sdist.
#
#   bash training/scripts/build_llama_cpp.sh          (make llama-cpp; prints the tools' directory)
#   env: PY (a python with pip, default python3), TOOLS_DIR (default .tools), JOBS (default: nproc),
#        GGML_NATIVE (ON, the default: tuned for this CPU; OFF: portable x86-64, as the Docker image builds)
#
# The sdist (PyPI, sha256-pinned in training/llama-cpp-requirements.txt) vendors llama.cpp; only
# vendor/llama.cpp is unpacked, to $TOOLS_DIR/llama.cpp-<version>. CMake builds just the two targets,
# static, CPU only: no curl, no OpenSSL, no web UI download (-DLLAMA_USE_PREBUILT_UI=OFF), so the
# build needs no network. The stamp records the sdist hash and the CMake flags; the script is a
# no-op only when the stamp matches AND both binaries still run, so a half-finished or deleted
# build is redone, and a changed pin or flag rebuilds. A lock keeps concurrent callers (make -j,
# two test suites) from building twice.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY=${PY:-python3}
TOOLS_DIR=${TOOLS_DIR:-$ROOT/.tools}
REQ=$ROOT/training/llama-cpp-requirements.txt
JOBS=${JOBS:-$(nproc)}

pin=$(grep -E '^llama-cpp-python==' "$REQ")
version=${pin#llama-cpp-python==}; version=${version%% *}
sha=${pin##*--hash=sha256:}
SRC=$TOOLS_DIR/llama.cpp-$version
BUILD=$SRC/build
STAMP=$TOOLS_DIR/.llama-cpp-$version
FLAGS=(-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_BUILD_UI=OFF
       -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE="${GGML_NATIVE:-ON}")
want="sdist=$sha flags=${FLAGS[*]}"

ready() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] || return 1
  [[ -x "$BUILD/bin/llama-quantize" ]] && "$BUILD/bin/llama-server" --version >/dev/null 2>&1
}

mkdir -p "$TOOLS_DIR"
exec 9>"$TOOLS_DIR/.llama-cpp.lock"
flock -n 9 || { echo "llama.cpp: another build holds $TOOLS_DIR/.llama-cpp.lock (make test starts one in the background); waiting" >&2; flock 9; }
if ready; then echo "$BUILD/bin"; exit 0; fi
rm -f "$STAMP"

if ! command -v cmake >/dev/null || ! command -v g++ >/dev/null; then
  echo "llama.cpp: installing cmake and g++ (Debian)" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  flock /tmp/toolgate-apt.lock bash -c "$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends cmake g++ make >/dev/null"
fi

if [[ ! -f "$SRC/.unpacked-$sha" ]]; then
  tmp=$(mktemp -d "$TOOLS_DIR/.llama-cpp-dl.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "llama.cpp: downloading llama-cpp-python $version (sdist, sha256-pinned)" >&2
  "$PY" -m pip download --quiet --no-deps --no-binary :all: --require-hashes --disable-pip-version-check \
    -r "$REQ" -d "$tmp" >&2
  tar -xzf "$tmp"/llama_cpp_python-"$version".tar.gz -C "$tmp" "llama_cpp_python-$version/vendor/llama.cpp"
  rm -rf "$SRC"
  mv "$tmp/llama_cpp_python-$version/vendor/llama.cpp" "$SRC"
  rm -f "$SRC/.git"  # a submodule pointer into llama-cpp-python's repository, which is not here
  touch "$SRC/.unpacked-$sha"
  rm -rf "$tmp"; trap - EXIT
fi

generator="Unix Makefiles"
command -v ninja >/dev/null && generator=Ninja
# A cache from another generator (or an interrupted configure) makes CMake refuse; start clean then.
if [[ -f "$BUILD/CMakeCache.txt" ]] && ! grep -qx "CMAKE_GENERATOR:INTERNAL=$generator" "$BUILD/CMakeCache.txt"; then
  rm -rf "$BUILD"
fi
echo "llama.cpp: building llama-quantize and llama-server with $JOBS jobs (about 1,600 CPU-seconds: ~14 min on 2 idle cores)" >&2
start=$(date +%s)
cmake -S "$SRC" -B "$BUILD" -G "$generator" "${FLAGS[@]}" >&2
cmake --build "$BUILD" --target llama-quantize llama-server -j "$JOBS" >&2
echo "llama.cpp: built in $(( $(date +%s) - start )) s" >&2
echo "$want" > "$STAMP"
ready || { echo "llama.cpp: the built tools do not run" >&2; exit 1; }
echo "$BUILD/bin"
