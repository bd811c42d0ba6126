"""Pretrains FlowFM on window packs, on one process or under ``torchrun``.

One process (CPU or one GPU)::

    python3 -m flowfm_torch.train --windows all.safetensors.gz --preset small --steps 20000 \\
        --batch 256 --out runs/twin

K processes on one machine (K GPUs with NCCL, or K CPU processes with gloo), or several nodes::

    torchrun --standalone --nproc_per_node K -m flowfm_torch.train --windows ... --out runs/twin
    torchrun --nnodes 2 --node_rank R --master_addr HOST --nproc_per_node 8 -m flowfm_torch.train ...

``--batch`` is the global batch: each of K processes trains on ``batch / K`` windows of it and
DistributedDataParallel averages the gradients, so K processes take the same step as one process
on the whole batch (up to batch norm, whose statistics are per process).

It writes ``OUT/log.jsonl`` (one JSON object per step: step, loss, gradNorm, windowsPerSec,
elapsedSec, as ``cli/train.ts``), ``OUT/checkpoint.pt`` every ``--checkpoint-every`` steps (and on
SIGINT / SIGTERM / ``--minutes``), and ``OUT/model.safetensors``, which the Deno library, every
CLI command and the browser demo load unchanged. ``--resume`` continues from the checkpoint.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import time
from typing import Any, Dict, List, Optional

import torch
import torch.distributed as dist

from . import js_json
from .config import PRESET_NAMES, TRAIN_DEFAULTS, preset_config
from .data import BALANCE_MODES, BatchSampler, load_windows
from .model import FlowFM
from .model_file import read_model, write_model
from .objective import TIME_SAMPLINGS, draw_times
from .optim import Adam, global_norm, load_named_state, named_state
from .safetensors_io import atomic_write
from .views import make_view, resolve_augment

D = TRAIN_DEFAULTS


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python3 -m flowfm_torch.train", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--windows", nargs="+", required=True, help="window packs from cli/pack.ts")
    p.add_argument("--out", default="runs/twin", help="run folder")
    p.add_argument("--preset", choices=PRESET_NAMES, default=D["preset"], help="model size of a new run")
    p.add_argument("--objective", choices=["fm", "ddpm"], default=D["objective"])
    p.add_argument("--init", help="start from this model file (its config and weights) instead of a new model")
    p.add_argument("--steps", type=int, default=D["steps"], help="optimisation steps of the run")
    p.add_argument("--batch", type=int, default=D["batch"], help="global windows per step")
    p.add_argument("--lr", type=float, default=D["lr"], help="Adam learning rate")
    p.add_argument("--clip-norm", type=float, default=D["clipNorm"], help="global gradient-norm clip; 0 = off")
    p.add_argument("--seed", type=int, default=D["seed"])
    p.add_argument("--augment", default="default",
                   help='the encoder view: "default" (lib/train/defaults.json), "none", or a JSON object of AugmentOptions')
    p.add_argument("--time-sampling", choices=TIME_SAMPLINGS, default=D["timeSampling"])
    p.add_argument("--balance", choices=BALANCE_MODES, default=D["balance"],
                   help="draw every data set (placement, pair) equally often, windows uniformly within it; "
                        "MODE:sqrt in proportion to the square root of its window count")
    p.add_argument("--no-crops", action="store_true", help="dense packs: do not cut windows at random offsets")
    p.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints")
    p.add_argument("--log-every", type=int, default=10, help="steps between log flushes (each costs a device sync)")
    p.add_argument("--snapshot-windows", type=int, default=0,
                   help="also write OUT/model-<WINDOWS>.safetensors each time this many more windows have been seen (0 = off)")
    p.add_argument("--minutes", type=float, default=0, help="stop cleanly after this many minutes (0 = no limit)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run in OUT")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda")
    p.add_argument("--no-bf16", action="store_true", help="CUDA: train in float32 instead of bf16 autocast")
    p.add_argument("--threads", type=int, default=1, help="CPU threads per process")
    p.add_argument("--dtype", choices=["F32", "F16", "BF16"], default="F32", help="dtype of model.safetensors")
    a = p.parse_args(argv)
    if a.steps < 1 or a.batch < 1 or a.lr <= 0 or a.clip_norm < 0 or a.checkpoint_every < 1 or a.log_every < 1 or a.snapshot_windows < 0:
        p.error("--steps, --batch, --checkpoint-every and --log-every must be >= 1, --lr > 0, --clip-norm >= 0")
    if a.augment == "default":
        a.augment_options = resolve_augment(True, D["augment"])
    elif a.augment == "none":
        a.augment_options = None
    else:
        try:
            a.augment_options = resolve_augment(json.loads(a.augment), D["augment"])
        except json.JSONDecodeError as e:
            p.error(f"--augment: not JSON ({e})")
        except ValueError as e:
            p.error(f"--augment: {e}")
    return a


class Stop:
    """SIGINT / SIGTERM: finish the step, checkpoint, export, and exit (130 / 143); twice: quit."""

    def __init__(self):
        self.reason: Optional[str] = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.handle)

    def handle(self, signum, frame):
        if self.reason:
            sys.exit(130)
        self.reason = signal.Signals(signum).name


def setup_distributed(device_flag: str):
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device_flag == "auto" else device_flag == "cuda"
    if device_flag == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: --device cuda, but PyTorch sees no CUDA device")
    device = torch.device(f"cuda:{local}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return world, rank, device


def main(argv: Optional[List[str]] = None) -> int:
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    world, rank, device = setup_distributed(a.device)
    lead = rank == 0
    say = (lambda *m: print(*m, file=sys.stderr, flush=True)) if lead else (lambda *m: None)
    if a.batch % world != 0:
        raise SystemExit(f"error: --batch {a.batch} is not divisible by the {world} processes")
    ckpt_path, model_path, log_path = (os.path.join(a.out, f) for f in ("checkpoint.pt", "model.safetensors", "log.jsonl"))
    if a.resume and not os.path.exists(ckpt_path):
        raise SystemExit(f"error: --resume: no checkpoint at {ckpt_path}")
    earlier = [f for f in (ckpt_path, model_path, log_path) if os.path.exists(f)]
    if earlier and not a.resume and not a.overwrite:
        raise SystemExit(f"error: {a.out} holds an earlier run ({', '.join(earlier)}); pass --resume to continue it, "
                         "--overwrite to replace it, or another --out")

    windows = load_windows(a.windows)
    say(f"data: {windows.summary()}")
    windows.to(device)
    ckpt: Optional[Dict[str, Any]] = torch.load(ckpt_path, map_location="cpu") if a.resume else None
    before = ckpt.get("training_before") if ckpt is not None else None  # provenance of --init
    if ckpt is not None:
        model = FlowFM(ckpt["config"])
        model.load_state_dict(ckpt["model"])
    elif a.init:
        model, init_meta, _ = read_model(a.init)
        before = init_meta.get("training")
    else:
        model = FlowFM(preset_config(a.preset, objective=a.objective, seed=a.seed))
    if (model.config["encoder"].get("auxTasks") or 0) > 0:
        raise SystemExit("error: the twin does not train the auxiliary tasks (encoder.auxTasks > 0); use cli/train.ts")
    model.to(device).train()
    opt = Adam(model.parameters(), lr=a.lr)
    start = 0
    sampler = BatchSampler(windows, a.batch, a.seed, a.balance, crops=not a.no_crops)
    if ckpt is not None:
        load_named_state(opt, model, ckpt)
        sampler.load_state(ckpt["sampler"])
        start = ckpt["step"]
        if start >= a.steps:
            raise SystemExit(f"error: the checkpoint is at step {start}, not below --steps {a.steps}; raise --steps to train on")
        say(f"resuming at step {start} of {a.steps}")
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    # noise, times and views: reseeded every step from (seed, step, process), so a resumed run draws
    # exactly what an uninterrupted one would (the batches come from the sampler's saved state)
    gen, view_gen = torch.Generator(device=device), torch.Generator()
    autocast = device.type == "cuda" and not a.no_bf16
    local = a.batch // world
    stop = Stop()

    if lead:
        os.makedirs(a.out, exist_ok=True)
        kept = []
        if a.resume and os.path.exists(log_path):
            kept = [l for l in open(log_path) if l.strip() and json.loads(l)["step"] <= start]
        atomic_write(log_path, "".join(kept).encode())
        log = open(log_path, "a")
    pending: List[Any] = []
    t0 = time.time()

    def save_checkpoint(step: int) -> None:
        if not lead:
            return
        state = {"config": model.config, "model": model.state_dict(), "optimizer_named": named_state(opt, model),
                 "sampler": sampler.state(), "step": step, "args": vars(a), "training_before": before}
        tmp = f"{ckpt_path}.{os.getpid()}.tmp"
        torch.save(state, tmp)
        os.replace(tmp, ckpt_path)

    def flush() -> Optional[str]:
        """Writes the pending steps to the log (process 0); returns the error to stop with when a
        loss is not finite (every process stops on it, after the step's all-reduce)."""
        if not pending or not lead:
            pending.clear()
            return None
        vals = torch.stack([torch.stack([l.float(), n.float()]) for _, l, n, _ in pending]).cpu().tolist()
        for (step, _, _, el), (loss, norm) in zip(pending, vals):
            if not math.isfinite(loss):
                pending.clear()
                return f"error: training diverged at step {step}: loss {loss}; lower the learning rate (--lr) or keep gradient clipping on"
            rec = {"step": step, "loss": loss, "gradNorm": norm, "windowsPerSec": (step - start) * a.batch / max(el, 1e-9), "elapsedSec": el}
            log.write(json.dumps(rec) + "\n")
        log.flush()
        last = pending[-1][0]
        say(f"step {last}/{a.steps} | loss {vals[-1][0]:.4f} | {(last - start) * a.batch / max(time.time() - t0, 1e-9):.1f} win/s")
        pending.clear()
        return None

    def training_meta(step: int) -> Dict[str, Any]:
        """The provenance written into a model file of this run at `step`."""
        training = {
            "engine": "flowfm_torch", "torch": torch.__version__, "processes": world, "device": str(device),
            "bf16": autocast, "steps": step, "batch": a.batch, "lr": a.lr, "clipNorm": a.clip_norm,
            "augment": a.augment_options if a.augment_options else False, "timeSampling": a.time_sampling,
            "balance": a.balance, "crops": not a.no_crops, "seed": a.seed, "windowsSeen": step * a.batch,
            "init": a.init or None, "data": windows.sources,
        }
        if before:
            training["before"] = json.loads(before)  # what the --init model had seen
        return training

    step = start
    stopped = None
    while step < a.steps:
        index, offset = sampler.next()
        stream = ((a.seed * 1_000_003 + step) * 256 + rank) % 2**62
        gen.manual_seed(2 * stream)
        view_gen.manual_seed(2 * stream + 1)
        mine = slice(rank * local, (rank + 1) * local)
        x1 = windows.batch(index[mine].to(device), None if offset is None else offset[mine].to(device))
        noise = torch.randn(x1.shape, generator=gen, device=device)
        times = draw_times(gen, local, a.time_sampling, model.config["objective"], device)
        view = make_view(view_gen, x1, a.augment_options)
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16) if autocast else contextlib.nullcontext():
            loss = net(x1, noise, times, view)
        loss.backward()
        norm = global_norm(p.grad for p in model.parameters())
        scale = torch.clamp(a.clip_norm / (norm + 1e-30), max=1.0) if a.clip_norm > 0 else 1.0
        opt.step(scale)
        step += 1
        pending.append((step, loss.detach(), norm.detach(), time.time() - t0))
        if step % a.log_every == 0 or step == a.steps:
            diverged = flush()
            over = a.minutes > 0 and time.time() - t0 > a.minutes * 60
            flag = torch.tensor([1.0 if (stop.reason or over) else 0.0, 1.0 if diverged else 0.0], device=device)
            if world > 1:  # every process stops together, or none does
                dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stop_now, diverged_any = flag.tolist()
            if diverged_any > 0:
                raise SystemExit(diverged or "error: training diverged (process 0 names the step)")
            if stop_now > 0:
                stopped = stop.reason or "time budget"
                break
        if step % a.checkpoint_every == 0:
            save_checkpoint(step)
        if lead and a.snapshot_windows and (step * a.batch) // a.snapshot_windows > ((step - 1) * a.batch) // a.snapshot_windows:
            seen = (step * a.batch) // a.snapshot_windows * a.snapshot_windows
            write_model(os.path.join(a.out, f"model-{seen}.safetensors"), model, step=step, dtype=a.dtype,
                        metadata={"training": js_json.dumps(training_meta(step))})
    diverged = flush()
    if diverged:
        raise SystemExit(diverged)
    save_checkpoint(step)
    elapsed = time.time() - t0
    if lead:
        log.close()
        write_model(model_path, model, step=step, dtype=a.dtype, metadata={"training": js_json.dumps(training_meta(step))})
        rate = (step - start) * a.batch / max(elapsed, 1e-9)
        say(f"{'stopped (' + stopped + ')' if stopped else 'done'}: {step} steps, {rate:.1f} windows/s over {elapsed:.1f} s; "
            f"wrote {model_path} and {ckpt_path}")
        print(json.dumps({"steps": step, "windowsPerSec": rate, "elapsedSec": elapsed, "model": model_path}))
    if world > 1:
        dist.destroy_process_group()
    return 130 if stopped in ("SIGINT",) else 143 if stopped == "SIGTERM" else 0


if __name__ == "__main__":
    sys.exit(main())
