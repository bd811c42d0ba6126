"""The encoder's view, as ``lib/train/augment.ts``: per window a rotation by an angle up to
``maxRotationDeg`` about a random axis (or the window's gravity direction), then optionally a tilt
by up to ``maxTiltDeg`` about a horizontal axis (perpendicular to the window's mean acceleration),
a scaling in ``[1 - scale, 1 + scale]``, and optionally a signed axis permutation (with
probability ``permuteProbability``), after Gaussian jitter of the source window. The view is
``x'[b, t, :] = M_b (x[b, t, :] + jitter)`` with ``M = P s T R``.

Draws use PyTorch's generator, so a seeded run is reproducible here, not draw for draw equal to the
library's (the parity tests pass the view explicitly).
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Union

import torch

PERMUTATIONS = torch.tensor([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]])


AUGMENT_KEYS = ("maxRotationDeg", "scale", "jitter", "rotationAxis", "permuteAxes", "permuteProbability", "maxTiltDeg")


def resolve_augment(augment: Union[bool, Dict[str, Any], None], default: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """``True`` -> the default view, ``False``/``None`` -> none, a dict -> itself (the option names
    of ``lib/train/augment.ts``; an unknown one is an error that names it)."""
    if augment is True:
        return dict(default)
    if not augment:
        return None
    unknown = [k for k in augment if k not in AUGMENT_KEYS]
    if unknown:
        raise ValueError(f"augment: unknown option {unknown[0]!r}; known: {', '.join(AUGMENT_KEYS)}")
    return dict(augment)


def _rotations(axis: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """``[n, 3, 3]`` rotations by angles ``a`` ``[n]`` about unit axes ``axis`` ``[n, 3]`` (Rodrigues)."""
    c, si = torch.cos(a), torch.sin(a)
    C = 1 - c
    ax, ay, az = axis[:, 0], axis[:, 1], axis[:, 2]
    return torch.stack([
        c + ax * ax * C, ax * ay * C - az * si, ax * az * C + ay * si,
        ay * ax * C + az * si, c + ay * ay * C, ay * az * C - ax * si,
        az * ax * C - ay * si, az * ay * C + ax * si, c + az * az * C,
    ], dim=1).reshape(-1, 3, 3)


def _unit(v: torch.Tensor) -> torch.Tensor:
    """Rows of ``v`` scaled to length 1; a row near 0 (free fall) becomes the z axis."""
    v = v.clone()
    v[v.norm(dim=1) < 1e-6] = torch.tensor([0.0, 0.0, 1.0])
    return v / v.norm(dim=1, keepdim=True)


def view_matrices(gen: torch.Generator, x: torch.Tensor, options: Dict[str, Any]) -> torch.Tensor:
    """``[n, 3, 3]`` matrices ``P s T R`` for windows ``x`` ``[n, L, 3]`` (x is read only for
    ``rotationAxis: "gravity"`` and ``maxTiltDeg``); drawn on the CPU."""
    n = x.shape[0]
    max_rad = float(options.get("maxRotationDeg", 10)) * math.pi / 180
    scale = float(options.get("scale", 0.1))
    max_tilt = float(options.get("maxTiltDeg", 0) or 0) * math.pi / 180
    p_permute = float(options.get("permuteProbability", 1))
    gravity_axis = options.get("rotationAxis", "random") == "gravity"
    g = _unit(x.detach().float().mean(dim=1).cpu()) if gravity_axis or max_tilt > 0 else None
    axis = g if gravity_axis else _unit(torch.randn(n, 3, generator=gen))
    a = (2 * torch.rand(n, generator=gen) - 1) * max_rad
    s = 1 + (2 * torch.rand(n, generator=gen) - 1) * scale
    r = _rotations(axis, a)
    if max_tilt > 0:  # about a horizontal axis: a random direction less its component along gravity
        v = torch.randn(n, 3, generator=gen)
        h = v - (v * g).sum(dim=1, keepdim=True) * g
        tilt = (2 * torch.rand(n, generator=gen) - 1) * max_tilt
        r = torch.bmm(_rotations(_unit(h), tilt), r)
    r = r * s.reshape(n, 1, 1)
    if options.get("permuteAxes"):
        perm = PERMUTATIONS[torch.randint(0, 6, (n,), generator=gen)]  # [n, 3]
        sign = torch.where(torch.rand(n, 3, generator=gen) < 0.5, -1.0, 1.0)
        permuted = torch.gather(r, 1, perm.unsqueeze(2).expand(n, 3, 3)) * sign.unsqueeze(2)
        if p_permute < 1:
            chosen = torch.rand(n, generator=gen) < p_permute
            permuted = torch.where(chosen.reshape(n, 1, 1), permuted, r)
        r = permuted
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
