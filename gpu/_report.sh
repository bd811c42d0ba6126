# Sourced by gpu/gpu.sh (not run on its own; it shares gpu.sh's variables and helpers).
# The Markdown report of gpu/gpu.sh from results.jsonl.

# Report ----------------------------------------------------------------------------------------
one_decimal() { awk -v x="$1" 'BEGIN{printf "%.1f", x}'; }
cell() { # cell LABEL: windows/s, or why there is none
  local v e
  v=$(wps "$1")
  if [[ -n "$v" ]]; then
    one_decimal "$v"
  elif grep -q "\"label\":\"$1\"" "$RESULTS"; then
    e=$(sed -nE "s/.*\"label\":\"$1\",\"errorFile\":\"([^\"]+)\".*/\1/p" "$RESULTS" | tail -1)
    e=$(tr '\n|' ' /' <"$e" | sed 's/ *$//' | cut -c1-160)
    [[ $e == skipped* ]] && echo "$e" || echo "failed: $e"
  else
    echo "not run"
  fi
}
md ""
md "## Windows/s (batch $BATCH; train = one joint training step, encode = model.encode)"
md ""
md "| bench | preset | wasm, 1 thread | webgpu | webgpu / wasm |"
md "|---|---|---|---|---|"
for p in "${PRESETS[@]}"; do
  for bench in train encode; do
    w=$(wps "$bench $p wasm")
    g=$(wps "$bench $p webgpu")
    r="—"
    [[ -n "$w" && -n "$g" ]] && r=$(awk -v g="$g" -v w="$w" 'BEGIN{printf "%.2f", g / w}')
    gc=$(cell "$bench $p webgpu")
    ((WEBGPU)) || gc="webgpu unavailable"
    md "| $bench | $p | $(cell "$bench $p wasm") | $gc | $r |"
  done
done
if ((WORKERS > 1)); then
  md ""
  md "| train, wasm with $WORKERS data-parallel workers | windows/s | vs wasm 1 thread | webgpu / this |"
  md "|---|---|---|---|"
  for p in "${PRESETS[@]}"; do
    n=$(wps "train $p wasm x$WORKERS")
    w=$(wps "train $p wasm")
    g=$(wps "train $p webgpu")
    r1="—"
    r2="—"
    [[ -n "$n" && -n "$w" ]] && r1=$(awk -v a="$n" -v b="$w" 'BEGIN{printf "%.2f", a / b}')
    [[ -n "$n" && -n "$g" ]] && r2=$(awk -v a="$g" -v b="$n" 'BEGIN{printf "%.2f", a / b}')
    md "| $p | $(cell "train $p wasm x$WORKERS") | $r1 | $r2 |"
  done
fi
if ((WEBGPU)) && ((BIG_BATCH > BATCH)); then
  md ""
  md "| webgpu, ${PRESETS[-1]}, batch $BIG_BATCH | windows/s | vs batch $BATCH on webgpu |"
  md "|---|---|---|"
  for bench in train encode; do
    b=$(wps "$bench ${PRESETS[-1]} webgpu b$BIG_BATCH")
    s=$(wps "$bench ${PRESETS[-1]} webgpu")
    r="—"
    [[ -n "$b" && -n "$s" ]] && r=$(awk -v a="$b" -v c="$s" 'BEGIN{printf "%.2f", a / c}')
    md "| $bench | $(cell "$bench ${PRESETS[-1]} webgpu b$BIG_BATCH") | $r |"
  done
fi
if ((want_profile)); then
  md ""
  md "## Per-op profile on webgpu (train $last webgpu / wasm = ${ratio:-n/a}, expected >= $EXPECT)"
  md ""
  md "$PROFILE_MD"
elif ((WEBGPU)) && [[ -n "$ratio" ]]; then
  md ""
  md "train $last webgpu / wasm = $ratio (no profile: a full run profiles below $EXPECT; --profile forces one)"
fi
if [[ -n "$TESTS_MD" ]]; then
  md ""
  md "## Backends compared on this adapter"
  md ""
  md "$TESTS_MD"
fi
if grep -q '^Download https://' "$LOG"; then
  md ""
  md "Warning: Deno tried the npm registry ($(grep -c '^Download https://' "$LOG") downloads; see gpu-bench.log): the kit lacks some metadata."
fi
md ""
md "Took $((SECONDS - START)) s. Raw results: results.jsonl; every line: gpu-bench.log."
sync_out
[[ -n "${OUT:-}" ]] && say "report: $OUT/gpu-bench.md"
exit 0
