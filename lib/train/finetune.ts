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
 * With `workers > 1` each step's gradient is computed data-parallel by Web Workers (see
 * `./finetune_parallel.ts`): batch norm then uses each shard's statistics while training, and the
 * running statistics kept are worker 0's. Validation and test predictions run on this thread.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { augmentMatrices, type AugmentOptions } from "./augment.ts";
import type { FlowFM } from "../model/flowfm.ts";
import type { Params } from "../model/params.ts";
import type { BackendName } from "../runtime/backend.ts";
import { defaultWorkers } from "./train_worker_slot.ts";
import { Adam } from "./optimizer.ts";
import { Rng } from "../random.ts";
import { deserializeModel } from "../weights/model_file.ts";
import { finetuneGradients, finetuneStore, HEAD_PARAMS, headForward } from "./finetune_head.ts";
import { FinetuneWorkers } from "./finetune_parallel.ts";
import { classWeights } from "./cross_entropy.ts";
import { FINETUNE_DEFAULTS } from "./downstream_defaults.ts";

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
  /** Training steps (batches) in the epoch. */
  steps: number;
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
   * @default {50}
   */
  maxEpochs?: number;
  /**
   * Stop after this many epochs without a lower validation loss.
   * @default {5}
   */
  patience?: number;
  /**
   * Fewest training windows per epoch: a smaller split is passed over several times (each in a new
   * order) before the validation check. `0`: one pass; 640 (~10 steps) suits 10 labels per class.
   * @default {0}
   */
  epochWindows?: number;
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
  /**
   * Data-parallel workers (Web Workers with a replica each, on the active backend) computing
   * each step's gradient in shards; `1` trains in this thread. Results depend on the count
   * (batch-norm statistics are per shard), and are reproducible for a given count and seed.
   * @default {undefined} navigator.hardwareConcurrency on the wasm backend, else 1
   */
  workers?: number;
  /** Called after every epoch (e.g. for progress output). */
  onEpoch?: (record: EpochRecord) => void;
  /**
   * Return the fine-tuned model and head (best epoch's weights) in `kept` instead of freeing them.
   * @default {false}
   */
  keep?: boolean;
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
  /**
   * With `keep`: the fine-tuned model (owned by the caller) and the store whose `head.*`
   * variables (also the caller's) are the head; its `encoder.*` entries are the model's.
   */
  kept?: { model: FlowFM; store: Params };
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
  const d = FINETUNE_DEFAULTS,
    lr = options.lr ?? d.lr,
    maxEpochs = options.maxEpochs ?? d.maxEpochs;
  const patience = options.patience ?? d.patience, hidden = options.hidden ?? d.hidden;
  const epochWindows = options.epochWindows ?? d.epochWindows;
  if (!Number.isInteger(epochWindows) || epochWindows < 0) {
    throw new RangeError(
      `fineTune: options.epochWindows must be an integer >= 0, got ${epochWindows}`,
    );
  }
  const batchSize = Math.min(options.batchSize ?? FINETUNE_DEFAULTS.batchSize, split.train.length);
  if (batchSize < 2) throw new Error("fineTune: need at least 2 training windows");
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`fineTune: options.workers must be an integer >= 1, got ${workers}`);
  }
  const rng = new Rng(options.seed ?? 0);
  const model: FlowFM = deserializeModel(modelBytes, "fine-tuning weights").model;
  // The store also refers to the encoder's variables (owned by the model), so one Adam updates
  // encoder and head; snapshots also cover the batch-norm running statistics.
  const store = finetuneStore(model, rng, hidden, classes);
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
  let pool: FinetuneWorkers | null = null, kept = false;
  try {
    if (workers > 1) {
      pool = await FinetuneWorkers.create(
        { modelBytes, store, hidden, classes, classWeights: weights },
        { workers, backend: tf.getBackend() as BackendName },
      );
    }
    const passes = Math.max(1, Math.ceil(epochWindows / split.train.length));
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      const perm = Array.from({ length: passes }, () => rng.permutation(split.train.length))
        .flatMap((p) => Array.from(p, (i) => split.train[i]));
      let lossSum = 0, steps = 0;
      for (let i = 0; i + 2 <= perm.length; i += batchSize) {
        const j = Math.min(perm.length, i + batchSize), n = j - i;
        if (n < 2) break; // batch norm needs two windows
        const xb = gather(perm, i, j);
        const yb = Int32Array.from(perm.slice(i, j), (r) => y[r]);
        const aug = options.augment ? augmentMatrices(rng, n, options.augment) : null;
        const noise = options.augment ? rng.normals(n * per, options.augment.jitter ?? 0.01) : null;
        if (pool) lossSum += await pool.step(xb, yb, { aug, noise }, opt);
        else {
          const { value, grads } = finetuneGradients(model, store, xb, yb, weights, { aug, noise });
          try {
            opt.apply(grads);
            lossSum += (await value.data())[0];
          } finally {
            tf.dispose([value, ...grads.values()]);
          }
        }
        steps++;
      }
      const valLoss = split.val.length ? await valLossOf() : NaN;
      const rec = { epoch, trainLoss: lossSum / Math.max(1, steps), steps, valLoss };
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
    kept = options.keep === true;
    return {
      predictions,
      logits: l,
      bestEpoch,
      valLoss: split.val.length ? bestVal : NaN,
      history,
      ...(kept ? { kept: { model, store } } : {}),
    };
  } finally {
    pool?.dispose();
    if (snapshot) tf.dispose([...(snapshot as Map<string, tf.Tensor>).values()]);
    opt.dispose();
    if (!kept) {
      for (const n of HEAD_PARAMS) store.get(n).dispose();
      model.dispose();
    }
  }
}
