/**
 * A named parameter store. Every weight has a stable, explicit name (tfjs's generated names
 * change with construction order), which is also its key in the weights file.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Variable } from "../tensors.ts";
import type { Rng } from "../random.ts";

/** How a parameter is initialised. */
export type Init =
  | { kind: "uniform"; fanIn: number } // PyTorch default: U(-1/sqrt(fanIn), 1/sqrt(fanIn))
  | { kind: "zeros" }
  | { kind: "ones" };

/** Named tf.Variables: trainable weights and non-trainable buffers (BN running statistics). */
export class Params {
  /** All variables by name, in creation order. */
  readonly vars: Map<string, Variable> = new Map();
  /** Names of the trainable variables. */
  readonly trainable: Set<string> = new Set();
  #rng: Rng;

  /**
   * Creates an empty store.
   *
   * @param rng Draws the initial values, so equal seeds give equal weights on every backend.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import * as tf from "@tensorflow/tfjs-core";
   * import { initBackend } from "../runtime/backend.ts";
   * import { Params } from "./params.ts";
   * import { Rng } from "../random.ts";
   * await initBackend("cpu");
   * const p = new Params(new Rng(0));
   * p.create("w", [2, 2], { kind: "uniform", fanIn: 2 });
   * assert(p.get("w").shape[0] === 2);
   * p.dispose();
   * ```
   */
  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /**
   * Creates a variable.
   * @param name Unique name, e.g. `encoder.s0.conv.w`.
   * @param shape Its shape.
   * @param init How to fill it.
   * @param trainable False for buffers such as BN running statistics.
   * @returns The variable.
   */
  create(name: string, shape: number[], init: Init, trainable = true): Variable {
    if (this.vars.has(name)) throw new Error(`Params: duplicate parameter name "${name}"`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (init.kind === "ones") values.fill(1);
    else if (init.kind === "uniform") {
      const bound = 1 / Math.sqrt(init.fanIn);
      for (let i = 0; i < size; i++) values[i] = (2 * this.#rng.uniform() - 1) * bound;
    }
    const v = tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable));
    this.vars.set(name, v);
    if (trainable) this.trainable.add(name);
    return v;
  }

  /**
   * Looks a variable up.
   * @param name Its name.
   * @returns The variable.
   */
  get(name: string): Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`Params: no parameter named "${name}"`);
    return v;
  }

  /**
   * Number of scalar values held, optionally only those whose name starts with `prefix`.
   * @param prefix Name prefix such as `encoder.`.
   * @param trainableOnly Count only trainable variables.
   * @returns The count.
   */
  count(prefix = "", trainableOnly = true): number {
    let n = 0;
    for (const [name, v] of this.vars) {
      if (name.startsWith(prefix) && (!trainableOnly || this.trainable.has(name))) n += v.size;
    }
    return n;
  }

  /** Frees every variable. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.trainable.clear();
  }
}
