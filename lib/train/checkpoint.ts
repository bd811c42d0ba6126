/**
 * Training checkpoints: a model file (`kind: "checkpoint"`) that also holds the run state, i.e.
 * Adam's moments (`optimizer.m.*`, `optimizer.v.*` tensors), and in `__metadata__.trainer` the
 * RNG state, the batch schedule and the run's settings. The step is the config's `step`.
 *
 * @module
 */
import type { Objective, PresetName } from "../model/config.ts";
import type { FlowFM } from "../model/flowfm.ts";
import { EMA_PREFIX } from "./ema.ts";
import { type AugmentOptions, isAugmentOptions } from "./augment.ts";
import { TIME_SAMPLINGS, type TimeSampling } from "../flow/path.ts";
import { deserializeModel, serializeModel, WeightsError } from "../weights/model_file.ts";
import type { SafetensorsTensor } from "../weights/safetensors.ts";
import { BALANCE_MODES, type BalanceMode, type BatchSchedule } from "./batches.ts";

/** A run's own settings, kept in its checkpoints. */
export interface RunConfig {
  /** Preset of the model. */
  preset: PresetName | "custom";
  /** Adam learning rate. */
  lr: number;
  /** Global gradient-norm clip (`0` = off). */
  clipNorm: number;
  /** Whether the encoder sees augmented views (`true`: the default ranges), or their settings. */
  augment: boolean | AugmentOptions;
  /** How flow times are drawn (absent in older checkpoints: uniform). */
  timeSampling?: TimeSampling;
  /** Whether windows are randomly cropped from their recordings (absent in older checkpoints). */
  randomCrops?: boolean;
  /** Whether the encoder sees a time-shifted crop of each window (absent in older checkpoints). */
  shiftedView?: boolean;
  /** Whether windows are drawn in proportion to their motion (absent in older checkpoints). */
  motionWeighted?: boolean;
  /** Balanced sampling across groups ("none", absent in older checkpoints, when off). */
  balance?: BalanceMode;
  /** Decay of the encoder's weight average, 0 (absent in older checkpoints) when none is kept. */
  emaDecay?: number;
  /** Training objective (the model's). */
  objective: Objective;
  /**
   * The command-line arguments that selected the training data (`--dataset ...`, CSV files), so
   * that a resume reloads the same data; absent when not known.
   */
  dataArgs?: string[];
  /** Data of earlier parts of a run resumed on other data, oldest first (absent: none). */
  earlierData?: EarlierData[];
}

/** The data of one earlier part of a resumed run ({@link RunConfig.earlierData}). */
export interface EarlierData {
  /** The step at which that part ended (the checkpoint the next part resumed from). */
  untilStep: number;
  /** Its data arguments (`--dataset ...`, CSV files); empty for the bundled excerpt. */
  args: string[];
}

/** One optimizer moment tensor. */
export interface MomentTensor {
  /** Shape (that of its parameter). */
  shape: number[];
  /** Values, row-major. */
  data: Float32Array;
}

/** Everything besides the weights that a run needs to continue exactly. */
export interface RunState {
  /** Steps completed. */
  step: number;
  /** State of the noise / time / augmentation generator (four 32-bit words). */
  rng: number[];
  /**
   * Adam moments by name (`optimizer.m.<param>`, `optimizer.v.<param>`) and, with `emaDecay`, the
   * encoder's weight averages (`optimizer.ema.<param>`).
   */
  moments: Map<string, MomentTensor>;
  /** The batch schedule. */
  schedule: BatchSchedule;
  /** The run's settings. */
  config: RunConfig;
}

/**
 * Encodes a model and its run state as checkpoint bytes (safetensors).
 *
 * @param model The model being trained.
 * @param state Its run state.
 * @returns The checkpoint file's bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { encodeCheckpoint, loadCheckpoint } from "./checkpoint.ts";
 * await initBackend("cpu");
 * const a = new FlowFM(presetConfig("tiny"));
 * const moments = new Map([...a.params.trainable].flatMap((p) => {
 *   const shape = a.params.get(p).shape;
 *   const data = new Float32Array(a.params.get(p).size);
 *   return [[`optimizer.m.${p}`, { shape, data }], [`optimizer.v.${p}`, { shape, data }]];
 * }));
 * const bytes = await encodeCheckpoint(a, {
 *   step: 0, rng: [1, 2, 3, 4], moments,
 *   schedule: { batch: 8, seed: 0, totalSteps: 10, windows: 64 },
 *   config: { preset: "tiny", lr: 1e-3, clipNorm: 1, augment: false, objective: "fm" },
 * });
 * const { model, state } = loadCheckpoint(bytes, "memory");
 * assert.equal(state.schedule.totalSteps, 10);
 * a.dispose(); model.dispose();
 * ```
 */
export async function encodeCheckpoint(model: FlowFM, state: RunState): Promise<Uint8Array> {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [k, t] of state.moments) {
    tensors.set(k, { dtype: "F32", shape: t.shape, data: t.data });
  }
  const { schedule: s, config: c } = state;
  // Flat, in the order earlier versions wrote it, so old and new checkpoints read alike.
  const trainer = {
    preset: c.preset,
    totalSteps: s.totalSteps,
    batch: s.batch,
    lr: c.lr,
    clipNorm: c.clipNorm,
    augment: c.augment,
    ...(c.randomCrops ? { randomCrops: true } : {}),
    ...(c.shiftedView ? { shiftedView: true } : {}),
    ...(c.motionWeighted ? { motionWeighted: true } : {}),
    ...(c.balance && c.balance !== "none" ? { balance: c.balance } : {}),
    ...(c.emaDecay ? { emaDecay: c.emaDecay } : {}),
    ...(c.timeSampling && c.timeSampling !== "uniform" ? { timeSampling: c.timeSampling } : {}),
    seed: s.seed,
    windows: s.windows,
    rng: state.rng,
    objective: c.objective,
    ...(c.dataArgs ? { dataArgs: c.dataArgs } : {}),
    ...(c.earlierData?.length ? { earlierData: c.earlierData } : {}),
  };
  return await serializeModel(model, {
    step: state.step,
    checkpoint: { tensors, metadata: { trainer: JSON.stringify(trainer) } },
  });
}

/**
 * Decodes a checkpoint: the model, weights assigned, and the run state to pass to `train` as
 * `resume`.
 *
 * @param bytes The checkpoint file's bytes.
 * @param source File name for error messages.
 * @returns The model (the caller disposes it) and the run state.
 * @throws WeightsError naming `source` for a model file (not a checkpoint), a missing or bad run
 *   state, or missing or non-finite optimizer moments.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
 * import { loadCheckpoint } from "./checkpoint.ts";
 * await initBackend("cpu");
 * const m = new FlowFM(presetConfig("tiny"));
 * const bytes = await serializeModel(m);
 * assert.throws(() => loadCheckpoint(bytes, "run/model.safetensors"), /model\.safetensors: .*not a checkpoint/);
 * m.dispose();
 * ```
 */
export function loadCheckpoint(
  bytes: Uint8Array,
  source = "checkpoint",
): { model: FlowFM; state: RunState } {
  const { model, kind, extras } = deserializeModel(bytes, source);
  try {
    if (kind !== "checkpoint") {
      throw new WeightsError(
        source,
        "a model file, not a checkpoint: it has no optimizer or run state to resume from",
      );
    }
    const raw = extras.metadata.trainer;
    if (raw === undefined) {
      throw new WeightsError(
        source,
        "__metadata__.trainer is missing: no run state to resume from",
      );
    }
    let t: Record<string, unknown>;
    try {
      t = JSON.parse(raw);
    } catch {
      throw new WeightsError(source, "__metadata__.trainer is not valid JSON");
    }
    const num = (key: string, ok: (v: number) => boolean, expected: string): number => {
      const v = t?.[key];
      if (typeof v !== "number" || !ok(v)) {
        throw new WeightsError(
          source,
          `__metadata__.trainer.${key} is ${JSON.stringify(v)}, expected ${expected}`,
        );
      }
      return v;
    };
    const count = (v: number) => Number.isInteger(v) && v >= 1;
    const rng = t.rng;
    if (
      !Array.isArray(rng) || rng.length !== 4 ||
      !rng.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) || rng.every((w) => w === 0)
    ) {
      throw new WeightsError(
        source,
        `__metadata__.trainer.rng is ${JSON.stringify(rng)}, expected four 32-bit words`,
      );
    }
    if (typeof t.augment !== "boolean" && !isAugmentOptions(t.augment)) {
      throw new WeightsError(
        source,
        `__metadata__.trainer.augment is ${
          JSON.stringify(t.augment)
        }, expected true, false or view settings`,
      );
    }
    const choice = <T extends string>(key: string, list: readonly T[], fallback: T): T => {
      const v = (t[key] ?? fallback) as T;
      if (list.includes(v)) return v;
      throw new WeightsError(
        source,
        `__metadata__.trainer.${key} is ${JSON.stringify(v)}, expected one of ${list.join(", ")}`,
      );
    };
    const timeSampling = choice<TimeSampling>("timeSampling", TIME_SAMPLINGS, "uniform");
    const balance = choice<BalanceMode>("balance", BALANCE_MODES, "none");
    const emaDecay = t.emaDecay === undefined
      ? 0
      : num("emaDecay", (v) => v >= 0 && v < 1, "a number in [0, 1)");
    const moments = new Map<string, MomentTensor>();
    const expected: [string, string[]][] = [...model.params.trainable].map((
      name,
    ) => [name, [`optimizer.m.${name}`, `optimizer.v.${name}`]]);
    if (emaDecay > 0) {
      for (const name of model.params.vars.keys()) {
        if (name.startsWith("encoder.")) expected.push([name, [`${EMA_PREFIX}${name}`]]);
      }
    }
    for (const [name, keys] of expected) {
      const shape = model.params.get(name).shape;
      for (const k of keys) {
        const m = extras.tensors.get(k);
        const bad = m ? m.data.findIndex((x) => !Number.isFinite(x)) : -1;
        const why = !m
          ? `missing optimizer tensor "${k}" (shape [${shape}])`
          : m.shape.join() !== shape.join()
          ? `optimizer tensor "${k}" has shape [${m.shape}], expected [${shape}]`
          : bad >= 0
          ? `optimizer tensor "${k}" holds ${m.data[bad]} at index ${bad}`
          : null;
        if (why || !m) throw new WeightsError(source, why ?? k);
        moments.set(k, { shape: m.shape, data: m.data });
      }
    }
    for (const k of extras.tensors.keys()) {
      if (!moments.has(k)) throw new WeightsError(source, `unexpected optimizer tensor "${k}"`);
    }
    const state: RunState = {
      step: model.config.step,
      rng: rng as number[],
      moments,
      schedule: {
        batch: num("batch", count, "an integer >= 1"),
        seed: num("seed", Number.isInteger, "an integer"),
        totalSteps: num("totalSteps", count, "an integer >= 1"),
        windows: num("windows", (v) => Number.isInteger(v) && v >= 0, "an integer >= 0"),
      },
      config: {
        preset: model.config.preset,
        lr: num("lr", (v) => Number.isFinite(v) && v >= 0, "a number >= 0"),
        clipNorm: num("clipNorm", (v) => Number.isFinite(v) && v >= 0, "a number >= 0"),
        augment: t.augment,
        randomCrops: t.randomCrops === true,
        shiftedView: t.shiftedView === true,
        motionWeighted: t.motionWeighted === true,
        balance,
        emaDecay,
        timeSampling,
        ...(Array.isArray(t.dataArgs) && t.dataArgs.every((a: unknown) => typeof a === "string")
          ? { dataArgs: t.dataArgs as string[] }
          : {}),
        ...(Array.isArray(t.earlierData) && t.earlierData.every(isEarlierData)
          ? { earlierData: t.earlierData as EarlierData[] }
          : {}),
        objective: model.config.objective,
      },
    };
    return { model, state };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

const isEarlierData = (d: EarlierData) =>
  Number.isInteger(d?.untilStep) && Array.isArray(d.args) && d.args.every((a) => a === `${a}`);
