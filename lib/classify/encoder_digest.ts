/**
 * The identity of an encoder: a SHA-256 of its weights, which a probe classifier records when it
 * is fitted and checks before it predicts. Browser-safe: hashing with Web Crypto.
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import { sha256Hex } from "../sha256.ts";

const short = (digest: string) => digest.slice(0, 12);

/**
 * SHA-256 (hex) of a model's encoder weights: every `encoder.*` tensor (BN statistics included),
 * in name order, as its name, shape and little-endian float32 values. The same weights give the
 * same digest whichever file (model, checkpoint) they were loaded from.
 *
 * @param model The model.
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { encoderDigest } from "./encoder_digest.ts";
 * await initBackend("cpu");
 * const a = new FlowFM(presetConfig("tiny", { seed: 1 }));
 * const b = new FlowFM(presetConfig("tiny", { seed: 2 }));
 * assert.match(await encoderDigest(a), /^[0-9a-f]{64}$/);
 * assert.notEqual(await encoderDigest(a), await encoderDigest(b));
 * a.dispose(); b.dispose();
 * ```
 */
export async function encoderDigest(model: FlowFM): Promise<string> {
  if (isDisposed(model)) throw new Error("the model was disposed; load it again");
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const name of [...model.params.vars.keys()].filter((n) => n.startsWith("encoder.")).sort()) {
    const v = model.params.vars.get(name)!;
    parts.push(enc.encode(`${name}[${v.shape.join(",")}]\n`));
    const values = await v.data() as Float32Array;
    const bytes = new Uint8Array(values.length * 4), view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    parts.push(bytes);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  return await sha256Hex(all);
}

/** A disposed model has no variables left (`Params.dispose` clears them). */
const isDisposed = (model: FlowFM) => model.params.vars.size === 0;

/**
 * Fails when `model`'s encoder is not the one a classifier was fitted on.
 *
 * @param model The encoder offered.
 * @param expected The classifier's digest.
 * @param source Names the classifier in the message.
 * @returns Nothing; resolves when the digests match.
 */
export async function checkEncoder(
  model: FlowFM,
  expected: string,
  source: string,
): Promise<void> {
  if (isDisposed(model)) throw new Error(`${source}: the model was disposed; load it again`);
  const actual = await encoderDigest(model);
  if (actual !== expected) {
    throw new Error(
      `${source}: the classifier was fitted on another encoder (encoder weights SHA-256 ` +
        `${short(expected)}…, this model's ${short(actual)}…); use the model it was fitted ` +
        `with, or fit the classifier again on this one`,
    );
  }
}
