/**
 * An exponential moving average (EMA) of the encoder's weights, batch-norm statistics included:
 * after step `k` (counting from 1), `ema = d * ema + (1 - d) * w` with the warmed-up decay
 * `d = min(decay, (1 + k) / (10 + k))` (as TensorFlow's `ExponentialMovingAverage` with
 * `num_updates`), so a short run's average is not dominated by the initial weights. It is kept
 * beside the training weights,
 * stored in checkpoints as `optimizer.ema.<param>`, and swapped into the encoder at the end of a
 * run, so the model file (and `encode`) use the averaged encoder.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FlowFM } from "../model/flowfm.ts";

/** One stored average: shape and values (the checkpoint's moment-tensor shape). */
export interface EmaTensor {
  /** Shape (that of its parameter). */
  shape: number[];
  /** Values, row-major. */
  data: Float32Array;
}

/** Checkpoint key prefix of the averaged weights. */
export const EMA_PREFIX = "optimizer.ema.";

/** The averaged encoder of a run. Call {@link EncoderEma.dispose} when done. */
export class EncoderEma {
  /** Weight of the old average in each update, in [0, 1). */
  readonly decay: number;
  #avg = new Map<string, tf.Variable>();

  /**
   * Starts the average at the encoder's current weights, or at saved values.
   *
   * @param model The model being trained.
   * @param decay Weight of the old average per step, in [0, 1).
   * @param saved Averages from a checkpoint (`optimizer.ema.<param>` keys), to resume.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * import { EncoderEma } from "./ema.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const ema = new EncoderEma(model, 0.9);
   * ema.update(model);
   * assert.ok((await ema.state()).size > 0);
   * ema.dispose(); model.dispose();
   * ```
   */
  constructor(model: FlowFM, decay: number, saved?: Map<string, EmaTensor>) {
    if (!(decay >= 0 && decay < 1)) {
      throw new RangeError(`EMA decay must be in [0, 1), got ${decay}`);
    }
    this.decay = decay;
    for (const [name, v] of model.params.vars) {
      if (!name.startsWith("encoder.")) continue;
      const s = saved?.get(EMA_PREFIX + name);
      const init = s ? tf.tensor(s.data, s.shape) : v.clone();
      this.#avg.set(name, tf.variable(init, false));
      init.dispose(); // the variable holds its own reference to the values
    }
  }

  /**
   * The decay used after step `step`: `min(decay, (1 + step) / (10 + step))`.
   *
   * @param step Training steps taken, counting the one just made (1 after the first).
   * @returns The warmed-up decay.
   */
  decayAt(step: number): number {
    return Math.min(this.decay, (1 + step) / (10 + step));
  }

  /**
   * One update from the model's current encoder weights.
   *
   * @param model The model being trained.
   * @param step Training steps taken, counting the one just made; omitted, the full `decay`
   * applies (no warm-up).
   */
  update(model: FlowFM, step?: number): void {
    const d = step === undefined ? this.decay : this.decayAt(step);
    tf.tidy(() => {
      for (const [name, a] of this.#avg) {
        a.assign(tf.add(tf.mul(a, d), tf.mul(model.params.get(name), 1 - d)));
      }
    });
  }

  /**
   * The averages as checkpoint tensors.
   *
   * @returns `optimizer.ema.<param>` -> shape and values.
   */
  async state(): Promise<Map<string, EmaTensor>> {
    const out = new Map<string, EmaTensor>();
    for (const [name, a] of this.#avg) {
      out.set(EMA_PREFIX + name, {
        shape: a.shape.slice(),
        data: new Float32Array(await a.data()),
      });
    }
    return out;
  }

  /**
   * Copies the averages into the model's encoder (its training weights are overwritten).
   *
   * @param model The model to receive them.
   */
  assignTo(model: FlowFM): void {
    for (const [name, a] of this.#avg) model.params.get(name).assign(a);
  }

  /** Frees the averages. */
  dispose(): void {
    for (const a of this.#avg.values()) a.dispose();
    this.#avg.clear();
  }
}
