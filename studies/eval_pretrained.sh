#!/bin/bash
# Every downstream row of weights/README.md for one model: uci-hapt, FallAllD wrist and SisFall
# (activities and falls, all labels and 10 labels per class), FlowFM heads beside scratch and
# handcrafted ones. Usage: bash studies/eval_pretrained.sh MODEL TAG
#   BASELINES=0 runs only the FlowFM heads (and scratch fine-tuning beside fine-tuning, so both
#   use the same worker count): scratch and handcrafted do not depend on MODEL (same seed, same
#   folds), so an earlier TAG's columns stand for them.
#   FT=1 also runs the fine-tuning cells that cost more than the rest together (2026-11-28 on the
#   2-core CPU: about 25 min for each 10-per-class activity row, more for uci-hapt at full labels):
#   runs/eval-TAG-ft-NAME, FlowFM and scratch fine-tuning side by side. Full-label fine-tuning on
#   SisFall and FallAllD (about 30 min per fold and head) is left out.
# Writes runs/eval-TAG-NAME/ and runs/eval-TAG-NAME.log; progress and timings on stderr.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
args_parse "" "$@"
set -- "${ARGS[@]}"
[ $# -eq 2 ] || args_fail "usage: [FT=1] [BASELINES=0] bash studies/eval_pretrained.sh MODEL TAG"
M=$1; T=$2; RUN_FT=${FT:-0}
cd "$(dirname "$0")/.."
mkdir -p runs
. bench/_deno.sh
run() { # NAME FLOWFM_HEADS BASELINE_HEADS [cli/evaluate.ts args...]; BASELINE_HEADS may be ""
  local name=$1 heads=$2 base=$3; shift 3
  [ -f "runs/eval-$T-$name/report.json" ] && return # rerunnable: finished rows are kept
  [ "${BASELINES:-1}" != 0 ] && [ -n "$base" ] && heads=$heads,$base
  echo "== $name: $heads $*" >&2
  local t0=$SECONDS
  deno run -A cli/evaluate.ts --weights "$M" --seed 0 --workers 2 --heads "$heads" "$@" \
    --out "runs/eval-$T-$name" > "runs/eval-$T-$name.log" 2>&1
  echo "$(tail -1 "runs/eval-$T-$name.log") ($((SECONDS - t0)) s)" >&2
}
B=scratch-probe,handcrafted; H_FT=probe,finetune,scratch-finetune
run hapt probe $B --dataset uci-hapt
run hapt-10 $H_FT $B --dataset uci-hapt --labels-per-class 10
for set in wrist:fallalld:wrist sisfall:sisfall; do
  name=${set%%:*} data=${set#*:}
  run $name-adl probe $B --dataset $data --task adl
  run $name-adl-10 probe $B --dataset $data --task adl --labels-per-class 10
  run $name-falls probe $B --dataset $data --task falls
  run $name-falls-10 $H_FT $B --dataset $data --task falls --labels-per-class 10
done
if [ "$RUN_FT" = 1 ]; then # the fine-tuning cells, FlowFM and scratch side by side
  run ft-sisfall-adl-10 finetune,scratch-finetune "" --dataset sisfall --task adl --labels-per-class 10
  run ft-wrist-adl-10 finetune,scratch-finetune "" --dataset fallalld:wrist --task adl --labels-per-class 10
  run ft-hapt finetune,scratch-finetune "" --dataset uci-hapt
fi
