"""Check exported GGUF files: architecture, file type (from the name's suffix) and tensors.

    python -m toolgate_training.gguf_check --arch qwen3 out/model-f16.gguf out/model-Q4_K_M.gguf

Reads with the PyPI `gguf` package (GGUFReader), which knows the v3 file format that
llama.cpp's converter and quantizer write.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass

# llama.cpp's llama_ftype values (gguf.LlamaFileType) for the names export_gguf.sh writes.
FILE_TYPES = {"F32": 0, "F16": 1, "Q8_0": 7, "Q4_K_M": 15, "Q5_K_M": 17, "Q6_K": 18, "BF16": 32}


@dataclass
class GgufInfo:
    path: str
    architecture: str
    file_type: int | None
    tensors: int
    size_mib: float


def read_info(path: str) -> GgufInfo:
    from gguf import GGUFReader

    reader = GGUFReader(path)

    def field(key: str):
        f = reader.fields.get(key)
        return None if f is None else f.contents()

    arch = field("general.architecture")
    ftype = field("general.file_type")
    return GgufInfo(path, str(arch), int(ftype) if ftype is not None else None, len(reader.tensors),
                    round(os.path.getsize(path) / 2**20, 2))


def expected_file_type(path: str) -> int | None:
    match = re.search(r"-([A-Za-z0-9_]+)\.gguf$", os.path.basename(path))
    return FILE_TYPES.get(match.group(1).upper()) if match else None


def check(path: str, arch: str) -> list[str]:
    info = read_info(path)
    problems = []
    if info.architecture != arch:
        problems.append(f"architecture is {info.architecture!r}, expected {arch!r}")
    want = expected_file_type(path)
    if want is not None and info.file_type != want:
        problems.append(f"file type is {info.file_type}, expected {want} for its name")
    if info.tensors == 0:
        problems.append("no tensors")
    print(f"{path}: arch={info.architecture} file_type={info.file_type} tensors={info.tensors} size={info.size_mib} MiB")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m toolgate_training.gguf_check")
    parser.add_argument("--arch", default="qwen3")
    parser.add_argument("files", nargs="+")
    ns = parser.parse_args(argv)
    failed = False
    for path in ns.files:
        try:
            problems = check(path, ns.arch)
        except (OSError, ValueError) as err:
            problems = [str(err)]
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
