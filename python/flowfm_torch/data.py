"""Window packs from ``cli/pack.ts``, and the batches the trainer draws from them.

A pack (see ``lib/data/window_pack.ts``) holds ``windows``: ``[n, 300, 3]`` F16 in g, or (dense)
``[2, n, 300, 3]`` bytes of milli-g deltas along time, zigzag-mapped, low and high byte planes, and ``dataset``, ``placement``, ``subject`` indices. Several
packs concatenate; their name lists merge.

Dense packs carry ``continues`` flags: a window that continues into the next can be cut at any
offset across the two, so every epoch sees new crops (``crops=True``). All windows sit on the
training device as one flat ``[n * 300, 3]`` tensor (int16 or float16), and a batch is one gather.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from . import safetensors_io as st

PACK_FORMAT = "flowfm-windows"
BALANCE_MODES = ("none",) + tuple(f"{g}{s}" for g in ("dataset", "placement", "dataset+placement") for s in ("", ":sqrt"))
WINDOW = 300
CLIP_G = 3.0


class PackError(ValueError):
    """A file that is not a window pack, or packs that do not fit together; names the file."""


@dataclass
class Windows:
    """Packed windows, concatenated: ``flat`` ``[n * 300, 3]`` (float16 g, or int16 milli-g)."""

    flat: torch.Tensor
    scale: float  # g per stored unit
    continues: torch.Tensor  # bool [n]
    dataset: torch.Tensor  # int64 [n]
    placement: torch.Tensor
    subject: torch.Tensor
    datasets: List[str] = field(default_factory=list)
    placements: List[str] = field(default_factory=list)
    sources: List[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return int(self.dataset.shape[0])

    def to(self, device) -> "Windows":
        for k in ("flat", "continues", "dataset", "placement", "subject"):
            setattr(self, k, getattr(self, k).to(device))
        return self

    def hours(self) -> float:
        """Distinct hours of data (dense packs do not overlap; F16 packs may)."""
        return self.count * WINDOW / 30 / 3600

    def summary(self) -> str:
        parts = []
        for d, name in enumerate(self.datasets):
            for p, place in list(enumerate(self.placements)) + [(-1, "placement unknown")]:
                n = int(((self.dataset == d) & (self.placement == p)).sum())
                if n:
                    parts.append(f"{name} ({place}) {n}")
        return f"{self.count} windows ({self.hours():.1f} h): " + ", ".join(parts)

    def batch(self, index: torch.Tensor, offset: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Windows ``index`` (int64 ``[b]``), each shifted ``offset`` samples into the next one where
        it continues: ``[b, 300, 3]`` float32 in g, clipped at ±3 g."""
        start = index * WINDOW
        if offset is not None:
            start = start + torch.where(self.continues[index], offset, torch.zeros_like(offset))
        rows = start.unsqueeze(1) + torch.arange(WINDOW, device=start.device).unsqueeze(0)
        x = self.flat[rows].float() * self.scale
        return x.clamp_(-CLIP_G, CLIP_G)


def _read_pack(path: str):
    tensors, meta = st.read(path)
    if meta.get("format") != PACK_FORMAT:
        raise PackError(f'{path}: __metadata__.format is {meta.get("format")!r}, expected "{PACK_FORMAT}" (make packs with cli/pack.ts)')
    enc = meta.get("encoding")
    if "windows" not in tensors:
        raise PackError(f'{path}: no tensor "windows"')
    dtype, w = tensors["windows"]
    planes = dtype == "U8"  # dense: [2, n, 300, 3] byte planes
    if w.ndim != 3 + planes or w.shape[-2:] != (WINDOW, 3) or (planes and w.shape[0] != 2):
        want = f"[2, n, {WINDOW}, 3]" if planes else f"[n, {WINDOW}, 3]"
        raise PackError(f'{path}: tensor "windows" has shape {list(w.shape)}, expected {want}')
    n = w.shape[-3]
    if enc == "f16-g" and dtype == "F16":
        flat, scale = torch.from_numpy(w.astype(np.float16)).reshape(-1, 3), 1.0
    elif enc == "milli-g-delta-zigzag-bytes" and dtype == "U8":
        z = w[0].astype(np.int32) | (w[1].astype(np.int32) << 8)
        q = np.cumsum((z >> 1) ^ -(z & 1), axis=1)
        if np.abs(q).max(initial=0) > 32767:
            raise PackError(f'{path}: tensor "windows" decodes outside int16')
        flat, scale = torch.from_numpy(q.astype(np.int16)).reshape(-1, 3), 1e-3
    else:
        raise PackError(f"{path}: encoding {enc!r} with windows of dtype {dtype} is not a pack this package reads")
    ints = {}
    for k in ("dataset", "placement", "subject"):
        if k not in tensors or tensors[k][1].shape != (n,):
            raise PackError(f'{path}: tensor "{k}" missing or not of shape [{n}]')
        ints[k] = torch.from_numpy(tensors[k][1].astype(np.int64))
    cont = tensors.get("continues")
    continues = torch.from_numpy(cont[1].astype(bool)) if cont is not None else torch.zeros(n, dtype=torch.bool)
    lists = {}
    for k in ("datasets", "placements", "subjects"):
        try:
            lists[k] = json.loads(meta.get(k, "[]"))
        except json.JSONDecodeError:
            raise PackError(f"{path}: __metadata__.{k} is not JSON") from None
    return flat, scale, continues, ints, lists, meta.get("sources", "")


def load_windows(paths: Sequence[str]) -> Windows:
    """Reads and concatenates packs (dense and F16 packs together are held as float16 g)."""
    if not paths:
        raise PackError("no window packs given (make them with cli/pack.ts)")
    flats, conts, ds, pl, sj = [], [], [], [], []
    datasets: List[str] = []
    placements: List[str] = []
    subjects: List[str] = []
    sources: List[str] = []

    def remap(values: torch.Tensor, names: List[str], into: List[str]) -> torch.Tensor:
        table = []
        for nm in names:
            if nm not in into:
                into.append(nm)
            table.append(into.index(nm))
        t = torch.tensor(table + [-1], dtype=torch.int64)  # -1 stays -1
        return t[values.clamp(min=-1)]

    for p in paths:
        flat, s, cont, ints, lists, src = _read_pack(p)
        flats.append((flat, s))
        conts.append(cont)
        ds.append(remap(ints["dataset"], lists["datasets"], datasets))
        pl.append(remap(ints["placement"], lists["placements"], placements))
        sj.append(remap(ints["subject"], lists["subjects"], subjects))
        sources.append(f"{p}: {src}")
    scales = {s for _, s in flats}
    if len(scales) == 1:
        flat, scale = torch.cat([f for f, _ in flats]), scales.pop()
    else:  # dense and F16 packs together: all as float16 g
        flat, scale = torch.cat([(f.float() * s).half() for f, s in flats]), 1.0
    return Windows(
        flat=flat, scale=float(scale), continues=torch.cat(conts), dataset=torch.cat(ds),
        placement=torch.cat(pl), subject=torch.cat(sj), datasets=datasets, placements=placements, sources=sources,
    )


class BatchSampler:
    """The global batch of each step, the same on every process (one seeded generator), so rank ``r``
    of ``k`` takes rows ``r::k`` of it and the processes together train on the whole batch.

    ``balance``: ``none`` (every window once per epoch, shuffled), ``dataset``, ``placement`` or
    ``dataset+placement`` (each step draws its windows' groups uniformly, then a window uniformly
    within the group), or any of these with ``:sqrt`` (groups drawn in proportion to the square
    root of their window counts), as the library's ``--balance``.
    ``crops``: shift each window by a random offset into the next where it continues.
    """

    def __init__(self, windows: Windows, batch: int, seed: int, balance: str = "none", crops: bool = True):
        if balance not in BALANCE_MODES:
            raise ValueError(f'balance "{balance}": expected one of {", ".join(BALANCE_MODES)}')
        if batch < 1:
            raise ValueError(f"batch {batch} < 1")
        self.w, self.batch, self.balance, self.crops = windows, batch, balance, crops
        self.gen = torch.Generator().manual_seed(seed)
        self.order = torch.empty(0, dtype=torch.int64)
        self.pos = 0
        if balance != "none":
            d, p = windows.dataset.cpu(), windows.placement.cpu()
            by = balance.removesuffix(":sqrt")
            key = {"dataset": d, "placement": p, "dataset+placement": d * (len(windows.placements) + 1) + p + 1}[by]
            self.groups = [torch.nonzero(key == g).flatten() for g in torch.unique(key)]
            sizes = torch.tensor([len(m) for m in self.groups], dtype=torch.float64)
            self.rates = sizes.sqrt() if balance.endswith(":sqrt") else None

    def state(self) -> Dict[str, object]:
        return {"gen": self.gen.get_state(), "order": self.order, "pos": self.pos}

    def load_state(self, s: Dict[str, object]) -> None:
        self.gen.set_state(s["gen"])
        self.order, self.pos = s["order"], s["pos"]

    def next(self):
        """``(index, offset)`` of the next global batch (CPU int64 tensors)."""
        n = self.w.count
        if self.balance == "none":
            parts, need = [], self.batch
            while need > 0:
                if self.pos >= len(self.order):
                    self.order, self.pos = torch.randperm(n, generator=self.gen), 0
                take = self.order[self.pos : self.pos + need]
                self.pos += len(take)
                need -= len(take)
                parts.append(take)
            index = torch.cat(parts)
        else:
            if self.rates is None:
                g = torch.randint(0, len(self.groups), (self.batch,), generator=self.gen)
            else:
                g = torch.multinomial(self.rates, self.batch, replacement=True, generator=self.gen)
            index = torch.empty(self.batch, dtype=torch.int64)
            for k, members in enumerate(self.groups):
                sel = g == k
                m = int(sel.sum())
                if m:
                    index[sel] = members[torch.randint(0, len(members), (m,), generator=self.gen)]
        offset = torch.randint(0, WINDOW, (self.batch,), generator=self.gen) if self.crops else None
        return index, offset
