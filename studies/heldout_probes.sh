#!/bin/bash
# The leave-data-out probe rows of docs/evaluation.md for one model pretrained without uci-hapt and
# MotionSense (group A): uci-hapt (waist) at all labels and at 10 labels per class, MotionSense
# (pocket) at all labels; the probe on stage features and on `z`, fitted with L-BFGS on the
# default L2 grid, seed 0, 5 subject folds.
# Usage: bash studies/heldout_probes.sh [--baselines] MODEL TAG
#   --baselines  also the random encoder's probe (scratch-probe, the same preset) and handcrafted
#                features: they do not depend on MODEL's weights, so one run stands for every TAG
# Writes runs/eval-TAG-ROW-FEATURES/ (report.json, report.md) and prints one line per report; the
# table: npx --yes deno@2.9.6 run --allow-read studies/reports_table.ts runs/eval-TAG-*
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
args_parse "baselines" "$@"
set -- "${ARGS[@]}"
[ $# -eq 2 ] || args_fail "expected MODEL and TAG"
M=$1 T=$2
cd "$(dirname "$0")/.."
. bench/_deno.sh
mkdir -p runs
for features in ${FEATURES:-stages z}; do
  heads=probe
  [ "${ARG_baselines:-0}" = 1 ] && heads=probe,scratch-probe && [ $features = stages ] &&
    heads=$heads,handcrafted
  for row in hapt:uci-hapt: hapt10:uci-hapt:10 ms:motionsense:; do
    IFS=: read -r name data labels <<<"$row"
    out=runs/eval-$T-$name-$features
    [ -f "$out/report.json" ] && continue # rerunnable: finished rows are kept
    deno run -A cli/evaluate.ts --weights "$M" --dataset "$data" --heads "$heads" \
      --features $features --probe-solver lbfgs --seed 0 ${labels:+--labels-per-class $labels} \
      --out "$out" >"$out.log" 2>&1 || { echo "$out failed: see $out.log" >&2; exit 1; }
  done
done
for d in runs/eval-$T-*-stages runs/eval-$T-*-z; do
  grep -E '^\| [a-z-]+ \| [0-9]' "$d/report.md" | cut -d'|' -f2,3 | sed "s|^|$d:|"
done
