#!/bin/bash
# Every downstream row of weights/README.md for one model: uci-hapt (transfer), FallAllD wrist and
# SisFall (activity, 10 labels per class, falls). Usage: bash bench/eval_pretrained.sh MODEL TAG
# Writes runs/eval-TAG-NAME/ and runs/eval-TAG-NAME.log; progress and timings on stderr.
set -u
M=$1; T=$2
cd "$(dirname "$0")/.."
run() { local name=$1; shift; echo "== $name: $*" >&2; /usr/bin/time -f "%e s" deno run -A cli/evaluate.ts --weights $M --seed 0 --workers 2 "$@" --out runs/eval-$T-$name > runs/eval-$T-$name.log 2>&1; tail -1 runs/eval-$T-$name.log >&2; }
run hapt --dataset uci-hapt --heads probe,scratch-probe,handcrafted
run hapt-10 --dataset uci-hapt --labels-per-class 10 --heads probe,finetune,scratch-probe,scratch-finetune,handcrafted
run wrist-adl --dataset fallalld:wrist --task adl --heads probe,scratch-probe,handcrafted
run wrist-adl-10 --dataset fallalld:wrist --task adl --labels-per-class 10 --heads probe,scratch-probe,handcrafted
run wrist-falls --dataset fallalld:wrist --task falls --heads probe,scratch-probe,handcrafted
run sisfall-adl --dataset sisfall --task adl --heads probe,scratch-probe,handcrafted
run sisfall-adl-10 --dataset sisfall --task adl --labels-per-class 10 --heads probe,scratch-probe,handcrafted
run sisfall-falls --dataset sisfall --task falls --heads probe,scratch-probe,handcrafted
