/**
 * The training objectives in one place: conditional flow matching (`fm`, the method) and the
 * representation-conditional DDPM baseline (`ddpm`). Each {@link ObjectiveSpec} supplies what
 * differs between them (how training draws times, the loss, the noise schedule, the sampling
 * methods and their defaults, the cost of sampling), so the trainer, the sampler, the metrics and
 * the CLI look the objective up in {@link OBJECTIVES} instead of branching on its name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OBJECTIVE_NAMES, OBJECTIVES } from "./objective.ts";
 * for (const name of OBJECTIVE_NAMES) {
 *   const spec = OBJECTIVES[name];
 *   assert.ok(spec.methods.includes(spec.defaultMethod));
 * }
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Scalar, Tensor, Tensor3D } from "../tensors.ts";
import { type Objective, OBJECTIVE_NAMES } from "../model/config.ts";
import type { Rng } from "../random.ts";
import { drawTimes, type TimeSampling } from "./path.ts";
import { diffusionLoss, flowMatchingLoss, type JointModel } from "./loss.ts";
import {
  ancestralSample,
  ddimSample,
  DDPM_STEPS,
  linearSchedule,
  type NoiseSchedule,
} from "./diffusion.ts";
import {
  evaluationsPerStep,
  solveOde,
  type SolverMethod,
  SOLVERS,
  type VelocityFn,
} from "./solver.ts";

export { OBJECTIVE_NAMES };

/** How to sample: an ODE solver for flow matching, `ddim` or `ancestral` for DDPM. */
export type SampleMethod = SolverMethod | "ddim" | "ancestral";

/** One training batch, as an objective's loss reads it. */
export interface ObjectiveBatch {
  /** Data windows, shape `[batch, length, channels]`, clipped, in g. */
  data: Tensor3D;
  /** Standard normal noise, same shape (flow matching's `x_0`, DDPM's `eps`). */
  noise: Tensor3D;
  /** What {@link ObjectiveSpec.drawTimes} drew for this batch, one value per window. */
  times: Float32Array;
  /**
   * The encoder's input (an augmented view); when omitted, `data` itself is encoded.
   * @default {undefined}
   */
  view?: Tensor3D;
}

/** Settings of one sampling run, as {@link ObjectiveSpec.sample} reads them. */
export interface ObjectiveSampling {
  /** One of the spec's {@link ObjectiveSpec.methods}. */
  method: SampleMethod;
  /** Solver or DDIM steps (ancestral sampling always takes all `T`). */
  steps: number;
  /** Clip DDPM's clean-data predictions to `[-clip, clip]` g; `Infinity` = off. Unused by `fm`. */
  clip: number;
  /** Draws ancestral sampling's per-step noise. Unused by the deterministic methods. */
  rng: Rng;
}

/** Everything objective-specific about training and sampling. */
export interface ObjectiveSpec {
  /** The objective's name, as stored in a model's config. */
  readonly name: Objective;
  /** One line for help text and reports. */
  readonly summary: string;
  /** The DDPM noise schedule, or null for flow matching. */
  readonly schedule: NoiseSchedule | null;
  /** The sampling methods that apply, in the order help text lists them. */
  readonly methods: readonly SampleMethod[];
  /** The sampling method when none is given. */
  readonly defaultMethod: SampleMethod;
  /** The number of steps when none is given. */
  readonly defaultSteps: number;
  /**
   * Draws the training times of a batch: flow times in [0, 1) (`fm`, per `timeSampling`) or
   * 0-based diffusion steps uniform in [0, T) (`ddpm`, which ignores `timeSampling`).
   */
  drawTimes(rng: Rng, n: number, timeSampling: TimeSampling): Float32Array;
  /** The scalar training loss of a batch (gradients reach both networks). */
  loss(model: JointModel, batch: ObjectiveBatch): Scalar;
  /**
   * Generates from noise `x0` (not disposed) with `velocity(x, t)`, `t` in [0, 1] (DDPM's network
   * sees `step / T`); returns a new tensor.
   */
  sample(velocity: VelocityFn, x0: Tensor, options: ObjectiveSampling): Tensor;
  /** Steps a method actually takes when asked for `steps` (ancestral: always `T`). */
  stepsTaken(method: SampleMethod, steps: number): number;
  /** Network evaluations per generated window (NFE) of a method and step count. */
  evaluations(method: SampleMethod, steps: number): number;
}

/**
 * Checks that a sampling method applies to an objective.
 *
 * @param spec The objective.
 * @param method The method asked for.
 * @param caller Prefix of the error message.
 * @returns The method, typed.
 * @throws Error naming the method, the objective and the methods that apply.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkSampleMethod, OBJECTIVES } from "./objective.ts";
 * assert.equal(checkSampleMethod(OBJECTIVES.fm, "rk4", "sample"), "rk4");
 * assert.throws(() => checkSampleMethod(OBJECTIVES.fm, "ddim", "sample"), /"ddim" does not apply/);
 * ```
 */
export function checkSampleMethod(
  spec: ObjectiveSpec,
  method: string,
  caller: string,
): SampleMethod {
  if (!(spec.methods as readonly string[]).includes(method)) {
    throw new Error(
      `${caller}: method "${method}" does not apply to a ${spec.name} model; use one of ${
        spec.methods.join(", ")
      }`,
    );
  }
  return method as SampleMethod;
}

const FLOW_MATCHING: ObjectiveSpec = {
  name: "fm",
  summary: "flow matching (FlowFM): v(x_t, t, z) predicts x_1 - x_0 on the straight path",
  schedule: null,
  methods: SOLVERS,
  defaultMethod: "midpoint",
  defaultSteps: 10,
  drawTimes: (rng, n, timeSampling) => drawTimes(rng, n, timeSampling),
  loss: (model, b) =>
    tf.tidy(() =>
      flowMatchingLoss(model, { x1: b.data, x0: b.noise, t: tf.tensor1d(b.times), view: b.view })
    ),
  sample(velocity, x0, o) {
    const method = checkSampleMethod(FLOW_MATCHING, o.method, "sample") as SolverMethod;
    return solveOde(velocity, x0, { method, steps: o.steps });
  },
  stepsTaken: (_method, steps) => steps,
  evaluations(method, steps) {
    return steps *
      evaluationsPerStep(checkSampleMethod(FLOW_MATCHING, method, "NFE") as SolverMethod);
  },
};

const SCHEDULE = linearSchedule(DDPM_STEPS);

const DIFFUSION: ObjectiveSpec = {
  name: "ddpm",
  summary: `the diffusion baseline: epsilon prediction, T = ${DDPM_STEPS}, linear betas`,
  schedule: SCHEDULE,
  methods: ["ddim", "ancestral"],
  defaultMethod: "ddim",
  defaultSteps: 50,
  drawTimes: (rng, n) => Float32Array.from({ length: n }, () => rng.int(DDPM_STEPS)),
  loss: (model, b) =>
    diffusionLoss(model, { data: b.data, eps: b.noise, steps: b.times, view: b.view }, SCHEDULE),
  sample(velocity, x0, o) {
    const method = checkSampleMethod(DIFFUSION, o.method, "sample");
    const eps = (x: tf.Tensor, step: number) => velocity(x, step / DDPM_STEPS);
    return method === "ddim"
      ? ddimSample(eps, x0, o.steps, SCHEDULE, o.clip)
      : ancestralSample(eps, x0, SCHEDULE, o.rng, o.clip);
  },
  stepsTaken: (method, steps) => method === "ancestral" ? DDPM_STEPS : steps,
  evaluations(method, steps) {
    return DIFFUSION.stepsTaken(checkSampleMethod(DIFFUSION, method, "NFE"), steps);
  },
};

/** Every objective's spec, by name. */
export const OBJECTIVES: Readonly<Record<Objective, ObjectiveSpec>> = Object.freeze({
  fm: FLOW_MATCHING,
  ddpm: DIFFUSION,
});

/** Every sampling method of any objective (flow-matching solvers first), without repeats. */
export const SAMPLE_METHODS: readonly SampleMethod[] = [
  ...new Set(OBJECTIVE_NAMES.flatMap((o) => OBJECTIVES[o].methods)),
];

/**
 * Looks an objective up by name (e.g. one read from a file or a flag).
 *
 * @param name The objective's name.
 * @returns Its spec.
 * @throws Error naming the value and the objectives there are.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { objectiveSpec } from "./objective.ts";
 * assert.equal(objectiveSpec("ddpm").defaultMethod, "ddim");
 * assert.throws(() => objectiveSpec("gan"), /unknown objective "gan": expected one of fm, ddpm/);
 * ```
 */
export function objectiveSpec(name: string): ObjectiveSpec {
  if (!(OBJECTIVE_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `unknown objective ${JSON.stringify(name)}: expected one of ${OBJECTIVE_NAMES.join(", ")}`,
    );
  }
  return OBJECTIVES[name as Objective];
}
