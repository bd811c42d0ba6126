"""Model configurations and the training defaults, read from the same JSON files as the Deno
library: ``lib/model/presets.json`` (the presets' architectures) and ``lib/train/defaults.json``
(the training defaults). Nothing here repeats a value from those files.

A configuration is the dict stored as JSON in every model file's ``__metadata__.config``; its
fields are documented in ``lib/model/config.ts`` (``FlowFMConfig``).
"""
from __future__ import annotations

import copy
import json
import os
from typing import Any, Dict

FORMAT_VERSION = 1
"""Weights-file format version this package reads and writes (as ``FORMAT_VERSION`` in config.ts)."""

_HERE = os.path.dirname(os.path.abspath(__file__))


def _find(rel: str) -> str:
    """Finds a file of the repository (``lib/...``) above this package, or beside it when installed
    with the JSON copied in (``FLOWFM_LIB`` names the ``lib`` folder explicitly)."""
    env = os.environ.get("FLOWFM_LIB")
    candidates = ([os.path.join(env, rel)] if env else []) + [
        os.path.join(_HERE, "..", "..", "lib", rel),
        os.path.join(_HERE, "_lib", rel),
    ]
    for c in candidates:
        if os.path.isfile(c):
            return os.path.normpath(c)
    raise FileNotFoundError(f"flowfm_torch: cannot find lib/{rel} (looked in {candidates}); set FLOWFM_LIB")


def _load(rel: str) -> Dict[str, Any]:
    with open(_find(rel), encoding="utf-8") as f:
        return json.load(f)


PRESETS: Dict[str, Dict[str, Any]] = _load("model/presets.json")
TRAIN_DEFAULTS: Dict[str, Any] = _load("train/defaults.json")
PRESET_NAMES = list(PRESETS)

SAMPLE_RATE_HZ = 30
WINDOW_SAMPLES = 300
CHANNELS = 3


def preset_config(preset: str, **overrides: Any) -> Dict[str, Any]:
    """The full configuration of a preset, as ``presetConfig`` in ``lib/model/config.ts``."""
    if preset not in PRESETS:
        raise ValueError(f'unknown preset "{preset}": expected one of {", ".join(PRESET_NAMES)}')
    cfg = {
        "formatVersion": FORMAT_VERSION,
        "preset": preset,
        "objective": "fm",
        "encoder": copy.deepcopy(PRESETS[preset]["encoder"]),
        "generator": copy.deepcopy(PRESETS[preset]["generator"]),
        "sampleRate": SAMPLE_RATE_HZ,
        "windowSeconds": WINDOW_SAMPLES / SAMPLE_RATE_HZ,
        "windowLength": WINDOW_SAMPLES,
        "channels": CHANNELS,
        "units": "g",
        "clip": 3,
        "step": 0,
        "seed": 0,
    }
    cfg.update(overrides)
    return cfg


def embedding_dim(cfg: Dict[str, Any]) -> int:
    """Width of ``z``: the bottleneck's, else the last encoder stage's channels."""
    enc = cfg["encoder"]
    return enc.get("bottleneck") or enc["stages"][-1]["channels"]


def check_config(cfg: Any, source: str = "config") -> Dict[str, Any]:
    """Checks the fields the twin depends on; raises ValueError naming the field."""
    def need(cond: bool, field: str, detail: str) -> None:
        if not cond:
            raise ValueError(f'{source}: invalid config field "{field}": {detail}')

    need(isinstance(cfg, dict), "(root)", "not an object")
    need(cfg.get("formatVersion") == FORMAT_VERSION, "formatVersion", f"{cfg.get('formatVersion')!r}, this package reads {FORMAT_VERSION}")
    need(cfg.get("objective") in ("fm", "ddpm"), "objective", f"{cfg.get('objective')!r}, expected fm or ddpm")
    enc, gen = cfg.get("encoder"), cfg.get("generator")
    need(isinstance(enc, dict) and isinstance(enc.get("stages"), list) and enc["stages"], "encoder.stages", "missing or empty")
    need(isinstance(gen, dict) and isinstance(gen.get("channels"), list) and gen["channels"], "generator.channels", "missing or empty")
    for k in ("windowLength", "channels"):
        need(isinstance(cfg.get(k), int) and cfg[k] > 0, k, f"{cfg.get(k)!r} is not a positive integer")
    return cfg
