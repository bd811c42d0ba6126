/**
 * Fixed-step ODE solvers for `dx/dt = v(x, t)`: Euler (order 1), midpoint and Heun (order 2),
 * classic Runge-Kutta (order 4). Used to integrate the learned velocity from noise (`t = 0`) to
 * data (`t = 1`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "../tensors.ts";

/** A velocity field: returns a new tensor shaped like `x`. It must not dispose `x`. */
export type VelocityFn = (x: Tensor, t: number) => Tensor;

/** Solver name. */
export type SolverMethod = "euler" | "midpoint" | "heun" | "rk4";

/** Every solver, by name. */
export const SOLVERS: readonly SolverMethod[] = ["euler", "midpoint", "heun", "rk4"];

/** Options for {@link solveOde}. */
export interface SolveOptions {
  /**
   * Integration scheme.
   * @default {"euler"}
   */
  method?: SolverMethod;
  /** Number of steps (required, >= 1). */
  steps: number;
  /**
   * Start time.
   * @default {0}
   */
  t0?: number;
  /**
   * End time.
   * @default {1}
   */
  t1?: number;
  /**
   * Called after each step with (step, steps).
   * @default {undefined}
   */
  onStep?: (step: number, steps: number) => void;
}

/**
 * Velocity evaluations per step of a method (NFE = steps x this).
 *
 * @param method Solver name.
 * @returns 1 for Euler, 2 for midpoint and Heun, 4 for RK4.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluationsPerStep } from "./solver.ts";
 * assert(evaluationsPerStep("rk4") === 4);
 * ```
 */
export function evaluationsPerStep(method: SolverMethod): number {
  return { euler: 1, midpoint: 2, heun: 2, rk4: 4 }[method];
}

function step(f: VelocityFn, x: tf.Tensor, t: number, h: number, method: SolverMethod): tf.Tensor {
  const axpy = (a: tf.Tensor, s: number, b: tf.Tensor) => tf.add(a, tf.mul(b, s));
  switch (method) {
    case "euler":
      return axpy(x, h, f(x, t));
    case "midpoint": {
      const k1 = f(x, t);
      return axpy(x, h, f(axpy(x, h / 2, k1), t + h / 2));
    }
    case "heun": {
      const k1 = f(x, t);
      const k2 = f(axpy(x, h, k1), t + h);
      return axpy(x, h / 2, tf.add(k1, k2));
    }
    case "rk4": {
      const k1 = f(x, t);
      const k2 = f(axpy(x, h / 2, k1), t + h / 2);
      const k3 = f(axpy(x, h / 2, k2), t + h / 2);
      const k4 = f(axpy(x, h, k3), t + h);
      const sum = tf.addN([k1, tf.mul(k2, 2), tf.mul(k3, 2), k4]);
      return axpy(x, h / 6, sum);
    }
    default:
      throw new Error(`unknown solver "${method}": expected one of ${SOLVERS.join(", ")}`);
  }
}

/**
 * Integrates `dx/dt = f(x, t)` from `t0` to `t1` in `steps` equal steps.
 *
 * @param f The velocity field.
 * @param x0 State at `t0` (not disposed).
 * @param options Method and steps.
 * @returns State at `t1`, a new tensor shaped like `x0`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { solveOde } from "./solver.ts";
 * await initBackend("cpu");
 * // dx/dt = 1 from x(0) = 0 gives x(1) = 1 exactly with any method.
 * const x = solveOde((x) => tf.onesLike(x), tf.zeros([2]), { method: "rk4", steps: 3 });
 * assert(Math.abs(x.dataSync()[0] - 1) < 1e-6);
 * ```
 */
export function solveOde(f: VelocityFn, x0: Tensor, options: SolveOptions): Tensor {
  const { method = "euler", steps, t0 = 0, t1 = 1 } = options;
  if (!SOLVERS.includes(method)) {
    throw new Error(`unknown solver "${method}": expected one of ${SOLVERS.join(", ")}`);
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`solveOde: steps must be an integer >= 1, got ${steps}`);
  }
  const h = (t1 - t0) / steps;
  let x = x0;
  for (let i = 0; i < steps; i++) {
    const prev = x;
    x = tf.tidy(() => step(f, prev, t0 + i * h, h, method));
    if (prev !== x0) prev.dispose();
    options.onStep?.(i + 1, steps);
  }
  return x === x0 ? tf.clone(x0) : x;
}
