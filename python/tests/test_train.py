"""The trainer end to end: a pack from cli/pack.ts in, a model the Deno library encodes with out."""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from conftest import ROOT, run_deno
from flowfm_torch import read_model
from flowfm_torch.data import BatchSampler, PackError, load_windows
from flowfm_torch.train import main as train_main

CSV = os.path.join(ROOT, "fixtures")


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    """Two 2-minute recordings at 50 Hz in g, packed dense and as overlapping F16 windows."""
    d = tmp_path_factory.mktemp("packs")
    rng = np.random.default_rng(0)
    files = []
    for k in range(2):
        t = np.arange(0, 120, 0.02)
        xyz = np.stack([0.3 * np.sin(2 * np.pi * 1.7 * t + k), 0.2 * np.cos(2 * np.pi * 0.9 * t), np.ones_like(t)], 1)
        xyz += 0.05 * rng.standard_normal(xyz.shape)
        f = d / f"rec{k}.csv"
        f.write_text("t,x,y,z\n" + "\n".join(f"{a:.3f},{b:.4f},{c:.4f},{e:.4f}" for a, (b, c, e) in zip(t, xyz)))
        files.append(str(f))
    dense, f16 = str(d / "rec.safetensors.gz"), str(d / "rec.safetensors")
    run_deno("run", "-A", "cli/pack.ts", "--dense", "--placement", "wrist", "--out", dense, *files)
    run_deno("run", "-A", "cli/pack.ts", "--overlap", "5", "--out", f16, *files)
    return dense, f16, files


def test_packs_decode_to_the_same_windows(packs):
    dense, f16 = load_windows([packs[0]]), load_windows([packs[1]])
    assert dense.datasets == ["csv"] and dense.placements == ["wrist"]
    assert f16.placements == [] and bool((f16.placement == -1).all())  # no --placement: unknown
    assert dense.count == 24 and f16.count == 46  # 12 windows a recording, or 23 at a 5 s hop
    # every window but each recording's last continues into the next
    assert dense.continues.tolist() == ([True] * 11 + [False]) * 2
    x = dense.batch(torch.arange(dense.count))
    assert x.shape == (dense.count, 300, 3) and x.abs().max() <= 3
    assert 0.9 < x.norm(dim=2).median().item() < 1.2  # in g
    # the dense windows are the F16 pack's windows 0, 2, 4... (hop 5 s against 10 s), to 1 milli-g
    y = f16.batch(torch.tensor([0, 2, 4, 23, 25]))
    assert (x[[0, 1, 2, 12, 13]] - y).abs().max().item() < 2e-3


def test_crops_cross_into_the_next_window_only_where_it_continues(packs):
    w = load_windows([packs[0]])
    i = int(torch.nonzero(w.continues)[0])
    whole = torch.cat([w.batch(torch.tensor([i])), w.batch(torch.tensor([i + 1]))], dim=1)
    shifted = w.batch(torch.tensor([i]), torch.tensor([100]))
    assert torch.equal(shifted[0], whole[0, 100:400])
    j = int(torch.nonzero(~w.continues)[0])
    assert torch.equal(w.batch(torch.tensor([j]), torch.tensor([100])), w.batch(torch.tensor([j])))


def test_balanced_sampling_draws_each_group_at_the_same_rate(packs):
    w = load_windows(list(packs[:2]))
    # two "data sets" of very different size: mark the first 10 windows as group 1
    w.dataset = torch.zeros(w.count, dtype=torch.int64)
    w.dataset[:10] = 1
    s = BatchSampler(w, 4000, seed=3, balance="dataset")
    index, _ = s.next()
    share = (w.dataset[index] == 1).float().mean().item()
    assert abs(share - 0.5) < 0.03, share
    # pairs: data set x placement, four groups of 10/25/.../rest windows, each a quarter of the draws
    w.placements = ["a", "b"]
    w.placement = torch.zeros(w.count, dtype=torch.int64)
    w.placement[5:30] = 1
    index, _ = BatchSampler(w, 8000, seed=4, balance="dataset+placement").next()
    pairs = (w.dataset[index] * 2 + w.placement[index]).bincount(minlength=4).float() / 8000
    assert (pairs - 0.25).abs().max().item() < 0.03, pairs
    # sqrt: groups of 10 and count - 10 windows, drawn in proportion to the square roots
    index, _ = BatchSampler(w, 8000, seed=5, balance="dataset:sqrt").next()
    small = math.sqrt(10) / (math.sqrt(10) + math.sqrt(w.count - 10))
    assert abs((w.dataset[index] == 1).float().mean().item() - small) < 0.02, small
    assert BatchSampler(w, 64, seed=5, balance="placement:sqrt").rates.tolist() == [math.sqrt(w.count - 25), 5.0]
    plain, _ = BatchSampler(w, 4000, seed=3).next()
    assert abs((w.dataset[plain] == 1).float().mean().item() - 10 / w.count) < 0.01  # by count


def test_a_bad_pack_is_named(tmp_path):
    p = tmp_path / "model.safetensors"
    from flowfm_torch import FlowFM, preset_config, write_model

    write_model(str(p), FlowFM(preset_config("tiny")))
    with pytest.raises(PackError, match=r"model.safetensors: __metadata__.format is 'flowfm', expected \"flowfm-windows\""):
        load_windows([str(p)])


def test_a_tiny_model_trained_by_the_twin_encodes_through_the_cli(packs, tmp_path):
    out = tmp_path / "run"
    assert train_main(["--windows", packs[0], "--preset", "tiny", "--steps", "6", "--batch", "8",
                       "--out", str(out), "--checkpoint-every", "3", "--log-every", "2"]) == 0
    log = [json.loads(l) for l in open(out / "log.jsonl")]
    assert [r["step"] for r in log] == list(range(1, 7))
    assert set(log[0]) == {"step", "loss", "gradNorm", "windowsPerSec", "elapsedSec"}
    model, meta, _ = read_model(str(out / "model.safetensors"))
    assert model.config["step"] == 6 and json.loads(meta["training"])["windowsSeen"] == 48
    emb = tmp_path / "emb.csv"
    run_deno("run", "-A", "cli/encode.ts", "--weights", str(out / "model.safetensors"), "--out", str(emb), *packs[2])
    rows = open(emb).read().strip().split("\n")
    assert rows[0].startswith("source,subject,label,start_s,z0") and rows[0].endswith("z31")
    z = np.array([[float(v) for v in r.split(",")[4:]] for r in rows[1:]])
    # the library's embeddings are the twin's
    w = load_windows([packs[1]])
    mine = model.encode(w.batch(torch.arange(w.count))).numpy()
    assert z.shape == mine.shape and np.abs(z - mine).max() < 1e-3


def test_resume_continues_and_an_earlier_run_is_not_replaced(packs, tmp_path):
    out = str(tmp_path / "run")
    args = ["--windows", packs[0], "--preset", "tiny", "--batch", "8", "--out", out, "--checkpoint-every", "2"]
    assert train_main(args + ["--steps", "4"]) == 0
    with pytest.raises(SystemExit, match="holds an earlier run"):
        train_main(args + ["--steps", "4"])
    with pytest.raises(SystemExit, match="not below --steps 4"):
        train_main(args + ["--steps", "4", "--resume"])
    assert train_main(args + ["--steps", "7", "--resume", "--snapshot-windows", "20"]) == 0
    snaps = sorted(f for f in os.listdir(out) if f.startswith("model-"))
    assert snaps == ["model-40.safetensors"]  # 40 windows seen at step 5; 60 would be at step 7.5
    assert read_model(os.path.join(out, snaps[0]))[0].config["step"] == 5
    steps = [json.loads(l)["step"] for l in open(os.path.join(out, "log.jsonl"))]
    assert steps == list(range(1, 8))
    model, _, _ = read_model(os.path.join(out, "model.safetensors"))
    assert model.config["step"] == 7


def test_a_resumed_run_ends_with_the_weights_of_one_uninterrupted_run(packs, tmp_path):
    common = ["--windows", packs[0], "--preset", "tiny", "--batch", "8", "--checkpoint-every", "2",
              "--balance", "dataset:sqrt"]
    whole, parts = str(tmp_path / "whole"), str(tmp_path / "parts")
    assert train_main(common + ["--out", whole, "--steps", "5"]) == 0
    assert train_main(common + ["--out", parts, "--steps", "2"]) == 0
    assert train_main(common + ["--out", parts, "--steps", "5", "--resume"]) == 0
    a, _, _ = read_model(os.path.join(whole, "model.safetensors"))
    b, _, _ = read_model(os.path.join(parts, "model.safetensors"))
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


def test_the_time_budget_stops_cleanly(packs, tmp_path):
    out = tmp_path / "run"
    assert train_main(["--windows", packs[0], "--preset", "tiny", "--batch", "8", "--steps", "100000",
                       "--minutes", "0.001", "--log-every", "1", "--out", str(out)]) == 0
    model, _, _ = read_model(str(out / "model.safetensors"))
    assert 1 <= model.config["step"] < 100000
    assert torch.load(out / "checkpoint.pt")["step"] == model.config["step"]


def test_the_gpu_script_trains_and_reports_on_this_cpu(packs, tmp_path):
    """python/gpu_pretrain.sh train, as a lent GPU machine runs it, here on the CPU with tiny."""
    kit = os.path.join(ROOT, ".twin-data")
    made = not os.path.isdir(kit)
    os.makedirs(kit, exist_ok=True)
    pack = os.path.join(kit, "pytest.safetensors.gz")
    others = [f for f in os.listdir(kit) if f != "pytest.safetensors.gz"]
    if others:
        pytest.skip(f"{kit} holds other packs ({others[0]}); the script trains on all of them")
    try:
        with open(packs[0], "rb") as src, open(pack, "wb") as dst:
            dst.write(src.read())
        env = dict(os.environ, PY=sys.executable, BASE_MINUTES="0", PYTHONUNBUFFERED="1", SNAPSHOT_WINDOWS="8",
                   BALANCE="dataset", AUGMENT='{"permuteAxes": true, "permuteProbability": 0.5, "maxTiltDeg": 15}')
        proc = subprocess.run(["bash", "python/gpu_pretrain.sh", "train", "0.05", "tiny", "8", str(tmp_path / "run")],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "windows/s" in proc.stdout and "loss curve" in proc.stdout
        model, meta, _ = read_model(str(tmp_path / "run" / "model.safetensors"))
        assert model.config["preset"] == "tiny" and model.config["step"] >= 1
        training = json.loads(meta["training"])
        assert training["augment"]["permuteProbability"] == 0.5 and training["balance"] == "dataset"
        assert os.path.exists(tmp_path / "run" / "model-8.safetensors")  # the recipe's snapshot after one step
    finally:
        os.remove(pack)
        if made:
            os.rmdir(kit)


def test_a_diverged_run_stops_naming_the_step(packs, tmp_path):
    with pytest.raises(SystemExit, match=r"training diverged at step \d+: loss (nan|inf)"):
        train_main(["--windows", packs[0], "--preset", "tiny", "--batch", "8", "--steps", "20", "--lr", "1e30",
                    "--clip-norm", "0", "--log-every", "1", "--out", str(tmp_path / "run")])


def test_optimizer_state_resumes_by_tensor_name_whatever_the_module_order():
    """A checkpoint keys Adam's state by tensor name; one written before that (positional state, in
    the order of its own model entries) still maps each state to its tensor."""
    from flowfm_torch import FlowFM, preset_config
    from flowfm_torch.optim import Adam, load_named_state, named_state

    torch.manual_seed(0)
    model = FlowFM(preset_config("tiny"))
    opt = Adam(model.parameters(), lr=1e-3)
    for p in model.parameters():
        p.grad = torch.randn_like(p)
    opt.step()
    names = [n for n, _ in model.named_parameters()]
    # a legacy checkpoint whose modules were registered in reverse order
    legacy_model = dict(reversed(list(model.state_dict().items())))
    order = [n for n in legacy_model if n in dict(model.named_parameters())]
    by_name = named_state(opt, model)
    legacy = {"model": legacy_model, "optimizer": {"state": {i: by_name[n] for i, n in enumerate(order)}}}
    for ckpt in ({"optimizer_named": by_name}, legacy):
        fresh = FlowFM(preset_config("tiny"))
        fresh_opt = Adam(fresh.parameters(), lr=1e-3)
        load_named_state(fresh_opt, fresh, ckpt)
        for n, p in fresh.named_parameters():
            assert fresh_opt.state[p]["t"] == 1
            assert torch.equal(fresh_opt.state[p]["m"], by_name[n]["m"]), n
    bad = {"optimizer_named": {names[0]: {"t": 1, "m": torch.zeros(3), "v": torch.zeros(3)}}}
    with pytest.raises(SystemExit, match=names[0]):
        load_named_state(Adam(model.parameters()), model, bad)
