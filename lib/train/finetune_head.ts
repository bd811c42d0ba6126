/**
 * The pieces of fine-tuning shared by the main thread and the training workers: the parameter
 * store (MLP head `z -> hidden -> ReLU -> classes` plus the encoder's variables), the head's
 * forward pass, and the class-weighted cross-entropy loss and gradients of a batch or of one
 * shard of it ({@link finetuneGradients}).
 *
 * @module
 */
import { AUX_PREFIX } from "../model/aux_heads.ts";
import * as tf from "@tensorflow/tfjs-core";
import { applyMatrices } from "./augment.ts";
import type { FlowFM } from "../model/flowfm.ts";
import type { NormMode } from "../model/encoder.ts";
import { Params } from "../model/params.ts";
import type { Rng } from "../random.ts";
import { weightedCrossEntropy } from "./cross_entropy.ts";

/** Names of the head's weights, in the order they are created and travel to workers. */
export const HEAD_PARAMS: readonly string[] = [
  "head.fc1.w",
  "head.fc1.b",
  "head.fc2.w",
  "head.fc2.b",
];

/**
 * A store holding a new head (drawn from `rng`) and the encoder's variables (still owned by
 * `model`), so one Adam updates both and snapshots cover the batch-norm running statistics.
 *
 * @param model The model being fine-tuned.
 * @param rng Draws the head's initial weights.
 * @param hidden Width of the head's hidden layer.
 * @param classes Number of classes.
 * @returns The store; dispose only the {@link HEAD_PARAMS} in it (the rest are the model's).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { Rng } from "../random.ts";
 * import { finetuneStore, HEAD_PARAMS } from "./finetune_head.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const store = finetuneStore(model, new Rng(0), 8, 3);
 * assert.deepEqual(store.get("head.fc2.w").shape, [8, 3]);
 * for (const n of HEAD_PARAMS) store.get(n).dispose();
 * model.dispose();
 * ```
 */
export function finetuneStore(model: FlowFM, rng: Rng, hidden: number, classes: number): Params {
  const store = new Params(rng), dim = model.embeddingDim;
  store.create("head.fc1.w", [dim, hidden], { kind: "uniform", fanIn: dim });
  store.create("head.fc1.b", [hidden], { kind: "uniform", fanIn: dim });
  store.create("head.fc2.w", [hidden, classes], { kind: "uniform", fanIn: hidden });
  store.create("head.fc2.b", [classes], { kind: "uniform", fanIn: hidden });
  for (const [name, v] of model.params.vars) {
    if (!name.startsWith("encoder.")) continue;
    store.vars.set(name, v);
    // the auxiliary tasks' heads (pretraining only) stay as they are
    if (model.params.trainable.has(name) && !name.startsWith(AUX_PREFIX)) store.trainable.add(name);
  }
  return store;
}

/**
 * The head's logits.
 *
 * @param store A store from {@link finetuneStore}.
 * @param z Embeddings `[batch, embeddingDim]`.
 * @returns Logits `[batch, classes]`.
 */
export function headForward(store: Params, z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const h = tf.relu(
      tf.add(tf.matMul(z, store.get("head.fc1.w") as tf.Tensor2D), store.get("head.fc1.b")),
    );
    return tf.add(
      tf.matMul(h as tf.Tensor2D, store.get("head.fc2.w") as tf.Tensor2D),
      store.get("head.fc2.b"),
    );
  });
}

/** A fine-tuning step's augmentation, drawn for the whole batch on the main thread. */
export interface FinetuneDraws {
  /** Row-major 3x3 view matrices, 9 per window, or `null` without augmentation. */
  aug: Float32Array | null;
  /** Gaussian jitter `[n, windowLength, channels]` flat, or `null` (only with `aug`). */
  noise: Float32Array | null;
}

/** Options of {@link finetuneGradients}. */
export interface FinetuneGradientOptions {
  /**
   * Factor on loss and gradients: the shard's share of the batch's total class weight, so the
   * shards' sums are the batch's weighted mean.
   * @default {1}
   */
  weight?: number;
  /**
   * Encoder batch norm: `"train"` (shard statistics, running statistics updated) or `"eval"`.
   * @default {"train"}
   */
  norm?: NormMode;
}

/**
 * Class-weighted cross-entropy of `x` (clipped windows, then augmented) and its gradients with
 * respect to every trainable variable of `store`.
 *
 * @param model The model whose encoder `store` holds.
 * @param store A store from {@link finetuneStore}.
 * @param x Windows `[n, windowLength, channels]`, flat, clipped.
 * @param y Class index of each window.
 * @param classWeights One weight per class.
 * @param draws Augmentation for exactly these `n` windows.
 * @param options Weight and norm mode.
 * @returns The weighted loss and the gradients by store name (caller disposes both).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { Rng } from "../random.ts";
 * import { finetuneGradients, finetuneStore, HEAD_PARAMS } from "./finetune_head.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const store = finetuneStore(model, new Rng(0), 8, 2);
 * const { value, grads } = finetuneGradients(model, store, new Float32Array(2 * 900),
 *   Int32Array.from([0, 1]), Float32Array.of(1, 1), { aug: null, noise: null });
 * assert.equal(grads.size, store.trainable.size);
 * tf.dispose([value, ...grads.values()]);
 * for (const n of HEAD_PARAMS) store.get(n).dispose();
 * model.dispose();
 * ```
 */
export function finetuneGradients(
  model: FlowFM,
  store: Params,
  x: Float32Array,
  y: Int32Array,
  classWeights: Float32Array,
  draws: FinetuneDraws,
  options: FinetuneGradientOptions = {},
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const { windowLength: len, channels: ch, clip } = model.config;
  const n = y.length, weight = options.weight ?? 1, norm = options.norm ?? "train";
  if (x.length !== n * len * ch) {
    throw new Error(`finetuneGradients: ${x.length} values for ${n} windows of [${len}, ${ch}]`);
  }
  const names = [...store.trainable];
  const vars = names.map((k) => store.get(k));
  const byTfName = new Map(vars.map((v, i) => [v.name, names[i]]));
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(() => {
      let xt = tf.tensor3d(x, [n, len, ch]);
      if (draws.aug) {
        const moved = applyMatrices(xt, draws.aug);
        xt = tf.clipByValue(
          draws.noise ? tf.add(moved, tf.tensor3d(draws.noise, [n, len, ch])) : moved,
          -clip,
          clip,
        ) as tf.Tensor3D;
      }
      const loss = weightedCrossEntropy(headForward(store, model.embed(xt, norm)), y, classWeights);
      return weight === 1 ? loss : tf.mul(loss, weight) as tf.Scalar;
    }, vars)
  );
  const named = new Map<string, tf.Tensor>();
  for (const [tfName, g] of Object.entries(grads)) named.set(byTfName.get(tfName)!, g);
  return { value, grads: named };
}
