/**
 * Adam with named state, so a checkpoint stores the moments under the parameters' own names and
 * a resumed run continues exactly.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "../tensors.ts";
import type { Params } from "../model/params.ts";
import { TRAIN_DEFAULTS } from "./defaults.ts";
import { adamStep, type AdamStepConstants } from "./adam_kernel.ts";
import { adamFlatStep } from "./adam_flat_webgpu.ts";
import { onWebGpu } from "../model/webgpu_kernels.ts";

/** Adam hyper-parameters. */
export interface AdamOptions {
  /**
   * Learning rate.
   * @default {5e-4}
   */
  lr?: number;
  /**
   * First-moment decay.
   * @default {0.9}
   */
  beta1?: number;
  /**
   * Second-moment decay.
   * @default {0.999}
   */
  beta2?: number;
  /**
   * Added to the denominator.
   * @default {1e-8}
   */
  eps?: number;
}

/** Adam over the trainable variables of a {@link Params} store. */
export class Adam {
  /** Learning rate (may be changed between steps, e.g. by a schedule). */
  lr: number;
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #eps: number;
  readonly #params: Params;
  readonly #m: Map<string, tf.Variable> = new Map();
  readonly #v: Map<string, tf.Variable> = new Map();
  /**
   * On webgpu, both moments of every parameter in one buffer (`./adam_flat_webgpu.ts`), in the
   * order of `#m`'s keys: every `m`, then every `v`. While it is set, `#m` and `#v` are out of date
   * until {@link Adam.state} writes the buffer back into them.
   */
  #flat: tf.Tensor | null = null;
  #t = 0;

  /**
   * Creates zeroed moments for every trainable parameter.
   *
   * @param params The weights to update (only trainable ones are touched).
   * @param options Hyper-parameters.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import * as tf from "@tensorflow/tfjs-core";
   * import { initBackend } from "../runtime/backend.ts";
   * import { Adam } from "./optimizer.ts";
   * import { Params } from "../model/params.ts";
   * import { Rng } from "../random.ts";
   * await initBackend("cpu");
   * const p = new Params(new Rng(0));
   * p.create("w", [1], { kind: "ones" });
   * const opt = new Adam(p, { lr: 0.1 });
   * opt.apply(new Map([["w", tf.ones([1])]]));
   * assert(Math.abs(p.get("w").dataSync()[0] - 0.9) < 1e-5);
   * opt.dispose(); p.dispose();
   * ```
   */
  constructor(params: Params, options: AdamOptions = {}) {
    this.lr = options.lr ?? TRAIN_DEFAULTS.lr;
    this.#beta1 = options.beta1 ?? TRAIN_DEFAULTS.adam.beta1;
    this.#beta2 = options.beta2 ?? TRAIN_DEFAULTS.adam.beta2;
    this.#eps = options.eps ?? TRAIN_DEFAULTS.adam.eps;
    this.#params = params;
    for (const name of params.trainable) {
      const shape = params.get(name).shape;
      this.#m.set(name, tf.tidy(() => tf.variable(tf.zeros(shape), false)));
      this.#v.set(name, tf.tidy(() => tf.variable(tf.zeros(shape), false)));
    }
  }

  /** Number of updates applied so far. */
  get iterations(): number {
    return this.#t;
  }

  /**
   * Applies one update. Does not dispose `grads`.
   * @param grads Gradient per trainable parameter name.
   * @param gradScale Factor on every gradient (gradient clipping), applied inside the update.
   */
  apply(grads: Map<string, Tensor>, gradScale = 1): void {
    this.#t++;
    const b1 = this.#beta1, b2 = this.#beta2;
    const stepSize = (this.lr * Math.sqrt(1 - b2 ** this.#t)) / (1 - b1 ** this.#t);
    const constants = { beta1: b1, beta2: b2, stepSize, eps: this.#eps, gradScale };
    if (this.#applyFlat(grads, constants)) return;
    this.#writeBack(true);
    for (const [name, g] of grads) {
      const m = this.#m.get(name), v = this.#v.get(name);
      if (!m || !v) throw new Error(`Adam: gradient for unknown or frozen parameter "${name}"`);
      tf.tidy(() => {
        const p = this.#params.get(name);
        const k = { beta1: b1, beta2: b2, stepSize, eps: this.#eps, gradScale };
        const [p1, m1, v1] = adamStep(p, m, v, g, k); // one kernel on wasm
        m.assign(m1);
        v.assign(v1);
        p.assign(p1);
      });
    }
  }

  /**
   * The update of every parameter as one kernel over the flat moments, on webgpu when `grads` has
   * every trainable parameter.
   * @returns False (nothing done) where it does not apply.
   */
  #applyFlat(grads: Map<string, Tensor>, k: AdamStepConstants): boolean {
    const names = [...this.#m.keys()];
    if (grads.size !== names.length || !names.every((n) => grads.has(n))) return false;
    const ps = names.map((n) => this.#params.get(n) as tf.Variable);
    const gs = names.map((n) => grads.get(n)!);
    if (![...ps, ...gs].every(onWebGpu)) return false;
    this.#flat ??= tf.tidy(() =>
      tf.concat([this.#m, this.#v].flatMap((ms) => names.map((n) => tf.reshape(ms.get(n)!, [-1]))))
    );
    const old = this.#flat;
    this.#flat = tf.tidy(() => {
      const [mv, ...updated] = adamFlatStep(old, ps, gs, k);
      ps.forEach((p, i) => p.assign(updated[i]));
      return mv;
    });
    old.dispose();
    return true;
  }

  /** Writes the flat moments (if any) back into `#m` and `#v`; `drop`: and frees the buffer. */
  #writeBack(drop: boolean): void {
    const flat = this.#flat;
    if (!flat) return;
    const n = flat.size / 2;
    let o = 0;
    for (const [name, m] of this.#m) {
      const v = this.#v.get(name)!;
      tf.tidy(() => {
        m.assign(tf.reshape(tf.slice(flat, o, m.size), m.shape));
        v.assign(tf.reshape(tf.slice(flat, n + o, v.size), v.shape));
      });
      o += m.size;
    }
    if (drop) {
      flat.dispose();
      this.#flat = null;
    }
  }

  /**
   * The state as named tensors (`optimizer.m.<param>`, `optimizer.v.<param>`); they stay owned by
   * the optimizer.
   * @returns Moments by name.
   */
  state(): Map<string, Tensor> {
    this.#writeBack(false);
    const out = new Map<string, tf.Tensor>();
    for (const [name, m] of this.#m) out.set(`optimizer.m.${name}`, m);
    for (const [name, v] of this.#v) out.set(`optimizer.v.${name}`, v);
    return out;
  }

  /**
   * Restores a state saved with {@link Adam.state}. Every moment must be present with the right
   * shape; the error names the tensor at fault.
   * @param values Moments by name, as flat arrays with shapes.
   * @param iterations Updates applied when the state was saved.
   */
  load(values: Map<string, { shape: number[]; data: Float32Array }>, iterations: number): void {
    this.#writeBack(true);
    const expected = this.state();
    for (const name of values.keys()) {
      if (!expected.has(name)) throw new Error(`optimizer state: unexpected tensor "${name}"`);
    }
    for (const [name, t] of expected) {
      const v = values.get(name);
      if (!v) throw new Error(`optimizer state: missing tensor "${name}"`);
      if (v.shape.join() !== t.shape.join()) {
        throw new Error(
          `optimizer state: tensor "${name}" has shape [${v.shape}], expected [${t.shape}]`,
        );
      }
      tf.tidy(() => (t as tf.Variable).assign(tf.tensor(v.data, v.shape)));
    }
    this.#t = iterations;
  }

  /** Frees the moments. */
  dispose(): void {
    this.#flat?.dispose();
    this.#flat = null;
    for (const x of [...this.#m.values(), ...this.#v.values()]) x.dispose();
    this.#m.clear();
    this.#v.clear();
  }
}
