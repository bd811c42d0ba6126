#!/bin/bash
# The leave-data-out probe rows of docs/nine_sets.md for one model: the probe on stage features and
# on `z`, fitted with L-BFGS on the default L2 grid, seed 0, 5 subject folds (DSADS: 8 people, leave
# one subject out). ROWS picks the rows; the default is group A's (a model pretrained without
# uci-hapt, MotionSense and DSADS):
#   hapt, hapt10      uci-hapt (waist), all labels and 10 labels per class
#   ms                MotionSense (pocket)
#   dsads-torso, dsads-arm, dsads-leg   DSADS's 19 activities on one placement (both arms, legs)
# and group B's (pretrained without SisFall, FallAllD and DSADS) are
#   ROWS="sisfall sisfall10 fallalld-wrist fallalld-wrist-falls dsads-torso dsads-arm dsads-leg"
#   sisfall, sisfall10          SisFall's 19 activities (falls left out; waist), all and 10 per class
#   fallalld-wrist              FallAllD's activities, wrist; fallalld-wrist-falls: fall against not
# FEATURES picks the features (default "stages z"); FEATURES=ft runs fine-tuning instead of the probe:
# MODEL's encoder and a random one (scratch-finetune) with the MLP head, all layers, up to 50 epochs,
# patience 5, at least 640 training windows per epoch (--epoch-windows 640, so a 10-per-class split
# gets comparable steps), into runs/eval-TAG-ROW-ft; WORKERS sets --workers (default: the cores).
# Usage: bash studies/heldout_probes.sh [--baselines] MODEL TAG
#   --baselines  also the random encoder's probe (scratch-probe, the same preset) and handcrafted
#                features, into runs/eval-TAG-ROW-FEATURES-base: they do not depend on MODEL's
#                weights, so one run stands for every TAG
# Writes runs/eval-TAG-ROW-FEATURES/ (report.json, report.md) and prints their table
# (studies/heldout_table.ts; with baselines of other tags: heldout_table.ts TAG BASELINE_TAG ...)
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
args_parse "baselines" "$@"
set -- "${ARGS[@]}"
[ $# -eq 2 ] || args_fail "expected MODEL and TAG"
M=$1 T=$2
cd "$(dirname "$0")/.."
. bench/_deno.sh
mkdir -p runs
rows=${ROWS:-hapt hapt10 ms dsads-torso dsads-arm dsads-leg}
run_row() { # run_row OUT HEADS: one cli/evaluate.ts report, kept if already written
  [ -f "$1/report.json" ] && return 0 # rerunnable: finished rows are kept, cut ones resume
  local how="--features $features --probe-solver lbfgs"
  [ $features = ft ] && how="--epoch-windows 640 ${WORKERS:+--workers $WORKERS}"
  deno run -A cli/evaluate.ts --weights "$M" --dataset "$data" --heads "$2" $how \
    --seed 0 ${labels:+--labels-per-class $labels} \
    ${task:+--task $task} --out "$1" >"$1.log" 2>&1 || { echo "$1 failed: see $1.log" >&2; exit 1; }
}
for features in ${FEATURES:-stages z}; do
  heads=probe base=scratch-probe
  [ $features = stages ] && base=$base,handcrafted
  [ $features = ft ] && heads=finetune,scratch-finetune base=
  for name in $rows; do
    labels= task=
    case $name in
    hapt) data=uci-hapt ;;
    hapt10) data=uci-hapt labels=10 ;;
    ms) data=motionsense ;;
    dsads-torso | dsads-arm | dsads-leg) data=dsads:${name#dsads-} ;;
    sisfall) data=sisfall task=adl ;;
    sisfall10) data=sisfall task=adl labels=10 ;;
    fallalld-wrist) data=fallalld:wrist ;;
    fallalld-wrist-falls) data=fallalld:wrist task=falls ;;
    *) args_fail "unknown row '$name' in ROWS" ;;
    esac
    run_row "runs/eval-$T-$name-$features" $heads
    [ "${ARG_baselines:-0}" = 1 ] && [ -n "$base" ] && run_row "runs/eval-$T-$name-$features-base" $base
  done
done
deno run --allow-read=runs studies/heldout_table.ts --rows "$(echo $rows | tr ' ' ,)" "$T"
