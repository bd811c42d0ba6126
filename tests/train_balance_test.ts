// Balanced sampling across data sets and placements: each group drawn at the stated rate, seeded,
// windows uniform within a group; train() records the mode in its checkpoints; the CLI flag.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { train } from "../lib/train/run.ts";
import {
  BALANCE_MODES,
  balancedBatchIndices,
  balanceGroups,
  groupMembers,
} from "../lib/train/batches.ts";
import { TRAIN_DEFAULTS } from "../lib/train/defaults.ts";
import { runOptions } from "../cli/_run.ts";
import { UsageError } from "../cli/_common.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

/** Groups of 1000, 100 and 10 windows, interleaved in no particular order. */
function unevenGroups(): Int32Array {
  const g = new Int32Array(1110);
  for (let i = 0; i < 1110; i++) g[i] = i % 111 === 0 ? 2 : i % 11 === 0 ? 1 : 0;
  return g;
}

/** Share of draws per group over `steps` steps of `batch`. */
function shares(
  groups: Int32Array,
  steps: number,
  batch: number,
  seed: number,
  rates?: number[] | "sqrt",
) {
  const members = groupMembers(groups);
  const counts = new Float64Array(members.length);
  for (let s = 0; s < steps; s++) {
    for (const i of balancedBatchIndices(s, members, batch, seed, rates)) counts[groups[i]]++;
  }
  return Array.from(counts, (c) => c / (steps * batch));
}

Deno.test("balanced sampling: each group is drawn at the stated rate, whatever its size", () => {
  const groups = unevenGroups();
  const sizes = groupMembers(groups).map((m) => m.length);
  assert.deepEqual(sizes, [1000, 100, 10]);
  assert.ok(sizes[0] > 50 * sizes[2], `sizes ${sizes}`); // an unbalanced draw would see group 2 < 2 %
  // 400 steps of 32 = 12,800 draws: the SD of a share near 1/3 is 0.004; allow 0.02.
  for (const seed of [0, 1]) {
    for (const share of shares(groups, 400, 32, seed)) {
      assert.ok(Math.abs(share - 1 / 3) < 0.02, `share ${share} (seed ${seed})`);
    }
  }
  const rates = [0.5, 0.3, 0.2];
  shares(groups, 400, 32, 0, rates).forEach((share, g) => {
    assert.ok(Math.abs(share - rates[g]) < 0.02, `group ${g}: share ${share}, rate ${rates[g]}`);
  });
  // A group at rate 0 is never drawn.
  assert.equal(shares(groups, 50, 32, 0, [1, 1, 0])[2], 0);
});

Deno.test("balanced sampling, sqrt: each group at the square root of its size", () => {
  const groups = unevenGroups(); // 1000, 100 and 10 windows
  const root = [1000, 100, 10].map(Math.sqrt), total = root[0] + root[1] + root[2];
  // 0.706, 0.223 and 0.071 of the draws, against 0.901, 0.090 and 0.009 by count.
  shares(groups, 400, 32, 0, "sqrt").forEach((share, g) => {
    assert.ok(Math.abs(share - root[g] / total) < 0.02, `group ${g}: share ${share}`);
  });
  const members = groupMembers(groups);
  assert.deepEqual(
    balancedBatchIndices(3, members, 64, 1, "sqrt"),
    balancedBatchIndices(3, members, 64, 1, root),
  );
  // The modes: each grouping twice, equal and sqrt, grouped alike.
  assert.deepEqual(BALANCE_MODES.filter((m) => m.endsWith(":sqrt")), [
    "dataset:sqrt",
    "placement:sqrt",
    "dataset+placement:sqrt",
  ]);
  const meta = { datasetIndex: Int32Array.of(0, 1, 1), placementIndex: Int32Array.of(0, 0, 1) };
  for (const m of ["dataset", "placement", "dataset+placement"] as const) {
    assert.deepEqual(balanceGroups(meta, `${m}:sqrt`), balanceGroups(meta, m));
  }
});

Deno.test("balanced sampling: seeded by (seed, step), uniform within a group, checked inputs", () => {
  const groups = unevenGroups(), members = groupMembers(groups);
  assert.deepEqual(
    balancedBatchIndices(5, members, 64, 3),
    balancedBatchIndices(5, members, 64, 3),
  );
  assert.notDeepEqual(
    balancedBatchIndices(5, members, 64, 3),
    balancedBatchIndices(5, members, 64, 4),
  );
  assert.notDeepEqual(
    balancedBatchIndices(5, members, 64, 3),
    balancedBatchIndices(6, members, 64, 3),
  );
  // The 10 windows of group 2: each near a tenth of the group's draws.
  const per = new Map<number, number>();
  let total = 0;
  for (let s = 0; s < 300; s++) {
    for (const i of balancedBatchIndices(s, members, 32, 0)) {
      if (groups[i] === 2) per.set(i, (per.get(i) ?? 0) + 1), total++;
    }
  }
  assert.equal(per.size, 10);
  for (const [i, c] of per) {
    assert.ok(Math.abs(c / total - 0.1) < 0.03, `window ${i}: ${c}/${total}`);
  }
  assert.throws(() => groupMembers(Int32Array.of(0, 2)), /group 1 has no windows/);
  assert.throws(() => groupMembers(Int32Array.of(0, -1)), /window 1 has group -1/);
  assert.throws(() => balancedBatchIndices(0, members, 4, 0, [1, 1]), /need 3 rates/);
  assert.throws(() => balancedBatchIndices(0, members, 4, 0, [0, 0, 0]), /sum to 0/);
});

Deno.test("balance groups: by data set, by placement (unknown apart), by both", () => {
  const meta = {
    datasetIndex: Int32Array.of(0, 0, 0, 1, 1, 2),
    placementIndex: Int32Array.of(1, 1, 0, 1, -1, 0),
  };
  assert.deepEqual([...balanceGroups(meta, "none")], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...balanceGroups(meta, "dataset")], [0, 0, 0, 1, 1, 2]);
  assert.deepEqual([...balanceGroups(meta, "placement")], [0, 0, 1, 0, 2, 1]);
  assert.deepEqual([...balanceGroups(meta, "dataset+placement")], [0, 0, 1, 2, 3, 4]);
  assert.equal(TRAIN_DEFAULTS.balance, "none");
});

Deno.test("train: balance draws by group, is kept in the checkpoint and needs groups", async () => {
  const before = tf.memory().numTensors;
  const count = 12;
  const windows = { data: syntheticWindows(count, 5), count, groups: new Int32Array(count) };
  windows.groups.fill(1, 10); // groups of 10 and 2 windows
  const model = new FlowFM(presetConfig("tiny", { seed: 3 }));
  let saved: Uint8Array = new Uint8Array();
  try {
    const r = await train(model, windows, { steps: 2, batch: 4, balance: "dataset" }, {
      onCheckpoint: (b) => {
        saved = b;
      },
    });
    assert.equal(r.config.balance, "dataset");
    let sqrtSaved: Uint8Array = new Uint8Array();
    const balance = "dataset:sqrt";
    await train(model, windows, { steps: 1, batch: 4, balance }, {
      onCheckpoint: (b) => void (sqrtSaved = b),
    });
    const sqrt = loadCheckpoint(sqrtSaved, "memory");
    assert.equal(sqrt.state.config.balance, "dataset:sqrt");
    sqrt.model.dispose();
    await assert.rejects(
      () =>
        train(model, { data: windows.data, count }, { steps: 1, batch: 4, balance: "placement" }),
      /balance "placement" needs a group per window/,
    );
    await assert.rejects(
      () => train(model, windows, { steps: 1, batch: 4, balance: "dataset", motionWeighted: true }),
      /two samplers/,
    );
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      () => train(model, windows, { steps: 1, batch: 4, balance: "subject" as any }),
      /options\.balance must be one of none, dataset, dataset:sqrt, placement, placement:sqrt, /,
    );
  } finally {
    model.dispose();
  }
  const { model: back, state } = loadCheckpoint(saved, "memory");
  assert.equal(state.config.balance, "dataset");
  back.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("cli/train: --balance sets the mode, checks it, and a resume that changes it fails", async () => {
  assert.equal(runOptions({}).balance, "none");
  assert.equal(runOptions({ balance: "placement" }).balance, "placement");
  assert.equal(runOptions({ balance: "dataset:sqrt" }).balance, "dataset:sqrt");
  assert.throws(() => runOptions({ balance: "dataset:log" }), /--balance/);
  assert.throws(() => runOptions({ balance: "subject" }), UsageError);
  assert.throws(
    () => runOptions({ balance: "dataset", "motion-weighted": true }),
    /--balance and --motion-weighted/,
  );
  const model = new FlowFM(presetConfig("tiny", { seed: 3 }));
  try {
    const count = 8;
    let saved: Uint8Array = new Uint8Array();
    await train(model, { data: syntheticWindows(count, 1), count, groups: new Int32Array(count) }, {
      steps: 1,
      batch: 4,
      balance: "dataset",
    }, { onCheckpoint: (b) => void (saved = b) });
    const resumed = loadCheckpoint(saved, "run/checkpoint.safetensors");
    try {
      const path = "run/checkpoint.safetensors";
      assert.throws(
        () => runOptions({ balance: "placement" }, { ...resumed, path }),
        /--balance placement \(the checkpoint has dataset\)/,
      );
      assert.equal(runOptions({ balance: "dataset" }, { ...resumed, path }).balance, undefined);
    } finally {
      resumed.model.dispose();
    }
  } finally {
    model.dispose();
  }
});
