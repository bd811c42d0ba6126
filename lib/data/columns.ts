/**
 * CSV layout detection: delimiter, header row, and which column holds the timestamp,
 * x, y, z, label and subject.
 *
 * @module
 */

import { DataError, excerpt } from "./errors.ts";

/** Logical columns the reader knows about. */
export type ColumnRole = "timestamp" | "x" | "y" | "z" | "label" | "subject";

/**
 * Column selection: a header name or a 0-based index per role; null means "absent" (for
 * optional roles and the timestamp).
 */
export type ColumnSpec = Partial<Record<ColumnRole, string | number | null>>;

/** Resolved column indices (-1 = absent). */
export type ColumnIndex = Record<ColumnRole, number>;

const NAMES: Record<ColumnRole, string[]> = {
  timestamp: [
    "t",
    "time",
    "timestamp",
    "ts",
    "datetime",
    "date_time",
    "time_s",
    "time_ms",
    "time_us",
    "time_ns",
    "timestamp_s",
    "timestamp_ms",
    "timestamp_us",
    "timestamp_ns",
    "epoch",
    "epoch_s",
    "epoch_ms",
    "epoch_us",
    "epoch_ns",
    "unix_time",
    "unixtime",
  ],
  x: ["x", "acc_x", "x_acc", "accx", "ax", "accel_x", "x_accel", "acceleration_x"],
  y: ["y", "acc_y", "y_acc", "accy", "ay", "accel_y", "y_accel", "acceleration_y"],
  z: ["z", "acc_z", "z_acc", "accz", "az", "accel_z", "z_accel", "acceleration_z"],
  label: ["label", "activity", "class", "annotation"],
  subject: ["subject", "user", "subject_id", "user_id", "participant", "pid"],
};

/**
 * Splits a line with the given delimiter; `" "` means runs of whitespace.
 *
 * @param line One line of text.
 * @param delimiter `","`, `";"`, `"\t"` or `" "` (whitespace).
 * @returns The fields.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitFields } from "./columns.ts";
 * assert(splitFields("  1 2   3 ", " ").length === 3);
 * assert(splitFields("a,b,,", ",").length === 4);
 * ```
 */
export function splitFields(line: string, delimiter: string): string[] {
  if (delimiter === " ") return line.trim().split(/\s+/);
  return line.split(delimiter);
}

/**
 * Guesses the delimiter from the first line: the most frequent of `,` `;` `\t`, else
 * whitespace.
 *
 * @param line The first non-blank line.
 * @returns The delimiter (`" "` for whitespace).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectDelimiter } from "./columns.ts";
 * assert(detectDelimiter("t;x;y;z") === ";");
 * assert(detectDelimiter("0.1 0.2 0.9") === " ");
 * ```
 */
export function detectDelimiter(line: string): string {
  let best = " ";
  let bestCount = 0;
  for (const d of [",", ";", "\t"]) {
    const c = line.split(d).length - 1;
    if (c > bestCount) {
      best = d;
      bestCount = c;
    }
  }
  return best;
}

/** Whether a field is text: neither a number, empty, NaN nor a date. */
function isText(field: string): boolean {
  const s = field.trim();
  return s !== "" && Number.isNaN(Number(s)) && s.toLowerCase() !== "nan" &&
    Number.isNaN(Date.parse(s));
}

/**
 * Returns true when a row looks like a header: some field is text (neither a number, empty,
 * NaN nor a date) and none is a number. A row with numbers is data, even with a text label
 * (`0.1,0.2,0.9,walk`).
 *
 * @param fields The first row's fields.
 * @returns Whether it is a header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { looksLikeHeader } from "./columns.ts";
 * assert(looksLikeHeader(["time", "x", "y", "z"]));
 * assert(!looksLikeHeader(["2024-01-01T00:00:00Z", "0.1", "0", "1"]));
 * assert(!looksLikeHeader(["0.1", "0.2", "0.9", "walk"]));
 * ```
 */
export function looksLikeHeader(fields: readonly string[]): boolean {
  const numeric = (f: string) => f.trim() !== "" && Number.isFinite(Number(f.trim()));
  return fields.some(isText) && !fields.some(numeric);
}

function normalise(name: string): string {
  return name.trim().replace(/^"|"$/g, "").toLowerCase().replace(/[\s\-.]+/g, "_")
    .replace(/\(.*\)$/, "").replace(/_+$/, "");
}

/**
 * Resolves every role to a column index from the header (or the column count when there
 * is no header) and an optional explicit spec; explicit entries win.
 *
 * Without a header and without a spec, the column count and the first row's types decide:
 * 3 columns are x, y, z; 4 columns are x, y, z, label when the last field is text
 * (`0.1,0.2,0.9,walk`), else timestamp, x, y, z; 5 or more are timestamp, x, y, z, and the
 * fifth is the label when it is text. (Four numeric columns with a numeric label cannot be told
 * from timestamp, x, y, z: give such a file a header line, or `columns`.)
 *
 * @param header Header fields, or null when the file has no header.
 * @param width Number of fields per row.
 * @param spec Explicit column choices.
 * @param file Source name for errors.
 * @param firstRow The first row's fields; used when there is no header.
 * @returns Column indices (-1 = absent).
 * @throws {DataError} `missing-column` when x, y or z cannot be found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveColumns } from "./columns.ts";
 * const c = resolveColumns(["Timestamp", "acc_x", "acc_y", "acc_z", "Activity"], 5, {}, "a.csv");
 * assert(c.timestamp === 0 && c.z === 3 && c.label === 4 && c.subject === -1);
 * ```
 */
export function resolveColumns(
  header: readonly string[] | null,
  width: number,
  spec: ColumnSpec,
  file: string,
  firstRow?: readonly string[],
): ColumnIndex {
  const out: ColumnIndex = { timestamp: -1, x: -1, y: -1, z: -1, label: -1, subject: -1 };
  const names = header?.map(normalise) ?? null;
  const text = (i: number) => !header && firstRow !== undefined && isText(firstRow[i] ?? "");
  if (!names) {
    if (width === 3) Object.assign(out, { x: 0, y: 1, z: 2 });
    else if (width === 4 && text(3) && !text(0)) {
      Object.assign(out, { x: 0, y: 1, z: 2, label: 3 });
    } else if (width >= 4) {
      Object.assign(out, { timestamp: 0, x: 1, y: 2, z: 3 });
      if (width >= 5 && text(4)) out.label = 4;
    }
  } else {
    for (const role of Object.keys(NAMES) as ColumnRole[]) {
      out[role] = names.findIndex((n) => NAMES[role].includes(n));
    }
  }
  for (const role of Object.keys(NAMES) as ColumnRole[]) {
    const want = spec[role];
    if (want === undefined) continue;
    if (want === null) out[role] = -1;
    else if (typeof want === "number") {
      if (!Number.isInteger(want) || want < 0 || want >= width) {
        throw new DataError("missing-column", `column index ${want} out of range 0..${width - 1}`, {
          file,
          line: 1,
          field: role,
        });
      }
      out[role] = want;
    } else {
      const i = names ? names.indexOf(normalise(want)) : -1;
      if (i < 0) {
        throw new DataError("missing-column", `no column named ${excerpt(want)}`, {
          file,
          line: 1,
          field: role,
        });
      }
      out[role] = i;
    }
  }
  for (const role of ["x", "y", "z"] as const) {
    if (out[role] < 0) {
      throw new DataError(
        "missing-column",
        `missing ${role} column${header ? ` (header: ${excerpt(header.join(","), 80)})` : ""}`,
        { file, line: 1, field: role },
      );
    }
  }
  return out;
}
