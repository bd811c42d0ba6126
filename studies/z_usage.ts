// deno run -A studies/z_usage.ts WEIGHTS [--count 64] [--steps 10] [--dataset uci-hapt]
// Does the generator use z? Reconstruction error of held-out uci-hapt windows with their own z
// against shuffled z (same noise). A ratio near 1 means z is ignored.
import { initBackend } from "../lib/runtime/backend.ts";
import { conditioningGap } from "../lib/metrics/generative_quality.ts";
import { OBJECTIVES } from "../lib/flow/objective.ts";
import { gatherWindows } from "../lib/data/window_set.ts";
import { loadModel } from "../lib/weights/load.ts";
import { Rng } from "../lib/random.ts";
import { DATA_OPTIONS, loadWindows } from "../cli/_data.ts";
import { scriptArgs, usageFail } from "../bench/_args.ts";

// Data flags as the CLI's (--dataset, --data-root, ...; default --dataset uci-hapt).
const { values, positionals, num } = scriptArgs(import.meta.url, {
  ...DATA_OPTIONS,
  count: { type: "string", default: "64" },
  steps: { type: "string", default: "10" },
});

async function main(): Promise<void> {
  if (positionals.length !== 1) usageFail(import.meta.url, "give one weights file");
  const count = num("count", { min: 2, integer: true });
  const steps = num("steps", { min: 1, integer: true });
  await initBackend("wasm");
  const { set, description } = await loadWindows(
    { ...values, dataset: values.dataset ?? "uci-hapt" },
    [],
    {
      labelPolicy: "ignore",
    },
  );
  const idx = new Rng(5).permutation(set.count).subarray(0, count);
  const real = gatherWindows(set.data, idx);
  const model = await loadModel(positionals[0]);
  const r = await conditioningGap(model, real, {
    method: OBJECTIVES[model.config.objective].defaultMethod,
    steps,
    seed: 1,
  });
  console.log(JSON.stringify({ weights: positionals[0], data: description, count, steps, ...r }));
  model.dispose();
}

if (import.meta.main) await main();
