/**
 * Data set lists as the CLI's `--dataset` takes them: public sets by name, users' folders in the
 * uniform layout by path, each with an optional placement filter. Pure; import through
 * `lib/io/mod.ts`.
 *
 * @module
 */
import {
  DATASET_NAMES,
  DATASET_PLACEMENTS,
  type DatasetKind,
  type DatasetName,
  FOLDER_DATASET,
} from "./dataset_names.ts";

/** One entry of a data set list: a name (or a folder) and the placements to read. */
export interface DatasetSpec {
  /** Dataset name, or `"folder"` for a user's folder in the uniform layout (`root`). */
  name: DatasetKind;
  /** Placements to read (all when unset). */
  placements?: string[];
  /** The folder, for `"folder"` (a public set's root is `--data-root` or `../shared/data/NAME`). */
  root?: string;
}

/** Whether a `--dataset` token is a folder path rather than a name. */
const isPath = (token: string) => /[\\/]/.test(token) || token.startsWith(".");

/** The placements of `spec` parsed from `text` (`wrist`, `wrist+waist`), checked for public sets. */
function placementsOf(name: DatasetKind, text: string, token: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[,+]/)) {
    const p = raw.trim();
    if (p === "") throw new RangeError(`"${token}": empty placement`);
    if (name !== FOLDER_DATASET) {
      const known = DATASET_PLACEMENTS[name as DatasetName];
      if (!known.includes(p)) {
        throw new RangeError(
          `"${token}": ${name} has no placement "${p}" (use ${known.join(", ")})`,
        );
      }
    }
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * Parses a comma-separated data set list as the CLI's `--dataset` takes it: names, folders in
 * the uniform layout (any token with a `/`, or starting with `.`), and a placement filter after
 * a colon, `NAME:PLACE` (`dsads:arm`, `smartfallmm:wrist`, `fallalld:wrist`, `./my-data:wrist`),
 * several joined by `+` or `,` (`fallalld:wrist,waist` reads both: a bare placement name after
 * an entry with placements extends it). The placements of each public set are
 * {@linkcode DATASET_PLACEMENTS}; a folder's are checked against its `index.csv` when loaded.
 *
 * @param text E.g. `"uci-hapt,sisfall,fallalld:wrist,dsads:arm+leg"`.
 * @returns One spec per data set, in order.
 * @throws {RangeError} On an unknown name or placement.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDatasetList } from "./dataset_list.ts";
 * assert.deepEqual(parseDatasetList("uci-hapt,fallalld:wrist,waist,dsads:arm,./mine"), [
 *   { name: "uci-hapt" },
 *   { name: "fallalld", placements: ["wrist", "waist"] },
 *   { name: "dsads", placements: ["arm"] },
 *   { name: "folder", root: "./mine" },
 * ]);
 * ```
 */
export function parseDatasetList(text: string): DatasetSpec[] {
  const out: DatasetSpec[] = [];
  for (const raw of text.split(",")) {
    const token = raw.trim();
    const last = out[out.length - 1];
    if (
      last?.placements && !token.includes(":") && !isPath(token) &&
      !DATASET_NAMES.includes(token as DatasetName)
    ) {
      for (const p of placementsOf(last.name, token, token)) {
        if (!last.placements.includes(p)) last.placements.push(p);
      }
      continue;
    }
    const colon = token.lastIndexOf(":");
    const head = colon < 0 ? token : token.slice(0, colon);
    const placements = colon < 0 ? undefined : token.slice(colon + 1);
    if (isPath(head)) {
      const spec: DatasetSpec = { name: FOLDER_DATASET, root: head };
      if (placements !== undefined) {
        spec.placements = placementsOf(FOLDER_DATASET, placements, token);
      }
      out.push(spec);
      continue;
    }
    const name = head as DatasetName;
    if (!DATASET_NAMES.includes(name)) {
      throw new RangeError(
        `unknown dataset "${token}" (use ${
          DATASET_NAMES.join(", ")
        }, or a folder in the uniform layout such as ./my-data)`,
      );
    }
    if (placements === undefined) out.push({ name });
    else out.push({ name, placements: placementsOf(name, placements, token) });
  }
  return out;
}

/**
 * The name of a spec in summaries and metadata: the data set, or the folder's path.
 *
 * @param spec A data set list entry.
 * @returns Its name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { datasetLabel } from "./dataset_list.ts";
 * assert.equal(datasetLabel({ name: "folder", root: "./mine" }), "./mine");
 * ```
 */
export function datasetLabel(spec: DatasetSpec): string {
  return spec.name === FOLDER_DATASET ? spec.root ?? "folder" : spec.name;
}
