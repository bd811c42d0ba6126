# Sourced by gpu/gpu.sh (not run on its own; it shares gpu.sh's variables and helpers).
# Deno, the npm packages and the Vulkan loader and ICD of gpu/gpu.sh: from .gpu-kit where the
# machine lacks its own; each finding is a report line.

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
  md "**No Deno**: neither .gpu-kit/deno.xz nor deno on PATH. Run gpu/gpu_kit.sh here and carry .gpu-kit."
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
  md "Note: .gpu-kit was built for another deno.lock: if npm dependencies changed, rebuild it (gpu/gpu_kit.sh)."
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

