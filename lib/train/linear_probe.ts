/**
 * The linear probe: multinomial logistic regression on frozen features, trained full-batch with
 * Adam on class-weighted cross-entropy plus an L2 penalty on the weights. Features are
 * standardised with the training windows' mean and SD. Early stopping on the validation loss
 * (checked every `evalEvery` iterations; the best weights are kept), and the L2 strength is
 * chosen from a small grid by the same validation loss. Also used for the handcrafted baseline.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { Adam } from "./optimizer.ts";
import { Params } from "../model/params.ts";
import { Rng } from "../random.ts";
import { adamStep } from "./adam_step.ts";
import { weightedCrossEntropy } from "./cross_entropy.ts";
import { type FeatureMatrix, probeData } from "./probe_data.ts";
export type { FeatureMatrix } from "./probe_data.ts";
import { PROBE_DEFAULTS } from "./downstream_defaults.ts";

/** Options of {@link trainLinearProbe}. */
export interface ProbeOptions {
  /**
   * L2 strength (on the weights, not the bias), or a grid to choose from by validation loss.
   * @default {[1e-4, 1e-3, 1e-2, 1e-1]}
   */
  l2?: number | number[];
  /**
   * Adam learning rate.
   * @default {0.02}
   */
  lr?: number;
  /**
   * Most full-batch iterations per L2 value.
   * @default {500}
   */
  maxIterations?: number;
  /**
   * Validation loss is checked every this many iterations.
   * @default {10}
   */
  evalEvery?: number;
  /**
   * Stop after this many checks without improvement.
   * @default {5}
   */
  patience?: number;
  /**
   * A check improves when the validation loss falls by more than this fraction of the best.
   * @default {1e-3}
   */
  tolerance?: number;
  /**
   * `"balanced"`: class-inverse-frequency weighted cross-entropy; `"none"`: plain mean.
   * @default {"balanced"}
   */
  classWeighting?: "balanced" | "none";
  /**
   * How the probe is fitted: `"adam"` (full-batch Adam, {@link trainLinearProbe}) or `"lbfgs"`
   * (L-BFGS with warm starts along the L2 grid, `trainFastProbe` of fast_probe.ts: the same
   * objective and validation rule, several times faster). `evaluate` dispatches on it.
   * @default {"adam"}
   */
  solver?: "adam" | "lbfgs";
}

/** How the probe was fitted. */
export interface ProbeFit {
  /** Chosen L2 strength. */
  l2: number;
  /** Iteration whose weights were kept. */
  iteration: number;
  /** Validation loss at that iteration (NaN without validation windows). */
  valLoss: number;
}

/** A fitted probe: standardisation plus a linear layer. */
export class LinearProbe {
  /**
   * Creates a probe from its parameters.
   *
   * @param mean Per-feature mean of the training windows.
   * @param sd Per-feature SD (1 where the feature was constant).
   * @param w Weights, row-major `[dim, classes]`.
   * @param b Biases, `[classes]`.
   * @param fit How it was fitted.
   */
  constructor(
    readonly mean: Float32Array,
    readonly sd: Float32Array,
    readonly w: Float32Array,
    readonly b: Float32Array,
    readonly fit: ProbeFit,
  ) {}

  /**
   * Scores of each class for the chosen rows.
   * @param x Features.
   * @param rows Row indices (all rows when omitted).
   * @returns Logits, row-major `[rows, classes]`.
   */
  logits(x: FeatureMatrix, rows?: Int32Array): Float32Array {
    const d = this.mean.length, k = this.b.length;
    if (x.dim !== d) throw new Error(`LinearProbe: features have dim ${x.dim}, expected ${d}`);
    const idx = rows ?? Int32Array.from({ length: x.count }, (_, i) => i);
    const out = new Float32Array(idx.length * k);
    const z = new Float64Array(d);
    idx.forEach((r, i) => {
      for (let j = 0; j < d; j++) z[j] = (x.data[r * d + j] - this.mean[j]) / this.sd[j];
      for (let c = 0; c < k; c++) {
        let s = this.b[c];
        for (let j = 0; j < d; j++) s += z[j] * this.w[j * k + c];
        out[i * k + c] = s;
      }
    });
    return out;
  }

  /**
   * Predicted class of the chosen rows.
   * @param x Features.
   * @param rows Row indices (all rows when omitted).
   * @returns Class indices.
   */
  predict(x: FeatureMatrix, rows?: Int32Array): Int32Array {
    const k = this.b.length, l = this.logits(x, rows);
    return Int32Array.from({ length: l.length / k }, (_, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (l[i * k + c] > l[i * k + best]) best = c;
      return best;
    });
  }
}

/**
 * Fits a linear probe.
 *
 * @param x Features of all windows.
 * @param y Class index of each window.
 * @param classes Number of classes.
 * @param split Training and validation rows (validation may be empty: then no early stopping,
 *   and the first L2 value is used).
 * @param options Hyper-parameters.
 * @returns The fitted probe.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../runtime/backend.ts";
 * import { trainLinearProbe } from "./linear_probe.ts";
 * await initBackend("cpu");
 * const x = { data: Float32Array.from([0, 1, 2, 3]), count: 4, dim: 1 };
 * const y = Int32Array.from([0, 0, 1, 1]);
 * const rows = Int32Array.from([0, 1, 2, 3]);
 * const probe = await trainLinearProbe(x, y, 2, { train: rows, val: rows }, { l2: 0 });
 * assert(probe.predict(x).join() === "0,0,1,1");
 * ```
 */
export async function trainLinearProbe(
  x: FeatureMatrix,
  y: Int32Array,
  classes: number,
  split: { train: Int32Array; val: Int32Array },
  options: ProbeOptions = {},
): Promise<LinearProbe> {
  const grid = [options.l2 ?? PROBE_DEFAULTS.l2].flat();
  const lr = options.lr ?? PROBE_DEFAULTS.lr;
  const maxIt = options.maxIterations ?? PROBE_DEFAULTS.maxIterations;
  const every = options.evalEvery ?? 10, patience = options.patience ?? 5;
  const tol = options.tolerance ?? PROBE_DEFAULTS.tolerance;
  const { train, val } = split;
  if (train.length === 0) throw new Error("trainLinearProbe: no training windows");
  const d = x.dim;
  const { mean, sd, weights, yTrain, yVal, xTrain, xVal } = probeData(
    x,
    y,
    classes,
    split,
    options.classWeighting,
  );
  const hasVal = val.length > 0;
  let best: LinearProbe | null = null;
  try {
    for (const l2 of hasVal ? grid : grid.slice(0, 1)) {
      const params = new Params(new Rng(0));
      const w = params.create("probe.w", [d, classes], { kind: "zeros" });
      const b = params.create("probe.b", [classes], { kind: "zeros" });
      const opt = new Adam(params, { lr });
      const forward = (xs: tf.Tensor2D) => tf.add(tf.matMul(xs, w), b) as tf.Tensor2D;
      const snapshot = async (iteration: number, valLoss: number) =>
        new LinearProbe(
          mean,
          sd,
          new Float32Array(await w.data()),
          new Float32Array(await b.data()),
          {
            l2,
            iteration,
            valLoss,
          },
        );
      let local: LinearProbe | null = null, bad = 0;
      try {
        for (let it = 1; it <= maxIt; it++) {
          adamStep(params.vars, opt, () => {
            const ce = weightedCrossEntropy(forward(xTrain), yTrain, weights);
            return l2 > 0 ? tf.add(ce, tf.mul(tf.sum(tf.square(w)), l2)) : ce;
          }).dispose();
          if (!hasVal || (it % every !== 0 && it !== maxIt)) continue;
          const vl = tf.tidy(() => weightedCrossEntropy(forward(xVal), yVal, weights));
          const v = (await vl.data())[0];
          vl.dispose();
          if (!local || v < local.fit.valLoss * (1 - tol)) {
            local = await snapshot(it, v);
            bad = 0;
          } else if (++bad >= patience) break;
        }
        if (!hasVal) local = await snapshot(maxIt, NaN);
      } finally {
        opt.dispose();
        params.dispose();
      }
      if (!best || local!.fit.valLoss < best.fit.valLoss) best = local;
    }
  } finally {
    xTrain.dispose();
    xVal.dispose();
  }
  return best!;
}
