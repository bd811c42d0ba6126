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

/**
 * A short, printable excerpt of input text for an error message: control and non-ASCII bytes
 * escaped (`\u0000`), so binary input is never echoed raw to a terminal, and text beyond
 * `max` characters cut with its length said.
 *
 * @param text The input text.
 * @param max Most characters kept.
 * @returns The excerpt in single quotes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { excerpt } from "./errors.ts";
 * assert.equal(excerpt("a\u0000b"), "'a\\u0000b'");
 * assert.equal(excerpt("x".repeat(100), 4), "'xxxx…' (100 characters)");
 * ```
 */
export function excerpt(text: string, max = 40): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  const safe = cut.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return text.length > max ? `'${safe}…' (${text.length} characters)` : `'${safe}'`;
}
