#!/usr/bin/env bash
# gpu/gpu.sh [--smoke] [--profile | --no-profile] [--workers N] [--budget SECONDS]
#
# FlowFM on a GPU ("Train on every core" §5): training-step and encoding windows/s on webgpu and on
# wasm (tiny and small, batch 64; small on webgpu at batch 256 too), the WebGPU adapter, and the
# ratio webgpu / wasm, as Markdown.
#
# DEVICE RUN (one call from a session that has device time; about 6 minutes on the machine):
#   1. here, first:  bash gpu/gpu_kit.sh      (fills the ignored .gpu-kit/, about 32 MiB: Deno,
#                    the pruned npm packages, the Vulkan loader; `--check` also smoke-tests it
#                    offline)
#   2. the run tool: command   "bash gpu/gpu.sh"
#                    carry     [".gpu-kit"]
#                    timeout_s 420
#                    (kind left out: nvidia-h100-x1 or nvidia-h200; the report names the card)
#   The report comes back as $OUT/gpu-bench.md, with $OUT/gpu-bench.log (every line, stderr too)
#   and $OUT/results.jsonl (one JSON line per measurement).
#
# It needs nothing from the network: the Deno binary, node_modules and libvulkan.so.1 come from
# .gpu-kit (each only where the machine lacks its own: an existing node_modules is used as it is).
# The NVIDIA Vulkan ICD comes with the machine's driver: nvidia_icd.json in the loader's usual
# folders or under /usr/local/nvidia/share/vulkan/icd.d (then VK_DRIVER_FILES points at it; with no
# JSON but a libGLX_nvidia.so.0, one is written). Where webgpu fails, the report says what is
# missing (no navigator.gpu, no Vulkan loader, no ICD, a library the ICD links against, no
# adapter) and the wasm half still runs. Where webgpu is slower than EXPECT times wasm on the
# small training step (GPU_BENCH_EXPECT, default 2), or with --profile, bench/profile_step.ts
# prints a per-op profile on webgpu (GPU kernel times from timestamp queries where offered).
#
#   --smoke        a short check (well under 2 minutes): tiny only, batch 8, one step; webgpu on
#                  whatever adapter there is (a software one here), or a clear "unavailable"
#   --profile      always print the webgpu profile; --no-profile never
#   --tests        also run the test files that compare backends (tests/backend_test.ts,
#                  tests/pretrained_test.ts, tests/train_backends_test.ts, tests/reduce_test.ts) with
#                  the machine's adapter: on a hardware GPU they add webgpu to each comparison
#                  (default in a full run where webgpu works); --no-tests never
#   --workers N    also time the wasm training step with N data-parallel workers (default: the
#                  machine's cores, at most 16; 0 in --smoke)
#   --budget S     stop starting new measurements after S seconds (default 300; 100 in --smoke)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
KIT="$ROOT/.gpu-kit"
WORK="${GPU_BENCH_WORK:-${TMPDIR:-/tmp}/flowfm-gpu-bench}"
PROFILE=auto
TESTS=auto
EXPECT="${GPU_BENCH_EXPECT:-2}"
. "$ROOT/bench/_args.sh"
args_parse "smoke profile no-profile tests no-tests workers= budget=" "$@"
((${#ARGS[@]} == 0)) || args_fail "no arguments besides flags, got ${ARGS[*]}"
SMOKE=${ARG_smoke:-0}
((${ARG_profile:-0})) && PROFILE=always
((${ARG_no_profile:-0})) && PROFILE=never
((${ARG_tests:-0})) && TESTS=always
((${ARG_no_tests:-0})) && TESTS=never
WORKERS=${ARG_workers:-}
BUDGET=${ARG_budget:-}
if ((SMOKE)); then
  PRESETS=(tiny)
  BATCH=8
  TRAIN_STEPS=(1)
  ENCODE_ITERS=2
  BIG_BATCH=${GPU_BENCH_BIG_BATCH:-0}
  : "${WORKERS:=0}" "${BUDGET:=100}"
  LIM_WASM=60
  LIM_GPU=60
else
  PRESETS=(tiny small)
  BATCH=64
  TRAIN_STEPS=(5 3) # per preset
  ENCODE_ITERS=10
  BIG_BATCH=${GPU_BENCH_BIG_BATCH:-256} # also timed on webgpu, for the last preset
  cores=$(nproc 2>/dev/null || echo 2)
  : "${WORKERS:=$((cores > 16 ? 16 : cores))}" "${BUDGET:=300}"
  LIM_WASM=90
  LIM_GPU=120
fi

mkdir -p "$WORK/err"
REPORT="$WORK/gpu-bench.md"
LOG="$WORK/gpu-bench.log"
RESULTS="$WORK/results.jsonl"
: >"$REPORT"
: >"$LOG"
: >"$RESULTS"
rm -f "$WORK"/err/*
[[ -n "${OUT:-}" ]] && mkdir -p "$OUT"
START=$SECONDS

say() { printf '%s\n' "$*" | tee -a "$LOG"; }       # progress: printed and logged
md() { printf '%s\n' "$*" >>"$REPORT" && say "$*"; } # a report line, also printed and logged
sync_out() { [[ -n "${OUT:-}" ]] && cp "$REPORT" "$LOG" "$RESULTS" "$OUT/" 2>/dev/null; }
left() { echo $((BUDGET - (SECONDS - START))); }
LDCACHE=$(ldconfig -p 2>/dev/null) # read once (a `| grep -q` under pipefail can fail by SIGPIPE)
has_lib() { awk -v so="$1" '$1 == so { found = 1 } END { exit !found }' <<<"$LDCACHE"; }
lib_path() { awk -v so="$1" '$1 == so { print $NF; exit }' <<<"$LDCACHE"; }

md "# FlowFM on a GPU: webgpu vs wasm"
md ""
md "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -srm), $(nproc) cores$( ((SMOKE)) && echo ", --smoke")"
gpu_line=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
md "GPU (nvidia-smi): ${gpu_line:-none found}"

# The parts, in order (each sourced: they share the variables and helpers above).
. "$ROOT/gpu/_setup.sh"
. "$ROOT/gpu/_probe.sh"
. "$ROOT/gpu/_measure.sh"
. "$ROOT/gpu/_report.sh"
