#!/usr/bin/env bash
# bench/gpu.sh [--smoke] [--profile | --no-profile] [--workers N] [--budget SECONDS]
#
# FlowFM on a GPU ("Train on every core" §5): training-step and encoding windows/s on webgpu and on
# wasm (tiny and small, batch 64; small on webgpu at batch 256 too), the WebGPU adapter, and the
# ratio webgpu / wasm, as Markdown.
#
# DEVICE RUN (one call from a session that has device time; about 6 minutes on the machine):
#   1. here, first:  bash bench/gpu_kit.sh      (fills the ignored .gpu-kit/, about 32 MiB: Deno,
#                    the pruned npm packages, the Vulkan loader; `--check` also smoke-tests it
#                    offline)
#   2. the run tool: command   "bash bench/gpu.sh"
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
SMOKE=0
PROFILE=auto
TESTS=auto
WORKERS=""
BUDGET=""
EXPECT="${GPU_BENCH_EXPECT:-2}"
while (($#)); do
  case "$1" in
    --smoke) SMOKE=1 ;;
    --profile) PROFILE=always ;;
    --no-profile) PROFILE=never ;;
    --tests) TESTS=always ;;
    --no-tests) TESTS=never ;;
    --workers)
      WORKERS="$2"
      shift
      ;;
    --budget)
      BUDGET="$2"
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -uo/p' "$0" | sed '$d'
      exit 0
      ;;
    *)
      echo "gpu.sh: unknown flag $1 (try --help)" >&2
      exit 2
      ;;
  esac
  shift
done
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

# Deno ------------------------------------------------------------------------------------------
unxz_to() { # unxz_to FILE.xz OUTFILE
  if command -v xz >/dev/null; then
    xz -dc "$1" >"$2"
  else
    python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
untar_xz() { # untar_xz FILE.tar.xz DIR
  if command -v xz >/dev/null; then
    xz -dc "$1" | tar -xf - -C "$2"
  else
    python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$2"
  fi
}
DENO=""
if [[ -s "$KIT/deno.xz" ]]; then
  want=$(cat "$KIT/deno.sha256" 2>/dev/null)
  if [[ ! -x "$WORK/deno" || "$(sha256sum "$WORK/deno" | cut -d' ' -f1)" != "$want" ]]; then
    unxz_to "$KIT/deno.xz" "$WORK/deno.part" && chmod +x "$WORK/deno.part" && mv "$WORK/deno.part" "$WORK/deno"
  fi
  DENO="$WORK/deno"
elif command -v deno >/dev/null; then
  DENO=$(command -v deno)
fi
if [[ -z "$DENO" ]] || ! "$DENO" --version >/dev/null 2>&1; then
  md "**No Deno**: neither .gpu-kit/deno.xz nor deno on PATH. Run bench/gpu_kit.sh here and carry .gpu-kit."
  sync_out
  exit 1
fi
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 DENO_DIR="$WORK/deno_dir"
mkdir -p "$DENO_DIR"
# the npm registry metadata Deno reads at run time, so that no run asks the (unreachable) registry
[[ -f "$KIT/deno_dir_npm.tar.xz" ]] && untar_xz "$KIT/deno_dir_npm.tar.xz" "$DENO_DIR"
md "Deno: $("$DENO" --version | head -1) ($DENO)"

# npm packages ----------------------------------------------------------------------------------
if [[ -f "$KIT/node_modules.tar.xz" ]]; then
  stamp=$(sha256sum "$KIT/node_modules.tar.xz" | cut -d' ' -f1)
  if [[ -f node_modules/.gpu-kit-stamp && "$(cat node_modules/.gpu-kit-stamp)" != "$stamp" ]]; then
    rm -rf node_modules # ours, from an older kit
  fi
  if [[ ! -e node_modules ]]; then
    untar_xz "$KIT/node_modules.tar.xz" "$ROOT" && echo "$stamp" >node_modules/.gpu-kit-stamp
    md "npm packages: from .gpu-kit/node_modules.tar.xz"
  elif [[ -f node_modules/.gpu-kit-stamp ]]; then
    md "npm packages: from .gpu-kit/node_modules.tar.xz (unpacked before)"
  else
    md "npm packages: the tree's own node_modules"
  fi
else
  md "npm packages: the tree's own node_modules (no kit)"
fi
kit_lock=$(sed -nE 's/^deno.lock sha256: //p' "$KIT/MANIFEST.txt" 2>/dev/null)
if [[ -n "$kit_lock" && "$kit_lock" != "$(sha256sum deno.lock | cut -d' ' -f1)" ]]; then
  md "Note: .gpu-kit was built for another deno.lock: if npm dependencies changed, rebuild it (bench/gpu_kit.sh)."
fi

# Vulkan: loader, ICD, the libraries the ICD links against ----------------------------------------
mkdir -p "$WORK/lib"
rm -f "$WORK"/lib/*
from_kit=()
if [[ -d "$KIT/lib" ]]; then
  for f in "$KIT"/lib/*.so.*; do
    so=$(basename "$f")
    if ! has_lib "$so"; then
      ln -sf "$f" "$WORK/lib/$so"
      from_kit+=("$so")
    fi
  done
fi
export LD_LIBRARY_PATH="$WORK/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [[ -d "$d" && ":$LD_LIBRARY_PATH:" != *":$d:"* ]] && LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$d"
done
if has_lib libvulkan.so.1; then
  loader="system ($(lib_path libvulkan.so.1))"
elif [[ -e "$WORK/lib/libvulkan.so.1" ]]; then
  loader="kit (.gpu-kit/lib/libvulkan.so.1)"
else
  loader="NONE (no libvulkan.so.1 on the machine or in .gpu-kit/lib)"
fi
md "Vulkan loader: $loader; from the kit: ${from_kit[*]:-nothing}"

glx=$(lib_path libGLX_nvidia.so.0)
[[ -z "$glx" ]] && glx=$(find /usr/local/nvidia /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib \
  -maxdepth 2 -name 'libGLX_nvidia.so.0' 2>/dev/null | head -1)
icd_std=$(ls /etc/vulkan/icd.d/nvidia*.json /usr/share/vulkan/icd.d/nvidia*.json \
  /usr/local/share/vulkan/icd.d/nvidia*.json /etc/xdg/vulkan/icd.d/nvidia*.json 2>/dev/null | head -1)
icd_other=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia*.json /usr/local/nvidia/vulkan/icd.d/nvidia*.json \
  /usr/local/nvidia/etc/vulkan/icd.d/nvidia*.json 2>/dev/null | head -1)
if [[ -n "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
  icd="as set: ${VK_DRIVER_FILES:-$VK_ICD_FILENAMES}"
elif [[ -n "$icd_std" ]]; then
  icd="$icd_std (a folder the loader searches)"
elif [[ -n "$icd_other" ]]; then
  export VK_DRIVER_FILES="$icd_other" VK_ICD_FILENAMES="$icd_other"
  icd="$icd_other (VK_DRIVER_FILES set)"
elif [[ -n "$glx" ]]; then
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' \
    "$glx" >"$WORK/nvidia_icd.json"
  export VK_DRIVER_FILES="$WORK/nvidia_icd.json" VK_ICD_FILENAMES="$WORK/nvidia_icd.json"
  icd="none shipped; wrote $WORK/nvidia_icd.json for $glx"
else
  icd="NONE (no nvidia_icd.json, no libGLX_nvidia.so.0)"
fi
md "NVIDIA Vulkan ICD: $icd"
if [[ -n "$glx" ]]; then
  missing=$(ldd "$glx" 2>/dev/null | awk '/not found/{print $1}' | tr '\n' ' ')
  md "libGLX_nvidia.so.0: $glx; libraries it lacks: ${missing:-none}"
else
  md "libGLX_nvidia.so.0: not found"
fi
sync_out

# WebGPU adapter probe ----------------------------------------------------------------------------
# Asks for an adapter with wgpu's Vulkan backend alone, then with all backends (GL too), then runs
# initBackend("webgpu") and one op on the GPU, so a failure is named before any bench.
PROBE='
const out = { wgpuBackends: Deno.env.get("DENO_WEBGPU_BACKEND") ?? "all", navigatorGpu: !!navigator.gpu };
try {
  const a = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
  if (!a) out.adapter = null;
  else {
    const i = a.info;
    out.adapter = { description: i.description, vendor: i.vendor, architecture: i.architecture,
      device: i.device, isFallbackAdapter: i.isFallbackAdapter };
    out.timestampQuery = a.features.has("timestamp-query");
    out.maxBufferMiB = Math.round(a.limits.maxBufferSize / 2 ** 20);
    const { initBackend, describeBackend } = await import("./lib/runtime/backend.ts");
    out.describeBackend = describeBackend(await initBackend("webgpu"));
    const tf = await import("@tensorflow/tfjs-core");
    out.gpuOpOk = (await tf.ones([4096]).square().sum().data())[0] === 4096;
  }
} catch (e) { out.error = String(e?.message ?? e).split("\n")[0]; }
console.log(JSON.stringify(out));'
probe() { # probe BACKENDS(vulkan|all) -> JSON on stdout
  local env=()
  [[ $1 != all ]] && env=(DENO_WEBGPU_BACKEND="$1")
  env "${env[@]}" VK_LOADER_DEBUG=error,warn timeout 60 "$DENO" eval "$PROBE" 2>"$WORK/probe-$1.err" |
    grep '^{' | tail -1
  cat "$WORK/probe-$1.err" >>"$LOG"
}
field() { # field KEY JSON: a string, number or boolean value (our own flat JSON)
  local v
  v=$(sed -nE "s/.*\"$1\":\"([^\"]*)\".*/\1/p" <<<"$2" | head -1)
  [[ -z "$v" ]] && v=$(sed -nE "s/.*\"$1\":([^\",}]*).*/\1/p" <<<"$2" | head -1)
  printf '%s' "$v"
}
WEBGPU=0
p_vk=$(probe vulkan)
say "probe (vulkan): ${p_vk:-no output: $(tail -2 "$WORK/probe-vulkan.err" | tr '\n' ' ')}"
if [[ "$p_vk" == *'"gpuOpOk":true'* ]]; then
  export DENO_WEBGPU_BACKEND=vulkan
  P="$p_vk"
  WEBGPU=1
else
  p_all=$(probe all)
  say "probe (all wgpu backends): ${p_all:-no output: $(tail -2 "$WORK/probe-all.err" | tr '\n' ' ')}"
  P="$p_all"
  [[ "$p_all" == *'"gpuOpOk":true'* ]] && WEBGPU=1
fi
md ""
md "## WebGPU adapter"
md ""
if ((WEBGPU)); then
  md "| adapter | vendor | architecture | isFallbackAdapter | timestamp-query | wgpu backends |"
  md "|---|---|---|---|---|---|"
  md "| $(field description "$P") | $(field vendor "$P") | $(field architecture "$P") | $(field isFallbackAdapter "$P") | $(field timestampQuery "$P") | $(field wgpuBackends "$P") |"
  md ""
  md "initBackend: $(field describeBackend "$P")"
  [[ "$(field isFallbackAdapter "$P")" == true ]] &&
    md "Note: a software adapter: webgpu numbers here say nothing of a GPU."
  if [[ "$(field wgpuBackends "$P")" == all ]]; then
    vk_msgs=$(grep -hiE 'error|fail|cannot' "$WORK/probe-vulkan.err" 2>/dev/null | sort -u | head -4 | tr -s '\n ' '  ' | sed 's/ *$//')
    md "Note: wgpu's Vulkan backend gave no adapter (loader: $loader; ICD: $icd)${vk_msgs:+: $vk_msgs}; this adapter came from another wgpu backend (GL/EGL)."
  fi
else
  md "**webgpu unavailable**; what is missing:"
  [[ "$P" == *'"navigatorGpu":false'* ]] && md "- navigator.gpu: missing in this Deno"
  [[ "$loader" == NONE* ]] && md "- Vulkan loader: $loader; run bench/gpu_kit.sh and carry .gpu-kit"
  [[ "$icd" == NONE* ]] && md "- NVIDIA Vulkan ICD: $icd"
  [[ -n "${missing:-}" ]] && md "- libraries libGLX_nvidia.so.0 links against and cannot find: $missing"
  [[ -e /dev/nvidia0 || -e /dev/nvidiactl ]] || md "- no /dev/nvidia* device nodes"
  [[ "$P" == *'"adapter":null'* ]] && md "- navigator.gpu.requestAdapter() returned null (no adapter on any wgpu backend)"
  [[ -n "$(field error "$P")" ]] && md "- error: $(field error "$P")"
  [[ -z "$P" ]] && md "- the probe printed nothing: $(tail -3 "$WORK/probe-all.err" | tr '\n' ' ')"
  loader_msgs=$(grep -hiE 'error|fail|cannot' "$WORK"/probe-*.err 2>/dev/null | sort -u | head -8)
  if [[ -n "$loader_msgs" ]]; then
    md "- Vulkan loader / Deno messages:"
    md '```'
    md "$loader_msgs"
    md '```'
  fi
fi
sync_out

# For commands run after this script on the same machine (bench/gpu_pretrain.sh): `. $WORK/env.sh`
{
  printf 'export DENO=%q DENO_DIR=%q LD_LIBRARY_PATH=%q NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1\n' \
    "$DENO" "$DENO_DIR" "$LD_LIBRARY_PATH"
  [[ -n "${VK_DRIVER_FILES:-}" ]] && printf 'export VK_DRIVER_FILES=%q VK_ICD_FILENAMES=%q\n' \
    "$VK_DRIVER_FILES" "${VK_ICD_FILENAMES:-$VK_DRIVER_FILES}"
  [[ -n "${DENO_WEBGPU_BACKEND:-}" ]] && printf 'export DENO_WEBGPU_BACKEND=%q\n' "$DENO_WEBGPU_BACKEND"
  printf 'GPU_BENCH_WEBGPU=%d\n' "$WEBGPU"
} >"$WORK/env.sh"

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
