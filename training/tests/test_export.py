"""GGUF export for real: llama.cpp from the pinned sdist (built once, cached under .tools/) converts
the tiny Qwen3 — at a size where Q4_K applies — and quantizes it; the verifier reads tensor types.

The llama.cpp build (~10 min on 2 cores the first time) normally comes from `make test`'s
`edge-deps`; if the tools are not built yet the first test here builds them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO_ROOT, SAMPLES, TRAINING_DIR

from toolgate_training.gguf_check import FILE_TYPES, REQUIRED_TENSOR_TYPE, main as gguf_check_main

SCRIPT = os.path.join(TRAINING_DIR, "scripts", "export_gguf.sh")


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PY=sys.executable, PYTHONPATH=TRAINING_DIR, **extra)


@pytest.fixture(scope="module")
def tiny_256(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The tiny Qwen3 with every row a multiple of 256 (hidden 256, intermediate 512)."""
    from toolgate_training.tiny_model import build_tiny_qwen3

    return build_tiny_qwen3(str(tmp_path_factory.mktemp("tiny-256") / "tiny-qwen3"), SAMPLES, hidden=256, layers=2)


@pytest.fixture(scope="module")
def exported(tiny_256: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = str(tmp_path_factory.mktemp("gguf"))
    proc = subprocess.run(["bash", SCRIPT, tiny_256, out], capture_output=True, text=True, env=_env(PRE_TOKENIZER="qwen2"),
                          cwd=REPO_ROOT, timeout=3600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(os.path.join(out, "gguf-check.json"), encoding="utf-8") as fh:
        facts = {f["quant"]: f for f in json.load(fh)}
    return {"out": out, "facts": facts, "stdout": proc.stdout}


def test_export_writes_three_verified_files(exported: dict) -> None:
    facts = exported["facts"]
    assert set(facts) == {"F16", "Q8_0", "Q4_K_M"}
    for quant, f in facts.items():
        assert f["ok"], f
        assert f["architecture"] == "qwen3" and f["file_type"] == FILE_TYPES[quant]
        assert f["tensor_types"].get(REQUIRED_TENSOR_TYPE[quant], 0) >= 1, (quant, f["tensor_types"])
        assert os.path.getsize(f["path"]) == f["size_bytes"]
    # 2 layers × (q, k, v, o, gate, up, down) are the quantizable matrices; Q4_K_M keeps some at Q6_K.
    q4 = facts["Q4_K_M"]["tensor_types"]
    assert q4["Q4_K"] + q4.get("Q6_K", 0) >= 14, q4
    assert facts["F16"]["size_bytes"] > facts["Q8_0"]["size_bytes"] > facts["Q4_K_M"]["size_bytes"]
    assert len({f["parameters"] for f in facts.values()}) == 1  # the same weights, three encodings


def test_gguf_keeps_the_chat_template_and_qwen2_tokenizer(exported: dict) -> None:
    from gguf import GGUFReader

    reader = GGUFReader(exported["facts"]["Q4_K_M"]["path"])
    field = lambda k: reader.fields[k].contents()  # noqa: E731
    assert field("tokenizer.ggml.model") == "gpt2" and field("tokenizer.ggml.pre") == "qwen2"
    assert "<tool_call>" in field("tokenizer.chat_template")
    tokens = field("tokenizer.ggml.tokens")
    types = field("tokenizer.ggml.token_type")
    # the tool tags are text (USER_DEFINED = 4), <|im_end|> a control token (CONTROL = 3), as for Qwen3
    assert types[tokens.index("<tool_call>")] == 4 and types[tokens.index("<|im_end|>")] == 3


def test_converter_refuses_the_tiny_tokenizer_without_the_declaration(tiny_256: str, tmp_path) -> None:
    """The declaration is what makes the tiny tokenizer convert; llama.cpp knows Qwen3's own hash."""
    lcpp = subprocess.run(["bash", os.path.join(TRAINING_DIR, "scripts", "build_llama_cpp.sh")], capture_output=True,
                          text=True, env=_env(), check=True).stdout.strip()
    tree = os.path.dirname(os.path.dirname(lcpp))
    proc = subprocess.run([sys.executable, "-m", "toolgate_training.gguf_convert", "--llama-cpp", tree, tiny_256,
                           "--outtype", "f16", "--outfile", str(tmp_path / "x.gguf")], capture_output=True, text=True,
                          env=_env(), timeout=600, check=False)
    assert proc.returncode != 0 and "pre-tokenizer was not recognized" in proc.stderr
    with open(os.path.join(tree, "conversion", "base.py"), encoding="utf-8") as fh:
        source = fh.read()
    # Qwen3's tokenizer hash (ref: Qwen/Qwen3-Embedding-0.6B, the same tokenizer) maps to qwen2.
    assert 'chkhsh == "d4540891389ea895b53b399da6ac824becc30f2fba0e9ddbb98f92e55ca0e97c"' in source


def _write_gguf(path: str, arch: str, file_type: int, dtype=np.float16) -> str:
    import gguf

    writer = gguf.GGUFWriter(path, arch)
    writer.add_file_type(file_type)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=dtype))
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
    assert "arch=qwen3 file_type=1 tensors=1 [F16:1]" in capsys.readouterr().out
    wrong_arch = _write_gguf(str(tmp_path / "n-f16.gguf"), "llama", 1)
    assert gguf_check_main(["--arch", "qwen3", wrong_arch]) == 1
    mislabeled = _write_gguf(str(tmp_path / "m-Q4_K_M.gguf"), "qwen3", 1)
    assert gguf_check_main(["--arch", "qwen3", mislabeled]) == 1
    assert "expected 15" in capsys.readouterr().err
    # the label alone is not enough: a "Q4_K_M" file without a single Q4_K tensor fails
    label_only = _write_gguf(str(tmp_path / "o-Q4_K_M.gguf"), "qwen3", 15)
    assert gguf_check_main(["--arch", "qwen3", "--json", str(tmp_path / "c.json"), label_only]) == 1
    assert "no Q4_K tensor" in capsys.readouterr().err
    assert json.loads((tmp_path / "c.json").read_text())[0]["tensor_types"] == {"F16": 1}
    (tmp_path / "junk-f16.gguf").write_bytes(b"not a gguf file")
    assert gguf_check_main([str(tmp_path / "junk-f16.gguf")]) == 1


def test_export_script_refuses_an_unmerged_model(tmp_path) -> None:
    proc = subprocess.run(["bash", SCRIPT, str(tmp_path), str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2 and "not a merged Hugging Face model" in proc.stderr


def test_export_script_plan(tiny_model: str, tmp_path) -> None:
    proc = subprocess.run(["bash", SCRIPT, tiny_model, str(tmp_path / "gguf")], capture_output=True, text=True,
                          env=_env(DRY_RUN="1", PRE_TOKENIZER="qwen2"), cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("+ ")]
    name = os.path.basename(tiny_model)
    assert "build_llama_cpp.sh" in lines[0]
    assert any("gguf_convert --llama-cpp" in line and f"--pre-tokenizer qwen2 {tiny_model} --outtype f16 --outfile {tmp_path}/gguf/{name}-f16.gguf" in line
               for line in lines)
    assert any(line.endswith(f"{name}-f16.gguf {tmp_path}/gguf/{name}-Q8_0.gguf Q8_0") for line in lines)
    assert any(line.endswith(f"{name}-f16.gguf {tmp_path}/gguf/{name}-Q4_K_M.gguf Q4_K_M") for line in lines)
    assert "gguf_check --arch qwen3 --json" in lines[-1]
