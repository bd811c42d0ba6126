"""The encoder's view, as ``lib/train/augment.ts``: per window a rotation by an angle up to
``maxRotationDeg`` about a random axis (or the window's gravity direction), a scaling in
``[1 - scale, 1 + scale]``, optionally a signed axis permutation, after Gaussian jitter of the
source window. The view is ``x'[b, t, :] = M_b (x[b, t, :] + jitter)``.

Draws use PyTorch's generator, so a seeded run is reproducible here, not draw for draw equal to the
library's (the parity tests pass the view explicitly).
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Union

import torch

PERMUTATIONS = torch.tensor([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])


def resolve_augment(augment: Union[bool, Dict[str, Any], None], default: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """``True`` -> the default view, ``False``/``None`` -> none, a dict -> itself."""
    if augment is True:
        return dict(default)
    if not augment:
        return None
    return dict(augment)


def view_matrices(gen: torch.Generator, x: torch.Tensor, options: Dict[str, Any]) -> torch.Tensor:
    """``[n, 3, 3]`` matrices ``P s R`` for windows ``x`` ``[n, L, 3]`` (x is read only for
    ``rotationAxis: "gravity"``); drawn on the CPU."""
    n = x.shape[0]
    max_rad = float(options.get("maxRotationDeg", 10)) * math.pi / 180
    scale = float(options.get("scale", 0.1))
    if options.get("rotationAxis", "random") == "gravity":
        axis = x.detach().float().mean(dim=1).cpu()
        small = axis.norm(dim=1) < 1e-6
        axis[small] = torch.tensor([0.0, 0.0, 1.0])
    else:
        axis = torch.randn(n, 3, generator=gen)
    axis = axis / axis.norm(dim=1, keepdim=True).clamp_min(1e-12)
    a = (2 * torch.rand(n, generator=gen) - 1) * max_rad
    s = 1 + (2 * torch.rand(n, generator=gen) - 1) * scale
    c, si = torch.cos(a), torch.sin(a)
    C = 1 - c
    ax, ay, az = axis[:, 0], axis[:, 1], axis[:, 2]
    r = torch.stack([
        c + ax * ax * C, ax * ay * C - az * si, ax * az * C + ay * si,
        ay * ax * C + az * si, c + ay * ay * C, ay * az * C - ax * si,
        az * ax * C - ay * si, az * ay * C + ax * si, c + az * az * C,
    ], dim=1).reshape(n, 3, 3) * s.reshape(n, 1, 1)
    if options.get("permuteAxes"):
        perm = PERMUTATIONS[torch.randint(0, 6, (n,), generator=gen)]  # [n, 3]
        sign = torch.where(torch.rand(n, 3, generator=gen) < 0.5, -1.0, 1.0)
        r = torch.gather(r, 1, perm.unsqueeze(2).expand(n, 3, 3)) * sign.unsqueeze(2)
    return r


def apply_matrices(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """``x`` ``[b, L, 3]``, ``m`` ``[b, 3, 3]`` -> ``x @ m^T`` (each sample times its window's matrix)."""
    if x.shape[2] != 3 or m.shape != (x.shape[0], 3, 3):
        raise ValueError(f"apply_matrices: x {list(x.shape)} needs matrices [{x.shape[0]}, 3, 3], got {list(m.shape)}")
    return torch.bmm(x, m.transpose(1, 2).to(x.dtype))


def make_view(gen: torch.Generator, x: torch.Tensor, options: Optional[Dict[str, Any]]) -> Optional[torch.Tensor]:
    """The encoder's view of a batch (``None`` without augmentation): jitter, then the matrices."""
    if not options:
        return None
    m = view_matrices(gen, x, options).to(x.device)
    src = x
    jitter = float(options.get("jitter", 0) or 0)
    if jitter:
        src = x + jitter * torch.randn(x.shape, generator=gen).to(x.device)
    return apply_matrices(src, m)
