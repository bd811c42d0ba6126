# Sourced by gpu/gpu.sh (not run on its own; it shares gpu.sh's variables and helpers).
# The measurements of gpu/gpu.sh: training steps and encoding per preset and backend (results.jsonl),
# larger batches on webgpu, a per-op profile, data-parallel wasm workers, the backend tests.

# Benches ---------------------------------------------------------------------------------------
# measure LABEL LIMIT_S SCRIPT ARGS... : one deno run, its JSON line appended to results.jsonl
measure() {
  local label=$1 limit=$2 script=$3
  shift 3
  local l out rc json t0=$SECONDS errf="$WORK/err/${label// /_}.txt"
  l=$(left)
  if ((l < 10)); then
    say "skip $label: the ${BUDGET}s budget is spent"
    echo "skipped: the ${BUDGET}s budget was spent" >"$errf"
    printf '{"label":"%s","errorFile":"%s"}\n' "$label" "$errf" >>"$RESULTS"
    return 1
  fi
  ((limit > l)) && limit=$l
  say "> $label: deno run -A $script $* (limit ${limit}s)"
  out=$(timeout -k 5 "$limit" "$DENO" run -A "$script" "$@" 2>"$errf")
  rc=$?
  cat "$errf" >>"$LOG"
  json=$(grep '^{' <<<"$out" | tail -1)
  if [[ -n "$json" ]]; then # measured; a non-zero exit after the JSON (a slow exit) is only noted
    say "  $json ($((SECONDS - t0)) s$( ((rc)) && echo ", then exit $rc"))"
    printf '{"label":"%s","result":%s}\n' "$label" "$json" >>"$RESULTS"
    rm -f "$errf"
  else
    if ((rc == 124 || rc == 137)); then
      echo "timed out after ${limit}s" >"$errf.msg"
    else
      { echo "exit $rc:"; grep -vE '^\s+at |^$' "$errf" | tail -4; } >"$errf.msg"
    fi
    mv "$errf.msg" "$errf"
    say "  FAILED: $(tr '\n' ' ' <"$errf")"
    printf '{"label":"%s","errorFile":"%s"}\n' "$label" "$errf" >>"$RESULTS"
  fi
  sync_out
}
wps() { grep "\"label\":\"$1\"" "$RESULTS" | sed -nE 's/.*"windowsPerSec":([0-9.eE+-]+).*/\1/p' | tail -1; }

for i in "${!PRESETS[@]}"; do
  p=${PRESETS[$i]}
  steps=${TRAIN_STEPS[$i]}
  backends=(wasm)
  ((WEBGPU)) && backends+=(webgpu)
  for b in "${backends[@]}"; do
    lim=$LIM_WASM
    [[ $b == webgpu ]] && lim=$LIM_GPU
    measure "train $p $b" "$lim" bench/step_time.ts --preset "$p" --batch "$BATCH" --steps "$steps" --backend "$b"
    measure "encode $p $b" "$lim" bench/encode_time.ts --preset "$p" --batch "$BATCH" --iters "$ENCODE_ITERS" \
      --max-seconds 10 --backend "$b"
  done
done

# Larger batches on webgpu: a GPU at batch 64 may be bound by dispatch overhead, not arithmetic ----
if ((WEBGPU)) && ((BIG_BATCH > BATCH)); then
  last=${PRESETS[-1]}
  measure "train $last webgpu b$BIG_BATCH" "$LIM_GPU" bench/step_time.ts --preset "$last" --batch "$BIG_BATCH" \
    --steps "${TRAIN_STEPS[-1]}" --backend webgpu
  measure "encode $last webgpu b$BIG_BATCH" "$LIM_GPU" bench/encode_time.ts --preset "$last" --batch "$BIG_BATCH" \
    --iters "$ENCODE_ITERS" --max-seconds 10 --backend webgpu
fi

# Per-op profile on webgpu when it is slower than expected ----------------------------------------
last=${PRESETS[-1]}
ratio=""
if ((WEBGPU)); then
  w=$(wps "train $last wasm")
  g=$(wps "train $last webgpu")
  [[ -n "$w" && -n "$g" ]] && ratio=$(awk -v g="$g" -v w="$w" 'BEGIN{printf "%.2f", g / w}')
fi
want_profile=0
if ((WEBGPU)) && [[ $PROFILE == always ]]; then
  want_profile=1
elif ((WEBGPU)) && [[ $PROFILE == auto ]] && ((!SMOKE)); then
  if [[ -z "$ratio" ]] || awk -v r="$ratio" -v e="$EXPECT" 'BEGIN{exit !(r < e)}'; then
    want_profile=1
  fi
fi
PROFILE_MD=""
if ((want_profile)); then
  pb=$BATCH
  ((SMOKE)) && pb=2
  l=$(left)
  if ((l < 20)); then
    PROFILE_MD="(profile skipped: the ${BUDGET}s budget is spent)"
  else
    lim=$((l < 120 ? l : 120))
    say "> profile: deno run -A bench/profile_step.ts --preset $last --batch $pb --backend webgpu (limit ${lim}s)"
    PROFILE_MD=$(timeout -k 5 "$lim" "$DENO" run -A bench/profile_step.ts --preset "$last" --batch "$pb" \
      --backend webgpu 2>"$WORK/err/profile.txt")
    rc=$?
    cat "$WORK/err/profile.txt" >>"$LOG"
    if ((rc != 0)); then
      PROFILE_MD="$PROFILE_MD
(profile_step failed, exit $rc: $(grep -vE '^\s+at |^$' "$WORK/err/profile.txt" | tail -3 | tr '\n' ' '))"
    fi
    PROFILE_MD="$(grep -E '^(forward|adam)' "$WORK/err/profile.txt" | sed 's/^/    /')

$PROFILE_MD"
  fi
fi

# wasm with data-parallel workers (lowest priority: last) -----------------------------------------
if ((WORKERS > 1)); then
  for i in "${!PRESETS[@]}"; do
    p=${PRESETS[$i]}
    measure "train $p wasm x$WORKERS" "$LIM_WASM" bench/step_time.ts --preset "$p" --batch "$BATCH" \
      --steps "${TRAIN_STEPS[$i]}" --workers "$WORKERS" --backend wasm
  done
fi

# Backend-agreement tests on this adapter -----------------------------------------------------------
TEST_FILES=(tests/backend_test.ts tests/pretrained_test.ts tests/train_backends_test.ts tests/reduce_test.ts)
TESTS_MD=""
if [[ $TESTS == always ]] || { [[ $TESTS == auto ]] && ((WEBGPU && !SMOKE)); }; then
  l=$(left)
  lim=$((l < 60 ? 60 : (l < 180 ? l : 180))) # the tests are worth a little over the budget
  say "> tests: deno test -A --no-check ${TEST_FILES[*]} (limit ${lim}s)"
  # --no-check: the kit keeps only the npm files the code opens, not their type declarations (CI
  # type-checks these files)
  timeout -k 5 "$lim" "$DENO" test -A --no-check "${TEST_FILES[@]}" >"$WORK/tests.log" 2>&1
  rc=$?
  cat "$WORK/tests.log" >>"$LOG"
  summary=$(grep -E '^(ok|FAILED) \|' "$WORK/tests.log" | tail -1)
  ((rc == 124 || rc == 137)) && summary="timed out after ${lim}s"
  TESTS_MD="deno test -A --no-check ${TEST_FILES[*]}: ${summary:-exit $rc, no summary}

$(grep -E 'vs cpu|max \|diff\||^compared|\.\.\. (ok|FAILED)' "$WORK/tests.log" | sed 's/^/    /')"
  [[ -n "${OUT:-}" ]] && cp "$WORK/tests.log" "$OUT/gpu-tests.log"
fi

