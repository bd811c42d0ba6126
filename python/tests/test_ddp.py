"""DistributedDataParallel over 2 gloo processes takes the same step as one process on the batch."""
import json
import os
import socket
import subprocess
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from conftest import ROOT
from flowfm_torch import FlowFM, preset_config, read_model

N = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def batch():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(N, 300, 3, generator=g).clamp(-3, 3)
    return x, torch.randn(N, 300, 3, generator=g), torch.rand(N, generator=g), torch.randn(N, 300, 3, generator=g)


def model():
    m = FlowFM(preset_config("tiny", seed=2))
    with torch.no_grad():
        m.encoder.s0.bn.mean.add_(0.1)
    m.train()
    m.encoder.eval()  # frozen batch-norm statistics: per-process batches then change nothing
    return m


def worker(rank, world, port, out):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    m = model()
    ddp = torch.nn.parallel.DistributedDataParallel(m)
    x, noise, t, view = batch()
    part = slice(rank * N // world, (rank + 1) * N // world)
    ddp(x[part], noise[part], t[part], view[part]).backward()
    if rank == 0:
        torch.save({k: p.grad for k, p in m.named_parameters()}, out)
    dist.destroy_process_group()


def test_two_gloo_processes_give_the_one_process_gradient(tmp_path):
    out = str(tmp_path / "grads.pt")
    mp.spawn(worker, args=(2, free_port(), out), nprocs=2, join=True)
    m = model()
    m(*batch()).backward()
    ddp = torch.load(out)
    worst = max((m_p.grad - ddp[k]).abs().max().item() for k, m_p in m.named_parameters())
    assert worst < 1e-5, worst
    assert max(p.grad.abs().max().item() for p in m.parameters()) > 1e-3  # not vacuous


def test_torchrun_trains_with_two_processes(tmp_path):
    import numpy as np

    from flowfm_torch import safetensors_io as st
    from flowfm_torch.data import load_windows

    # a small F16 pack written directly, in cli/pack.ts's layout
    n = 16
    w = np.clip(np.random.default_rng(1).normal(0, 0.3, (n, 300, 3)) + [0, 0, 1], -3, 3).astype(np.float32)
    pack = tmp_path / "p.safetensors"
    pack.write_bytes(st.encode(
        {"windows": ("F16", w), "dataset": ("I32", np.zeros(n, np.int32)), "placement": ("I32", np.zeros(n, np.int32)),
         "subject": ("I32", np.arange(n, dtype=np.int32))},
        {"format": "flowfm-windows", "encoding": "f16-g", "datasets": '["synthetic"]', "placements": '["wrist"]',
         "subjects": json.dumps([f"s{i}" for i in range(n)]), "sources": "synthetic"},
    ))
    assert load_windows([str(pack)]).count == n
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
           # Debian's torchrun 1.13 under Python 3.11 cannot parse its default "--redirects 0"
           *(["--redirects", "1", "--tee", "1"] if torch.__version__.startswith("1.") else []),
           "-m", "flowfm_torch.train", "--windows", str(pack), "--preset", "tiny", "--steps", "3", "--batch", "8",
           "--out", str(out), "--device", "cpu"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    model, meta, _ = read_model(str(out / "model.safetensors"))
    assert model.config["step"] == 3
    assert json.loads(meta["training"])["processes"] == 2
