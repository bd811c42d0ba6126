/**
 * The encoder `E(x) -> z`: SSL-Wearables' 1-D ResNet-V2 (`harnet`). Each stage is a circular
 * conv (no bias) -> pre-activation residual blocks (BN-ReLU-Conv-BN-ReLU-Conv + identity) ->
 * BN -> ReLU -> anti-aliased downsampling; the last stage leaves length 1, so `z` is the last
 * stage's channels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { EncoderConfig } from "./config.ts";
import { antiAliasDownsample, conv1dSame } from "./ops.ts";
import type { Params } from "./params.ts";
import { mean, moments } from "./reduce.ts";
import { batchNormTrain } from "./batch_norm_kernels.ts";
import { onWebGpu, recordingGradients } from "./webgpu_kernels.ts";
import { batchNormReluWebGpu } from "./batch_norm_relu_webgpu.ts";
import { updateRunningStatsWebGpu } from "./running_stats_webgpu.ts";
import { addSameWebGpu } from "./add_webgpu.ts";

const BN_EPS = 1e-5; // as PyTorch BatchNorm1d
const BN_MOMENTUM = 0.1; // running = (1 - m) running + m batch, as PyTorch
const LN_EPS = 1e-5; // the bottleneck's layer norm, as PyTorch LayerNorm

/** Whether batch norm uses batch statistics (and updates running ones) or running ones. */
export type NormMode = "train" | "eval";

/**
 * Creates the encoder's parameters in `params` under the prefix `encoder.`.
 *
 * @param params The store to add to.
 * @param config Encoder architecture.
 * @param inChannels Channels of the input (3).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { presetConfig } from "./config.ts";
 * import { createEncoder } from "./encoder.ts";
 * import { Params } from "./params.ts";
 * import { Rng } from "../random.ts";
 * await initBackend("cpu");
 * const p = new Params(new Rng(0));
 * createEncoder(p, presetConfig("tiny").encoder, 3);
 * assert(p.count("encoder.") > 0);
 * p.dispose();
 * ```
 */
export function createEncoder(params: Params, config: EncoderConfig, inChannels: number): void {
  let cin = inChannels + (config.magnitude ? 1 : 0);
  const bn = (name: string, c: number) => {
    params.create(`${name}.gamma`, [c], { kind: "ones" });
    params.create(`${name}.beta`, [c], { kind: "zeros" });
    params.create(`${name}.mean`, [c], { kind: "zeros" }, false);
    params.create(`${name}.var`, [c], { kind: "ones" }, false);
  };
  const conv = (name: string, k: number, i: number, o: number) =>
    params.create(`${name}.w`, [k, i, o], { kind: "uniform", fanIn: k * i });
  config.stages.forEach((s, i) => {
    const pre = `encoder.s${i}`;
    conv(`${pre}.conv`, s.kernel, cin, s.channels);
    for (let j = 0; j < s.resblocks; j++) {
      bn(`${pre}.rb${j}.bn1`, s.channels);
      conv(`${pre}.rb${j}.conv1`, s.kernel, s.channels, s.channels);
      bn(`${pre}.rb${j}.bn2`, s.channels);
      conv(`${pre}.rb${j}.conv2`, s.kernel, s.channels, s.channels);
    }
    bn(`${pre}.bn`, s.channels);
    cin = s.channels;
  });
  if (config.bottleneck) {
    params.create("encoder.proj.w", [cin, config.bottleneck], { kind: "uniform", fanIn: cin });
    params.create("encoder.proj.b", [config.bottleneck], { kind: "zeros" });
  }
}

/**
 * The encoder's input transform: per-window gravity removal and a magnitude channel, as the
 * config asks (`removeGravity`, `magnitude`); the identity otherwise.
 *
 * @param config Encoder architecture.
 * @param x Windows, shape `[batch, length, 3]`, in g.
 * @returns Shape `[batch, length, 3]`, or `[batch, length, 4]` with the magnitude channel.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { encoderInput } from "./encoder.ts";
 * await initBackend("cpu");
 * const x = tf.tensor3d([[[0, 0, 1], [0, 4, 3]]]);
 * const y = encoderInput({ stages: [], removeGravity: true, magnitude: true }, x);
 * assert.deepEqual(Array.from(y.dataSync()), [0, -2, -1, 1, 0, 2, 1, 5]);
 * ```
 */
export function encoderInput(config: EncoderConfig, x: tf.Tensor3D): tf.Tensor3D {
  if (!config.removeGravity && !config.magnitude) return x;
  return tf.tidy(() => {
    let h = config.removeGravity ? tf.sub(x, mean(x, 1, true)) as tf.Tensor3D : x;
    if (config.magnitude) {
      const norm = tf.sqrt(tf.sum(tf.square(x), 2, true));
      h = tf.concat([h, norm], 2) as tf.Tensor3D;
    }
    return h;
  });
}

/**
 * `relu(batchNorm(x))`: on webgpu one kernel when encoding (evaluation mode, no gradients), and
 * the ReLU inside the training-mode norm's kernels.
 */
function bnRelu(params: Params, name: string, x: tf.Tensor3D, mode: NormMode): tf.Tensor3D {
  if (mode === "eval" && onWebGpu(x) && !recordingGradients()) {
    const p = (k: string) => params.get(`${name}.${k}`);
    return batchNormReluWebGpu(x, p("mean"), p("var"), p("gamma"), p("beta"), BN_EPS);
  }
  if (mode === "train") return batchNorm(params, name, x, mode, true);
  return tf.relu(batchNorm(params, name, x, mode));
}

function batchNorm(
  params: Params,
  name: string,
  x: tf.Tensor3D,
  mode: NormMode,
  relu = false,
): tf.Tensor3D {
  const gamma = params.get(`${name}.gamma`);
  const beta = params.get(`${name}.beta`);
  const runMean = params.get(`${name}.mean`);
  const runVar = params.get(`${name}.var`);
  if (mode === "eval") {
    return tf.batchNorm(
      x,
      runMean as tf.Tensor1D,
      runVar as tf.Tensor1D,
      beta,
      gamma,
      BN_EPS,
    ) as tf.Tensor3D;
  }
  const n = x.shape[0] * x.shape[1];
  // One fused kernel each way on wasm (tf.batchNorm's gradient is over 2x slower there).
  return batchNormTrain(
    x,
    gamma,
    beta,
    BN_EPS,
    (mu, variance) =>
      onWebGpu(variance)
        ? updateRunningStatsWebGpu(runMean, runVar, mu, variance, BN_MOMENTUM, n)
        : tf.tidy(() => {
          const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
          runMean.assign(tf.add(tf.mul(runMean, 1 - BN_MOMENTUM), tf.mul(mu, BN_MOMENTUM)));
          runVar.assign(tf.add(tf.mul(runVar, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
        }),
    relu,
  );
}

/**
 * Encodes windows to representations.
 *
 * @param params Parameters made by {@link createEncoder}.
 * @param config Encoder architecture.
 * @param x Windows, shape `[batch, 300, 3]`, in g.
 * @param mode `"train"` uses batch statistics and updates the running ones; `"eval"` uses the
 *   running statistics.
 * @returns `z`, shape `[batch, embeddingDim]` (the last stage's channels, or the bottleneck's width).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { presetConfig } from "./config.ts";
 * import { createEncoder, encoderForward } from "./encoder.ts";
 * import { Params } from "./params.ts";
 * import { Rng } from "../random.ts";
 * await initBackend("cpu");
 * const cfg = presetConfig("tiny").encoder;
 * const p = new Params(new Rng(0));
 * createEncoder(p, cfg, 3);
 * const z = encoderForward(p, cfg, tf.zeros([2, 300, 3]), "eval");
 * assert(z.shape[0] === 2 && z.shape[1] === 32);
 * p.dispose();
 * ```
 */
export function encoderForward(
  params: Params,
  config: EncoderConfig,
  x: tf.Tensor3D,
  mode: NormMode,
): tf.Tensor2D {
  return tf.tidy(() => encoderTrunk(params, config, x, mode));
}

/** The forward pass; `tap` sees each stage's output (after BN-ReLU, before downsampling). */
function encoderTrunk(
  params: Params,
  config: EncoderConfig,
  x: tf.Tensor3D,
  mode: NormMode,
  tap?: (h: tf.Tensor3D) => void,
): tf.Tensor2D {
  let h = encoderInput(config, x);
  const w = (name: string) => params.get(`${name}.w`) as tf.Tensor3D;
  config.stages.forEach((s, i) => {
    const pre = `encoder.s${i}`;
    h = conv1dSame(h, w(`${pre}.conv`), "circular");
    for (let j = 0; j < s.resblocks; j++) {
      const rb = `${pre}.rb${j}`;
      let r = bnRelu(params, `${rb}.bn1`, h, mode);
      r = conv1dSame(r, w(`${rb}.conv1`), "circular");
      r = bnRelu(params, `${rb}.bn2`, r, mode);
      r = conv1dSame(r, w(`${rb}.conv2`), "circular");
      h = onWebGpu(h) && onWebGpu(r) ? addSameWebGpu(h, r) : tf.add(h, r);
    }
    h = bnRelu(params, `${pre}.bn`, h, mode);
    tap?.(h);
    h = antiAliasDownsample(h, s.down, s.order);
  });
  const [b, len, c] = h.shape;
  if (len !== 1) throw new Error(`encoder: final length ${len} != 1 for input [${x.shape}]`);
  const pooled = tf.reshape(h, [b, c]) as tf.Tensor2D;
  if (!config.bottleneck) return pooled;
  const y = tf.add(
    tf.matMul(pooled, params.get("encoder.proj.w") as tf.Tensor2D),
    params.get("encoder.proj.b"),
  );
  const m = moments(y, 1, true);
  return tf.div(tf.sub(y, m.mean), tf.sqrt(tf.add(m.variance, LN_EPS))) as tf.Tensor2D;
}

/**
 * Multi-scale features for probing: each stage's output averaged over time and its standard
 * deviation over time (after BN-ReLU, before downsampling), then `z`; running statistics.
 *
 * @param params Parameters made by {@link createEncoder}.
 * @param config Encoder architecture.
 * @param x Windows, shape `[batch, 300, 3]`, in g.
 * @returns Shape `[batch, 2 * (sum of stage channels) + embeddingDim]`: stage 0's means, its
 *   standard deviations, stage 1's, ..., then `z`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { presetConfig } from "./config.ts";
 * import { createEncoder, encoderStageFeatures } from "./encoder.ts";
 * import { Params } from "./params.ts";
 * import { Rng } from "../random.ts";
 * await initBackend("cpu");
 * const cfg = presetConfig("tiny").encoder;
 * const p = new Params(new Rng(0));
 * createEncoder(p, cfg, 3);
 * const f = encoderStageFeatures(p, cfg, tf.zeros([2, 300, 3]));
 * const channels = cfg.stages.reduce((n, s) => n + s.channels, 0);
 * assert.deepEqual(f.shape, [2, 2 * channels + 32]);
 * p.dispose();
 * ```
 */
export function encoderStageFeatures(
  params: Params,
  config: EncoderConfig,
  x: tf.Tensor3D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    const z = encoderTrunk(params, config, x, "eval", (h) => {
      const m = moments(h, 1);
      parts.push(m.mean as tf.Tensor2D, tf.sqrt(tf.add(m.variance, 1e-6)) as tf.Tensor2D);
    });
    return tf.concat([...parts, z], 1) as tf.Tensor2D;
  });
}
