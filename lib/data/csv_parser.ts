/**
 * Row parsing for the streaming CSV reader: layout detection, field parsing, unit and
 * timestamp detection, and feeding the resampler and windower.
 *
 * @module
 */

import {
  type ColumnIndex,
  detectDelimiter,
  looksLikeHeader,
  resolveColumns,
  splitFields,
} from "./columns.ts";
import { DataError, type DataErrorCode, excerpt } from "./errors.ts";
import { Resampler } from "./resampler.ts";
import { detectTimeUnit, parseTimestamp, type TimeUnit } from "./timestamps.ts";
import { type AccelWindow, SAMPLE_RATE_HZ, WINDOW_SAMPLES, type WindowStats } from "./types.ts";
import { parseUnit, toGFactor, unitFactor } from "./units.ts";
import { Windower } from "./windower.ts";
import type { CsvReaderOptions } from "./csv_options.ts";

interface RawRow {
  line: number;
  row: number;
  ts: string;
  x: number;
  y: number;
  z: number;
  label: string | null;
  subject: string | null;
}

const MISSING = /^(|nan|na|null)$/i;
const HEADERLESS_TIME = " (the file has no header line, so its first column was read as the " +
  "time; if it is not a time, add a header line such as x,y,z,label)";

/**
 * Incremental row parser behind `readCsvWindows`: detects the layout, units and timestamp
 * format, parses rows and feeds the resampler and windower. Completed windows collect in
 * `out`; call {@linkcode CsvWindowParser.line} per line and
 * {@linkcode CsvWindowParser.finish} at the end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyStats } from "./types.ts";
 * const stats = emptyStats();
 * const parser = new CsvWindowParser({ sampleRate: 30, units: "g" }, stats);
 * parser.line("x,y,z", 1);
 * for (let i = 0; i < 300; i++) parser.line("0,0,1", i + 2);
 * parser.finish(301);
 * assert.equal(parser.out.length, 1);
 * assert.equal(stats.rows, 300);
 * ```
 */
export class CsvWindowParser {
  /** Windows completed since the caller last drained this array. */
  out: AccelWindow[] = [];
  #o: CsvReaderOptions;
  #file: string;
  #stats: WindowStats;
  #delim = "";
  #width = -1;
  #cols: ColumnIndex | null = null;
  #pending: RawRow[] | null = [];
  #timeUnit: TimeUnit | null = null;
  #factor = 1;
  #scale = 1;
  #row = 0;
  #headerless = false;
  #prevT = -Infinity;
  #subject: string | null = null;
  #labelIds = new Map<string, number>();
  #labelNames: (string | null)[] = [null];
  #resampler: Resampler;
  #windower: Windower;

  /**
   * Creates a parser.
   *
   * @param options Reader options (layout, units, timing, windowing).
   * @param stats Statistics object updated while parsing.
   */
  constructor(options: CsvReaderOptions, stats: WindowStats) {
    this.#o = options;
    this.#file = options.source ?? "<input>";
    this.#stats = stats;
    const overlap = options.overlapSeconds ?? 5;
    const hop = Math.round((WINDOW_SAMPLES / SAMPLE_RATE_HZ - overlap) * SAMPLE_RATE_HZ);
    if (!(hop >= 1)) this.#fail("bad-option", `overlapSeconds ${overlap} must be below 10`, 0);
    if (options.units !== undefined && options.units !== "auto") {
      const u = parseUnit(options.units);
      if (!u) {
        this.#fail("unknown-unit", `unknown units '${options.units}' (use g or m/s^2)`, 0);
      }
      this.#factor = toGFactor(u);
    }
    this.#scale = options.scale ?? 1;
    if (!(Number.isFinite(this.#scale) && this.#scale !== 0)) {
      this.#fail("bad-option", `scale ${options.scale} must be finite and non-zero`, 0);
    }
    this.#windower = new Windower(
      { hopSamples: hop, clip: options.clipG ?? 3, labelPolicy: options.labelPolicy },
      stats,
      (data, start, label) =>
        this.out.push({
          data,
          start,
          label: this.#labelNames[label],
          subject: this.#subject,
          source: this.#file,
        }),
    );
    this.#resampler = new Resampler(
      { gapSeconds: options.gapSeconds ?? 1 },
      this.#windower.push,
      this.#windower.endSegment,
    );
  }

  #warn(message: string): void {
    (this.#o.onWarning ?? ((m: string) => console.warn(`warning: ${m}`)))(message);
  }

  #fail(code: DataErrorCode, detail: string, line: number, field?: string): never {
    throw new DataError(code, detail, { file: this.#file, line, field });
  }

  /** Throws, or counts a skipped row when `skipBadRows` is set. */
  #bad(code: DataErrorCode, detail: string, line: number, field?: string): null {
    if (!this.#o.skipBadRows) this.#fail(code, detail, line, field);
    this.#stats.skippedRows++;
    return null;
  }

  /**
   * Feeds one line of input.
   *
   * @param text The line without its terminator.
   * @param line 1-based line number, used in errors.
   */
  line(text: string, line: number): void {
    if (text.trim() === "") return;
    if (!this.#cols) return this.#layout(text, line);
    this.#stats.rows++;
    const r = this.#parse(text, line, this.#row++);
    if (!r) return;
    if (this.#pending) {
      this.#pending.push(r);
      if (this.#pending.length >= (this.#o.detectRows ?? 1000)) this.#decide();
    } else this.#ingest(r);
  }

  #layout(text: string, line: number): void {
    const o = this.#o;
    this.#delim = !o.delimiter || o.delimiter === "auto" ? detectDelimiter(text) : o.delimiter;
    const fields = splitFields(text, this.#delim);
    this.#width = fields.length;
    const header = o.header === undefined || o.header === "auto"
      ? looksLikeHeader(fields)
      : o.header;
    const h = header ? fields : null; // without a header, the first row's types help
    this.#cols = resolveColumns(h, fields.length, o.columns ?? {}, this.#file, fields);
    if (this.#cols.timestamp < 0 && !(o.sampleRate && o.sampleRate > 0)) {
      this.#fail(
        "missing-column",
        "no timestamp column and no sample rate given (option sampleRate; --rate HZ in the CLI)",
        line,
        "timestamp",
      );
    }
    this.#headerless = !header;
    if (!header) this.line(text, line);
  }

  #num(text: string, line: number, field: string): number | null {
    const s = text.trim();
    if (MISSING.test(s)) return NaN;
    const v = Number(s);
    if (s.length > 64 || !Number.isFinite(v)) {
      const what = Number.isNaN(v) || s.length > 64 ? "is not a number" : "is not a finite number";
      return this.#bad("non-numeric", `${excerpt(s)} ${what}`, line, field);
    }
    return v;
  }

  #parse(text: string, line: number, row: number): RawRow | null {
    const f = splitFields(text, this.#delim);
    if (f.length !== this.#width) {
      return this.#bad("malformed-row", `expected ${this.#width} fields, got ${f.length}`, line);
    }
    const c = this.#cols!;
    const x = this.#num(f[c.x], line, "x");
    if (x === null) return null;
    const y = this.#num(f[c.y], line, "y");
    if (y === null) return null;
    const z = this.#num(f[c.z], line, "z");
    if (z === null) return null;
    const o = this.#o;
    const label = o.rowLabel ? o.rowLabel(row) : c.label >= 0 ? f[c.label].trim() || null : null;
    const subject = o.subject !== undefined
      ? o.subject
      : c.subject >= 0
      ? f[c.subject].trim() || null
      : null;
    return { line, row, ts: c.timestamp >= 0 ? f[c.timestamp] : "", x, y, z, label, subject };
  }

  #decide(): void {
    const rows = this.#pending!;
    this.#pending = null;
    const o = this.#o, s = this.#scale;
    const xyz = [rows.map((r) => r.x * s), rows.map((r) => r.y * s), rows.map((r) => r.z * s)];
    const f = unitFactor(xyz, o, rows[0]?.line ?? 0, (m) => this.#warn(`${this.#file}: ${m}`));
    this.#factor = f ?? this.#factor;
    if (this.#cols!.timestamp >= 0) {
      if (o.timeUnit && o.timeUnit !== "auto") this.#timeUnit = o.timeUnit;
      else {
        this.#timeUnit = detectTimeUnit(rows.slice(0, 200).map((r) => r.ts));
        if (!this.#timeUnit) {
          this.#fail(
            "bad-timestamp",
            `cannot parse timestamp ${excerpt(rows[0].ts)}`,
            rows[0].line,
          );
        }
      }
    }
    for (const r of rows) this.#ingest(r);
  }

  #ingest(r: RawRow): void {
    let t: number;
    if (this.#timeUnit) {
      t = parseTimestamp(r.ts, this.#timeUnit);
      if (!Number.isFinite(t)) {
        this.#bad(
          "bad-timestamp",
          `bad ${this.#timeUnit} timestamp ${excerpt(r.ts)}`,
          r.line,
          "timestamp",
        );
        return;
      }
    } else t = r.row / this.#o.sampleRate!;
    if (r.subject !== this.#subject) {
      this.#resampler.end();
      this.#prevT = -Infinity;
      this.#subject = r.subject;
    }
    if (t <= this.#prevT) {
      if (t === this.#prevT) {
        this.#stats.duplicateRows++;
        return;
      }
      if (this.#o.skipBadRows) this.#stats.backwardRows++;
      const hint = this.#headerless && !this.#o.columns ? HEADERLESS_TIME : "";
      const what = `timestamp ${excerpt(r.ts)} goes back in time${hint}`;
      this.#bad("non-monotonic", what, r.line, "timestamp");
      return;
    }
    this.#prevT = t;
    let id = 0;
    if (r.label !== null) {
      id = this.#labelIds.get(r.label) ?? 0;
      if (id === 0) {
        id = this.#labelNames.push(r.label) - 1;
        this.#labelIds.set(r.label, id);
      }
    }
    const f = this.#factor * this.#scale;
    this.#resampler.push(t, r.x * f, r.y * f, r.z * f, id);
  }

  /**
   * Flushes pending rows and the resampler at end of input.
   *
   * @param lines Total number of lines read, used in errors.
   * @throws {DataError} When the input is empty or too short for one window.
   */
  finish(lines: number): void {
    if (!this.#cols) this.#fail("empty", "file is empty", 0);
    if (this.#stats.rows === 0) this.#fail("empty", "no data rows", lines);
    if (this.#pending?.length) this.#decide();
    this.#resampler.end();
    this.#stats.gaps += this.#resampler.gaps;
    if (this.#windower.formed === 0) {
      const gaps = this.#resampler.gaps, gap = this.#o.gapSeconds ?? 1;
      const split = gaps
        ? `; ${gaps} gap(s) longer than ${gap} s split it into shorter pieces`
        : "";
      this.#fail(
        "too-short",
        `recording too short for one 10 s window (${this.#stats.rows} rows${split})`,
        lines,
      );
    }
  }
}
