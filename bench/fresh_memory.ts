// deno run -A bench/fresh_memory.ts [--mb 12] [--rounds 5]
// Times filling a newly allocated Float32Array against refilling the same array, the cost of first
// touches of fresh memory. On the project's 2-core VM (Firecracker, freed pages handed back to the
// host) the first fill of 12 MB took 38-50 ms and a refill 0.5 ms: why the data-parallel trainer
// shares memory with its workers and lib/model/copy_kernels.ts avoids tfjs's wasm Slice.
import { scriptArgs } from "./_args.ts";

const { values } = scriptArgs(import.meta.url, {
  mb: { type: "string", default: "12" },
  rounds: { type: "string", default: "5" },
});
const n = Math.round((Number(values.mb) * 2 ** 20) / 4);
for (let r = 0; r < Number(values.rounds); r++) {
  const a = new Float32Array(n);
  const t0 = performance.now();
  a.fill(1);
  const t1 = performance.now();
  a.fill(2);
  const t2 = performance.now();
  console.log(
    JSON.stringify({ mb: Number(values.mb), firstFillMs: t1 - t0, refillMs: t2 - t1 }),
  );
}
