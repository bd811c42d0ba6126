#!/usr/bin/env bash
# Pretraining throughput of the PyTorch twin against the library, in one run on this machine:
# `small`, batch 64, the default recipe, both using every core (the library: --workers N wasm
# workers; the twin: N gloo processes of one thread each, and one process of N threads), rounds
# interleaved.
#   bash bench/twin_bench.sh [STEPS] [ROUNDS]        (default 30 steps, 2 rounds)
# windows/s are measured between step 5 and the last step of each run's log.jsonl (warm-up and
# data loading excluded). Prints a markdown table and the twin/library ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/_args.sh
args_parse "" "$@"
set -- "${ARGS[@]}"
steps=${1:-30} rounds=${2:-2}
cores=$(nproc)
DENO=${DENO:-npx --yes deno@2.9.6}
PY=${PY:-/usr/bin/python3}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
$DENO run -A cli/pack.ts --out "$tmp/pack.safetensors" >/dev/null 2>&1
# torchrun of Debian's PyTorch 1.13 under Python 3.11 cannot parse its default --redirects 0
extra=$($PY -c 'import torch; print("--redirects 1 --tee 1" if torch.__version__.startswith("1.") else "")')
rate() { # windows/s from step 5 to the last step of a log.jsonl
  $PY -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; a=r[4]; b=r[-1]; print("%.1f" % ((b["step"]-a["step"])*64/(b["elapsedSec"]-a["elapsedSec"])))' "$1"
}
lib=() twin=() threads=()
for round in $(seq "$rounds"); do
  $DENO run -A cli/train.ts --preset small --batch 64 --steps "$steps" --workers "$cores" \
    --checkpoint-every 1000 --out "$tmp/lib$round" >/dev/null 2>&1
  lib+=("$(rate "$tmp/lib$round/log.jsonl")")
  OMP_NUM_THREADS=1 PYTHONPATH=python $PY -m torch.distributed.run --standalone --nproc_per_node "$cores" $extra \
    -m flowfm_torch.train --windows "$tmp/pack.safetensors" --preset small --batch 64 \
    --steps "$steps" --log-every 1 --checkpoint-every 1000 --device cpu --out "$tmp/twin$round" >/dev/null 2>&1
  twin+=("$(rate "$tmp/twin$round/log.jsonl")")
  (cd python && $PY -m flowfm_torch.train --windows "$tmp/pack.safetensors" --preset small --batch 64 \
    --steps "$steps" --log-every 1 --checkpoint-every 1000 --device cpu --threads "$cores" \
    --out "$tmp/threads$round" >/dev/null 2>&1)
  threads+=("$(rate "$tmp/threads$round/log.jsonl")")
done
ratio() { $PY -c "print('%.2f' % ($1 / $2))"; }
echo "| round | library (wasm, $cores workers) | twin, $cores processes | ratio | twin, 1 process of $cores threads | ratio |"
echo "|---|---|---|---|---|---|"
for i in "${!lib[@]}"; do
  echo "| $((i + 1)) | ${lib[$i]} | ${twin[$i]} | $(ratio "${twin[$i]}" "${lib[$i]}") | ${threads[$i]} | $(ratio "${threads[$i]}" "${lib[$i]}") |"
done
echo "(windows/s, small, batch 64, $steps steps; PyTorch $($PY -c 'import torch; print(torch.__version__)'); $(date -u +%F), $(nproc) cores, commit $(git rev-parse --short HEAD))"
