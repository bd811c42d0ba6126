/**
 * The generator: a velocity field `v(x_t, t, z)` for conditional flow matching, as a 1-D U-Net
 * over the window. `t` enters through a sinusoidal embedding + MLP, `z` through a linear layer;
 * their sum conditions every residual block as a FiLM (adaptive group-norm scale and shift).
 *
 * Levels run at lengths 300, 150, 75, ... (average-pool down, nearest up, skip connections).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { GeneratorConfig } from "./config.ts";
import { concatChannels, conv1dSame, groupNorm, silu, timeEmbedding, upsample2 } from "./ops.ts";
import { onWebGpu } from "./webgpu_kernels.ts";
import { groupNormFilmSiluWebGpu } from "./group_norm_film_webgpu.ts";
import { denseWebGpu } from "./dense_webgpu.ts";
import { addSameWebGpu } from "./add_webgpu.ts";
import type { Params } from "./params.ts";

interface BlockSpec {
  name: string;
  cin: number;
  cout: number;
}

function blockSpecs(
  config: GeneratorConfig,
): { down: BlockSpec[][]; mid: BlockSpec; up: BlockSpec[][] } {
  const ch = config.channels;
  const down: BlockSpec[][] = [];
  const skips: number[] = [];
  let c = ch[0];
  ch.forEach((cl, l) => {
    down.push([]);
    for (let b = 0; b < config.blocks; b++) {
      down[l].push({ name: `generator.down${l}.b${b}`, cin: c, cout: cl });
      c = cl;
      skips.push(c);
    }
  });
  const mid: BlockSpec = { name: "generator.mid", cin: c, cout: c };
  const up: BlockSpec[][] = [];
  for (let l = ch.length - 1; l >= 0; l--) {
    const level: BlockSpec[] = [];
    for (let b = 0; b < config.blocks; b++) {
      level.push({ name: `generator.up${l}.b${b}`, cin: c + skips.pop()!, cout: ch[l] });
      c = ch[l];
    }
    up.push(level);
  }
  return { down, mid, up };
}

/**
 * Creates the generator's parameters in `params` under the prefix `generator.`.
 *
 * @param params The store to add to.
 * @param config Generator architecture.
 * @param channels Channels of a window (3).
 * @param zDim Width of the encoder's `z`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { presetConfig } from "./config.ts";
 * import { createGenerator } from "./generator.ts";
 * import { Params } from "./params.ts";
 * import { Rng } from "../random.ts";
 * await initBackend("cpu");
 * const p = new Params(new Rng(0));
 * createGenerator(p, presetConfig("tiny").generator, 3, 32);
 * assert(p.count("generator.") > 0);
 * p.dispose();
 * ```
 */
export function createGenerator(
  params: Params,
  config: GeneratorConfig,
  channels: number,
  zDim: number,
): void {
  const d = config.condDim;
  const k = config.kernel;
  const dense = (name: string, i: number, o: number) => {
    params.create(`${name}.w`, [i, o], { kind: "uniform", fanIn: i });
    params.create(`${name}.b`, [o], { kind: "uniform", fanIn: i });
  };
  const conv = (name: string, kk: number, i: number, o: number, zero = false) => {
    params.create(
      `${name}.w`,
      [kk, i, o],
      zero ? { kind: "zeros" } : { kind: "uniform", fanIn: kk * i },
    );
    params.create(`${name}.b`, [o], zero ? { kind: "zeros" } : { kind: "uniform", fanIn: kk * i });
  };
  dense("generator.time.fc1", d, d);
  dense("generator.time.fc2", d, d);
  dense("generator.z", zDim, d);
  conv("generator.in", k, channels, config.channels[0]);
  const { down, mid, up } = blockSpecs(config);
  for (const s of [...down.flat(), mid, ...up.flat()]) {
    dense(`${s.name}.film1`, d, 2 * s.cin);
    conv(`${s.name}.conv1`, k, s.cin, s.cout);
    dense(`${s.name}.film2`, d, 2 * s.cout);
    conv(`${s.name}.conv2`, k, s.cout, s.cout, true); // zero init: block starts as identity
    if (s.cin !== s.cout) conv(`${s.name}.skip`, 1, s.cin, s.cout);
  }
  conv("generator.out", k, config.channels[0], channels);
}

/** `x w + b`: one kernel each way per input on webgpu (`./dense_webgpu.ts`). */
function dense(params: Params, name: string, x: tf.Tensor2D): tf.Tensor2D {
  const w = params.get(`${name}.w`) as tf.Tensor2D, b = params.get(`${name}.b`);
  if (onWebGpu(x) && onWebGpu(w)) return denseWebGpu(x, w, b);
  return tf.add(tf.matMul(x, w), b);
}

function conv(params: Params, name: string, x: tf.Tensor3D): tf.Tensor3D {
  const w = params.get(`${name}.w`) as tf.Tensor3D;
  return conv1dSame(x, w, "zeros", params.get(`${name}.b`));
}

/**
 * Group norm, then `* (1 + scale) + shift` with scale and shift (`dss`, from the condition), then
 * SiLU: all three as one kernel each way on webgpu (`./group_norm_film_webgpu.ts`).
 */
function filmSilu(x: tf.Tensor3D, dss: tf.Tensor2D, groups: number): tf.Tensor3D {
  const c = x.shape[2];
  if (onWebGpu(x) && onWebGpu(dss)) return groupNormFilmSiluWebGpu(x, dss, groups);
  const normed = groupNorm(x, groups);
  const ss = tf.reshape(dss, [-1, 1, 2 * c]);
  const [scale, shift] = tf.split(ss, 2, 2);
  return silu(tf.add(tf.mul(normed, tf.add(scale, 1)), shift));
}

/** The FiLM layers' scale and shift by layer name, `[batch, 2 channels]`. */
type FilmConditions = (name: string) => tf.Tensor2D;

/**
 * Every FiLM layer's dense output from the condition: on webgpu all layers as one dense layer over
 * their weights side by side, then split (one kernel each way instead of one per layer, and the
 * condition's gradient not summed over the layers); elsewhere one dense layer per call.
 */
function filmConditions(params: Params, names: string[], cond: tf.Tensor2D): FilmConditions {
  const one = (name: string) => dense(params, name, cond);
  if (!onWebGpu(cond)) return one;
  const ws = names.map((n) => params.get(`${n}.w`));
  const bs = names.map((n) => params.get(`${n}.b`));
  const all = denseWebGpu(cond, tf.concat(ws, 1) as tf.Tensor2D, tf.concat(bs, 0));
  const parts = tf.split(all, ws.map((w) => w.shape[1] as number), 1) as tf.Tensor2D[];
  const byName = new Map(names.map((n, i) => [n, parts[i]]));
  return (name) => byName.get(name) ?? one(name);
}

function resBlock(
  params: Params,
  s: BlockSpec,
  x: tf.Tensor3D,
  film: FilmConditions,
  groups: number,
): tf.Tensor3D {
  let h = filmSilu(x, film(`${s.name}.film1`), groups);
  h = conv(params, `${s.name}.conv1`, h);
  h = filmSilu(h, film(`${s.name}.film2`), groups);
  h = conv(params, `${s.name}.conv2`, h);
  const skip = s.cin === s.cout ? x : conv(params, `${s.name}.skip`, x);
  return onWebGpu(skip) && onWebGpu(h) ? addSameWebGpu(skip, h) : tf.add(skip, h);
}

function avgPool2(x: tf.Tensor3D): tf.Tensor3D {
  const [b, l, c] = x.shape;
  const y = tf.avgPool(tf.reshape(x, [b, 1, l, c]) as tf.Tensor4D, [1, 2], [1, 2], "valid");
  return tf.reshape(y, [b, l / 2, c]);
}

/**
 * Evaluates the velocity field.
 *
 * @param params Parameters made by {@link createGenerator}.
 * @param config Generator architecture.
 * @param xt Points on the path, shape `[batch, 300, 3]`.
 * @param t Times in [0, 1], shape `[batch]`.
 * @param z Representations, shape `[batch, zDim]`.
 * @returns Velocities, shape `[batch, 300, 3]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { presetConfig } from "./config.ts";
 * import { createGenerator, velocityForward } from "./generator.ts";
 * import { Params } from "./params.ts";
 * import { Rng } from "../random.ts";
 * await initBackend("cpu");
 * const cfg = presetConfig("tiny").generator;
 * const p = new Params(new Rng(0));
 * createGenerator(p, cfg, 3, 32);
 * const v = velocityForward(p, cfg, tf.zeros([2, 300, 3]), tf.tensor1d([0.1, 0.9]), tf.zeros([2, 32]));
 * assert(v.shape.join() === "2,300,3");
 * p.dispose();
 * ```
 */
export function velocityForward(
  params: Params,
  config: GeneratorConfig,
  xt: tf.Tensor3D,
  t: tf.Tensor1D,
  z: tf.Tensor2D,
): tf.Tensor3D {
  const [b, len] = xt.shape;
  if (t.shape[0] !== b || z.shape[0] !== b) {
    throw new Error(`generator: batch mismatch, x [${xt.shape}], t [${t.shape}], z [${z.shape}]`);
  }
  if (len % 2 ** (config.channels.length - 1) !== 0) {
    throw new Error(`generator: length ${len} of x [${xt.shape}] not divisible by 2^levels`);
  }
  return tf.tidy(() => {
    const g = config.groups;
    let temb = silu(dense(params, "generator.time.fc1", timeEmbedding(t, config.condDim)));
    temb = dense(params, "generator.time.fc2", temb);
    const cond = silu(tf.add(temb, dense(params, "generator.z", z))) as tf.Tensor2D;
    const { down, mid, up } = blockSpecs(config);
    const blocks = [...down.flat(), mid, ...up.flat()];
    const film = filmConditions(
      params,
      blocks.flatMap((s) => [`${s.name}.film1`, `${s.name}.film2`]),
      cond,
    );
    let h = conv(params, "generator.in", xt);
    const skips: tf.Tensor3D[] = [];
    down.forEach((level, l) => {
      for (const s of level) {
        h = resBlock(params, s, h, film, g);
        skips.push(h);
      }
      if (l < down.length - 1) h = avgPool2(h);
    });
    h = resBlock(params, mid, h, film, g);
    up.forEach((level, i) => {
      for (const s of level) h = resBlock(params, s, concatChannels(h, skips.pop()!), film, g);
      if (i < up.length - 1) h = upsample2(h);
    });
    return conv(params, "generator.out", silu(groupNorm(h, g)));
  });
}
