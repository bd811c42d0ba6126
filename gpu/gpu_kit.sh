#!/usr/bin/env bash
# gpu/gpu_kit.sh [--check] [--force]
#
# Fills .gpu-kit/ (git-ignored) with what gpu/gpu.sh needs on a GPU machine that has no network
# and no Deno: run it here, then carry .gpu-kit to the device (the exact call is at the top of
# gpu/gpu.sh). It holds, compressed to stay under the device's 64 MiB carry limit:
#   deno.xz, deno.sha256   this machine's Deno binary (xz -9; the sha256 is of the binary itself)
#   node_modules.tar.xz    this project's npm packages as Deno lays them out (nodeModulesDir
#                          "auto"), installed from deno.lock into a kit-local DENO_DIR, then pruned
#                          to the files the bench entry points open (traced with strace) plus every
#                          package.json and Deno's own markers, so Deno needs no registry there
#   deno_dir_npm.tar.xz    the npm registry metadata Deno reads at run time (registry.json files)
#   lib/*.so.*             the Vulkan loader (libvulkan.so.1, Debian's libvulkan1) and what the
#                          NVIDIA driver's Vulkan ICD (libGLX_nvidia.so.0) links against
#                          (libGLdispatch from libglvnd0; libX11/libXext and their deps); gpu.sh
#                          uses each only where the machine has none of its own
#   MANIFEST.txt           versions, sizes and checksums
# The NVIDIA ICD itself (nvidia_icd.json + libGLX_nvidia.so.0) comes with the GPU machine's driver
# (under /usr/local/nvidia there); gpu.sh finds it and points the loader at it.
#
#   --check   afterwards, copy the tree and the kit to a scratch folder and run
#             `bash gpu/gpu.sh --smoke` there with no network (unshare -n) and an empty HOME,
#             as the device would (no node_modules, no deno on the way but the kit's)
#   --force   recompress the Deno binary even if deno.sha256 matches
# Scratch (npm cache, .deb files, traces): $GPU_KIT_BUILD, default ${TMPDIR:-/tmp}/flowfm-gpu-kit.
set -euo pipefail
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT="$ROOT/.gpu-kit"
BUILD="${GPU_KIT_BUILD:-${TMPDIR:-/tmp}/flowfm-gpu-kit}"
LIMIT_MIB=56 # the device takes 64 MiB in all: the tree (~3 MiB) plus carried paths
. "$ROOT/bench/_args.sh"
args_parse "check force" "$@"
((${#ARGS[@]} == 0)) || args_fail "no arguments besides flags, got ${ARGS[*]}"
CHECK=${ARG_check:-0}
FORCE=${ARG_force:-0}

log() { printf 'gpu_kit: %s\n' "$*" >&2; }
for tool in deno xz tar git dpkg-deb apt-get sha256sum; do
  command -v "$tool" >/dev/null || {
    log "$tool is needed"
    exit 1
  }
done
if ! command -v strace >/dev/null; then
  log "installing strace (to see which npm files the benches open)"
  apt-get install -y -qq strace >/dev/null || {
    apt-get update -qq && apt-get install -y -qq strace >/dev/null
  }
fi
mkdir -p "$KIT" "$BUILD"

# 1. Deno ---------------------------------------------------------------------------------------
DENO_BIN=$(readlink -f "$(command -v deno)")
DENO_SUM=$(sha256sum "$DENO_BIN" | cut -d' ' -f1)
if [[ $FORCE == 1 || ! -s "$KIT/deno.xz" || "$(cat "$KIT/deno.sha256" 2>/dev/null)" != "$DENO_SUM" ]]; then
  log "compressing $DENO_BIN ($(deno --version | head -1)) with xz -9: about 2 minutes"
  xz -T0 -9 -c "$DENO_BIN" >"$KIT/deno.xz.part"
  mv "$KIT/deno.xz.part" "$KIT/deno.xz"
  echo "$DENO_SUM" >"$KIT/deno.sha256"
else
  log "deno.xz is up to date ($DENO_SUM)"
fi

# 2. Vulkan loader and the libraries the NVIDIA ICD links against (Debian packages) --------------
# glvnd's front ends (libGLX, libEGL, ...) too: on an H200 machine without them, the driver's
# libGLX_nvidia.so.0 loaded but refused vkCreateInstance; with them installed, Vulkan worked.
PKGS=(libvulkan1 libglvnd0 libglx0 libegl1 libgl1 libopengl0 libgles2 libx11-6 libxext6 libxcb1
  libxau6 libxdmcp6 libbsd0 libmd0)
SONAMES=(libvulkan.so.1 libGLdispatch.so.0 libGLX.so.0 libEGL.so.1 libGL.so.1 libOpenGL.so.0
  libGLESv2.so.2 libX11.so.6 libXext.so.6 libxcb.so.1 libXau.so.6 libXdmcp.so.6 libbsd.so.0
  libmd.so.0)
rm -rf "$BUILD/debs" "$BUILD/debroot"
mkdir -p "$BUILD/debs" "$BUILD/debroot"
if ! (cd "$BUILD/debs" && apt-get download -qq "${PKGS[@]}" 2>/dev/null); then
  log "apt-get download failed; running apt-get update once"
  apt-get update -qq
  (cd "$BUILD/debs" && apt-get download -qq "${PKGS[@]}")
fi
for deb in "$BUILD"/debs/*.deb; do dpkg-deb -x "$deb" "$BUILD/debroot"; done
rm -rf "${KIT:?}/lib"
mkdir -p "$KIT/lib"
for so in "${SONAMES[@]}"; do
  f=$(find "$BUILD/debroot" -name "$so" | head -1)
  [[ -n "$f" ]] || {
    log "no $so in ${PKGS[*]}"
    exit 1
  }
  cp -L "$f" "$KIT/lib/$so" # a real file, not a link: links travel as links
done

# 3. npm packages: install from deno.lock into a scratch copy of the tree, trace, prune ----------
TREE="$BUILD/tree"
rm -rf "$TREE"
mkdir -p "$TREE"
(cd "$ROOT" && git ls-files -co --exclude-standard -z |
  tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$TREE"
export DENO_DIR="$BUILD/deno_dir" # the kit's own npm cache; kept between builds
log "deno install (DENO_DIR=$DENO_DIR)"
(cd "$TREE" && deno install -q)
cat >"$TREE/_gpu_kit_imports.ts" <<'EOF'
// Loads every npm package the benches may load, webgpu included (no adapter needed).
await import("@tensorflow/tfjs-core");
await import("@tensorflow/tfjs-backend-cpu");
await import("@tensorflow/tfjs-backend-wasm");
await import("@tensorflow/tfjs-backend-webgpu");
EOF
TRACES="$BUILD/traces"
rm -rf "$TRACES"
mkdir -p "$TRACES"
n=0
trace() { # trace MUST_PASS deno-run-args...
  local must=$1
  shift
  n=$((n + 1))
  log "trace $n: deno run -A $*"
  if ! (cd "$TREE" && timeout 300 strace -f -qq -e trace=openat,open -o "$TRACES/$n.txt" \
    deno run -A "$@" >"$TRACES/$n.out" 2>&1); then
    if [[ $must == 1 ]]; then
      log "trace $n failed:"
      tail -20 "$TRACES/$n.out" >&2
      exit 1
    fi
    log "trace $n failed (not needed: $(tail -1 "$TRACES/$n.out"))"
  fi
}
trace 1 _gpu_kit_imports.ts
trace 1 bench/step_time.ts --preset tiny --batch 4 --steps 1
trace 1 bench/step_time.ts --preset tiny --batch 4 --steps 1 --workers 2
trace 1 bench/encode_time.ts --preset tiny --batch 4 --iters 1
trace 1 bench/profile_step.ts --preset tiny --batch 2
# webgpu at run time, where this machine has an adapter (a software one will do)
trace 0 bench/encode_time.ts --preset tiny --batch 2 --iters 1 --backend webgpu
NM="$TREE/node_modules"
cat "$TRACES"/*.txt | grep -v ENOENT | sed -nE 's/.*open(at)?\([^"]*"([^"]+)".*/\2/p' |
  grep "^$NM/" | sort -u | { xargs -d '\n' realpath -e 2>/dev/null || true; } | sort -u >"$BUILD/keep.txt"
find "$NM" -type f ! -name package.json ! -name .initialized ! -name .setup-cache.bin \
  ! -name .deno.lock -exec realpath -e {} + | sort -u >"$BUILD/all.txt"
# also every .wasm build of tfjs-backend-wasm (which one loads depends on the CPU's features)
find "$NM"/.deno/@tensorflow+tfjs-backend-wasm@*/node_modules/@tensorflow/tfjs-backend-wasm/dist \
  -maxdepth 1 -type f \( -name '*.wasm' -o -name '*.worker.js' \) -exec realpath -e {} + >>"$BUILD/keep.txt"
sort -u -o "$BUILD/keep.txt" "$BUILD/keep.txt"
comm -23 "$BUILD/all.txt" "$BUILD/keep.txt" | xargs -d '\n' rm -f
log "kept $(wc -l <"$BUILD/keep.txt") traced npm files (of $(wc -l <"$BUILD/all.txt"))"
tar -C "$TREE" -cf - node_modules | xz -T0 -9 >"$KIT/node_modules.tar.xz"
# Deno also reads the registry metadata (registry.json) of the packages it resolves at run time;
# without it there, each run would try the registry first. Ship the ones the traces opened.
(cd "$DENO_DIR" && cat "$TRACES"/*.txt | grep -v ENOENT |
  sed -nE 's/.*open(at)?\([^"]*"([^"]+)".*/\2/p' | grep "^$DENO_DIR/npm/.*/registry.json$" |
  sed "s|^$DENO_DIR/||" | sort -u | tar -cf - -T - | xz -9 >"$KIT/deno_dir_npm.tar.xz")

# 4. manifest and size ---------------------------------------------------------------------------
{
  echo "FlowFM GPU kit, built $(date -u +%Y-%m-%dT%H:%M:%SZ) by gpu/gpu_kit.sh; read by gpu/gpu.sh"
  echo "deno: $(deno --version | tr '\n' ' ')"
  echo "deno sha256: $DENO_SUM"
  echo "debian packages: $(cd "$BUILD/debs" && ls | tr '\n' ' ')"
  echo "deno.lock sha256: $(sha256sum "$ROOT/deno.lock" | cut -d' ' -f1)"
  echo "npm files kept: $(wc -l <"$BUILD/keep.txt")"
  (cd "$KIT" && sha256sum deno.xz node_modules.tar.xz deno_dir_npm.tar.xz lib/*)
  (cd "$KIT" && du -b deno.xz node_modules.tar.xz deno_dir_npm.tar.xz lib)
} >"$KIT/MANIFEST.txt"
bytes=$(du -sb "$KIT" | cut -f1)
log "kit: $(du -sh "$KIT" | cut -f1) ($bytes bytes) in $KIT"
du -sh "$KIT"/* >&2
if ((bytes > LIMIT_MIB * 1024 * 1024)); then
  log "kit is over ${LIMIT_MIB} MiB: it would not travel with the tree"
  exit 1
fi

# 5. optional offline check ----------------------------------------------------------------------
if [[ $CHECK == 1 ]]; then
  CHK="$BUILD/check"
  rm -rf "$CHK"
  mkdir -p "$CHK/home" "$CHK/tmp" "$CHK/tree"
  (cd "$ROOT" && git ls-files -co --exclude-standard -z |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$CHK/tree"
  cp -a "$KIT" "$CHK/tree/.gpu-kit"
  NET="unshare -n"
  $NET true 2>/dev/null || {
    log "unshare -n is refused here: checking with the network on"
    NET=""
  }
  log "check: bash gpu/gpu.sh --smoke in $CHK/tree, offline, deno from the kit"
  (cd "$CHK/tree" && $NET env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$CHK/home" \
    TMPDIR="$CHK/tmp" OUT="$CHK/out" bash gpu/gpu.sh --smoke)
  log "check passed; report: $CHK/out/gpu-bench.md"
fi
