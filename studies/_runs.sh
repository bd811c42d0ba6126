# Shared by studies/ablation.sh and studies/transfer.sh (sourced, not run): pretrain a model and
# evaluate one, each skipped when already done, so a rerun continues where a killed one stopped.
# Expects OUT, PRESET, BATCH and STEPS; optional CHECKPOINT_EVERY (default 100), LABEL (prefix of
# progress lines) and, for evaluate, HEADS (default probe).

. bench/_deno.sh

pretrain() { # NAME DATASETS [cli/train.ts flags...] -> OUT/NAME/model.safetensors
  local name=$1 data=$2; shift 2
  local out=$OUT/$name resume=""
  [ -f "$out/done" ] && return
  [ -f "$out/checkpoint.safetensors" ] && resume=--resume
  echo "== ${LABEL:+$LABEL }$name: pretraining on $data" >&2
  local t0; t0=$(date +%s)
  deno run -A cli/train.ts --dataset "$data" --preset "$PRESET" --batch "$BATCH" --steps "$STEPS" \
    --checkpoint-every "${CHECKPOINT_EVERY:-100}" --seed 0 --out "$out" $resume "$@" \
    > "$out.log" 2>&1 || { tail -5 "$out.log" >&2; exit 1; }
  echo $(($(date +%s) - t0)) > "$out/seconds"
  touch "$out/done"
}

evaluate() { # NAME MODEL [cli/evaluate.ts args...] -> OUT/eval-NAME/report.{json,md}
  local name=$1 model=$2; shift 2
  [ -f "$OUT/eval-$name/report.json" ] && return
  echo "== ${LABEL:+$LABEL }eval $name" >&2
  deno run -A cli/evaluate.ts --weights "$model" --seed 0 --workers 2 --heads "${HEADS:-probe}" "$@" \
    --out "$OUT/eval-$name" > "$OUT/eval-$name.log" 2>&1 ||
    { tail -5 "$OUT/eval-$name.log" >&2; exit 1; }
}
