// deno run -A studies/z_usage.ts WEIGHTS [--count N] [--steps N]
// Does the generator use z? Reconstruction error of held-out uci-hapt windows with their own z
// against shuffled z (same noise). A ratio near 1 means z is ignored.
import { initBackend } from "../lib/runtime/backend.ts";
import { conditioningGap } from "../lib/metrics/generative_quality.ts";
import { OBJECTIVES } from "../lib/flow/objective.ts";
import { gatherWindows } from "../lib/data/window_set.ts";
import { loadModel } from "../lib/weights/load.ts";
import { Rng } from "../lib/random.ts";
import { numberFlag, parseFlags, runMain, UsageError } from "../cli/_common.ts";
import { DATA_OPTIONS, loadWindows } from "../cli/_data.ts";

const HELP =
  "Usage: deno run -A studies/z_usage.ts WEIGHTS [--count 64] [--steps 10] [--dataset uci-hapt]";

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, {
    ...DATA_OPTIONS,
    count: { type: "string" },
    steps: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("give one weights file");
  const count = numberFlag(values, "count", 64, { min: 2, integer: true });
  const steps = numberFlag(values, "steps", 10, { min: 1, integer: true });
  await initBackend("wasm");
  const { set, description } = await loadWindows({ dataset: "uci-hapt", ...values }, [], {
    labelPolicy: "ignore",
  });
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

if (import.meta.main) await runMain(main, HELP);
