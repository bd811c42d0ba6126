#!/usr/bin/env bash
# gpu/gpu_pretrain.sh SECONDS NAME [cli/train.ts flags...]
#
# A pretraining run on the GPU machine, then its probe: sets up Deno and WebGPU and runs the
# backend-comparison tests there (gpu/gpu.sh --smoke --tests), puts the carried data sets in
# place (gpu/device_data.sh unpack), trains `cli/train.ts --backend webgpu --out runs/NAME FLAGS`
# for at most SECONDS (then SIGINT: the run stops after its current step and writes its
# checkpoint, exported to a model file), and probes the model with cli/evaluate.ts on
# $EVAL_DATASET (default uci-hapt; its labelled cache must be packed) at all labels and at 10
# per class: heads $EVAL_HEADS (default probe:
# the scratch and handcrafted heads do not depend on the model, so the same command run anywhere
# gives them) on $EVAL_BACKEND (default wasm). What comes back in $OUT: gpu-bench.md,
# gpu-tests.log, train.log, log.jsonl, model.safetensors (F32), eval-all.md, eval-10.md.
#
# DEVICE RUN (docs/evaluation.md's in-domain H200 run, 2026-11-28):
#   1. here: bash gpu/gpu_kit.sh; then the caches (unlabelled for training, labelled for the probe):
#              deno run -A cli/train.ts --dataset uci-hapt,sp-sw-har --preset tiny --steps 1 --out /tmp/t
#              deno run -A cli/evaluate.ts --dataset uci-hapt --heads handcrafted --out /tmp/h
#            bash gpu/device_data.sh pack sp-sw-har uci-hapt
#   2. the run tool: command   "bash gpu/gpu_pretrain.sh 380 gpu-hapt --dataset uci-hapt,sp-sw-har
#                               --preset small --batch 256 --steps 5000 --no-augment --seed 0"
#                    carry     [".gpu-kit", ".device-data"]
#                    timeout_s 560
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
args_help "$@"
args_need 2 "$@"
SECS=$1 NAME=$2
shift 2
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
WORK="${GPU_BENCH_WORK:-${TMPDIR:-/tmp}/flowfm-gpu-bench}"
O=${OUT:-$WORK/out}
mkdir -p "$O"
t0=$SECONDS
OUT=$WORK/setup-out bash gpu/gpu.sh --smoke --no-profile --tests --budget 30 --workers 0 >"$WORK.setup.log" 2>&1
cp "$WORK/gpu-bench.md" "$WORK/tests.log" "$O/" 2>/dev/null && mv "$O/tests.log" "$O/gpu-tests.log"
# shellcheck disable=SC1091
. "$WORK/env.sh" || { echo "gpu_pretrain: no $WORK/env.sh (gpu/gpu.sh failed)"; tail -20 "$WORK.setup.log"; exit 1; }
((GPU_BENCH_WEBGPU)) || { echo "gpu_pretrain: webgpu unavailable, see gpu-bench.md"; exit 1; }
echo "setup and tests: $((SECONDS - t0)) s; $(grep -E '^deno test' "$O/gpu-bench.md")"
bash gpu/device_data.sh unpack || exit 1
run_dir=runs/$NAME
timeout -s INT -k 60 "$SECS" "$DENO" run -A cli/train.ts --backend webgpu --out "$run_dir" "$@" >"$O/train.log" 2>&1
echo "train exit $?: $(grep -E 'stopped at|^wrote|win/s' "$O/train.log" | tail -2 | tr '\r' '\n' | tail -2 | tr '\n' ' ')"
cp "$run_dir/log.jsonl" "$O/" 2>/dev/null
model=$run_dir/model.safetensors
if [[ ! -f $model ]]; then
  "$DENO" run -A cli/export.ts "$run_dir/checkpoint.safetensors" "$model" --dtype F32 >>"$O/train.log" 2>&1 ||
    { echo "gpu_pretrain: no model to evaluate"; exit 1; }
fi
cp "$model" "$O/model.safetensors"
for labels in all 10; do
  extra=()
  [[ $labels == 10 ]] && extra=(--labels-per-class 10)
  "$DENO" run -A cli/evaluate.ts --weights "$model" --dataset "${EVAL_DATASET:-uci-hapt}" \
    --backend "${EVAL_BACKEND:-wasm}" --heads "${EVAL_HEADS:-probe}" --seed 0 "${extra[@]}" \
    --out "$run_dir/eval-$labels" \
    >"$WORK/eval-$labels.log" 2>&1
  cp "$run_dir/eval-$labels/report.md" "$O/eval-$labels.md" 2>/dev/null || tail -5 "$WORK/eval-$labels.log"
  grep -E '^\| (probe|scratch-probe|handcrafted) ' "$run_dir/eval-$labels/report.md" 2>/dev/null | cut -c1-60 |
    sed "s/^/labels $labels: /"
done
echo "took $((SECONDS - t0)) s"
