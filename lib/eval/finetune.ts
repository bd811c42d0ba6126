/**
 * Fine-tuning of all encoder layers with an MLP head (`z -> hidden -> ReLU -> classes`): Adam,
 * class-inverse-frequency weighted cross-entropy, batch norm on batch statistics while training,
 * early stopping on the validation loss (checked every epoch, with patience; the best encoder
 * and head weights, batch-norm running statistics included, are restored at the end).
 *
 * Every call builds a fresh model from the weights bytes, so the caller's model is never
 * modified. Optional augmentation: a small rotation and scaling (see `lib/augment.ts`) plus
 * Gaussian jitter.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { applyMatrices, augmentMatrices, type AugmentOptions } from "../train/augment.ts";
import type { FlowFM } from "../model/flowfm.ts";
import { Adam } from "../train/optimizer.ts";
import { Params } from "../model/params.ts";
import { Rng } from "../random.ts";
import { deserializeModel } from "../weights/model_file.ts";
import { adamStep } from "./adam_step.ts";
import { weightedCrossEntropy } from "./cross_entropy.ts";
import { classWeights } from "./labels.ts";

/** Augmentation while fine-tuning. */
export interface FinetuneAugment extends AugmentOptions {
  /**
   * SD in g of Gaussian noise added to every sample.
   * @default {0.01}
   */
  jitter?: number;
}

/** One epoch of fine-tuning. */
export interface EpochRecord {
  /** 1-based epoch. */
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  trainLoss: number;
  /** Validation loss after the epoch (NaN without validation windows). */
  valLoss: number;
}

/** Options of {@link fineTune}. */
export interface FinetuneOptions {
  /**
   * Adam learning rate (encoder and head).
   * @default {1e-4}
   */
  lr?: number;
  /**
   * Most epochs.
   * @default {20}
   */
  maxEpochs?: number;
  /**
   * Stop after this many epochs without a lower validation loss.
   * @default {5}
   */
  patience?: number;
  /**
   * Windows per step.
   * @default {64}
   */
  batchSize?: number;
  /**
   * Width of the head's hidden layer.
   * @default {512}
   */
  hidden?: number;
  /**
   * Augmentation of training windows; `null` for none.
   * @default {null}
   */
  augment?: FinetuneAugment | null;
  /**
   * Seed of the head's initial weights, batch order and augmentation.
   * @default {0}
   */
  seed?: number;
  /** Called after every epoch (e.g. for progress output). */
  onEpoch?: (record: EpochRecord) => void;
}

/** What {@link fineTune} returns. */
export interface FinetuneResult {
  /** Predicted class of each test window, in the order of `split.test`. */
  predictions: Int32Array;
  /** Logits of each test window, row-major `[test, classes]` (from the restored best weights). */
  logits: Float32Array;
  /** Epoch whose weights were kept. */
  bestEpoch: number;
  /** Validation loss at that epoch (NaN without validation windows). */
  valLoss: number;
  /** Every epoch run. */
  history: EpochRecord[];
}

/** The head's weights, created in `store` (seeded by its generator). */
function createHead(store: Params, dim: number, hidden: number, classes: number): string[] {
  store.create("head.fc1.w", [dim, hidden], { kind: "uniform", fanIn: dim });
  store.create("head.fc1.b", [hidden], { kind: "uniform", fanIn: dim });
  store.create("head.fc2.w", [hidden, classes], { kind: "uniform", fanIn: hidden });
  store.create("head.fc2.b", [classes], { kind: "uniform", fanIn: hidden });
  return ["head.fc1.w", "head.fc1.b", "head.fc2.w", "head.fc2.b"];
}

function headForward(store: Params, z: tf.Tensor2D): tf.Tensor2D {
  const h = tf.relu(
    tf.add(tf.matMul(z, store.get("head.fc1.w") as tf.Tensor2D), store.get("head.fc1.b")),
  );
  return tf.add(
    tf.matMul(h as tf.Tensor2D, store.get("head.fc2.w") as tf.Tensor2D),
    store.get("head.fc2.b"),
  );
}

/**
 * Fine-tunes a fresh copy of a model on one fold and predicts its test windows.
 *
 * @param modelBytes A FlowFM weights file (from `serializeModel`); a copy is built from it.
 * @param windows All windows, row-major `[n, 300, 3]`, in g (clipped to the model's ±clip here).
 * @param y Class index of each window.
 * @param classes Number of classes.
 * @param split Training, validation and test window indices.
 * @param options Hyper-parameters.
 * @returns Test predictions and the training history.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
 * import { fineTune } from "./finetune.ts";
 * await initBackend("cpu");
 * const bytes = await serializeModel(new FlowFM(presetConfig("tiny")));
 * const rows = Int32Array.from([0, 1, 2, 3]);
 * const r = await fineTune(bytes, new Float32Array(4 * 900), Int32Array.from([0, 1, 0, 1]), 2,
 *   { train: rows, val: rows, test: rows }, { maxEpochs: 1, batchSize: 4, hidden: 8 });
 * assert(r.predictions.length === 4 && r.history.length === 1);
 * ```
 */
export async function fineTune(
  modelBytes: Uint8Array,
  windows: Float32Array,
  y: Int32Array,
  classes: number,
  split: { train: Int32Array; val: Int32Array; test: Int32Array },
  options: FinetuneOptions = {},
): Promise<FinetuneResult> {
  const lr = options.lr ?? 1e-4, maxEpochs = options.maxEpochs ?? 20;
  const patience = options.patience ?? 5, hidden = options.hidden ?? 512;
  const batchSize = Math.min(options.batchSize ?? 64, split.train.length);
  if (batchSize < 2) throw new Error("fineTune: need at least 2 training windows");
  const rng = new Rng(options.seed ?? 0);
  const model: FlowFM = deserializeModel(modelBytes, "fine-tuning weights").model;
  const store = new Params(rng);
  const headNames = createHead(store, model.embeddingDim, hidden, classes);
  // The store also refers to the encoder's variables (owned by the model), so one Adam updates
  // encoder and head; snapshots also cover the batch-norm running statistics.
  for (const [name, v] of model.params.vars) {
    if (!name.startsWith("encoder.")) continue;
    store.vars.set(name, v);
    if (model.params.trainable.has(name)) store.trainable.add(name);
  }
  const trainVars = new Map([...store.trainable].map((n) => [n, store.get(n)]));
  const opt = new Adam(store, { lr });
  const weights = classWeights(y, split.train, classes);
  const { windowLength: len, channels: ch } = model.config;
  const per = len * ch;
  let snapshot: Map<string, tf.Tensor> | null = null;
  const takeSnapshot = () => {
    if (snapshot) tf.dispose([...snapshot.values()]);
    snapshot = new Map([...store.vars].map(([n, v]) => [n, tf.clone(v)]));
  };
  const gather = (rows: ArrayLike<number>, from: number, to: number) => {
    const out = new Float32Array((to - from) * per);
    for (let i = from; i < to; i++) {
      out.set(windows.subarray(rows[i] * per, (rows[i] + 1) * per), (i - from) * per);
    }
    const clip = model.config.clip; // as encode(): values beyond ±clip g are clipped
    for (let i = 0; i < out.length; i++) out[i] = Math.max(-clip, Math.min(clip, out[i]));
    return out;
  };
  /** Logits in eval mode, row-major [rows, classes]. */
  const logitsOf = async (rows: Int32Array): Promise<Float32Array> => {
    const out = new Float32Array(rows.length * classes);
    for (let i = 0; i < rows.length; i += batchSize) {
      const j = Math.min(rows.length, i + batchSize);
      const xb = gather(rows, i, j);
      const l = tf.tidy(() =>
        headForward(store, model.embed(tf.tensor3d(xb, [j - i, len, ch]), "eval"))
      );
      out.set(await l.data(), i * classes);
      l.dispose();
    }
    return out;
  };
  const valLossOf = async (): Promise<number> => {
    const l = await logitsOf(split.val);
    let num = 0, den = 0;
    split.val.forEach((r, i) => {
      const row = l.subarray(i * classes, (i + 1) * classes);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      num += weights[y[r]] * (lse - row[y[r]]);
      den += weights[y[r]];
    });
    return den > 0 ? num / den : NaN;
  };
  const history: EpochRecord[] = [];
  let bestEpoch = 0, bestVal = Infinity, bad = 0;
  try {
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const perm = Array.from(rng.permutation(split.train.length), (i) => split.train[i]);
      let lossSum = 0, steps = 0;
      for (let i = 0; i + 2 <= perm.length; i += batchSize) {
        const j = Math.min(perm.length, i + batchSize), n = j - i;
        if (n < 2) break; // batch norm needs two windows
        const xb = gather(perm, i, j);
        const yb = Int32Array.from(perm.slice(i, j), (r) => y[r]);
        const aug = options.augment ? augmentMatrices(rng, n, options.augment) : null;
        const noise = options.augment ? rng.normals(n * per, options.augment.jitter ?? 0.01) : null;
        const loss = adamStep(trainVars, opt, () => {
          let x = tf.tensor3d(xb, [n, len, ch]);
          if (aug) {
            const moved = tf.add(applyMatrices(x, aug), tf.tensor3d(noise!, [n, len, ch]));
            x = tf.clipByValue(moved, -model.config.clip, model.config.clip) as tf.Tensor3D;
          }
          return weightedCrossEntropy(headForward(store, model.embed(x, "train")), yb, weights);
        });
        lossSum += (await loss.data())[0];
        loss.dispose();
        steps++;
      }
      const valLoss = split.val.length ? await valLossOf() : NaN;
      const rec = { epoch, trainLoss: lossSum / Math.max(1, steps), valLoss };
      history.push(rec);
      options.onEpoch?.(rec);
      if (!split.val.length || !Number.isFinite(valLoss)) {
        [bestEpoch, bestVal] = [epoch, valLoss];
        continue;
      }
      if (valLoss < bestVal - 1e-6) {
        [bestEpoch, bestVal, bad] = [epoch, valLoss, 0];
        takeSnapshot();
      } else if (++bad >= patience) break;
    }
    if (snapshot) {
      for (const [n, t] of snapshot as Map<string, tf.Tensor>) store.get(n).assign(t);
    }
    const l = await logitsOf(split.test);
    const predictions = Int32Array.from(split.test, (_, i) => {
      let best = 0;
      for (let c = 1; c < classes; c++) if (l[i * classes + c] > l[i * classes + best]) best = c;
      return best;
    });
    return {
      predictions,
      logits: l,
      bestEpoch,
      valLoss: split.val.length ? bestVal : NaN,
      history,
    };
  } finally {
    if (snapshot) tf.dispose([...(snapshot as Map<string, tf.Tensor>).values()]);
    opt.dispose();
    for (const n of headNames) store.get(n).dispose();
    model.dispose();
  }
}
