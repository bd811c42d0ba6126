/**
 * Streaming resampler: linear interpolation of irregular samples onto a fixed-rate grid,
 * splitting the recording into segments at gaps.
 *
 * @module
 */

import { SAMPLE_RATE_HZ } from "./types.ts";

/** Options of {@linkcode Resampler}. */
export interface ResamplerOptions {
  /**
   * Output rate in Hz.
   * @default {30}
   */
  rate?: number;
  /**
   * A step between two input samples longer than this (seconds) is a gap: the segment ends
   * and a new one starts at the next sample, so no output sample is interpolated across it.
   * @default {1}
   */
  gapSeconds?: number;
}

/** Receives one output sample: time (s), x, y, z and a label id. */
export type SampleSink = (t: number, x: number, y: number, z: number, label: number) => void;

/**
 * Push-based linear-interpolation resampler. Each segment's grid starts at its first input
 * sample; an output sample takes the label id of the nearer input sample. Callers must
 * push strictly increasing times.
 *
 * @example Resampling 60 Hz to 30 Hz
 * ```ts
 * import assert from "node:assert/strict";
 * import { Resampler } from "./resampler.ts";
 * const out: number[] = [];
 * const r = new Resampler({ rate: 30 }, (t, x) => out.push(x), () => {});
 * for (let i = 0; i <= 6; i++) r.push(i / 60, i, 0, 0, 0);
 * r.end();
 * assert(out.join(",") === "0,2,4,6");
 * ```
 */
export class Resampler {
  #rate: number;
  #gap: number;
  #emit: SampleSink;
  #endSegment: () => void;
  #has = false;
  #segStart = 0;
  #k = 0;
  #pt = 0;
  #px = 0;
  #py = 0;
  #pz = 0;
  #pl = 0;
  /** Number of gaps seen so far. */
  gaps = 0;
  /** Number of segments started so far. */
  segments = 0;

  /**
   * Creates a resampler.
   *
   * @param options Rate and gap threshold.
   * @param emit Called for every output sample.
   * @param endSegment Called when a segment ends (at a gap and at {@linkcode Resampler.end}).
   */
  constructor(options: ResamplerOptions, emit: SampleSink, endSegment: () => void) {
    this.#rate = options.rate ?? SAMPLE_RATE_HZ;
    this.#gap = options.gapSeconds ?? 1;
    if (!(this.#rate > 0) || !(this.#gap > 0)) {
      throw new RangeError("rate and gapSeconds must be positive");
    }
    this.#emit = emit;
    this.#endSegment = endSegment;
  }

  /**
   * Adds one input sample.
   *
   * @param t Time in seconds, greater than the previous one.
   * @param x X value.
   * @param y Y value.
   * @param z Z value.
   * @param label Label id.
   */
  push(t: number, x: number, y: number, z: number, label: number): void {
    if (this.#has && t - this.#pt > this.#gap) {
      this.gaps++;
      this.#endSegment();
      this.#has = false;
    }
    if (!this.#has) {
      this.#has = true;
      this.segments++;
      this.#segStart = t;
      this.#k = 1;
      this.#emit(t, x, y, z, label);
    } else {
      const pt = this.#pt;
      const dt = t - pt;
      const rate = this.#rate;
      let ot = this.#segStart + this.#k / rate;
      // 1 us tolerance so that rounding never loses a grid point that falls on a sample.
      while (ot <= t + 1e-6) {
        const f = (ot - pt) / dt;
        this.#emit(
          ot,
          this.#px + (x - this.#px) * f,
          this.#py + (y - this.#py) * f,
          this.#pz + (z - this.#pz) * f,
          f < 0.5 ? this.#pl : label,
        );
        this.#k++;
        ot = this.#segStart + this.#k / rate;
      }
    }
    this.#pt = t;
    this.#px = x;
    this.#py = y;
    this.#pz = z;
    this.#pl = label;
  }

  /** Ends the current segment (call at end of input, or to force a break). */
  end(): void {
    if (this.#has) this.#endSegment();
    this.#has = false;
  }
}
