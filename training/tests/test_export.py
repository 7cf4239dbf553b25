"""GGUF export: the verifier on files written with the PyPI gguf writer, and the script's plan.

The conversion itself (llama.cpp's convert_hf_to_gguf.py + llama-quantize at the pinned tag)
needs a llama.cpp checkout, which this machine cannot fetch; it is not exercised here.
"""

from __future__ import annotations

import os
import subprocess

import numpy as np

from conftest import REPO_ROOT, TRAINING_DIR

from toolgate_training.gguf_check import FILE_TYPES, main as gguf_check_main

SCRIPT = os.path.join(TRAINING_DIR, "scripts", "export_gguf.sh")


def _write_gguf(path: str, arch: str, file_type: int) -> str:
    import gguf

    writer = gguf.GGUFWriter(path, arch)
    writer.add_file_type(file_type)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_file_type_table_matches_gguf_package() -> None:
    import gguf

    assert FILE_TYPES["F16"] == gguf.LlamaFileType.MOSTLY_F16.value
    assert FILE_TYPES["Q8_0"] == gguf.LlamaFileType.MOSTLY_Q8_0.value
    assert FILE_TYPES["Q4_K_M"] == gguf.LlamaFileType.MOSTLY_Q4_K_M.value


def test_gguf_check_accepts_and_rejects(tmp_path, capsys) -> None:
    good = _write_gguf(str(tmp_path / "m-f16.gguf"), "qwen3", 1)
    assert gguf_check_main(["--arch", "qwen3", good]) == 0
    assert "arch=qwen3 file_type=1 tensors=1" in capsys.readouterr().out
    wrong_arch = _write_gguf(str(tmp_path / "n-f16.gguf"), "llama", 1)
    assert gguf_check_main(["--arch", "qwen3", wrong_arch]) == 1
    mislabeled = _write_gguf(str(tmp_path / "m-Q4_K_M.gguf"), "qwen3", 1)
    assert gguf_check_main(["--arch", "qwen3", mislabeled]) == 1
    assert "expected 15" in capsys.readouterr().err
    (tmp_path / "junk-f16.gguf").write_bytes(b"not a gguf file")
    assert gguf_check_main([str(tmp_path / "junk-f16.gguf")]) == 1


def test_export_script_refuses_an_unmerged_model(tmp_path) -> None:
    proc = subprocess.run(["bash", SCRIPT, str(tmp_path), str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2 and "not a merged Hugging Face model" in proc.stderr


def test_export_script_plan(tiny_model: str, tmp_path) -> None:
    env = dict(os.environ, DRY_RUN="1", LLAMA_CPP_DIR=str(tmp_path / "lcpp"))
    proc = subprocess.run(["bash", SCRIPT, tiny_model, str(tmp_path / "gguf")], capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("+ ")]
    name = os.path.basename(tiny_model)
    assert lines[0].startswith("+ git clone --depth 1 --branch b6000 ")
    assert any("--target llama-quantize" in line for line in lines)
    assert any(f"convert_hf_to_gguf.py {tiny_model} --outtype f16 --outfile {tmp_path}/gguf/{name}-f16.gguf" in line for line in lines)
    assert any(line.endswith(f"{name}-f16.gguf {tmp_path}/gguf/{name}-Q8_0.gguf Q8_0") for line in lines)
    assert any(line.endswith(f"{name}-f16.gguf {tmp_path}/gguf/{name}-Q4_K_M.gguf Q4_K_M") for line in lines)
    assert "gguf_check --arch qwen3" in lines[-1]
