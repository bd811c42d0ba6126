// deno run -A bench/datasets.ts [ROOT] [NAME,NAME...]
// Parses the public data sets in ../shared/data (no cache) and prints, per data set and label
// policy, the windows produced and dropped and the parse throughput in rows per second.
import { scriptArgs } from "./_args.ts";
import { DATASET_NAMES, loadDataset } from "../lib/io/mod.ts";
import type { LabelPolicy } from "../lib/data/windower.ts";

const { positionals } = scriptArgs(import.meta.url, {});
const root = positionals[0] ?? "../shared/data";
for (
  const name of positionals[1] ? positionals[1].split(",") as typeof DATASET_NAMES : DATASET_NAMES
) {
  for (const labelPolicy of ["drop-mixed", "ignore"] as LabelPolicy[]) {
    const t0 = performance.now();
    const ds = await loadDataset(name, `${root}/${name}`, { labelPolicy, cacheDir: null });
    const s = (performance.now() - t0) / 1000;
    const st = ds.stats;
    console.log(
      `${name} (${labelPolicy}): ${ds.count} windows (${st.labelledWindows} labelled, ${st.unlabelledWindows} unlabelled), ` +
        `dropped ${st.dropped.mixedLabel} spanning two labels and ${st.dropped.nan} with NaN, ${st.shortSegments} segments too short; ` +
        `${st.rows} rows in ${s.toFixed(2)} s = ${Math.round(st.rows / s)} rows/s`,
    );
  }
}
