#!/bin/bash
# The leave-dataset-out protocol (issue 11, section 3) in one command: for each development set,
# pretrain without it, then evaluate on it.
#   hapt-out:    sp-sw-har + SisFall + FallAllD  -> uci-hapt activities
#   sisfall-out: uci-hapt + sp-sw-har + FallAllD -> SisFall activities of daily living and falls
#   wrist-out:   uci-hapt + sp-sw-har + SisFall  -> FallAllD wrist activities and falls (no FallAllD
#                logger seen in pretraining)
# Each at full labels and at 10 labels per class, with FlowFM, scratch and handcrafted heads.
# Usage: bash studies/transfer.sh OUT PRESET STEPS [cli/train.ts flags...]
#   SETS (default "hapt sisfall wrist"): which held-out sets; BATCH (default 64);
#   HEADS (default probe,finetune,scratch-probe,scratch-finetune,handcrafted).
# Reruns skip finished parts; a killed pretraining resumes from its checkpoint. Results in
# OUT/<set>-out/ (model, log) and OUT/eval-*/report.{json,md}.
set -eu
. "$(dirname "${BASH_SOURCE[0]}")/../bench/_args.sh"
args_help "$@"
args_need 3 "$@"
OUT=$1 PRESET=$2 STEPS=$3; shift 3
SETS=${SETS:-hapt sisfall wrist}; BATCH=${BATCH:-64}
HEADS=${HEADS:-probe,finetune,scratch-probe,scratch-finetune,handcrafted}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
echo "$PRESET $STEPS $*" > "$OUT/flags.txt"
. studies/_runs.sh
for set in $SETS; do
  case $set in
    hapt)
      pretrain hapt-out sp-sw-har,sisfall,fallalld "$@"
      evaluate hapt "$OUT/hapt-out/model.safetensors" --dataset uci-hapt
      evaluate hapt-10 "$OUT/hapt-out/model.safetensors" --dataset uci-hapt --labels-per-class 10 ;;
    sisfall)
      pretrain sisfall-out uci-hapt,sp-sw-har,fallalld "$@"
      for task in adl falls; do
        evaluate sisfall-$task "$OUT/sisfall-out/model.safetensors" --dataset sisfall --task $task
        evaluate sisfall-$task-10 "$OUT/sisfall-out/model.safetensors" --dataset sisfall --task $task --labels-per-class 10
      done ;;
    wrist)
      pretrain wrist-out uci-hapt,sp-sw-har,sisfall "$@"
      for task in adl falls; do
        evaluate wrist-$task "$OUT/wrist-out/model.safetensors" --dataset fallalld:wrist --task $task
        evaluate wrist-$task-10 "$OUT/wrist-out/model.safetensors" --dataset fallalld:wrist --task $task --labels-per-class 10
      done ;;
    *) echo "unknown set \"$set\": expected hapt, sisfall or wrist" >&2; exit 2 ;;
  esac
done
echo "== done: $OUT" >&2
