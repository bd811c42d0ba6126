/**
 * The error type raised for bad input data.
 *
 * @module
 */

/** Machine-readable reason of a {@linkcode DataError}. */
export type DataErrorCode =
  | "empty"
  | "malformed-row"
  | "non-numeric"
  | "missing-column"
  | "too-short"
  | "non-monotonic"
  | "unknown-unit"
  | "unit-mismatch"
  | "bad-timestamp"
  | "bad-option"
  | "bad-cache"
  | "unreadable";

/**
 * An error in input data that names the file, the line and (where known) the field.
 *
 * The message reads `file:line: message` so that it can be pasted into an editor.
 *
 * @example Catching a data error
 * ```ts
 * import assert from "node:assert/strict";
 * import { DataError } from "./errors.ts";
 * const err = new DataError("non-numeric", "value 'abc' is not a number", {
 *   file: "walk.csv",
 *   line: 7,
 *   field: "x",
 * });
 * assert(err.message === "walk.csv:7: value 'abc' is not a number (field x)");
 * assert(err.line === 7 && err.code === "non-numeric");
 * ```
 */
export class DataError extends Error {
  /** The reason, for programmatic handling. */
  readonly code: DataErrorCode;
  /** The file (or source name) the error is in. */
  readonly file: string;
  /** 1-based line number, or 0 when the error concerns the whole file. */
  readonly line: number;
  /** The column / field concerned, or null. */
  readonly field: string | null;

  /**
   * Creates a data error.
   *
   * @param code The reason.
   * @param detail Human-readable description (without file or line).
   * @param where File, line and field the error concerns.
   */
  constructor(
    code: DataErrorCode,
    detail: string,
    where: { file: string; line?: number; field?: string | null },
  ) {
    const line = where.line ?? 0;
    const field = where.field ?? null;
    super(
      `${where.file}${line > 0 ? `:${line}` : ""}: ${detail}${field ? ` (field ${field})` : ""}`,
    );
    this.name = "DataError";
    this.code = code;
    this.file = where.file;
    this.line = line;
    this.field = field;
  }
}
