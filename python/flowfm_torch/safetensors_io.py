"""Reads and writes safetensors files with NumPy alone (there is no Debian package for
``safetensors``), byte for byte as the Deno library's ``lib/weights/safetensors_encode.ts`` does:

- an 8-byte little-endian header length, then the JSON header padded with spaces to a multiple of
  8 bytes, then the tensors' bytes in the order of their sorted names;
- the header holds ``__metadata__`` first (keys sorted, string values), then each tensor's
  ``dtype``, ``shape`` and ``data_offsets`` in sorted name order;
- dtypes ``F32``, ``F16``, ``BF16`` (float), and ``I8``, ``U8``, ``I16``, ``I32``, ``I64`` (the
  window packs of ``cli/pack.ts``).

``BF16`` is read by widening the 16-bit patterns to float32, and written with round-to-nearest-even
(NaN kept a quiet NaN), as ``lib/weights/half_float.ts``.
"""
from __future__ import annotations

import gzip
import json
import os
import struct
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

MAX_HEADER = 100_000_000

_NP = {
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "I16": np.dtype("<i2"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
}
_SIZE = {"F32": 4, "F16": 2, "BF16": 2, "I8": 1, "U8": 1, "I16": 2, "I32": 4, "I64": 8}


class SafetensorsError(ValueError):
    """A file that is not valid safetensors; the message names the source and the field."""


def bf16_bits_to_f32(bits: np.ndarray) -> np.ndarray:
    """Widens bfloat16 bit patterns (uint16) to float32 (exact)."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16_bits(values: np.ndarray) -> np.ndarray:
    """Rounds float32 to bfloat16 bit patterns (nearest even; NaN stays a quiet NaN)."""
    x = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    nan = ((x & 0x7F800000) == 0x7F800000) & ((x & 0x7FFFFF) != 0)
    rounded = ((x + 0x7FFF + ((x >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(nan, ((x >> 16) | 0x40).astype(np.uint16), rounded)


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def decode(data: bytes, source: str = "safetensors") -> Tuple[Dict[str, Tuple[str, np.ndarray]], Dict[str, str]]:
    """Decodes safetensors bytes.

    Returns ``({name: (dtype, array)}, metadata)``; float tensors of any dtype come back as float32
    arrays (``dtype`` says what the file held), integer tensors in their own dtype.
    Raises :class:`SafetensorsError` naming ``source`` and the tensor or field at fault.
    """
    if len(data) < 8:
        raise SafetensorsError(f"{source}: {len(data)} bytes, too short for a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER or 8 + n > len(data):
        raise SafetensorsError(f"{source}: header length {n} does not fit the file's {len(data)} bytes")
    try:
        header = json.loads(data[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorsError(f"{source}: header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise SafetensorsError(f"{source}: header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise SafetensorsError(f"{source}: __metadata__ must map names to strings")
    body = memoryview(data)[8 + n :]
    out: Dict[str, Tuple[str, np.ndarray]] = {}
    for name, info in header.items():
        dtype = info.get("dtype") if isinstance(info, dict) else None
        if dtype not in _SIZE:
            raise SafetensorsError(f"{source}: tensor {name!r}: dtype {dtype!r} not supported")
        shape = info.get("shape")
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise SafetensorsError(f"{source}: tensor {name!r}: bad shape {shape!r}")
        start, end = info.get("data_offsets", [None, None])
        count = int(np.prod(shape)) if shape else 1
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(body)):
            raise SafetensorsError(f"{source}: tensor {name!r}: data_offsets {[start, end]} outside the data")
        if end - start != count * _SIZE[dtype]:
            raise SafetensorsError(
                f"{source}: tensor {name!r}: shape {shape} needs {count * _SIZE[dtype]} bytes, offsets give {end - start}"
            )
        raw = bytes(body[start:end])
        if dtype == "BF16":
            arr = bf16_bits_to_f32(np.frombuffer(raw, dtype="<u2"))
        else:
            arr = np.frombuffer(raw, dtype=_NP[dtype])
            arr = arr.astype(np.float32) if dtype == "F16" else arr.astype(arr.dtype.newbyteorder("="))
        out[name] = (dtype, arr.reshape(shape))
    return out, dict(meta)


def read(path: str) -> Tuple[Dict[str, Tuple[str, np.ndarray]], Dict[str, str]]:
    """Reads a safetensors file (gzip-compressed or not); see :func:`decode`."""
    return decode(_read_bytes(path), source=path)


def encode(tensors: Mapping[str, Tuple[str, np.ndarray]], metadata: Optional[Mapping[str, str]] = None) -> bytes:
    """Encodes ``{name: (dtype, array)}`` and string metadata, byte for byte as the Deno library."""
    header: Dict[str, object] = {}
    if metadata is not None:
        for k, v in metadata.items():
            if not isinstance(v, str):
                raise SafetensorsError(f"safetensors: metadata value for {k!r} must be a string")
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    names = sorted(tensors)
    chunks = []
    offset = 0
    for name in names:
        dtype, arr = tensors[name]
        if dtype not in _SIZE:
            raise SafetensorsError(f"safetensors: tensor {name!r}: dtype {dtype!r} not supported")
        arr = np.asarray(arr)
        if dtype == "BF16":
            raw = f32_to_bf16_bits(arr.astype(np.float32)).astype("<u2").tobytes()
        else:
            raw = np.ascontiguousarray(arr.astype(_NP[dtype])).tobytes()
        header[name] = {"dtype": dtype, "shape": [int(s) for s in arr.shape], "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    js = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    pad = (-len(js)) % 8
    return struct.pack("<Q", len(js) + pad) + js + b" " * pad + b"".join(chunks)


def atomic_write(path: str, data: bytes) -> None:
    """Writes ``data`` to ``path`` through a temporary file and a rename, so a reader never sees half a file."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
