#!/bin/bash
# Steps-versus-quality curve (issue 11): one pretraining run without uci-hapt (sp-sw-har + SisFall +
# FallAllD), extended step budget by step budget with --resume, its model probed on uci-hapt
# (transfer) at full labels and 10 labels per class after each budget.
# Usage: bash studies/steps_curve.sh OUT PRESET "STEPS..." [cli/train.ts flags...]
#   e.g. bash studies/steps_curve.sh runs/curve tiny "234 938 1875 3750" --augment
#   (at batch 64: 15k, 60k, 120k and 240k windows seen). Reruns skip finished budgets.
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
args_help "$@"
args_need 3 "$@"
OUT=$1 PRESET=$2 BUDGETS=$3; shift 3
cd "$(dirname "$0")/.."
. bench/_deno.sh
mkdir -p "$OUT"
echo "$PRESET $*" > "$OUT/flags.txt"
for steps in $BUDGETS; do
  if [ ! -f "$OUT/model-$steps.safetensors" ]; then
    resume=""; [ -f "$OUT/run/checkpoint.safetensors" ] && resume=--resume
    echo "== pretraining to step $steps" >&2
    t0=$(date +%s)
    if [ -n "$resume" ]; then
      deno run -A cli/train.ts --dataset sp-sw-har,sisfall,fallalld --out "$OUT/run" --resume \
        --steps "$steps" --checkpoint-every 100 >> "$OUT/train.log" 2>&1
    else
      deno run -A cli/train.ts --dataset sp-sw-har,sisfall,fallalld --preset "$PRESET" --batch 64 \
        --steps "$steps" --checkpoint-every 100 --seed 0 --out "$OUT/run" "$@" >> "$OUT/train.log" 2>&1
    fi || { tail -5 "$OUT/train.log" >&2; exit 1; }
    echo "$steps $(($(date +%s) - t0))" >> "$OUT/seconds.txt"
    cp "$OUT/run/model.safetensors" "$OUT/model-$steps.safetensors"
  fi
  for labels in all 10; do
    name=eval-$steps-$labels
    [ -f "$OUT/$name/report.json" ] && continue
    extra=(); [ "$labels" = 10 ] && extra=(--labels-per-class 10)
    deno run -A cli/evaluate.ts --weights "$OUT/model-$steps.safetensors" --dataset uci-hapt \
      --heads probe --seed 0 --workers 2 "${extra[@]}" --out "$OUT/$name" > "$OUT/$name.log" 2>&1 ||
      { tail -5 "$OUT/$name.log" >&2; exit 1; }
    echo "step $steps, labels $labels: $(grep '^| probe' "$OUT/$name/report.md" | head -1)" >&2
  done
done
