"""The same model file gives the same numbers in the twin and in the Deno library (cpu backend, F32)."""
import numpy as np
import pytest
import torch

from flowfm_torch import PRESET_NAMES, read_model
from flowfm_torch import safetensors_io as st
from flowfm_torch.objective import diffusion_loss, flow_matching_loss
from flowfm_torch.optim import Adam, clip_scale, global_norm
from flowfm_torch.views import apply_matrices
from flowfm_torch.model_file import model_tensors, to_file_layout

TOL = 1e-4


def load_io(reference, preset):
    tensors, _ = st.read(f"{reference}/{preset}-io.safetensors")
    return {k: torch.from_numpy(a.copy()) for k, (_, a) in tensors.items()}


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_z_velocity_and_stage_features_agree(reference, preset):
    model, _, _ = read_model(f"{reference}/{preset}.safetensors")
    io = load_io(reference, preset)
    model.eval()
    with torch.no_grad():
        z = model.embed(io["x"])
        v = model.velocity(io["noise"], io["t"], io["z"])
        stages = model.encoder.stage_features(io["x"])
    assert z.shape == io["z"].shape
    assert (z - io["z"]).abs().max().item() < TOL, (z - io["z"]).abs().max().item()
    assert (v - io["v"]).abs().max().item() < TOL, (v - io["v"]).abs().max().item()
    assert stages.shape == io["stages"].shape
    assert (stages - io["stages"]).abs().max().item() < TOL
    # the velocity is not trivially zero (the blocks' second convolutions start at zero)
    assert io["v"].abs().max().item() > 1e-3


@pytest.mark.parametrize("preset", ["tiny", "small"])
def test_the_diffusion_baselines_loss_agrees(reference, preset):
    model, _, _ = read_model(f"{reference}/{preset}.safetensors")
    io = load_io(reference, preset)
    model.train()
    with torch.no_grad():
        loss = diffusion_loss(model, io["x"], io["noise"], io["ddpmSteps"]).item()
    want = io["ddpmLoss"].item()
    assert abs(loss - want) <= 1e-5 * want, (loss, want)


@pytest.mark.parametrize("preset", ["tiny", "small"])
def test_two_training_steps_agree(reference, preset):
    model, _, _ = read_model(f"{reference}/{preset}.safetensors")
    tensors, meta = st.read(f"{reference}/{preset}-step.safetensors")
    d = {k: torch.from_numpy(a.copy()) for k, (_, a) in tensors.items()}
    model.train()
    opt = Adam(model.parameters(), lr=float(meta["lr"]))
    for s in range(2):
        opt.zero_grad(set_to_none=True)
        view = apply_matrices(d["source"], d["aug"])
        loss = flow_matching_loss(model, d["batch"], d["noise"], d["times"], view)
        loss.backward()
        norm = global_norm(p.grad for p in model.parameters()).item()
        ref_loss, ref_norm = d["loss"][s].item(), d["norm"][s].item()
        assert abs(loss.item() - ref_loss) <= 1e-5 * abs(ref_loss), (s, loss.item(), ref_loss)
        assert abs(norm - ref_norm) <= 1e-4 * ref_norm, (s, norm, ref_norm)
        scale = clip_scale(norm, d["clip"][s].item())
        assert (scale < 1) == (s == 0)  # the first step clips
        opt.step(scale)
    after, _, _ = read_model(f"{reference}/{preset}-after.safetensors")
    want = model_tensors(after)
    worst = max(
        (np.abs(to_file_layout(k, t) - to_file_layout(k, want[k])).max(), k) for k, t in model_tensors(model).items()
    )
    assert worst[0] < 1e-5, worst
