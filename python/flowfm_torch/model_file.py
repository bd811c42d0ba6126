"""The library's model files, read and written from PyTorch.

A model file is safetensors with ``__metadata__`` ``format: "flowfm"``, ``kind: "model"`` (or
``"checkpoint"``, whose extra ``optimizer.*`` tensors this package leaves alone), ``config`` (the
JSON of the architecture, which rebuilds the model alone) and any further string entries (such as
``training``, the run's provenance), kept as they are.

**The one layout rule.** A tensor of rank 3 is a convolution filter: the file stores it
``[kernel, in, out]`` (tfjs), PyTorch holds it ``[out, in, kernel]``; ``permute(2, 1, 0)``
converts both ways. Every other tensor (dense ``[in, out]``, biases, norms, running statistics)
is held exactly as stored. Tensor names are the same on both sides.

Every tensor of the file must be a parameter or buffer of the model its config builds, with the
same shape, and every parameter must be in the file: a mismatch is an error naming the tensor.
"""
from __future__ import annotations

import json
from typing import Dict, Optional, Tuple

import numpy as np
import torch

from . import js_json
from . import safetensors_io as st
from .config import check_config
from .model import FlowFM

FORMAT_KEY, FORMAT_VALUE = "format", "flowfm"
RESERVED = (FORMAT_KEY, "kind", "config")


class WeightsError(ValueError):
    """A model file that does not fit its config; the message names the file and the tensor."""


def to_file_layout(name: str, t: torch.Tensor) -> np.ndarray:
    """A parameter as the file stores it (rank 3: ``[out, in, k]`` -> ``[k, in, out]``)."""
    a = t.detach().to("cpu", torch.float32)
    if a.dim() == 3:
        a = a.permute(2, 1, 0)
    return a.contiguous().numpy()


def file_shape(t: torch.Tensor) -> list:
    """The shape the file stores ``t`` in (rank 3 reversed, as :func:`to_file_layout`)."""
    return list(t.shape[::-1]) if t.dim() == 3 else list(t.shape)


def from_file_layout(name: str, a: np.ndarray) -> torch.Tensor:
    """A stored tensor as PyTorch holds it (rank 3: ``[k, in, out]`` -> ``[out, in, k]``)."""
    t = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
    return t.permute(2, 1, 0).contiguous() if t.dim() == 3 else t


def model_tensors(model: FlowFM) -> Dict[str, torch.Tensor]:
    """Every parameter and buffer by its library name."""
    return dict(model.state_dict(keep_vars=False))


def read_model(path: str, device: str = "cpu") -> Tuple[FlowFM, Dict[str, str], Dict[str, Tuple[str, np.ndarray]]]:
    """Loads a model file (or a library checkpoint).

    Returns ``(model, extra_metadata, optimizer_tensors)``: metadata entries other than format,
    kind and config (``training`` and so on), and a checkpoint's ``optimizer.*`` tensors untouched.
    """
    tensors, meta = st.read(path)
    return _from_parts(tensors, meta, path, device)


def _from_parts(tensors, meta, source: str, device: str):
    if meta.get(FORMAT_KEY) != FORMAT_VALUE:
        raise WeightsError(f'{source}: __metadata__.format is {json.dumps(meta.get(FORMAT_KEY))}, expected "flowfm" (not a FlowFM weights file)')
    kind = meta.get("kind")
    if kind not in ("model", "checkpoint"):
        raise WeightsError(f'{source}: __metadata__.kind is {json.dumps(kind)}, expected "model" or "checkpoint"')
    try:
        cfg = check_config(json.loads(meta.get("config", "null")), source)
    except (ValueError, json.JSONDecodeError) as e:
        raise WeightsError(f"{source}: __metadata__.config: {e}") from None
    model = FlowFM(cfg)
    own = model_tensors(model)
    extras: Dict[str, Tuple[str, np.ndarray]] = {}
    for name, (dtype, arr) in tensors.items():
        if name in own:
            continue
        if kind == "checkpoint" and name.startswith("optimizer."):
            extras[name] = (dtype, arr)
            continue
        raise WeightsError(f'{source}: unexpected tensor "{name}": not a parameter of this {cfg.get("preset")} architecture')
    state = {}
    for name, t in own.items():
        if name not in tensors:
            raise WeightsError(f'{source}: missing tensor "{name}" (shape {file_shape(t)})')
        dtype, arr = tensors[name]
        want = file_shape(t)
        if list(arr.shape) != want:
            raise WeightsError(f'{source}: tensor "{name}" has shape {list(arr.shape)}, the config expects {want}')
        if not np.all(np.isfinite(arr)):
            bad = int(np.flatnonzero(~np.isfinite(arr.reshape(-1)))[0])
            raise WeightsError(f'{source}: tensor "{name}" holds {arr.reshape(-1)[bad]} at index {bad}')
        state[name] = from_file_layout(name, arr)
    model.load_state_dict(state, strict=True)
    extra_meta = {k: v for k, v in meta.items() if k not in RESERVED}
    return model.to(device), extra_meta, extras


def model_bytes(
    model: FlowFM,
    step: Optional[int] = None,
    dtype: str = "F32",
    metadata: Optional[Dict[str, str]] = None,
    kind: str = "model",
    extra_tensors: Optional[Dict[str, Tuple[str, np.ndarray]]] = None,
) -> bytes:
    """The model as a file's bytes: ``dtype`` F32, F16 or BF16 for every tensor; ``step`` into the
    config; ``metadata`` added (format, kind and config are reserved)."""
    if dtype not in ("F32", "F16", "BF16"):
        raise ValueError(f"model_bytes: dtype {dtype!r}, expected F32, F16 or BF16")
    cfg = dict(model.config)
    if step is not None:
        cfg["step"] = int(step)
    meta = {FORMAT_KEY: FORMAT_VALUE, "kind": kind, "config": js_json.dumps(cfg)}
    for k, v in (metadata or {}).items():
        if k in RESERVED:
            raise ValueError(f'weights metadata key "{k}" is reserved')
        meta[k] = v
    out = {name: (dtype, to_file_layout(name, t)) for name, t in model_tensors(model).items()}
    for name, v in (extra_tensors or {}).items():
        if not name.startswith("optimizer."):
            raise ValueError(f'checkpoint tensor "{name}" must start with "optimizer."')
        out[name] = v
    return st.encode(out, meta)


def write_model(path: str, model: FlowFM, **kw) -> None:
    """Writes :func:`model_bytes` atomically to ``path``."""
    st.atomic_write(path, model_bytes(model, **kw))
