/**
 * Options of the streaming CSV reader ({@linkcode readCsvWindows} in `csv_reader.ts`).
 *
 * @module
 */

import type { ColumnSpec } from "./columns.ts";
import type { TimeUnit } from "./timestamps.ts";
import type { LabelPolicy } from "./windower.ts";

/** Options of `readCsvWindows` (`csv_reader.ts`). */
export interface CsvReaderOptions {
  /**
   * Name of the input used in errors and in each window's `source`.
   * @default {"<input>"}
   */
  source?: string;
  /**
   * Explicit columns by header name or 0-based index (null = absent); others are detected
   * from header names (t/time/timestamp, x/acc_x/x_acc, ..., label/activity, subject/user).
   * @default {{}}
   */
  columns?: ColumnSpec;
  /**
   * Whether the first line is a header; `"auto"` detects it.
   * @default {"auto"}
   */
  header?: boolean | "auto";
  /**
   * Field delimiter (`","`, `";"`, `"\t"`, `" "` for whitespace) or `"auto"`.
   * @default {"auto"}
   */
  delimiter?: string;
  /**
   * Timestamp format: `"s"`, `"ms"`, `"us"`, `"ns"`, `"iso"` or `"auto"` (see `detectTimeUnit`).
   * @default {"auto"}
   */
  timeUnit?: TimeUnit | "auto";
  /**
   * Sample rate (Hz) used when there is no timestamp column: row i is at i / sampleRate s.
   * @default {undefined}
   */
  sampleRate?: number;
  /**
   * Acceleration unit: `"g"`, `"m/s^2"` (aliases `m/s2`, `mps2`) or `"auto"` (median norm
   * about 1 means g, about 9.8 means m/s^2). Explicit units win over detection.
   * @default {"auto"}
   */
  units?: string;
  /**
   * With explicit units, a median vector norm that contradicts them (above 4 read as g, below
   * 4 read as m/s^2) is a `unit-mismatch` `DataError`; `true` makes it a warning.
   * @default {false}
   */
  trustUnits?: boolean;
  /**
   * Receives warnings (a unit mismatch when `trustUnits` is set), without a `warning:` prefix.
   * @default {console.warn}
   */
  onWarning?: (message: string) => void;
  /**
   * Multiplier applied to x, y and z as read, before the unit conversion (and before unit
   * detection), e.g. `32 / 8192` for raw ADC bits of a ±16 g, 13-bit sensor with `units: "g"`.
   * @default {1}
   */
  scale?: number;
  /**
   * Steps longer than this (s) split the recording; windows never span a gap.
   * @default {1}
   */
  gapSeconds?: number;
  /**
   * Overlap of consecutive 10 s windows in seconds (hop = 10 - overlap).
   * @default {5}
   */
  overlapSeconds?: number;
  /**
   * Values are clipped to +-clipG g.
   * @default {3}
   */
  clipG?: number;
  /**
   * Windows spanning two labels are dropped (`"drop-mixed"`), take the majority label, or
   * get no label (`"ignore"`).
   * @default {"drop-mixed"}
   */
  labelPolicy?: LabelPolicy;
  /**
   * Subject of every window; overrides a subject column.
   * @default {undefined}
   */
  subject?: string | null;
  /**
   * Skip bad rows (counted in `stats.skippedRows`) instead of throwing.
   * @default {false}
   */
  skipBadRows?: boolean;
  /**
   * Label of data row `i` (0-based, header excluded); overrides a label column.
   * @default {undefined}
   */
  rowLabel?: (row: number) => string | null;
  /**
   * Rows buffered before auto-detecting units and timestamp format.
   * @default {1000}
   */
  detectRows?: number;
}
