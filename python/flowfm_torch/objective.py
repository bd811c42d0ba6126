"""The training objectives, as ``lib/flow/``: conditional flow matching (``fm``, the method) and the
representation-conditional DDPM baseline (``ddpm``).

Flow matching: ``x_t = (1 - t) x_0 + t x_1``, target ``x_1 - x_0``,
``L = mean((v(x_t, t, E(view)) - (x_1 - x_0))^2)``; gradients reach both networks.
DDPM: ``x_t = sqrt(ab_s) x + sqrt(1 - ab_s) eps`` with linear betas 1e-4..0.02 over T = 1000 steps,
the network sees ``s / T``, ``L = mean((pred - eps)^2)``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from .model import FlowFM

DDPM_STEPS = 1000
NOISE_LOGIT_MEAN = -0.8  # logit-normal-noise, as lib/flow/path.ts
TIME_SAMPLINGS = ("uniform", "logit-normal", "logit-normal-noise")


def linear_alpha_bars(steps: int = DDPM_STEPS, beta_start: float = 1e-4, beta_end: float = 0.02) -> np.ndarray:
    """Cumulative products of ``1 - beta`` (float64), index 0..T-1, as ``linearSchedule``."""
    betas = beta_start + (beta_end - beta_start) * np.arange(steps) / max(1, steps - 1)
    return np.cumprod(1 - betas)


_ALPHA_BARS = linear_alpha_bars()


def draw_times(gen: torch.Generator, n: int, kind: str, objective: str = "fm", device="cpu") -> torch.Tensor:
    """Training times: flow times in [0, 1) by ``kind``, or DDPM step indices in [0, T)."""
    if objective == "ddpm":
        return torch.randint(0, DDPM_STEPS, (n,), generator=gen).float().to(device)
    if kind not in TIME_SAMPLINGS:
        raise ValueError(f'unknown time sampling "{kind}", expected {" | ".join(TIME_SAMPLINGS)}')
    if kind == "uniform":
        return torch.rand(n, generator=gen).to(device)
    mean = NOISE_LOGIT_MEAN if kind == "logit-normal-noise" else 0.0
    return torch.sigmoid(mean + torch.randn(n, generator=gen)).to(device)


def flow_matching_loss(model: FlowFM, x1: torch.Tensor, x0: torch.Tensor, t: torch.Tensor, view: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``x1`` data ``[b, L, 3]``, ``x0`` noise (same shape), ``t`` ``[b]``, ``view`` the encoder's
    input (default ``x1``) -> scalar loss."""
    if x0.shape != x1.shape or t.shape[0] != x1.shape[0]:
        raise ValueError(f"flow_matching_loss: x0 {list(x0.shape)}, x1 {list(x1.shape)} and t {list(t.shape)} disagree")
    z = model.embed(x1 if view is None else view)
    tb = t.reshape(-1, 1, 1)
    xt = (1 - tb) * x0 + tb * x1
    v = model.velocity(xt, t, z)
    return ((v.float() - (x1 - x0)) ** 2).mean()


def diffusion_loss(model: FlowFM, data: torch.Tensor, eps: torch.Tensor, steps: torch.Tensor, view: Optional[torch.Tensor] = None) -> torch.Tensor:
    """DDPM's epsilon-prediction loss; ``steps`` are 0-based indices in [0, T)."""
    idx = steps.long().cpu().numpy()
    ab = _ALPHA_BARS[idx]
    shape = (-1, 1, 1)
    a = torch.from_numpy(np.sqrt(ab).astype(np.float32)).to(data.device).reshape(shape)
    s = torch.from_numpy(np.sqrt(1 - ab).astype(np.float32)).to(data.device).reshape(shape)
    z = model.embed(data if view is None else view)
    xt = data * a + eps * s
    pred = model.velocity(xt, steps.float() / DDPM_STEPS, z)
    return ((pred.float() - eps) ** 2).mean()


def objective_loss(model: FlowFM, data, noise, times, view=None) -> torch.Tensor:
    """The loss of the model's objective (its config's ``objective``)."""
    if model.config["objective"] == "ddpm":
        return diffusion_loss(model, data, noise, times, view)
    return flow_matching_loss(model, data, noise, times, view)
