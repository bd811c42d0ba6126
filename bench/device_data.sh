#!/usr/bin/env bash
# bench/device_data.sh pack NAME[=CACHE] ... | unpack
#
# Takes data sets to the GPU machine, where ../shared does not travel (the device tool sends the
# checkout alone, 64 MiB in all). `pack`, here: for each NAME (a folder of ../shared/data) it
# writes into the ignored .device-data/ the size and mtime of every source file, and the window
# cache CACHE (default .cache/flowfm-data/NAME.ffmwin), xz-compressed. `unpack`, there:
# recreates ../shared/data/NAME as empty (sparse) files with those sizes and mtimes, which is all
# the cache key reads (lib/io/files.ts sourceFingerprint; text files under 64 KiB, such as label
# tables, keep their content), and puts each cache back under
# .cache/flowfm-data/, so `--dataset NAME` reads the cache and never the missing raw files.
# A NAME given twice with different caches (uci-hapt's labelled windows for evaluation and its
# unlabelled ones for pretraining share one cache file name) is stored as NAME.N.ffmwin.xz;
# `unpack` restores the first, `use NAME N` swaps in the N-th.
#   e.g. here:  bash bench/device_data.sh pack sp-sw-har uci-hapt=/tmp/hapt-unlabelled.ffmwin uci-hapt
#        there: bash bench/device_data.sh unpack; ...; bash bench/device_data.sh use uci-hapt 2
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KIT=${DEVICE_DATA_KIT:-.device-data}          # what travels (ignored by git)
DATA=${DEVICE_DATA_ROOT:-../shared/data}      # where the data sets are, here and there
CACHE=${DEVICE_DATA_CACHE:-.cache/flowfm-data} # the window caches (lib/io/datasets.ts)
cmd=${1:-}
shift || true
case "$cmd" in
  pack)
    if [[ $KIT == .device-data && -d .git/info ]]; then
      grep -qxF "/$KIT/" .git/info/exclude 2>/dev/null || echo "/$KIT/" >>.git/info/exclude
    fi
    rm -rf "$KIT"
    mkdir -p "$KIT"
    for spec in "$@"; do
      name=${spec%%=*}
      cache=$CACHE/$name.ffmwin
      [[ $spec == *=* ]] && cache=${spec#*=}
      [[ -d $DATA/$name ]] || { echo "device_data: no folder $DATA/$name" >&2; exit 1; }
      [[ -f $cache ]] || { echo "device_data: no cache $cache (run a command with --dataset $name first)" >&2; exit 1; }
      n=1
      while [[ -e $KIT/$name.$n.ffmwin.xz ]]; do n=$((n + 1)); done
      if [[ $n == 1 ]]; then
        (cd "$DATA/$name" && find . -type f -printf '%s %T@ %P\n') >"$KIT/$name.files"
        # small text files keep their content: label tables that an adapter reads beside its cache
        (cd "$DATA/$name" && find . -type f -size -64k ! -name '*.gz' -print0 |
          tar --null -T - -cJf -) >"$KIT/$name.small.tar.xz"
      fi
      xz -T0 -6 -c "$cache" >"$KIT/$name.$n.ffmwin.xz"
      echo "device_data: $name ($(wc -l <"$KIT/$name.files") files), cache $n: $cache"
    done
    du -sh "$KIT"
    ;;
  unpack)
    mkdir -p "$CACHE"
    for list in "$KIT"/*.files; do
      name=$(basename "$list" .files)
      dir=$DATA/$name
      if [[ -d $dir && ! -e $dir/.device-data ]]; then
        echo "device_data: $dir exists and is not ours; left as it is" >&2
      else
        mkdir -p "$dir"
        touch "$dir/.device-data"
        tar -xJf "$KIT/$name.small.tar.xz" -C "$dir" # first: tar keeps whole-second mtimes only
        while read -r size mtime path; do
          mkdir -p "$dir/$(dirname "$path")"
          truncate -s "$size" "$dir/$path"
          touch -m -d "@$mtime" "$dir/$path"
        done <"$list"
      fi
      xz -dc "$KIT/$name.1.ffmwin.xz" >"$CACHE/$name.ffmwin"
      echo "device_data: $name: $(wc -l <"$list") placeholder files, cache restored"
    done
    ;;
  use)
    xz -dc "$KIT/$1.$2.ffmwin.xz" >"$CACHE/$1.ffmwin"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d'
    exit 2
    ;;
esac
