/**
 * The batch schedule of a training run: every epoch a fresh permutation of the windows, drawn from
 * a generator seeded by the run's seed and the epoch, so step `s` of a run always sees the same
 * windows, whether the run was interrupted or not.
 *
 * @module
 */
import { Rng } from "../random.ts";

/** What fixes a run's batch schedule; stored in checkpoints. */
export interface BatchSchedule {
  /** Windows per step as asked for (a run on fewer windows uses all of them). */
  batch: number;
  /** Seed of the per-epoch permutations. */
  seed: number;
  /** Steps of the whole run. */
  totalSteps: number;
  /** Windows in the data set the run started on. */
  windows: number;
}

/**
 * Indices of the windows of step `step` (0-based): position `step % perEpoch` of the seeded
 * permutation of epoch `floor(step / perEpoch)`, with `perEpoch = floor(count / batch)`.
 *
 * @param step Steps already taken.
 * @param count Windows in the data set.
 * @param batch Windows per step (at most `count`).
 * @param seed The run's seed.
 * @returns `batch` distinct window indices (a view of the epoch's permutation).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchIndices } from "./batches.ts";
 * const epoch = [0, 1, 2].flatMap((s) => [...batchIndices(s, 7, 2, 0)]);
 * assert.equal(new Set(epoch).size, 6); // no window twice within an epoch
 * assert.deepEqual(batchIndices(4, 7, 2, 0), batchIndices(4, 7, 2, 0));
 * ```
 */
export function batchIndices(step: number, count: number, batch: number, seed: number): Int32Array {
  if (!(batch >= 1 && batch <= count)) {
    throw new RangeError(`batchIndices: batch ${batch} must be in [1, ${count}]`);
  }
  const perEpoch = Math.floor(count / batch);
  const epoch = Math.floor(step / perEpoch), pos = step % perEpoch;
  const perm = new Rng(seed * 7919 + epoch + 1).permutation(count);
  return perm.subarray(pos * batch, (pos + 1) * batch);
}

/**
 * Steps that `epochs` passes over `count` windows take (a partial last batch is dropped).
 *
 * @param epochs Passes over the data.
 * @param count Windows in the data set.
 * @param batch Windows per step as asked for (capped at `count`).
 * @returns The number of steps.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepsForEpochs } from "./batches.ts";
 * assert.equal(stepsForEpochs(2, 100, 32), 6);
 * assert.equal(stepsForEpochs(1, 10, 32), 1);
 * ```
 */
export function stepsForEpochs(epochs: number, count: number, batch: number): number {
  return epochs * Math.floor(count / Math.min(batch, count));
}

/** Floor of a window's motion score in g, so that still windows are drawn now and then. */
const MOTION_FLOOR = 0.01;

/**
 * Motion scores for motion-weighted sampling (after SSL-Wearables, which samples pretraining
 * windows in proportion to their motion): the standard deviation of each window's vector
 * magnitude `|a|` in g, floored at 0.01 g.
 *
 * @param data Windows `[count, length, channels]`, row-major, in g.
 * @param count Number of windows.
 * @param channels Channels per sample (3).
 * @returns The cumulative scores (length `count`), ready for {@link weightedBatchIndices}.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { motionCumulative } from "./batches.ts";
 * const still = new Float32Array(300 * 3).fill(0.5);
 * const moving = still.map((v, i) => v + Math.sin(i));
 * const c = motionCumulative(Float32Array.of(...still, ...moving), 2, 3);
 * assert.ok(c[1] - c[0] > 10 * c[0]);
 * ```
 */
export function motionCumulative(
  data: Float32Array,
  count: number,
  channels: number,
): Float64Array {
  const len = data.length / (count * channels);
  if (!Number.isInteger(len) || len < 2) {
    throw new RangeError(
      `motionCumulative: ${data.length} values are not ${count} windows of ${channels} channels`,
    );
  }
  const out = new Float64Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    let s = 0, s2 = 0;
    for (let t = 0, o = i * len * channels; t < len; t++, o += channels) {
      let m = 0;
      for (let c = 0; c < channels; c++) m += data[o + c] * data[o + c];
      m = Math.sqrt(m);
      s += m, s2 += m * m;
    }
    const mean = s / len, sd = Math.sqrt(Math.max(0, s2 / len - mean * mean));
    total += Math.max(MOTION_FLOOR, Number.isFinite(sd) ? sd : MOTION_FLOOR);
    out[i] = total;
  }
  return out;
}

/**
 * The windows of step `step` when windows are drawn with replacement in proportion to weights:
 * a function of `(step, seed)` only, so a resumed run draws the same batches.
 *
 * @param step 0-based step.
 * @param cumulative Cumulative weights (from {@link motionCumulative}), increasing.
 * @param batch Windows per step.
 * @param seed The run's seed.
 * @returns `batch` window indices.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { weightedBatchIndices } from "./batches.ts";
 * const idx = weightedBatchIndices(0, Float64Array.of(0, 0, 1), 8, 0);
 * assert.ok(idx.every((i) => i === 2));
 * ```
 */
export function weightedBatchIndices(
  step: number,
  cumulative: Float64Array,
  batch: number,
  seed: number,
): Int32Array {
  const n = cumulative.length, total = cumulative[n - 1];
  if (!(batch >= 1) || n < 1 || !(total > 0)) {
    throw new RangeError(
      `weightedBatchIndices: batch ${batch} from ${n} windows of total weight ${total}`,
    );
  }
  const rng = new Rng(seed * 6271 + step * 2 + 1);
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const u = rng.uniform() * total;
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    out[b] = lo;
  }
  return out;
}

/** How `train` balances its batches: not at all, or by data set, by placement, or by data set and
 * placement pair: equal shares per group, or with `:sqrt` shares in proportion to the square root
 * of each group's window count (large groups still lead, tiny ones no longer take a full share). */
export type BalanceMode =
  | "none"
  | `${"dataset" | "placement" | "dataset+placement"}${"" | ":sqrt"}`;

/** Every {@link BalanceMode}, in the order the CLI lists them. */
export const BALANCE_MODES: readonly BalanceMode[] = Object.freeze<BalanceMode[]>(
  ["none", "dataset", "placement", "dataset+placement"].flatMap((g) =>
    g === "none" ? [g] : [g, `${g}:sqrt`]
  ) as BalanceMode[],
);

/**
 * The group of each window for a {@link BalanceMode}: its data set, its placement (an unknown
 * placement, -1, is a group of its own), or the pair (`:sqrt` groups alike); all 0 for `"none"`.
 *
 * @param meta Data set and placement index of each window (`loadDatasets` gives them).
 * @param mode How to group.
 * @returns Group index of each window, 0-based and dense (groups numbered by first appearance).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { balanceGroups } from "./batches.ts";
 * const meta = { datasetIndex: Int32Array.of(0, 0, 1, 1), placementIndex: Int32Array.of(2, -1, 2, 2) };
 * assert.deepEqual([...balanceGroups(meta, "dataset")], [0, 0, 1, 1]);
 * assert.deepEqual([...balanceGroups(meta, "placement")], [0, 1, 0, 0]);
 * assert.deepEqual([...balanceGroups(meta, "dataset+placement")], [0, 1, 2, 2]);
 * ```
 */
export function balanceGroups(
  meta: { datasetIndex: ArrayLike<number>; placementIndex: ArrayLike<number> },
  mode: BalanceMode,
): Int32Array {
  const n = meta.datasetIndex.length, out = new Int32Array(n), by = mode.replace(/:sqrt$/, "");
  if (by === "none") return out;
  const ids = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const key = by === "dataset"
      ? `${meta.datasetIndex[i]}`
      : by === "placement"
      ? `${meta.placementIndex[i]}`
      : `${meta.datasetIndex[i]}/${meta.placementIndex[i]}`;
    let g = ids.get(key);
    if (g === undefined) ids.set(key, g = ids.size);
    out[i] = g;
  }
  return out;
}

/**
 * The windows of each group, for {@link balancedBatchIndices}.
 *
 * @param groups Group index (>= 0) of each window.
 * @returns One list of window indices per group `0..max(groups)`, in window order.
 * @throws {RangeError} On a negative or non-integer group, or a group without windows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { groupMembers } from "./batches.ts";
 * assert.deepEqual(groupMembers(Int32Array.of(1, 0, 1)).map((g) => [...g]), [[1], [0, 2]]);
 * ```
 */
export function groupMembers(groups: ArrayLike<number>): Int32Array[] {
  let k = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (!(Number.isInteger(g) && g >= 0)) {
      throw new RangeError(`groupMembers: window ${i} has group ${g}, expected an integer >= 0`);
    }
    k = Math.max(k, g + 1);
  }
  const counts = new Int32Array(k);
  for (let i = 0; i < groups.length; i++) counts[groups[i]]++;
  const empty = counts.findIndex((c) => c === 0);
  if (empty >= 0) throw new RangeError(`groupMembers: group ${empty} has no windows`);
  const out = Array.from(counts, (c) => new Int32Array(c)), at = new Int32Array(k);
  for (let i = 0; i < groups.length; i++) out[groups[i]][at[groups[i]]++] = i;
  return out;
}

/**
 * The windows of step `step` when groups (data sets, placements) are balanced: each of the
 * `batch` draws picks a group with probability `rates[g]` (equal rates by default; `"sqrt"`: the
 * square root of the group's window count), then a window of that group uniformly, with
 * replacement. A function of `(step, seed)` only, so a resumed run draws the same batches.
 *
 * @param step 0-based step.
 * @param members Window indices of each group ({@link groupMembers}).
 * @param batch Windows per step.
 * @param seed The run's seed.
 * @param rates Share of draws per group (normalised; equal when omitted), or `"sqrt"`.
 * @returns `batch` window indices.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { balancedBatchIndices } from "./batches.ts";
 * const members = [Int32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8), Int32Array.of(9)];
 * const idx = balancedBatchIndices(0, members, 1000, 0);
 * const rare = idx.filter((i) => i === 9).length;
 * assert.ok(rare > 400 && rare < 600); // one window in ten, drawn half the time
 * ```
 */
export function balancedBatchIndices(
  step: number,
  members: readonly Int32Array[],
  batch: number,
  seed: number,
  rates?: ArrayLike<number> | "sqrt",
): Int32Array {
  const k = members.length;
  if (!(batch >= 1) || k < 1 || members.some((m) => m.length === 0)) {
    throw new RangeError(`balancedBatchIndices: batch ${batch} from ${k} groups, each non-empty`);
  }
  const r = rates === "sqrt" ? members.map((m) => Math.sqrt(m.length)) : rates;
  if (r && (r.length !== k || !Array.from(r).every((x) => x >= 0))) {
    throw new RangeError(`balancedBatchIndices: need ${k} rates >= 0, got ${Array.from(r)}`);
  }
  const cum = new Float64Array(k);
  for (let g = 0, t = 0; g < k; g++) cum[g] = t += r ? r[g] : 1;
  if (!(cum[k - 1] > 0)) throw new RangeError("balancedBatchIndices: the rates sum to 0");
  const rng = new Rng(seed * 4099 + step * 2 + 1);
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const u = rng.uniform() * cum[k - 1];
    let g = 0;
    while (g < k - 1 && cum[g] <= u) g++;
    const m = members[g];
    out[b] = m[Math.min(m.length - 1, Math.floor(rng.uniform() * m.length))];
  }
  return out;
}
