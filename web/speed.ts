// The demo page's "Speed on this device": on the page's backend, a few training steps of a fresh,
// seeded `tiny` model and the encoding of a batch with the loaded model (the tiny one when none is
// loaded). Kernels (dispatches) per step and per encoded batch are counted as
// bench/dispatch_count.ts counts them (lib/runtime/dispatch_count.ts: after a warm-up call,
// through tf.profile); windows/s are timed over a few calls after that warm-up.
import * as tf from "@tensorflow/tfjs-core";
import { countDispatches, dispatchWindows } from "../lib/runtime/dispatch_count.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";

/** What the page prints and `flowfmDemo.speed()` returns. */
export interface SpeedReport {
  /** The tfjs backend that ran it. */
  backend: string;
  /** Windows per training step and per encoded batch. */
  batch: number;
  /** The preset of the model that encoded (the loaded one, or `tiny`). */
  encodePreset: string;
  /** Kernels (tf.profile) of one `tiny` training step. */
  trainKernelsPerStep: number;
  /** Kernels (tf.profile) of one encoded batch. */
  encodeKernelsPerBatch: number;
  /** GPU programs of one step and of one encoded batch (WebGPU only, else null). */
  trainProgramsPerStep: number | null;
  encodeProgramsPerBatch: number | null;
  /** Training windows per second, over the timed steps. */
  trainWindowsPerSec: number;
  /** Encoded windows per second, over the timed batches. */
  encodeWindowsPerSec: number;
  /** Tensors left behind (0: nothing leaked). */
  leakedTensors: number;
}

/** Windows per second of `timed` calls of `f`, each on `batch` windows. */
async function rate(f: () => Promise<unknown>, batch: number, timed: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < timed; i++) await f();
  return (batch * timed) / ((performance.now() - t0) / 1000);
}

/**
 * Measures the current backend: counts, then times `timed` training steps of a fresh `tiny`
 * model (seed 0, Adam lr 1e-4, seed 1) and `timed` encoded batches of `encoder` (or the tiny
 * model), all on `batch` windows. `progress` hears what runs now.
 */
export async function measureSpeed(
  encoder: FlowFM | null,
  { batch = 64, timed = 3, progress = (_: string) => {} } = {},
): Promise<SpeedReport> {
  const before = tf.memory().numTensors;
  const windows = dispatchWindows(batch); // as bench/dispatch_count.ts counts
  const tiny = new FlowFM(presetConfig("tiny", { seed: 0 }));
  const trainer = new Trainer(tiny, { lr: 1e-4, seed: 1 });
  let report: Omit<SpeedReport, "leakedTensors">;
  try {
    progress("counting the kernels of a tiny training step");
    const train = await countDispatches(() => trainer.step(windows));
    progress(`timing ${timed} training steps`);
    const trainWindowsPerSec = await rate(() => trainer.step(windows), batch, timed);
    const model = encoder ?? tiny;
    const encode = () => model.encode(windows, { batchSize: batch });
    progress("counting the kernels of an encoded batch");
    const enc = await countDispatches(encode);
    progress(`timing ${timed} encoded batches`);
    const encodeWindowsPerSec = await rate(encode, batch, timed);
    report = {
      backend: tf.getBackend(),
      batch,
      encodePreset: model === tiny ? "tiny" : model.config.preset,
      trainKernelsPerStep: train.kernels.TOTAL,
      encodeKernelsPerBatch: enc.kernels.TOTAL,
      trainProgramsPerStep: train.programs?.TOTAL ?? null,
      encodeProgramsPerBatch: enc.programs?.TOTAL ?? null,
      trainWindowsPerSec,
      encodeWindowsPerSec,
    };
  } finally {
    trainer.dispose();
    tiny.dispose();
  }
  return { ...report, leakedTensors: tf.memory().numTensors - before };
}

/** The report as the page prints it. */
export function speedText(r: SpeedReport): string {
  const gpu = r.trainProgramsPerStep === null
    ? ""
    : ` (GPU programs: ${r.trainProgramsPerStep} per step, ${r.encodeProgramsPerBatch} per batch)`;
  return [
    `backend ${r.backend}, batch ${r.batch}`,
    `training (tiny): ${r.trainKernelsPerStep} kernels per step, ` +
    `${r.trainWindowsPerSec.toFixed(1)} windows/s`,
    `encoding (${r.encodePreset}): ${r.encodeKernelsPerBatch} kernels per batch, ` +
    `${r.encodeWindowsPerSec.toFixed(1)} windows/s${gpu}`,
  ].join("\n");
}
