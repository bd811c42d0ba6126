#!/usr/bin/env bash
# Pretraining on a lent GPU machine in one short command (no network there; PyTorch and NumPy are
# installed). Prepare the data here, then run the same script there:
#
#   here:   bash python/gpu_pretrain.sh pack [DATASETS]     # -> .twin-data/pack.safetensors.gz
#   there:  bash python/gpu_pretrain.sh train MINUTES [PRESET] [BATCH] [OUTDIR]
#
# `pack` runs cli/pack.ts --dense on DATASETS (default: every set the library reads) into
# .twin-data/ (git-ignored; carry it with the device tool's `carry`), and fails if it is over 60 MiB.
# `train` trains PRESET (default small) at BATCH (default 256) for MINUTES on the GPU (bf16 autocast),
# checkpoints and exports OUTDIR/model.safetensors (default $OUT/run, else runs/run), prints the
# windows/s and the loss curve, then times a minute of `base` (BASE_MINUTES=0 skips it) at the same batch.
# The recipe: AUGMENT (a view as JSON, default the library's), BALANCE (none|dataset|placement|
# dataset+placement), SNAPSHOT_WINDOWS (model-<windows>.safetensors every so many windows, default
# 500000: the checkpoint curve at 0.5M, 1M, 2M, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
case "$mode" in
pack)
  sets=${2:-uci-hapt,sp-sw-har,sisfall,fallalld,dsads,umafall,motionsense,smartfallmm,ter_har}
  mkdir -p .twin-data
  npx --yes deno@2.9.6 run -A cli/pack.ts --dense --dataset "$sets" --overwrite \
    --out .twin-data/pack.safetensors.gz
  size=$(stat -c %s .twin-data/pack.safetensors.gz)
  echo "pack: $((size / 1048576)) MiB"
  [ "$size" -le $((60 * 1048576)) ] || { echo "error: the pack is over 60 MiB; pack fewer sets" >&2; exit 1; }
  ;;
train)
  minutes=${2:?usage: gpu_pretrain.sh train MINUTES [PRESET] [BATCH] [OUTDIR]}
  preset=${3:-small} batch=${4:-256} out=${5:-${OUT:-runs}/run}
  py=${PY:-python3} # the python3 with PyTorch
  export PYTHONPATH=$PWD/python PYTHONUNBUFFERED=1
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
  $py -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
  $py -m flowfm_torch.train --windows .twin-data/*.safetensors* --preset "$preset" --batch "$batch" \
    --steps 10000000 --minutes "$minutes" --log-every 50 --checkpoint-every 2000 --out "$out" --overwrite \
    --snapshot-windows "${SNAPSHOT_WINDOWS:-500000}" ${BALANCE:+--balance "$BALANCE"} ${AUGMENT:+--augment "$AUGMENT"}
  $py - "$out/log.jsonl" "$batch" <<'PY'
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
batch = int(sys.argv[2])
a = r[min(len(r) - 1, 20)]
b = r[-1]
rate = (b["step"] - a["step"]) / max(b["elapsedSec"] - a["elapsedSec"], 1e-9)
print(f"steps {b['step']}, steady {rate * batch:.1f} windows/s ({rate:.2f} steps/s); loss curve (step, loss):")
for x in r[:: max(1, len(r) // 12)] + [b]:
    print(f"  {x['step']:>7} {x['loss']:.4f}")
PY
  base=${BASE_MINUTES:-1} # 0 skips the base timing
  if [ "$base" != 0 ]; then
    echo "--- base, $base min at batch $batch"
    $py -m flowfm_torch.train --windows .twin-data/*.safetensors* --preset base --batch "$batch" \
      --steps 10000000 --minutes "$base" --log-every 20 --checkpoint-every 100000 \
      --out /tmp/base-run --overwrite | tail -n 1
  fi
  ;;
*)
  sed -n '2,15p' "$0" >&2
  exit 2
  ;;
esac
