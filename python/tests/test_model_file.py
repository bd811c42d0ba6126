"""Model files cross between the twin and the Deno library unchanged, in both directions."""
import json

import numpy as np
import pytest
import torch

from conftest import run_deno
from flowfm_torch import FlowFM, WeightsError, model_bytes, preset_config, read_model, write_model
from flowfm_torch import safetensors_io as st
from flowfm_torch.model_file import model_tensors, to_file_layout


def test_a_library_file_is_rewritten_byte_for_byte(reference, tmp_path):
    src = f"{reference}/small-after.safetensors"
    model, meta, _ = read_model(src)
    out = tmp_path / "again.safetensors"
    write_model(str(out), model, metadata=meta)
    assert out.read_bytes() == open(src, "rb").read()


@pytest.mark.parametrize("dtype", ["F32", "F16"])
def test_a_twin_file_is_rewritten_byte_for_byte_by_the_library(tmp_path, dtype):
    model = FlowFM(preset_config("tiny", seed=3))
    with torch.no_grad():  # running statistics that are not the defaults
        model.encoder.s0.bn.mean.add_(0.25)
    training = json.dumps({"engine": "flowfm_torch", "data": ["x.safetensors"]})
    src, out = tmp_path / "twin.safetensors", tmp_path / "deno.safetensors"
    write_model(str(src), model, step=12, dtype=dtype, metadata={"training": training})
    info = json.loads(run_deno("run", "-A", "python/tests/resave.ts", str(src), str(out), dtype))
    assert info == {"preset": "tiny", "step": 12}
    assert out.read_bytes() == src.read_bytes()


def test_bf16_files_load_on_both_sides(tmp_path):
    model = FlowFM(preset_config("tiny", seed=4))
    src, out = tmp_path / "bf16.safetensors", tmp_path / "f32.safetensors"
    write_model(str(src), model, dtype="BF16")
    run_deno("run", "-A", "python/tests/resave.ts", str(src), str(out), "F32")
    again, _, _ = read_model(str(out))
    mine, _, _ = read_model(str(src))
    for k, t in model_tensors(again).items():
        assert torch.equal(t, model_tensors(mine)[k]), k
    # and BF16 is the rounded float32 (relative error at most 2^-8)
    w = model_tensors(model)["encoder.s0.conv.w"]
    assert (model_tensors(mine)["encoder.s0.conv.w"] - w).abs().max() <= w.abs().max() * 2 ** -8


def test_layout_rule_is_the_only_difference(tmp_path):
    model = FlowFM(preset_config("tiny"))
    tensors, meta = st.decode(model_bytes(model))
    for name, t in model_tensors(model).items():
        stored = tensors[name][1]
        if t.dim() == 3:
            assert list(stored.shape) == [t.shape[2], t.shape[1], t.shape[0]], name
        assert np.array_equal(stored, to_file_layout(name, t)), name
    assert json.loads(meta["config"])["preset"] == "tiny"


def _tampered(tmp_path, edit):
    model = FlowFM(preset_config("tiny"))
    tensors, meta = st.decode(model_bytes(model))
    edit(tensors, meta)
    p = tmp_path / "bad.safetensors"
    p.write_bytes(st.encode(tensors, meta))
    return str(p)


def test_mismatched_tensors_are_named(tmp_path):
    def drop(t, m):
        del t["generator.out.b"]

    with pytest.raises(WeightsError, match=r'bad.safetensors: missing tensor "generator.out.b"'):
        read_model(_tampered(tmp_path, drop))

    def extra(t, m):
        t["encoder.extra"] = ("F32", np.zeros(2, np.float32))

    with pytest.raises(WeightsError, match=r'unexpected tensor "encoder.extra"'):
        read_model(_tampered(tmp_path, extra))

    def reshape(t, m):
        t["encoder.s0.conv.w"] = ("F32", np.zeros((3, 3, 8), np.float32))

    with pytest.raises(WeightsError, match=r'tensor "encoder.s0.conv.w" has shape \[3, 3, 8\], the config expects \[3, 3, 8\]|tensor "encoder.s0.conv.w" has shape'):
        read_model(_tampered(tmp_path, reshape))

    def small_config(t, m):
        c = json.loads(m["config"])
        c.update(preset_config("small"))
        m["config"] = json.dumps(c)

    with pytest.raises(WeightsError, match="has shape"):
        read_model(_tampered(tmp_path, small_config))

    def not_flowfm(t, m):
        m["format"] = "other"

    with pytest.raises(WeightsError, match="not a FlowFM weights file"):
        read_model(_tampered(tmp_path, not_flowfm))
