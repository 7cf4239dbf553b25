"""Check exported GGUF files: architecture, file type (from the name's suffix) and the tensor types.

    python -m toolgate_training.gguf_check --arch qwen3 [--json] out/model-f16.gguf out/model-Q4_K_M.gguf

Reads with the PyPI `gguf` package (GGUFReader). The file-type label alone proves nothing: a
"Q4_K_M" file whose rows are not multiples of 256 holds no Q4_K tensor at all, because llama.cpp
falls back to other types for such rows. So each quantized file must also *contain* its
quantization: at least one Q4_K tensor in a Q4_K_M file, one Q8_0 tensor in a Q8_0 file, one F16
tensor in an f16 file. The counts per tensor type are printed (and written with --json).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass

# llama.cpp's llama_ftype values (gguf.LlamaFileType) for the names export_gguf.sh writes.
FILE_TYPES = {"F32": 0, "F16": 1, "Q8_0": 7, "Q4_K_M": 15, "Q5_K_M": 17, "Q6_K": 18, "BF16": 32}
# The tensor type a file of each name must contain at least once.
REQUIRED_TENSOR_TYPE = {"F16": "F16", "BF16": "BF16", "Q8_0": "Q8_0", "Q4_K_M": "Q4_K", "Q5_K_M": "Q5_K", "Q6_K": "Q6_K"}


@dataclass
class GgufInfo:
    path: str
    architecture: str
    file_type: int | None
    tensors: int
    tensor_types: dict[str, int]
    size_bytes: int
    parameters: int

    @property
    def size_mib(self) -> float:
        return round(self.size_bytes / 2**20, 2)


def read_info(path: str) -> GgufInfo:
    from gguf import GGUFReader

    reader = GGUFReader(path)

    def field(key: str):
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    arch = field("general.architecture")
    ftype = field("general.file_type")
    types = Counter(t.tensor_type.name for t in reader.tensors)
    params = sum(int(t.n_elements) for t in reader.tensors)
    return GgufInfo(path, str(arch), int(ftype) if ftype is not None else None, len(reader.tensors),
                    dict(sorted(types.items())), os.path.getsize(path), params)


def quant_name(path: str) -> str | None:
    match = re.search(r"-([A-Za-z0-9_]+)\.gguf$", os.path.basename(path))
    return match.group(1).upper() if match else None


def expected_file_type(path: str) -> int | None:
    name = quant_name(path)
    return FILE_TYPES.get(name) if name else None


def check(path: str, arch: str) -> tuple[GgufInfo, list[str]]:
    info = read_info(path)
    problems = []
    if info.architecture != arch:
        problems.append(f"architecture is {info.architecture!r}, expected {arch!r}")
    want = expected_file_type(path)
    if want is not None and info.file_type != want:
        problems.append(f"file type is {info.file_type}, expected {want} for its name")
    if info.tensors == 0:
        problems.append("no tensors")
    required = REQUIRED_TENSOR_TYPE.get(quant_name(path) or "")
    if required and info.tensor_types.get(required, 0) == 0:
        problems.append(f"no {required} tensor (types: {info.tensor_types}); rows too short for this quantization?")
    types = " ".join(f"{k}:{v}" for k, v in info.tensor_types.items())
    print(f"{path}: arch={info.architecture} file_type={info.file_type} tensors={info.tensors} [{types}] "
          f"size={info.size_mib} MiB")
    return info, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolgate_training.gguf_check")
    parser.add_argument("--arch", default="qwen3")
    parser.add_argument("--json", metavar="FILE", help="also write the per-file facts as JSON")
    parser.add_argument("files", nargs="+")
    ns = parser.parse_args(argv)
    failed = False
    facts = []
    for path in ns.files:
        try:
            info, problems = check(path, ns.arch)
            facts.append({**asdict(info), "quant": quant_name(path), "ok": not problems, "problems": problems})
        except (OSError, ValueError) as err:
            problems = [str(err)]
            facts.append({"path": path, "ok": False, "problems": problems})
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        failed = failed or bool(problems)
    if ns.json:
        with open(ns.json, "w", encoding="utf-8") as fh:
            json.dump(facts, fh, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
