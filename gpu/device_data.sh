#!/usr/bin/env bash
# gpu/device_data.sh pack NAME ... | unpack
#
# Takes data sets to the GPU machine, where ../shared does not travel (the device tool sends the
# checkout alone, 64 MiB in all). `pack`, here: for each NAME (a folder of ../shared/data) it
# writes into the ignored .device-data/ the size and mtime of every source file, and the window
# caches of that data set, xz-compressed: CACHE/NAME.ffmwin (labelled windows, what evaluation
# reads) and CACHE/NAME-unlabelled.ffmwin (what pretraining reads), whichever exist (CACHE:
# .cache/flowfm-data). `unpack`, there: recreates ../shared/data/NAME as empty (sparse) files
# with those sizes and mtimes, which is all the cache key reads (lib/io/files.ts
# sourceFingerprint; text files under 64 KiB, such as label tables, keep their content), and puts
# every cache back under CACHE, so `--dataset NAME` reads the cache and never the missing files.
#   e.g. here:  deno run -A cli/train.ts --dataset uci-hapt,sp-sw-har --steps 1 --out /tmp/t
#               deno run -A cli/evaluate.ts --dataset uci-hapt --heads handcrafted --out /tmp/h
#               bash gpu/device_data.sh pack sp-sw-har uci-hapt
#        there: bash gpu/device_data.sh unpack
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
KIT=${DEVICE_DATA_KIT:-.device-data}          # what travels (ignored by git)
DATA=${DEVICE_DATA_ROOT:-../shared/data}      # where the data sets are, here and there
CACHE=${DEVICE_DATA_CACHE:-.cache/flowfm-data} # the window caches (lib/io/datasets.ts)
. bench/_args.sh
args_help "$@"
cmd=${1:-}
shift || true
case "$cmd" in
  pack)
    if [[ $KIT == .device-data && -d .git/info ]]; then
      grep -qxF "/$KIT/" .git/info/exclude 2>/dev/null || echo "/$KIT/" >>.git/info/exclude
    fi
    rm -rf "$KIT"
    mkdir -p "$KIT"
    for name in "$@"; do
      [[ -d $DATA/$name ]] || { echo "device_data: no folder $DATA/$name" >&2; exit 1; }
      caches=()
      for c in "$CACHE/$name.ffmwin" "$CACHE/$name-unlabelled.ffmwin"; do [[ -f $c ]] && caches+=("$c"); done
      ((${#caches[@]})) || {
        echo "device_data: no cache of $name in $CACHE (run a command with --dataset $name first)" >&2
        exit 1
      }
      (cd "$DATA/$name" && find . -type f -printf '%s %T@ %P\n') >"$KIT/$name.files"
      # small text files keep their content: label tables that an adapter reads beside its cache
      (cd "$DATA/$name" && find . -type f -size -64k ! -name '*.gz' -print0 |
        tar --null -T - -cJf -) >"$KIT/$name.small.tar.xz"
      for c in "${caches[@]}"; do xz -T0 -6 -c "$c" >"$KIT/$(basename "$c").xz"; done
      echo "device_data: $name ($(wc -l <"$KIT/$name.files") files), caches: ${caches[*]}"
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
      echo "device_data: $name: $(wc -l <"$list") placeholder files"
    done
    for c in "$KIT"/*.ffmwin.xz; do
      xz -dc "$c" >"$CACHE/$(basename "$c" .xz)"
      echo "device_data: cache $CACHE/$(basename "$c" .xz) restored"
    done
    ;;
  *)
    args_usage >&2
    exit 2
    ;;
esac
