/**
 * Model configuration and presets. A {@link FlowFMConfig} is stored in every weights file, so a
 * model rebuilds from the file alone.
 *
 * @module
 */
import { CHANNELS, SAMPLE_RATE_HZ, WINDOW_SAMPLES } from "../data/types.ts";
import PRESETS_JSON from "./presets.json" with { type: "json" };

/** One encoder stage: conv -> resblocks -> BN -> ReLU -> anti-aliased downsampling. */
export interface EncoderStage {
  /** Output channels of the stage's convolutions. */
  channels: number;
  /** Kernel width of every convolution in the stage (odd). */
  kernel: number;
  /** Number of pre-activation residual blocks. */
  resblocks: number;
  /** Downsampling factor at the end of the stage. */
  down: number;
  /** Order of the anti-aliasing box filter (2 for the first two stages of harnet10, else 1). */
  order: number;
}

/** The 1-D ResNet-V2 encoder (SSL-Wearables harnet layout). */
export interface EncoderConfig {
  /** Stages in order; the last stage's channels are the embedding width (unless `bottleneck`). */
  stages: EncoderStage[];
  /**
   * Subtract each window's per-axis mean (its gravity estimate over 10 s) from the input before
   * the first convolution, so the encoder sees only the dynamic part of the acceleration.
   * @default {false}
   */
  removeGravity?: boolean;
  /**
   * Append the vector magnitude `|a|` of the input (before any gravity removal) as a fourth input
   * channel. It does not change when the device is rotated.
   * @default {false}
   */
  magnitude?: boolean;
  /**
   * Width of a bottleneck: `z` is then the layer-normalised linear projection of the pooled
   * features to this many dimensions; `0` uses the pooled features as they are.
   * @default {0}
   */
  bottleneck?: number;
  /**
   * Weight of SSL-Wearables' auxiliary tasks (arrow of time, permutation, time-warp) in the
   * pretraining loss; above 0 the model has their three binary heads on `z` (`encoder.aux.*`,
   * unused by `encode`) and pretraining adds their mean cross-entropy times this weight.
   * @default {0}
   */
  auxTasks?: number;
}

/** The velocity network: a 1-D U-Net with FiLM conditioning on `t` and `z`. */
export interface GeneratorConfig {
  /** Channels per U-Net level; level i runs at length `300 / 2^i`. */
  channels: number[];
  /** Residual blocks per level on each side of the U. */
  blocks: number;
  /** Width of the sinusoidal time embedding and the conditioning vector. */
  condDim: number;
  /** Group-norm groups (divides every level's channels). */
  groups: number;
  /** Kernel width of the U-Net convolutions (odd). */
  kernel: number;
}

/**
 * Every training objective, by name: conditional flow matching (`fm`, the method) and the
 * representation-conditional DDPM baseline (`ddpm`). `lib/flow/objective.ts` holds what each does.
 */
export const OBJECTIVE_NAMES = ["fm", "ddpm"] as const;

/** Training objective: conditional flow matching, or the representation-conditional DDPM baseline. */
export type Objective = (typeof OBJECTIVE_NAMES)[number];

/**
 * Every built-in size preset, largest first: `base` (harnet10 encoder, 1024-d z), `small` (the CPU
 * default, 512-d z), `compact` (sized for long pretraining on CPUs, 256-d z) and `tiny` (for tests,
 * 32-d z). CLI choice lists and help text use this list.
 */
export const PRESET_NAMES = ["base", "small", "compact", "tiny"] as const;

/** Name of a built-in size preset. */
export type PresetName = (typeof PRESET_NAMES)[number];

/** Everything needed to rebuild a model, stored in the weights file's `__metadata__`. */
export interface FlowFMConfig {
  /** Weights-file format version this config belongs to. */
  formatVersion: number;
  /** Preset the architecture came from, or `"custom"`. */
  preset: PresetName | "custom";
  /** Training objective: flow matching (`fm`), or the diffusion baseline (`ddpm`, epsilon prediction). */
  objective: Objective;
  /** Encoder architecture. */
  encoder: EncoderConfig;
  /** Generator architecture. */
  generator: GeneratorConfig;
  /** Samples per second of a window. */
  sampleRate: number;
  /** Window duration in seconds. */
  windowSeconds: number;
  /** Samples per window (`sampleRate * windowSeconds`). */
  windowLength: number;
  /** Channels per sample (x, y, z). */
  channels: number;
  /** Units of the input. */
  units: "g";
  /** Inputs are clipped to `[-clip, clip]`. */
  clip: number;
  /** Training steps taken when the file was written. */
  step: number;
  /** Seed the run started from. */
  seed: number;
}

/** Current weights-file format version. */
export const FORMAT_VERSION = 1;

/**
 * The presets' architectures, read from `./presets.json`, which the PyTorch twin
 * (`python/flowfm_torch`) reads too: `base` is harnet10 from SSL-Wearables (1024-d z, about 10.5 M
 * encoder parameters); `small` halves the widths with one resblock per stage (the CPU default,
 * 512-d z); `compact` is a quarter width with two resblocks per stage (about 0.66 M parameters,
 * 256-d z, for long pretraining on CPUs); `tiny` has a few thousand parameters (for tests, 32-d z).
 */
const PRESETS = PRESETS_JSON as Record<
  PresetName,
  { encoder: EncoderConfig; generator: GeneratorConfig }
>;

/**
 * Builds the full configuration of a preset.
 *
 * @param preset `base` (harnet10 encoder, 1024-d z), `small` (CPU default, 512-d z) or `tiny`.
 * @param overrides Fields to replace, e.g. `{ seed: 7 }`.
 * @returns A fresh config object.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { presetConfig } from "./config.ts";
 * const c = presetConfig("small");
 * assert(c.windowLength === 300 && c.encoder.stages.at(-1)!.channels === 512);
 * ```
 */
export function presetConfig(
  preset: PresetName,
  overrides: Partial<FlowFMConfig> = {},
): FlowFMConfig {
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) {
    throw new Error(`unknown preset "${preset}": expected one of ${PRESET_NAMES.join(", ")}`);
  }
  const base: FlowFMConfig = {
    formatVersion: FORMAT_VERSION,
    preset,
    objective: "fm",
    encoder: structuredClone(PRESETS[preset].encoder),
    generator: structuredClone(PRESETS[preset].generator),
    sampleRate: SAMPLE_RATE_HZ, // 30 Hz, SSL-Wearables convention
    windowSeconds: WINDOW_SAMPLES / SAMPLE_RATE_HZ, // 10 s
    windowLength: WINDOW_SAMPLES, // 300 samples = 30 Hz x 10 s
    channels: CHANNELS, // x, y, z
    units: "g",
    clip: 3, // g
    step: 0,
    seed: 0,
  };
  return { ...base, ...overrides };
}

/**
 * Embedding width `z` of a configuration: the bottleneck's width if it has one, else the last
 * encoder stage's channels.
 *
 * @param config A model configuration.
 * @returns The width of `z`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddingDim, presetConfig } from "./config.ts";
 * assert(embeddingDim(presetConfig("base")) === 1024);
 * ```
 */
export function embeddingDim(config: FlowFMConfig): number {
  if (config.encoder.bottleneck) return config.encoder.bottleneck;
  return config.encoder.stages[config.encoder.stages.length - 1].channels;
}
