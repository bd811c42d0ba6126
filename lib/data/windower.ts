/**
 * Streaming windowing: cuts resampled segments into fixed-length windows with a hop,
 * clips them, and drops windows with NaN or mixed labels, counting drops by reason.
 *
 * @module
 */

import { CHANNELS, WINDOW_SAMPLES, type WindowStats } from "./types.ts";

/** How a window's label is decided. */
export type LabelPolicy = "drop-mixed" | "majority" | "ignore";

/** Options of {@linkcode Windower}. */
export interface WindowerOptions {
  /**
   * Samples per window.
   * @default {300}
   */
  windowSamples?: number;
  /**
   * Samples between window starts (window minus overlap).
   * @default {150}
   */
  hopSamples?: number;
  /**
   * Values are clipped to [-clip, clip] (g).
   * @default {3}
   */
  clip?: number;
  /**
   * `"drop-mixed"`: a window whose samples carry two labels (unlabelled counts as a label)
   * is dropped; `"majority"`: the most frequent label wins (ties: the earlier one); `"ignore"`: label is null.
   * @default {"drop-mixed"}
   */
  labelPolicy?: LabelPolicy;
}

/** Receives one kept window: values (a fresh array), start time, label id (0 = null). */
export type WindowSink = (data: Float32Array, start: number, label: number) => void;

/**
 * Push-based windower over resampled samples. Label id 0 means "no label".
 *
 * @example Windows of 4 samples with hop 2
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyStats } from "./types.ts";
 * import { Windower } from "./windower.ts";
 * const stats = emptyStats();
 * const starts: number[] = [];
 * const w = new Windower({ windowSamples: 4, hopSamples: 2 }, stats, (_d, t) => starts.push(t));
 * for (let i = 0; i < 8; i++) w.push(i, 0, 0, 1, 0);
 * w.endSegment();
 * assert(starts.join(",") === "0,2,4" && stats.windows === 3);
 * ```
 */
export class Windower {
  #n: number;
  #hop: number;
  #clip: number;
  #policy: LabelPolicy;
  #stats: WindowStats;
  #sink: WindowSink;
  #buf: Float32Array;
  #times: Float64Array;
  #labels: Int32Array;
  #fill = 0;
  #skip = 0;
  #segWindows = 0;
  #segSamples = 0;
  /** Windows formed (kept or dropped) so far. */
  formed = 0;

  /**
   * Creates a windower.
   *
   * @param options Geometry, clipping and label policy.
   * @param stats Counters updated in place.
   * @param sink Called for every kept window.
   */
  constructor(options: WindowerOptions, stats: WindowStats, sink: WindowSink) {
    this.#n = options.windowSamples ?? WINDOW_SAMPLES;
    this.#hop = options.hopSamples ?? this.#n / 2;
    if (
      !Number.isInteger(this.#n) || this.#n < 1 || !Number.isInteger(this.#hop) || this.#hop < 1
    ) {
      throw new RangeError("windowSamples and hopSamples must be positive integers");
    }
    this.#clip = options.clip ?? 3;
    this.#policy = options.labelPolicy ?? "drop-mixed";
    this.#stats = stats;
    this.#sink = sink;
    this.#buf = new Float32Array(this.#n * CHANNELS);
    this.#times = new Float64Array(this.#n);
    this.#labels = new Int32Array(this.#n);
  }

  /**
   * Adds one resampled sample.
   *
   * @param t Time (s).
   * @param x X in g.
   * @param y Y in g.
   * @param z Z in g.
   * @param label Label id (0 = none).
   */
  push = (t: number, x: number, y: number, z: number, label: number): void => {
    this.#segSamples++;
    if (this.#skip > 0) {
      this.#skip--;
      return;
    }
    const i = this.#fill++;
    const b = this.#buf;
    b[i * 3] = x;
    b[i * 3 + 1] = y;
    b[i * 3 + 2] = z;
    this.#times[i] = t;
    this.#labels[i] = label;
    if (this.#fill === this.#n) this.#flush();
  };

  /** Ends the current segment: buffered samples that do not fill a window are discarded. */
  endSegment = (): void => {
    if (this.#segSamples > 0) {
      this.#stats.segments++;
      if (this.#segWindows === 0) this.#stats.shortSegments++;
    }
    this.#fill = 0;
    this.#skip = 0;
    this.#segWindows = 0;
    this.#segSamples = 0;
  };

  #flush(): void {
    const n = this.#n;
    const b = this.#buf;
    const stats = this.#stats;
    this.formed++;
    this.#segWindows++;
    let ok = true;
    for (let i = 0; i < n * CHANNELS; i++) {
      if (b[i] !== b[i]) {
        ok = false;
        break;
      }
    }
    let label = 0;
    if (!ok) stats.dropped.nan++;
    else if (this.#policy === "drop-mixed") {
      label = this.#labels[0];
      for (let i = 1; i < n; i++) {
        if (this.#labels[i] !== label) {
          ok = false;
          stats.dropped.mixedLabel++;
          break;
        }
      }
    } else if (this.#policy === "majority") label = majority(this.#labels);
    if (ok) {
      const out = new Float32Array(n * CHANNELS);
      const c = this.#clip;
      let lastClipped = -1;
      for (let i = 0; i < out.length; i++) {
        const v = b[i];
        if (v > c || v < -c) {
          out[i] = v > c ? c : -c;
          const t = (i / CHANNELS) | 0;
          if (t !== lastClipped) stats.clippedSamples++;
          lastClipped = t;
        } else out[i] = v;
      }
      stats.windows++;
      if (label === 0) stats.unlabelledWindows++;
      else stats.labelledWindows++;
      this.#sink(out, this.#times[0], label);
    }
    const hop = this.#hop;
    if (hop >= n) {
      this.#fill = 0;
      this.#skip = hop - n;
    } else {
      b.copyWithin(0, hop * CHANNELS);
      this.#times.copyWithin(0, hop);
      this.#labels.copyWithin(0, hop);
      this.#fill = n - hop;
    }
  }
}

function majority(labels: Int32Array): number {
  const counts = new Map<number, number>();
  let best = 0;
  let bestCount = 0;
  for (const l of labels) {
    const c = (counts.get(l) ?? 0) + 1;
    counts.set(l, c);
    if (c > bestCount) {
      bestCount = c;
      best = l;
    }
  }
  return best;
}
