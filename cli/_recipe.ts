// The recipe flags of cli/train.ts: the encoder's augmented view, flow-time sampling and the
// encoder's input transform and bottleneck (issue 11's options). Deno-free parsing of parsed flags.
import {
  type EncoderConfig,
  type Objective,
  presetConfig,
  type PresetName,
} from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { AUGMENT_LIMITS as L, type AugmentOptions } from "../lib/train/augment.ts";
import { TIME_SAMPLINGS, type TimeSampling } from "../lib/flow/path.ts";
import { BALANCE_MODES, type BalanceMode } from "../lib/train/batches.ts";
import { TRAIN_DEFAULTS as D } from "../lib/train/defaults.ts";
import { choiceFlag, numberFlag, UsageError } from "./_common.ts";

const DEFAULT_VIEW = D.augment
  ? `Default view: --augment --augment-permute --augment-jitter 0.05 (the recipe ablation chose it,
  docs/ablations.md); any --augment* flag replaces it, --no-augment turns it off.`
  : "Default: no augmented view.";

/** Help text of the recipe flags. */
export const RECIPE_HELP =
  `Recipe (kept in the checkpoint; the model file records it as "training" metadata):
  ${DEFAULT_VIEW}
  --augment                 encoder sees a view with a small rotation (<= 10 deg) and scaling (±10 %)
  --no-augment              the encoder sees the very window the generator rebuilds
  --augment-rotation DEG    largest rotation angle of that view (default 10; implies --augment)
  --augment-axis NAME       random | gravity: turn about the window's mean acceleration, keeping the
                            gravity direction (default random; implies --augment)
  --augment-scale X         scaling range ±X (default 0.1; implies --augment)
  --augment-permute         also permute the axes and flip their signs at random (implies --augment)
  --augment-permute-p P     permute (and flip) a window's axes with probability P only, so that the
                            other windows keep their gravity direction (implies --augment-permute)
  --augment-tilt DEG        tilt each window by up to DEG about a horizontal axis after the
                            rotation (with --augment-axis gravity: gravity moves by at most DEG)
  --augment-jitter SD       add Gaussian noise of SD g to the encoder's window first (default 0;
                            implies --augment)
  --time-sampling NAME      ${TIME_SAMPLINGS.join(" | ")} (default ${D.timeSampling})
  --random-crops            each epoch, windows shifted by a random offset into their recording
  --shifted-view            the encoder sees the window's recording shifted by up to the window hop
                            (5 s; up to ±5 s with --random-crops): cross-view in time
  --motion-weighted         draw windows in proportion to their motion (SD of |a|), as SSL-Wearables
  --balance MODE            none | dataset | placement | dataset+placement: each step draws every
                            data set, placement, or data set and placement pair at the same rate,
                            windows uniformly within it, with replacement (seeded; default
                            ${D.balance}); MODE:sqrt (dataset:sqrt, ...) draws each at a rate in
                            proportion to the square root of its window count
  --ema DECAY               keep an EMA of the encoder weights (e.g. 0.999); the model file gets it

Encoder input and output (architecture; new runs only):
  --remove-gravity          subtract each window's per-axis mean (gravity) before the encoder
  --magnitude               give the encoder |a| as a fourth input channel
  --bottleneck N            z = the layer-normalised projection of the pooled features to N dims
  --aux-tasks WEIGHT        add SSL-Wearables' tasks (arrow of time, permutation, time-warp) as
                            three binary heads on z, their cross-entropy times WEIGHT in the loss`;

/** Flag names of the recipe, for `parseArgs`. */
export const RECIPE_OPTIONS = {
  augment: { type: "boolean" },
  "no-augment": { type: "boolean" },
  "augment-rotation": { type: "string" },
  "augment-axis": { type: "string" },
  "augment-scale": { type: "string" },
  "augment-permute": { type: "boolean" },
  "augment-permute-p": { type: "string" },
  "augment-tilt": { type: "string" },
  "augment-jitter": { type: "string" },
  "time-sampling": { type: "string" },
  "random-crops": { type: "boolean" },
  "shifted-view": { type: "boolean" },
  "motion-weighted": { type: "boolean" },
  balance: { type: "string" },
  ema: { type: "string" },
  "remove-gravity": { type: "boolean" },
  magnitude: { type: "boolean" },
  bottleneck: { type: "string" },
  "aux-tasks": { type: "string" },
} as const;

type Flags = Record<string, unknown>;

/**
 * The encoder view the flags ask for: `undefined` when no augment flag is given, `true` for
 * `--augment` alone, `false` for `--no-augment`, else the settings.
 */
export function augmentFlag(values: Flags): boolean | AugmentOptions | undefined {
  const o: AugmentOptions = {};
  if (values["augment-rotation"] !== undefined) {
    o.maxRotationDeg = numberFlag(values, "augment-rotation", 10, { min: 0 });
    if (o.maxRotationDeg > L.maxRotationDeg) {
      throw new UsageError(
        `--augment-rotation must be at most ${L.maxRotationDeg}, got "${o.maxRotationDeg}"`,
      );
    }
  }
  if (values["augment-axis"] !== undefined) {
    o.rotationAxis = choiceFlag(values, "augment-axis", ["random", "gravity"] as const, "random");
  }
  if (values["augment-scale"] !== undefined) {
    o.scale = numberFlag(values, "augment-scale", 0.1, { min: 0 });
    if (o.scale >= L.scale) {
      throw new UsageError(`--augment-scale must be below ${L.scale}, got "${o.scale}"`);
    }
  }
  if (values["augment-permute"]) o.permuteAxes = true;
  if (values["augment-permute-p"] !== undefined) {
    o.permuteAxes = true;
    o.permuteProbability = numberFlag(values, "augment-permute-p", 1, { min: 0 });
    if (o.permuteProbability > L.permuteProbability) {
      throw new UsageError(`--augment-permute-p must be at most 1, got "${o.permuteProbability}"`);
    }
  }
  if (values["augment-tilt"] !== undefined) {
    o.maxTiltDeg = numberFlag(values, "augment-tilt", 0, { min: 0 });
    if (o.maxTiltDeg > L.maxTiltDeg) {
      throw new UsageError(`--augment-tilt must be at most ${L.maxTiltDeg}, got "${o.maxTiltDeg}"`);
    }
  }
  if (values["augment-jitter"] !== undefined) {
    o.jitter = numberFlag(values, "augment-jitter", 0, { min: 0 });
    if (o.jitter > L.jitter) {
      throw new UsageError(`--augment-jitter must be at most ${L.jitter} (g), got "${o.jitter}"`);
    }
  }
  if (values["no-augment"]) {
    if (values.augment || Object.keys(o).length > 0) {
      throw new UsageError("--no-augment contradicts --augment and the --augment-* flags");
    }
    return false;
  }
  if (Object.keys(o).length > 0) return o;
  return values.augment ? true : undefined;
}

/** The flow-time sampling flag, or `undefined` when not given. */
export function timeSamplingFlag(values: Flags): TimeSampling | undefined {
  if (values["time-sampling"] === undefined) return undefined;
  return choiceFlag(values, "time-sampling", TIME_SAMPLINGS, D.timeSampling);
}

/** The balanced-sampling flag, or `undefined` when not given. */
export function balanceFlag(values: Flags): BalanceMode | undefined {
  if (values.balance === undefined) return undefined;
  const mode = choiceFlag(values, "balance", BALANCE_MODES, D.balance);
  if (mode !== "none" && values["motion-weighted"]) {
    throw new UsageError("--balance and --motion-weighted are two samplers; choose one");
  }
  return mode;
}

/** The encoder fields the flags set (empty when none is given). */
export function encoderFlags(values: Flags): Partial<EncoderConfig> {
  const o: Partial<EncoderConfig> = {};
  if (values["remove-gravity"]) o.removeGravity = true;
  if (values.magnitude) o.magnitude = true;
  if (values.bottleneck !== undefined) {
    o.bottleneck = numberFlag(values, "bottleneck", 0, { min: 1, integer: true });
  }
  if (values["aux-tasks"] !== undefined) {
    o.auxTasks = numberFlag(values, "aux-tasks", 0, { min: 0 });
  }
  return o;
}

/** A new run's model: the preset, with the encoder flags (gravity removal, magnitude, bottleneck). */
export function newModel(
  preset: PresetName,
  objective: Objective,
  seed: number,
  values: Record<string, unknown>,
): FlowFM {
  const config = presetConfig(preset, { seed, objective });
  config.encoder = { ...config.encoder, ...encoderFlags(values) };
  return new FlowFM(config);
}
