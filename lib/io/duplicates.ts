/**
 * **Deno-only** handling of files a public data set ships twice: a known list of
 * (duplicate, original) pairs, each checked by content before the duplicate is left out, so
 * a corrected upstream copy is read in full. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import { toByteStream } from "../data/byte_source.ts";

/**
 * Known duplicates of SisFall, as `[duplicate, kept]` paths relative to the root without the
 * `.csv[.gz]` extension: upstream, `D02_SA01_R01` (walking quickly) is byte-identical to
 * `D01_SA01_R01` (walking slowly), so at most one of them is right; D01 is kept.
 */
export const SISFALL_DUPLICATES: readonly (readonly [string, string])[] = Object.freeze([
  Object.freeze(["SA01/D02_SA01_R01", "SA01/D01_SA01_R01"] as const),
]);

/** Path without a trailing `.csv`, `.txt`, `.dat` and/or `.gz`. */
function stem(path: string): string {
  return path.replace(/(\.gz)$/, "").replace(/\.(csv|txt|dat)$/, "");
}

/**
 * The decompressed bytes of a file (gzip detected by its magic bytes).
 *
 * @param path File.
 * @returns Its content, decompressed.
 *
 * @example
 * ```ts ignore
 * import { fileContent } from "./duplicates.ts";
 * const bytes = await fileContent("../shared/data/sisfall/SA01/D01_SA01_R01.csv.gz");
 * ```
 */
export async function fileContent(path: string): Promise<Uint8Array> {
  const stream = await toByteStream(await Deno.readFile(path));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Leaves out each listed duplicate whose (decompressed) content equals the file it
 * duplicates; both must be in `files`. Each file left out gets a note.
 *
 * @param root Root the paths are relative to.
 * @param files Relative paths.
 * @param pairs `[duplicate, kept]` paths without extension.
 * @returns The files kept, in order, and one note per file left out.
 *
 * @example
 * ```ts ignore
 * import { dropKnownDuplicates, SISFALL_DUPLICATES } from "./duplicates.ts";
 * const { files, notes } = await dropKnownDuplicates(root, listed, SISFALL_DUPLICATES);
 * ```
 */
export async function dropKnownDuplicates(
  root: string,
  files: readonly string[],
  pairs: readonly (readonly [string, string])[],
): Promise<{ files: string[]; notes: string[] }> {
  const byStem = new Map(files.map((f) => [stem(f), f]));
  const drop = new Set<string>();
  const notes: string[] = [];
  for (const [dupStem, keptStem] of pairs) {
    const dup = byStem.get(dupStem);
    const kept = byStem.get(keptStem);
    if (dup === undefined || kept === undefined) continue;
    const [a, b] = await Promise.all([
      fileContent(`${root}/${dup}`),
      fileContent(`${root}/${kept}`),
    ]);
    if (!sameBytes(a, b)) continue;
    drop.add(dup);
    notes.push(`skipped ${dup}: identical to ${kept}`);
  }
  return { files: files.filter((f) => !drop.has(f)), notes };
}
