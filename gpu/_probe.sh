# Sourced by gpu/gpu.sh (not run on its own; it shares gpu.sh's variables and helpers).
# The WebGPU adapter probe of gpu/gpu.sh: which wgpu backend gives an adapter, and what is missing
# where none does; sets WEBGPU and writes $WORK/env.sh for later commands.

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
  [[ "$loader" == NONE* ]] && md "- Vulkan loader: $loader; run gpu/gpu_kit.sh and carry .gpu-kit"
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

# For commands run after this script on the same machine (gpu/gpu_pretrain.sh): `. $WORK/env.sh`
{
  printf 'export DENO=%q DENO_DIR=%q LD_LIBRARY_PATH=%q NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1\n' \
    "$DENO" "$DENO_DIR" "$LD_LIBRARY_PATH"
  [[ -n "${VK_DRIVER_FILES:-}" ]] && printf 'export VK_DRIVER_FILES=%q VK_ICD_FILENAMES=%q\n' \
    "$VK_DRIVER_FILES" "${VK_ICD_FILENAMES:-$VK_DRIVER_FILES}"
  [[ -n "${DENO_WEBGPU_BACKEND:-}" ]] && printf 'export DENO_WEBGPU_BACKEND=%q\n' "$DENO_WEBGPU_BACKEND"
  printf 'GPU_BENCH_WEBGPU=%d\n' "$WEBGPU"
} >"$WORK/env.sh"

