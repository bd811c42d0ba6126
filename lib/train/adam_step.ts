/**
 * One gradient step with {@link Adam} on named variables, shared by the probe and fine-tuning.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Adam } from "./optimizer.ts";

/**
 * Computes the loss and its gradients with respect to `vars`, and applies Adam.
 *
 * @param vars The variables to differentiate, by the names the optimizer knows them under.
 * @param opt The optimizer (built over a Params store holding the same variables).
 * @param loss Builds the scalar loss; called inside a tidy.
 * @returns The loss before the update (the caller disposes it).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { Adam } from "./optimizer.ts";
 * import { Params } from "../model/params.ts";
 * import { Rng } from "../random.ts";
 * import { adamStep } from "./adam_step.ts";
 * await initBackend("cpu");
 * const p = new Params(new Rng(0));
 * const w = p.create("w", [1], { kind: "ones" });
 * const opt = new Adam(p, { lr: 0.1 });
 * const l = adamStep(p.vars, opt, () => tf.sum(tf.square(w)));
 * assert(l.dataSync()[0] === 1 && w.dataSync()[0] < 1);
 * l.dispose(); opt.dispose(); p.dispose();
 * ```
 */
export function adamStep(
  vars: Map<string, tf.Variable>,
  opt: Adam,
  loss: () => tf.Scalar,
): tf.Scalar {
  const list = [...vars.values()];
  const byTfName = new Map([...vars].map(([name, v]) => [v.name, name]));
  const { value, grads } = tf.tidy(() => tf.variableGrads(loss, list));
  try {
    const named = new Map<string, tf.Tensor>();
    for (const [tfName, g] of Object.entries(grads)) named.set(byTfName.get(tfName)!, g);
    opt.apply(named);
  } finally {
    tf.dispose(Object.values(grads));
  }
  return value;
}
