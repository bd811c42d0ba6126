"""flowfm_torch: the PyTorch twin of FlowFM, for pretraining at scale.

It builds every preset's networks with the library's tensor names, reads and writes the library's
model files exactly (:mod:`flowfm_torch.model_file`), computes the same flow-matching objective
with the same recipe (:mod:`flowfm_torch.objective`, :mod:`flowfm_torch.views`,
:mod:`flowfm_torch.optim`) and trains on windows packed by the Deno side's ``cli/pack.ts``, on one
process or under ``torchrun`` (:mod:`flowfm_torch.train`).

Example::

    from flowfm_torch import FlowFM, preset_config, read_model, write_model
    model = FlowFM(preset_config("tiny"))
    write_model("/tmp/tiny.safetensors", model)
    again, meta, _ = read_model("/tmp/tiny.safetensors")
"""
from .config import PRESET_NAMES, TRAIN_DEFAULTS, embedding_dim, preset_config
from .model import FlowFM
from .model_file import WeightsError, model_bytes, read_model, write_model

__all__ = [
    "FlowFM",
    "PRESET_NAMES",
    "TRAIN_DEFAULTS",
    "WeightsError",
    "embedding_dim",
    "model_bytes",
    "preset_config",
    "read_model",
    "write_model",
]
