#!/bin/bash
# One row of the recipe ablation (issue 11, docs/ablations.md): pretrain the preset twice for a fixed
# step budget with the given train flags, each time without one development set, and probe on it.
#   hapt-out:  sp-sw-har + SisFall + FallAllD   -> uci-hapt (transfer), SisFall falls and
#              activities (in-domain)
#   wrist-out: uci-hapt + sp-sw-har + SisFall   -> FallAllD wrist falls and activities (transfer),
#              uci-hapt (in-domain)
# Usage: bash studies/ablation.sh ROW [cli/train.ts flags...]
#   ROW "reference" trains nothing: it scores a random encoder of the preset (scratch-probe) and
#   handcrafted features on the same rows, using the "baseline" row's model files for the preset.
#   ABLATION_STEPS (default 1000), ABLATION_PRESET (default tiny), ABLATION_BATCH (default 64).
# Reruns skip finished parts, and a killed pretraining resumes from its checkpoint. Results:
# runs/ablation/ROW/{hapt-out,wrist-out}/ and runs/ablation/ROW/eval-*/report.json; summarise with
# `deno run -A studies/ablation_table.ts`.
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
args_help "$@"
args_need 1 "$@"
ROW=$1; shift
STEPS=${ABLATION_STEPS:-1000} PRESET=${ABLATION_PRESET:-tiny} BATCH=${ABLATION_BATCH:-64}
cd "$(dirname "$0")/.."
D=runs/ablation/$ROW
mkdir -p "$D"
# The budget goes into the row's record when it is not the default (the table shows it).
budget=""
[ "$STEPS" != 1000 ] || [ "$BATCH" != 64 ] && budget=" (batch $BATCH, $STEPS steps)"
echo "$*$budget" > "$D/flags.txt"
OUT=$D LABEL=$ROW CHECKPOINT_EVERY=200
. studies/_runs.sh
# Rows add options to the plain baseline: without an --augment* flag the encoder sees no view
# (cli/train.ts's default view is the ablation's choice, so it is turned off here).
case " $* " in *" --augment"*) ;; *) set -- --no-augment "$@" ;; esac
M=$D
if [ "$ROW" = reference ]; then HEADS=scratch-probe,handcrafted; M=runs/ablation/baseline; fi
[ "$ROW" = reference ] || pretrain hapt-out sp-sw-har,sisfall,fallalld "$@"
evaluate hapt $M/hapt-out/model.safetensors --dataset uci-hapt
evaluate hapt-10 $M/hapt-out/model.safetensors --dataset uci-hapt --labels-per-class 10
evaluate sisfall-falls $M/hapt-out/model.safetensors --dataset sisfall --task falls
evaluate sisfall-adl $M/hapt-out/model.safetensors --dataset sisfall --task adl
[ "$ROW" = reference ] || pretrain wrist-out uci-hapt,sp-sw-har,sisfall "$@"
evaluate wrist-falls $M/wrist-out/model.safetensors --dataset fallalld:wrist --task falls
evaluate wrist-falls-10 $M/wrist-out/model.safetensors --dataset fallalld:wrist --task falls --labels-per-class 10
evaluate wrist-adl $M/wrist-out/model.safetensors --dataset fallalld:wrist --task adl
evaluate hapt-in $M/wrist-out/model.safetensors --dataset uci-hapt
echo "== $ROW done" >&2
