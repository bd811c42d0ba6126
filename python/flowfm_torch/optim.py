"""Adam and the global-norm clip exactly as the library's ``Adam`` and ``clipGradients``:

- ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``,
  ``p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`` (tfjs's form, with epsilon
  outside the bias correction; PyTorch's own Adam puts it inside, hence this class);
- the clip is a factor ``clipNorm / norm`` on every gradient when the global norm exceeds
  ``clipNorm`` (0 = no clip), applied inside the update.

Betas and epsilon default to ``lib/train/defaults.json``'s ``adam`` block.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Iterable, Optional

import torch

from .config import TRAIN_DEFAULTS


def global_norm(grads: Iterable[torch.Tensor]) -> torch.Tensor:
    """sqrt of the sum of squares of every gradient (float32 scalar tensor)."""
    gs = [g.float() for g in grads if g is not None]
    if not gs:
        return torch.zeros(())
    return torch.sqrt(torch.stack([(g * g).sum() for g in gs]).sum())


def clip_scale(norm: float, clip_norm: float) -> float:
    """The factor on the gradients: ``clip_norm / norm`` above the clip, else 1."""
    return clip_norm / norm if clip_norm > 0 and norm > clip_norm else 1.0


class Adam(torch.optim.Optimizer):
    """The library's Adam (see the module doc). ``step(grad_scale)`` multiplies the gradients by
    ``grad_scale`` first (the clip factor)."""

    def __init__(self, params, lr: Optional[float] = None, beta1: Optional[float] = None,
                 beta2: Optional[float] = None, eps: Optional[float] = None):
        a = TRAIN_DEFAULTS["adam"]
        defaults = dict(
            lr=TRAIN_DEFAULTS["lr"] if lr is None else lr,
            beta1=a["beta1"] if beta1 is None else beta1,
            beta2=a["beta2"] if beta2 is None else beta2,
            eps=a["eps"] if eps is None else eps,
        )
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, grad_scale=1.0):  # type: ignore[override]
        """One update; ``grad_scale`` (a float, or a scalar tensor so that a GPU need not sync)
        multiplies every gradient first. Runs as a few multi-tensor (``torch._foreach_*``) kernels
        where PyTorch has them."""
        for group in self.param_groups:
            b1, b2, eps, lr = group["beta1"], group["beta2"], group["eps"], group["lr"]
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            for p in params:
                state = self.state[p]
                if not state:
                    state["t"] = 0
                    state["m"] = torch.zeros_like(p)
                    state["v"] = torch.zeros_like(p)
                state["t"] += 1
            ts = {self.state[p]["t"] for p in params}
            same = isinstance(grad_scale, (int, float)) and grad_scale == 1
            grads = [p.grad if same else p.grad * grad_scale for p in params]
            ms = [self.state[p]["m"] for p in params]
            vs = [self.state[p]["v"] for p in params]
            if len(ts) == 1 and hasattr(torch, "_foreach_addcdiv_"):
                t = ts.pop()
                step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                torch._foreach_mul_(ms, b1)
                torch._foreach_add_(ms, grads, alpha=1 - b1)
                torch._foreach_mul_(vs, b2)
                torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
                denom = torch._foreach_sqrt(vs)
                torch._foreach_add_(denom, eps)
                torch._foreach_addcdiv_(params, ms, denom, value=-step_size)
                continue
            for p, g, m, v in zip(params, grads, ms, vs):  # parameters at different step counts
                t = self.state[p]["t"]
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
                p.sub_(step_size * m / (v.sqrt() + eps))


def named_state(opt: torch.optim.Optimizer, model: torch.nn.Module) -> Dict[str, Dict[str, Any]]:
    """The optimizer's per-parameter state keyed by the parameter's tensor name, so a checkpoint
    resumes even when the modules are registered in another order (PyTorch's own
    ``state_dict`` keys the state by position)."""
    return {name: dict(opt.state[p]) for name, p in model.named_parameters() if p in opt.state}


def load_named_state(opt: torch.optim.Optimizer, model: torch.nn.Module, ckpt: Dict[str, Any]) -> None:
    """Restores what :func:`named_state` saved. A checkpoint from before it (positional state) is
    mapped through the order of its own ``model`` entries, which is the order its optimizer saw.
    A state whose shape differs from its parameter's is an error that names the tensor."""
    params = dict(model.named_parameters())
    if "optimizer_named" in ckpt:
        named = ckpt["optimizer_named"]
    else:
        order = [k for k in ckpt["model"] if k in params]
        saved = ckpt["optimizer"]["state"]
        named = {order[i]: s for i, s in saved.items()}
    unknown = sorted(set(named) - set(params))
    if unknown:
        raise SystemExit(f"error: the checkpoint's optimizer state names tensors this model lacks: {', '.join(unknown[:5])}")
    for name, s in named.items():
        p = params[name]
        for key in ("m", "v"):
            if tuple(s[key].shape) != tuple(p.shape):
                raise SystemExit(f"error: the checkpoint's Adam {key} for {name} has shape {list(s[key].shape)}, "
                                 f"the parameter {list(p.shape)}")
        opt.state[p] = {"t": int(s["t"]), "m": s["m"].to(p.device, p.dtype), "v": s["v"].to(p.device, p.dtype)}
