/**
 * **Deno-only** adapter for the uniform layout, the documented way to bring a corpus: a folder
 * `<root>/<subject>/<recording>.csv[.gz]`, one file per continuous recording with header
 * `t,x,y,z,label` (`t` in seconds from the recording's start, `x y z` in g including gravity,
 * `label` the activity, empty for none), plus `<root>/index.csv` with the columns
 * `file,subject,label,placement,device,rate_hz,samples,seconds`, one row per recording. The five
 * uniform sets of `../shared/data` (`dsads`, `umafall`, `motionsense`, `smartfallmm`, `ter_har`)
 * use it, and so can a user's own folder (`--dataset path/to/folder`). This module reads and
 * checks `index.csv`; `uniform.ts` streams the windows. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import { DataError } from "../data/errors.ts";

/** The columns of a uniform layout's `index.csv`, in order. */
export const UNIFORM_INDEX_COLUMNS: readonly string[] = Object.freeze([
  "file",
  "subject",
  "label",
  "placement",
  "device",
  "rate_hz",
  "samples",
  "seconds",
]);

/** One row of a uniform layout's `index.csv`: one recording. */
export interface UniformRecording {
  /** Path relative to the root, `<subject>/<recording>.csv[.gz]`. */
  file: string;
  /** Subject id. */
  subject: string;
  /** The recording's activity (empty when unlabelled). */
  label: string;
  /** Where the device was worn (`wrist`, `arm`, `pocket`, ...). */
  placement: string;
  /** Device description (free text). */
  device: string;
  /** Sample rate of the file in Hz. */
  rateHz: number;
  /** Rows of the file. */
  samples: number;
  /** Duration of the recording in seconds. */
  seconds: number;
  /** 1-based line of `index.csv` the row is on. */
  line: number;
}

/** Which recordings of a uniform folder to read. */
export interface UniformFilter {
  /** Only these subjects (as `index.csv` names them); all when unset. */
  subjects?: string[];
  /** Only recordings at these placements (as `index.csv` names them); all when unset. */
  placements?: string[];
}

/**
 * Splits one CSV line into fields: commas separate, double quotes may enclose a field (a doubled
 * quote inside is one quote).
 */
function csvFields(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null; // unterminated quote
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
      if (i === line.length) return out;
      if (line[i] !== ",") return null;
      i++;
    } else {
      const c = line.indexOf(",", i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

/**
 * Parses the text of a uniform layout's `index.csv`.
 *
 * @param text The file's text.
 * @param path The file's path, for error messages.
 * @returns One record per recording, in file order.
 * @throws {DataError} Naming `path`, the line and the field, for a wrong header, a row with the
 *   wrong number of fields, an empty file or subject, a file outside its subject folder or not
 *   `.csv[.gz]`, a repeated file, or a rate, sample count or duration that is not a number >= 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUniformIndex } from "./uniform_index.ts";
 * const rows = parseUniformIndex(
 *   "file,subject,label,placement,device,rate_hz,samples,seconds\n" +
 *     "p1/a.csv.gz,p1,walk,wrist,watch,50,1000,20\n",
 *   "index.csv",
 * );
 * assert.equal(rows[0].placement, "wrist");
 * assert.throws(() => parseUniformIndex("file,subject\n", "my/index.csv"), /my\/index\.csv:1/);
 * ```
 */
export function parseUniformIndex(text: string, path: string): UniformRecording[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = lines[0]?.trim() ?? "";
  if (header !== UNIFORM_INDEX_COLUMNS.join(",")) {
    throw new DataError(
      "missing-column",
      `header is "${header}", expected "${UNIFORM_INDEX_COLUMNS.join(",")}"`,
      { file: path, line: 1 },
    );
  }
  const out: UniformRecording[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === "") continue;
    const line = i + 1;
    const f = csvFields(raw);
    if (!f || f.length !== UNIFORM_INDEX_COLUMNS.length) {
      throw new DataError(
        "malformed-row",
        `expected ${UNIFORM_INDEX_COLUMNS.length} fields (${UNIFORM_INDEX_COLUMNS.join(",")}), ` +
          `got ${f ? f.length : "an unterminated quote"}`,
        { file: path, line },
      );
    }
    const [file, subject, label, placement, device] = f.map((s) => s.trim());
    const bad = (field: string, why: string): never => {
      throw new DataError("malformed-row", why, { file: path, line, field });
    };
    if (subject === "") bad("subject", "empty");
    if (!/\.csv(\.gz)?$/.test(file)) bad("file", `"${file}" is not a .csv or .csv.gz file`);
    if (file.startsWith("/") || file.split("/").includes("..")) {
      bad("file", `"${file}" must be a path inside the folder`);
    }
    if (!file.startsWith(`${subject}/`)) {
      bad("file", `"${file}" is not in its subject's folder "${subject}/"`);
    }
    const prev = seen.get(file);
    if (prev !== undefined) bad("file", `"${file}" is listed twice (lines ${prev} and ${line})`);
    seen.set(file, line);
    const num = (field: string, v: string, integer = false) => {
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
        bad(field, `"${v}" is not ${integer ? "an integer" : "a number"} >= 0`);
      }
      return n;
    };
    const rateHz = num("rate_hz", f[5]);
    if (!(rateHz > 0)) bad("rate_hz", `"${f[5]}" must be > 0`);
    out.push({
      file,
      subject,
      label,
      placement,
      device,
      rateHz,
      samples: num("samples", f[6], true),
      seconds: num("seconds", f[7]),
      line,
    });
  }
  return out;
}

/**
 * Reads and parses `<root>/index.csv` (Deno only).
 *
 * @param root The folder.
 * @returns The recordings it lists.
 * @throws {DataError} When the index is missing (naming the path) or malformed.
 *
 * @example
 * ```ts ignore
 * import { readUniformIndex } from "./uniform_index.ts";
 * const rows = await readUniformIndex("../shared/data/dsads");
 * ```
 */
export async function readUniformIndex(root: string): Promise<UniformRecording[]> {
  const path = `${root}/index.csv`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(
        "unreadable",
        "no index.csv: a folder in the uniform layout lists its recordings there " +
          `(${UNIFORM_INDEX_COLUMNS.join(",")})`,
        { file: path },
      );
    }
    throw e;
  }
  return parseUniformIndex(text, path);
}

/**
 * The recordings of a uniform folder that pass the subject and placement filters, sorted by
 * file (Deno only). Every listed file must exist.
 *
 * @param root The folder.
 * @param options Subject and placement filters.
 * @returns The recordings kept.
 * @throws {DataError} On a bad index, or a listed file that is missing (naming its index line).
 *
 * @example
 * ```ts ignore
 * import { uniformRecordings } from "./uniform_index.ts";
 * const arm = await uniformRecordings("../shared/data/dsads", { placements: ["arm"] });
 * ```
 */
export async function uniformRecordings(
  root: string,
  options: UniformFilter = {},
): Promise<UniformRecording[]> {
  const subjects = options.subjects ? new Set(options.subjects) : null;
  const places = options.placements ? new Set(options.placements) : null;
  const rows = (await readUniformIndex(root)).filter((r) =>
    (!subjects || subjects.has(r.subject)) && (!places || places.has(r.placement))
  );
  for (const r of rows) {
    try {
      await Deno.stat(`${root}/${r.file}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      throw new DataError("unreadable", `"${r.file}" is listed but missing`, {
        file: `${root}/index.csv`,
        line: r.line,
        field: "file",
      });
    }
  }
  return rows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * Placements that a uniform folder's `index.csv` names, sorted (Deno only).
 *
 * @param root The folder.
 * @returns Distinct placement names.
 *
 * @example
 * ```ts ignore
 * import { uniformPlacements } from "./uniform_index.ts";
 * console.log(await uniformPlacements("../shared/data/umafall"));
 * ```
 */
export async function uniformPlacements(root: string): Promise<string[]> {
  return [...new Set((await readUniformIndex(root)).map((r) => r.placement))].sort();
}
