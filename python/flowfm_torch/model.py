"""The FlowFM networks in PyTorch, parameter for parameter as ``lib/model/`` builds them.

Parameter and buffer names are the library's tensor names exactly (``encoder.s0.rb0.bn1.gamma``,
``generator.down0.b0.film1.w``...), so ``state_dict()`` keys are the model file's keys with no name
map. One layout rule differs (see :mod:`flowfm_torch.model_file`): a convolution filter is held
``[out, in, kernel]`` here, as ``F.conv1d`` wants it, and stored ``[kernel, in, out]`` in the file.
Dense layers keep the file's ``[in, out]`` layout (``y = x @ w + b``).

Public inputs and outputs use the library's channels-last layout: windows ``[batch, length, 3]``
in g, ``z`` ``[batch, zDim]``; inside, activations are ``[batch, channels, length]``.

Batch norm follows the library (and PyTorch): ``eps = 1e-5``, momentum 0.1
(``running = 0.9 running + 0.1 batch``), normalisation by the biased batch variance, running
variance updated with the unbiased one. It uses batch statistics when the encoder is in training
mode (``model.encoder.train()``) and running statistics in eval mode.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import check_config, embedding_dim

BN_EPS = 1e-5  # as lib/model/encoder.ts
BN_MOMENTUM = 0.1  # running = (1 - m) running + m batch
LN_EPS = 1e-5  # the bottleneck's layer norm
GN_EPS = 1e-5  # the generator's group norm
STAGE_SD_EPS = 1e-6  # stage features: sqrt(var + eps)


def _uniform(shape: Tuple[int, ...], fan_in: int, gen: torch.Generator) -> torch.Tensor:
    bound = 1.0 / math.sqrt(fan_in)
    return (torch.rand(shape, generator=gen) * 2 - 1) * bound


class BatchNorm(nn.Module):
    """Batch norm over ``[batch, channels, length]`` with the library's names (gamma, beta, mean, var)."""

    def __init__(self, c: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(c))
        self.beta = nn.Parameter(torch.zeros(c))
        self.register_buffer("mean", torch.zeros(c))
        self.register_buffer("var", torch.ones(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.batch_norm(x, self.mean, self.var, self.gamma, self.beta, self.training, BN_MOMENTUM, BN_EPS)


class Conv(nn.Module):
    """A 1-D convolution, filter ``w`` ``[out, in, kernel]`` (odd kernel), optional bias ``b``,
    "same" output length with circular or zero padding."""

    def __init__(self, k: int, cin: int, cout: int, gen: torch.Generator, bias: bool, padding: str, zero: bool = False):
        super().__init__()
        if k % 2 != 1:
            raise ValueError(f"Conv: kernel must be odd, got {k}")
        self.padding = padding
        self.pad = (k - 1) // 2
        self.w = nn.Parameter(torch.zeros(cout, cin, k) if zero else _uniform((cout, cin, k), k * cin, gen))
        if bias:
            self.b = nn.Parameter(torch.zeros(cout) if zero else _uniform((cout,), k * cin, gen))
        else:
            self.b = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.padding == "circular" and self.pad > 0:
            if self.pad > x.shape[2]:
                raise ValueError(f"Conv: circular padding {self.pad} does not fit shape {list(x.shape)}")
            return F.conv1d(F.pad(x, (self.pad, self.pad), mode="circular"), self.w, self.b)
        return F.conv1d(x, self.w, self.b, padding=self.pad)


class Dense(nn.Module):
    """``y = x @ w + b`` with ``w`` ``[in, out]`` (the file's layout)."""

    def __init__(self, cin: int, cout: int, gen: torch.Generator, zero_bias: bool = False):
        super().__init__()
        self.w = nn.Parameter(_uniform((cin, cout), cin, gen))
        self.b = nn.Parameter(torch.zeros(cout) if zero_bias else _uniform((cout,), cin, gen))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.addmm(self.b, x, self.w) if x.dim() == 2 else x @ self.w + self.b


class ResBlock(nn.Module):
    """Pre-activation residual block: BN-ReLU-Conv-BN-ReLU-Conv + identity (circular convs, no bias)."""

    def __init__(self, c: int, k: int, gen: torch.Generator):
        super().__init__()
        self.bn1 = BatchNorm(c)
        self.conv1 = Conv(k, c, c, gen, bias=False, padding="circular")
        self.bn2 = BatchNorm(c)
        self.conv2 = Conv(k, c, c, gen, bias=False, padding="circular")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        r = self.conv1(F.relu(self.bn1(x)))
        r = self.conv2(F.relu(self.bn2(r)))
        return x + r


_DOWNSAMPLE_KERNELS: Dict[Tuple[int, int], torch.Tensor] = {}


def _downsample_kernel(factor: int, order: int) -> torch.Tensor:
    """A box of width ``factor`` convolved with itself ``order`` times, then once more, normalised:
    width ``(order + 1) (factor - 1) + 1`` (float64 sums, then float32)."""
    key = (factor, order)
    if key not in _DOWNSAMPLE_KERNELS:
        k = np.ones(factor)
        for _ in range(order):
            k = np.convolve(k, np.ones(factor))
        _DOWNSAMPLE_KERNELS[key] = torch.from_numpy((k / factor ** (order + 1)).astype(np.float32))
    return _DOWNSAMPLE_KERNELS[key]


def anti_alias_downsample(x: torch.Tensor, factor: int, order: int) -> torch.Tensor:
    """SSL-Wearables' ``Downsample`` on ``[batch, channels, length]``, as ``antiAliasDownsample`` in
    lib/model/ops.ts: zero padding ``order * (factor - 1) / 2`` each side, ``order`` stride-1 box
    filters of width ``factor``, then one of stride ``factor``. The library runs them as average
    pools; here they are one depthwise convolution with the combined filter (the same linear map,
    summed in another order; about 7x faster on a CPU)."""
    if factor < 2 or (order * (factor - 1)) % 2 != 0:
        raise ValueError(f"anti_alias_downsample: factor {factor} with order {order} is not symmetric")
    pad = order * (factor - 1) // 2
    c = x.shape[1]
    k = _downsample_kernel(factor, order).to(device=x.device, dtype=x.dtype)
    h = F.pad(x, (pad, pad)) if pad > 0 else x
    return F.conv1d(h, k.view(1, 1, -1).expand(c, 1, -1), stride=factor, groups=c)


class Stage(nn.Module):
    """conv (no bias, circular) -> resblocks -> BN -> ReLU; the downsampling is applied by the encoder."""

    def __init__(self, s: Dict[str, int], cin: int, gen: torch.Generator):
        super().__init__()
        self.down, self.order = s["down"], s["order"]
        self.conv = Conv(s["kernel"], cin, s["channels"], gen, bias=False, padding="circular")
        self.blocks = []
        for j in range(s["resblocks"]):
            rb = ResBlock(s["channels"], s["kernel"], gen)
            self.add_module(f"rb{j}", rb)
            self.blocks.append(rb)
        self.bn = BatchNorm(s["channels"])

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        h = self.conv(h)
        for rb in self.blocks:
            h = rb(h)
        return F.relu(self.bn(h))


class Encoder(nn.Module):
    """``E(x) -> z``: the 1-D ResNet-V2 of ``lib/model/encoder.ts`` (names under ``encoder.``)."""

    def __init__(self, cfg: Dict[str, Any], in_channels: int, gen: torch.Generator):
        super().__init__()
        self.cfg = cfg
        cin = in_channels + (1 if cfg.get("magnitude") else 0)
        self.stages: List[Stage] = []
        for i, s in enumerate(cfg["stages"]):
            st = Stage(s, cin, gen)
            self.add_module(f"s{i}", st)
            self.stages.append(st)
            cin = s["channels"]
        self.proj = Dense(cin, cfg["bottleneck"], gen, zero_bias=True) if cfg.get("bottleneck") else None
        self.z_dim = cfg.get("bottleneck") or cin
        if (cfg.get("auxTasks") or 0) > 0:
            self.aux = Dense(self.z_dim, 3, gen, zero_bias=True)  # encoder.aux.w [zDim, 3], .b [3]

    def input(self, x: torch.Tensor) -> torch.Tensor:
        """Gravity removal and the magnitude channel as the config asks; ``[b, L, 3]`` -> ``[b, C, L]``."""
        h = x
        if self.cfg.get("removeGravity"):
            h = h - h.mean(dim=1, keepdim=True)
        if self.cfg.get("magnitude"):
            h = torch.cat([h, torch.sqrt((x * x).sum(dim=2, keepdim=True))], dim=2)
        return h.transpose(1, 2)

    def trunk(self, x: torch.Tensor, taps: Optional[List[torch.Tensor]] = None) -> torch.Tensor:
        if x.dim() != 3:
            raise ValueError(f"encoder: expected windows [batch, length, channels], got shape {list(x.shape)}")
        h = self.input(x)
        for st in self.stages:
            h = st(h)
            if taps is not None:
                taps.append(h)
            h = anti_alias_downsample(h, st.down, st.order)
        if h.shape[2] != 1:
            raise ValueError(f"encoder: final length {h.shape[2]} != 1 for input {list(x.shape)}")
        pooled = h[:, :, 0]
        if self.proj is None:
            return pooled
        y = self.proj(pooled)
        return F.layer_norm(y, (y.shape[1],), eps=LN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``[batch, length, channels]`` in g (clipped) -> ``z`` ``[batch, zDim]``."""
        return self.trunk(x)

    def stage_features(self, x: torch.Tensor) -> torch.Tensor:
        """Each stage's output (after BN-ReLU, before downsampling) averaged over time and its SD over
        time, then ``z``: ``[batch, 2 * sum(stage channels) + zDim]``, as ``encoderStageFeatures``.
        Uses the module's current mode (call ``eval()`` first for running statistics)."""
        taps: List[torch.Tensor] = []
        z = self.trunk(x, taps)
        parts = []
        for h in taps:
            m = h.mean(dim=2)
            v = ((h - m.unsqueeze(2)) ** 2).mean(dim=2)
            parts += [m, torch.sqrt(v + STAGE_SD_EPS)]
        return torch.cat(parts + [z], dim=1)


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """``[sin(1000 t f_i), cos(1000 t f_i)]`` with ``f_i = exp(-ln(10000) i / (dim / 2))``: ``[batch, dim]``."""
    if dim % 2 != 0:
        raise ValueError(f"time_embedding: dim must be even, got {dim}")
    half = dim // 2
    freqs = torch.from_numpy(np.exp(-math.log(10000) * np.arange(half) / half).astype(np.float32)).to(t.device)
    args = (t.float() * 1000).reshape(-1, 1) * freqs.reshape(1, half)
    return torch.cat([torch.sin(args), torch.cos(args)], dim=1)


class GenBlock(nn.Module):
    """Residual block with FiLM: GN -> *(1+scale)+shift -> SiLU -> conv, twice, plus the skip."""

    def __init__(self, cin: int, cout: int, d: int, k: int, groups: int, gen: torch.Generator):
        super().__init__()
        self.groups = groups
        self.film1 = Dense(d, 2 * cin, gen)
        self.conv1 = Conv(k, cin, cout, gen, bias=True, padding="zeros")
        self.film2 = Dense(d, 2 * cout, gen)
        self.conv2 = Conv(k, cout, cout, gen, bias=True, padding="zeros", zero=True)
        self.skip = Conv(1, cin, cout, gen, bias=True, padding="zeros") if cin != cout else None

    def film(self, lin: Dense, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        ss = lin(cond).unsqueeze(2)  # [b, 2c, 1]
        scale, shift = ss[:, :c], ss[:, c:]
        return F.group_norm(x, self.groups, eps=GN_EPS) * (scale + 1) + shift

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.film(self.film1, x, cond)))
        h = self.conv2(F.silu(self.film(self.film2, h, cond)))
        return (x if self.skip is None else self.skip(x)) + h


class Generator(nn.Module):
    """The velocity field ``v(x_t, t, z)``: the 1-D U-Net of ``lib/model/generator.ts``."""

    def __init__(self, cfg: Dict[str, Any], channels: int, z_dim: int, gen: torch.Generator):
        super().__init__()
        self.cfg = cfg
        d, k, g, ch = cfg["condDim"], cfg["kernel"], cfg["groups"], cfg["channels"]
        self.levels = len(ch)
        time = nn.Module()
        time.fc1 = Dense(d, d, gen)
        time.fc2 = Dense(d, d, gen)
        self.time = time
        self.z = Dense(z_dim, d, gen)
        self.add_module("in", Conv(k, channels, ch[0], gen, bias=True, padding="zeros"))
        # Blocks are named as the library's ("generator.down0.b0...", "generator.up2.b0..."): one
        # ModuleDict per level, its blocks b0, b1... inside.
        self.down: List[List[GenBlock]] = []
        skips: List[int] = []
        c = ch[0]
        for l, cl in enumerate(ch):
            level = nn.ModuleDict()
            for b in range(cfg["blocks"]):
                level[f"b{b}"] = GenBlock(c, cl, d, k, g, gen)
                c = cl
                skips.append(c)
            self.add_module(f"down{l}", level)
            self.down.append(list(level.values()))
        self.mid = GenBlock(c, c, d, k, g, gen)
        self.up: List[List[GenBlock]] = []
        for l in range(len(ch) - 1, -1, -1):
            level = nn.ModuleDict()
            for b in range(cfg["blocks"]):
                level[f"b{b}"] = GenBlock(c + skips.pop(), ch[l], d, k, g, gen)
                c = ch[l]
            self.add_module(f"up{l}", level)
            self.up.append(list(level.values()))
        self.add_module("out", Conv(k, ch[0], channels, gen, bias=True, padding="zeros"))

    def forward(self, xt: torch.Tensor, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``xt`` ``[batch, length, channels]``, ``t`` ``[batch]`` in [0, 1], ``z`` ``[batch, zDim]``
        -> velocity ``[batch, length, channels]``."""
        b, length = xt.shape[0], xt.shape[1]
        if t.shape[0] != b or z.shape[0] != b:
            raise ValueError(f"generator: batch mismatch, x {list(xt.shape)}, t {list(t.shape)}, z {list(z.shape)}")
        if length % 2 ** (self.levels - 1) != 0:
            raise ValueError(f"generator: length {length} of x {list(xt.shape)} not divisible by 2^levels")
        temb = self.time.fc2(F.silu(self.time.fc1(time_embedding(t, self.cfg["condDim"]))))
        cond = F.silu(temb + self.z(z))
        h = getattr(self, "in")(xt.transpose(1, 2))
        skips: List[torch.Tensor] = []
        for l, level in enumerate(self.down):
            for blk in level:
                h = blk(h, cond)
                skips.append(h)
            if l < len(self.down) - 1:
                h = F.avg_pool1d(h, 2, 2)
        h = self.mid(h, cond)
        for i, level in enumerate(self.up):
            for blk in level:
                h = blk(torch.cat([h, skips.pop()], dim=1), cond)
            if i < len(self.up) - 1:
                h = h.repeat_interleave(2, dim=2)
        h = F.silu(F.group_norm(h, self.cfg["groups"], eps=GN_EPS))
        return getattr(self, "out")(h).transpose(1, 2)


class FlowFM(nn.Module):
    """Encoder + generator of one configuration (the dict in a model file's ``__metadata__.config``).

    ``seed`` draws the initial weights with PyTorch's generator: the same distributions as the
    library (uniform ``±1/sqrt(fan_in)``, zeros for biases of the bottleneck and the aux heads and
    for each block's second convolution), not the same values.
    """

    def __init__(self, cfg: Dict[str, Any], seed: Optional[int] = None):
        super().__init__()
        self.config = check_config(dict(cfg))
        gen = torch.Generator().manual_seed(int(self.config.get("seed", 0) if seed is None else seed))
        self.encoder = Encoder(self.config["encoder"], self.config["channels"], gen)
        self.generator = Generator(self.config["generator"], self.config["channels"], embedding_dim(self.config), gen)

    @property
    def embedding_dim(self) -> int:
        return embedding_dim(self.config)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``z`` of clipped windows ``[batch, length, channels]`` (the encoder's current norm mode)."""
        return self.encoder(x)

    def velocity(self, xt: torch.Tensor, t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.generator(xt, t, z)

    def forward(self, data: torch.Tensor, noise: torch.Tensor, times: torch.Tensor, view: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The training loss of the config's objective (so that DistributedDataParallel sees one
        forward): ``data`` and ``noise`` ``[b, L, 3]``, ``times`` ``[b]``, ``view`` the encoder's input."""
        from .objective import objective_loss

        return objective_loss(self, data, noise, times, view)

    @torch.no_grad()
    def encode(self, windows: torch.Tensor) -> torch.Tensor:
        """Embeddings of windows in g (clipped to ``±clip``), with running statistics."""
        was = self.encoder.training
        self.encoder.eval()
        try:
            return self.encoder(windows.clamp(-self.config["clip"], self.config["clip"]))
        finally:
            self.encoder.train(was)
