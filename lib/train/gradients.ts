/**
 * The gradient half of a training step, shared by the single-process {@link Trainer} and the
 * data-parallel workers: the random draws of a step ({@link drawStep}), the loss and gradients of
 * a batch or of one shard of it ({@link batchGradients}). The global-norm clip is in
 * `./clip.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Scalar, Tensor } from "../tensors.ts";
import { applyMatrices, augmentMatrices, type AugmentOptions } from "./augment.ts";
import type { ObjectiveSpec } from "../flow/objective.ts";
import type { TimeSampling } from "../flow/path.ts";
import type { FlowFM } from "../model/flowfm.ts";
import type { NormMode } from "../model/encoder.ts";
import type { Rng } from "../random.ts";
import { type AuxDraws, drawAuxTasks } from "./aux_tasks.ts";
import { auxTaskLoss } from "../model/aux_heads.ts";

/** Everything random in one step, drawn for the whole batch so that any split gives the same. */
export interface StepDraws {
  /** Standard normal noise, `[n, windowLength, channels]` flat. */
  noise: Float32Array;
  /** The objective's times (flow matching) or steps (DDPM), one per window. */
  times: Float32Array;
  /** Row-major 3x3 view matrices, 9 per window, or `null` without augmentation. */
  aug: Float32Array | null;
  /**
   * The windows the encoder sees, `[n, windowLength, channels]` flat, when they differ from the
   * ones the generator rebuilds (a time-shifted view); absent or `null`: the batch itself.
   */
  source?: Float32Array | null;
  /**
   * The auxiliary tasks' transformed copies of the encoder's windows and their labels, when the
   * model has the tasks (`encoder.auxTasks > 0`); absent or `null` otherwise.
   */
  aux?: AuxDraws | null;
}

/**
 * Draws a step's noise, times, view matrices and, with `augment.jitter`, the encoder's source
 * with Gaussian noise added, in that order, from `rng`.
 *
 * @param rng The run's generator (advanced).
 * @param n Windows in the batch.
 * @param per Values per window (`windowLength * channels`).
 * @param objective The objective, which draws the times.
 * @param timeSampling How flow times are drawn.
 * @param augment View augmentation, or `null`.
 * @param batch The encoder's source windows (`[n, length, 3]` row-major): needed only for
 *   rotations about the gravity direction, for jitter and for the auxiliary tasks.
 * @param auxShape `[length, channels]` of a window to draw the auxiliary tasks (last, so runs
 *   without them draw the same as before); absent: none.
 * @returns The draws.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectiveSpec } from "../flow/objective.ts";
 * import { Rng } from "../random.ts";
 * import { drawStep } from "./gradients.ts";
 * const d = drawStep(new Rng(0), 4, 900, objectiveSpec("fm"), "uniform", null);
 * assert.equal(d.noise.length, 3600);
 * assert.equal(d.times.length, 4);
 * assert.equal(d.aug, null);
 * const j = drawStep(new Rng(0), 4, 900, objectiveSpec("fm"), "uniform", { jitter: 0.1 }, new Float32Array(3600));
 * assert.equal(j.source!.length, 3600);
 * ```
 */
export function drawStep(
  rng: Rng,
  n: number,
  per: number,
  objective: ObjectiveSpec,
  timeSampling: TimeSampling,
  augment: AugmentOptions | null,
  batch?: Float32Array,
  auxShape?: [number, number],
): StepDraws {
  const noise = rng.normals(n * per);
  const times = objective.drawTimes(rng, n, timeSampling);
  const aug = augment ? augmentMatrices(rng, n, augment, batch) : null;
  const need = (what: string) => {
    if (!batch || batch.length !== n * per) {
      throw new Error(
        `drawStep: ${what} needs the batch's ${n * per} values, got ${batch?.length ?? "none"}`,
      );
    }
    return batch;
  };
  let source: Float32Array | undefined;
  if (augment?.jitter) {
    const b = need("jitter");
    source = rng.normals(n * per);
    for (let i = 0; i < source.length; i++) source[i] = b[i] + augment.jitter * source[i];
  }
  const aux = auxShape
    ? drawAuxTasks(rng, source ?? need("the auxiliary tasks"), auxShape[0], auxShape[1])
    : null;
  return { noise, times, aug, ...(source ? { source } : {}), ...(aux ? { aux } : {}) };
}

/** Options of {@link batchGradients}. */
export interface BatchGradientOptions {
  /**
   * Micro-batch size (gradients accumulated); `0` = the whole batch at once.
   * @default {0}
   */
  microBatch?: number;
  /**
   * Factor on loss and gradients: a shard's share of the whole batch (`m / n`), so the shards'
   * sums are the batch mean.
   * @default {1}
   */
  weight?: number;
  /**
   * Encoder batch norm: `"train"` (batch statistics, running statistics updated) or `"eval"`
   * (frozen running statistics; then shard gradients sum exactly to the batch gradient).
   * @default {"train"}
   */
  norm?: NormMode;
}

/** Loss and gradients of a batch. Dispose both. */
export interface BatchGradients {
  /** The weighted loss, a scalar tensor. */
  value: Scalar;
  /** Gradients by parameter name (the model's `params` keys), trainable parameters only. */
  grads: Map<string, Tensor>;
}

/** Turns tfjs-backend-wasm's out-of-memory crash into an error that says what to do. */
function explainWasmOom(e: unknown, n: number, micro: number): unknown {
  if (
    e instanceof Error &&
    /memory access out of bounds|Out of memory|Cannot enlarge memory/i.test(e.message)
  ) {
    return new Error(
      `train step: the backend ran out of memory on ${micro} windows at once (batch ${n}); ` +
        `use micro-batches (microBatch / --micro-batch ${
          Math.max(1, Math.floor(micro / 2))
        }) or a smaller batch`,
    );
  }
  return e;
}

/**
 * The objective's loss on `batch` and its gradients with respect to every trainable parameter.
 *
 * @param model The model (batch-norm running statistics are updated in `"train"` mode).
 * @param objective The objective.
 * @param batch Windows `[n, windowLength, channels]`, flat.
 * @param draws The step's draws for exactly these `n` windows.
 * @param options Micro-batching, weight and norm mode.
 * @returns Loss and gradients (caller disposes).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { objectiveSpec } from "../flow/objective.ts";
 * import { Rng } from "../random.ts";
 * import { batchGradients, drawStep } from "./gradients.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const fm = objectiveSpec("fm");
 * const draws = drawStep(new Rng(1), 2, 900, fm, "uniform", null);
 * const { value, grads } = batchGradients(model, fm, new Float32Array(1800), draws);
 * assert.equal(grads.size, model.params.trainable.size);
 * value.dispose(); for (const g of grads.values()) g.dispose(); model.dispose();
 * ```
 */
export function batchGradients(
  model: FlowFM,
  objective: ObjectiveSpec,
  batch: Float32Array,
  draws: StepDraws,
  options: BatchGradientOptions = {},
): BatchGradients {
  const { windowLength: len, channels: ch } = model.config;
  const per = len * ch, n = batch.length / per;
  if (!Number.isInteger(n) || n < 1 || draws.times.length !== n) {
    throw new Error(
      `batchGradients: ${batch.length} values do not make whole [${len}, ${ch}] windows, ` +
        `or do not match the ${draws.times.length} drawn times`,
    );
  }
  if (draws.source && draws.source.length !== batch.length) {
    throw new Error(
      `batchGradients: the encoder's source holds ${draws.source.length} values, the batch ${batch.length}`,
    );
  }
  const weight = options.weight ?? 1, norm = options.norm ?? "train";
  const auxWeight = model.config.encoder.auxTasks ?? 0;
  if (auxWeight > 0 !== !!draws.aux) {
    throw new Error(
      `batchGradients: the model's auxiliary-task weight is ${auxWeight} but the draws ` +
        `${draws.aux ? "have" : "lack"} the tasks' windows`,
    );
  }
  const trainable = [...model.params.trainable];
  const vars = trainable.map((k) => model.params.get(k));
  const names = new Map(vars.map((v, i) => [v.name, trainable[i]]));
  const net = norm === "train" ? model : {
    embed: (x: tf.Tensor3D) => model.embed(x, norm),
    velocity: model.velocity.bind(model),
  } as unknown as FlowFM;
  const micro = Math.min(n, options.microBatch || n);
  const chunk = (start: number, m: number) =>
    tf.tidy(() => {
      const rows = (a: Float32Array) =>
        tf.tensor3d(a.subarray(start * per, (start + m) * per), [m, len, ch]);
      // the step's view matrices of these windows, when there are any
      const rotate = (t: tf.Tensor3D) =>
        draws.aug ? applyMatrices(t, draws.aug.subarray(start * 9, (start + m) * 9)) : t;
      const x1 = rows(batch), noise = rows(draws.noise);
      const times = draws.times.subarray(start, start + m);
      const src = draws.source ? rows(draws.source) : x1;
      const view = draws.aug || draws.source ? rotate(src) : undefined;
      const loss = () => {
        const main = objective.loss(net, { data: x1, noise, times, view });
        if (!draws.aux) return main;
        const z = model.embed(rotate(rows(draws.aux.x)), norm); // the tasks' copies, same view
        const labels = tf.tensor2d(draws.aux.labels.subarray(start * 3, (start + m) * 3), [m, 3]);
        return tf.add(main, tf.mul(auxTaskLoss(model.params, z, labels), auxWeight)) as Scalar;
      };
      const r = tf.variableGrads(loss, vars);
      // Weight each micro-batch by its share, so the sum is the (weighted) batch mean.
      const f = (m / n) * weight;
      return f === 1 ? r : {
        value: tf.mul(r.value, f) as tf.Scalar,
        grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, tf.mul(g, f)])),
      };
    });
  let value: tf.Scalar | undefined, grads: Record<string, tf.Tensor> = {};
  try {
    ({ value, grads } = chunk(0, micro));
    for (let start = micro; start < n; start += micro) {
      const next = chunk(start, Math.min(micro, n - start));
      const summed = tf.tidy(() => ({
        value: tf.add(value!, next.value) as tf.Scalar,
        grads: Object.fromEntries(
          Object.entries(grads).map(([k, g]) => [k, tf.add(g, next.grads[k])]),
        ),
      }));
      tf.dispose([value!, next.value, ...Object.values(grads), ...Object.values(next.grads)]);
      ({ value, grads } = summed);
    }
  } catch (e) {
    tf.dispose([...(value ? [value] : []), ...Object.values(grads)]);
    throw explainWasmOom(e, n, micro);
  }
  const named = new Map<string, tf.Tensor>();
  for (const [tfName, g] of Object.entries(grads)) named.set(names.get(tfName)!, g);
  return { value: value!, grads: named };
}
