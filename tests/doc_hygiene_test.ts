// Documentation hygiene, checked on the source tree (mod.ts and every .ts file under lib/):
// doc examples assert with a throwing assertion (`console.assert` only prints, so an example
// using it tests nothing), and every JSDoc `@default` tag uses the `@default {value}` form that
// JSR renders.
import assert from "node:assert/strict";
import { librarySources } from "./_helpers.ts";

/** `file:line: text` for every line of `src` that uses `console.assert`. */
function consoleAsserts(file: string, src: string): string[] {
  const out: string[] = [];
  src.split("\n").forEach((line, i) => {
    if (/\bconsole\s*\.\s*assert\b/.test(line)) out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}

/** Whether `rest` (the text after `@default`) starts with a `{value}` whose braces balance. */
function bracedValue(rest: string): boolean {
  const m = /^\s+\{/.exec(rest);
  if (!m) return false;
  let depth = 0;
  for (let i = m[0].length - 1; i < rest.length; i++) {
    if (rest[i] === "{") depth++;
    else if (rest[i] === "}" && --depth === 0) return true;
  }
  return false;
}

/** `file:line: text` for every JSDoc `@default` tag of `src` not in the `@default {value}` form. */
function badDefaults(file: string, src: string): string[] {
  const out: string[] = [];
  src.split("\n").forEach((line, i) => {
    const m = /^\s*(?:\/\*\*|\*)\s*@default(?![\w-])(.*)$/.exec(line);
    if (m && !bracedValue(m[1].replace(/\s*\*\/\s*$/, ""))) {
      out.push(`${file}:${i + 1}: ${line.trim()}`);
    }
  });
  return out;
}

const sources = await librarySources();
const files = [...sources.keys()];

Deno.test("doc hygiene: the checks flag what they should", () => {
  assert.deepEqual(consoleAsserts("a.ts", "/**\n * console.assert(x === 1);\n */"), [
    "a.ts:2: * console.assert(x === 1);",
  ]);
  assert.deepEqual(consoleAsserts("a.ts", ' * import assert from "node:assert/strict";\n'), []);
  const bad = [
    "   * @default 5e-4",
    '   * @default "uniform"',
    "   * @default the model's config.seed",
    "   * @default",
    "   * @default {5e-4",
    "  /** @default 64 */",
  ];
  const good = [
    "   * @default {5e-4}",
    '   * @default {"uniform"}',
    "   * @default {{}}",
    "   * @default {[0, 0.5, 1]}",
    "   * @default {60} (with `resume`: the checkpoint's)",
    "  /** @default {64} */",
    "   * @defaultValue is not this tag",
    "// @default 5 outside a JSDoc block",
  ];
  assert.equal(badDefaults("a.ts", bad.join("\n")).length, bad.length);
  assert.deepEqual(badDefaults("a.ts", good.join("\n")), []);
});

Deno.test("doc hygiene: no console.assert in mod.ts or lib/ (doc examples must assert)", () => {
  const offenders = files.flatMap((f) => consoleAsserts(f, sources.get(f)!));
  assert.deepEqual(
    offenders,
    [],
    `console.assert only prints; use node:assert/strict instead:\n${offenders.join("\n")}`,
  );
});

Deno.test("doc hygiene: every @default tag in mod.ts and lib/ is `@default {value}`", () => {
  const offenders = files.flatMap((f) => badDefaults(f, sources.get(f)!));
  assert.deepEqual(
    offenders,
    [],
    `write @default {value} (prose defaults: @default {undefined}, prose in the description):\n${
      offenders.join("\n")
    }`,
  );
});

Deno.test("README commands paste after the quick start: none starts with a bare `deno`", async () => {
  for (const file of ["../README.md", "../weights/README.md"]) {
    const text = await Deno.readTextFile(new URL(file, import.meta.url));
    const bare = text.split("\n").filter((l) => /^deno (run|task|bench|test)\b/.test(l));
    const inline = text.match(/`deno (run|task|bench) [^`]*`/g) ?? [];
    assert.deepEqual([...bare, ...inline], [], `${file}: commands that need Deno on the PATH`);
  }
});

/**
 * Names of shell scripts (bench/, studies/, gpu/) in `scripts` that run `deno` without sourcing
 * bench/_deno.sh (or studies/_runs.sh, which sources it) and without finding a Deno binary themselves (`command -v deno`:
 * the GPU kit carries the binary itself to a machine without network).
 */
export function scriptsNeedingDeno(scripts: Record<string, string>): string[] {
  const sources = (t: string, f: string) =>
    new RegExp(`^\\s*\\.\\s+(bench|studies)/${f}\\b`, "m").test(t);
  return Object.entries(scripts).filter(([name, text]) => {
    const code = text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n");
    const runsDeno = /(^|[\s;(|&$])deno (run|eval|task|bench|test)\b/m.test(code);
    const viaRuns = sources(text, "_runs\\.sh"); // _runs.sh sources _deno.sh itself
    const own = /command -v "?deno\b|\bfor tool in deno\b/.test(code);
    // A part sourced by another script (gpu/_measure.sh by gpu/gpu.sh) is judged by that script.
    const parent = /^# Sourced by (\S+\.sh)/m.exec(text)?.[1];
    if (parent !== undefined && parent in scripts) return false;
    return runsDeno && !name.endsWith("/_deno.sh") && !sources(text, "_deno\\.sh") && !viaRuns &&
      !own;
  }).map(([name]) => name);
}

Deno.test("bench, studies and gpu shell scripts run after the quick start: they get deno via bench/_deno.sh", async () => {
  assert.deepEqual(
    scriptsNeedingDeno({
      "a.sh": "cd x\ndeno run -A y.ts\n",
      "b.sh": ". bench/_deno.sh\ndeno run z",
      "x/part.sh": "# Sourced by x/main.sh\ndeno run z", // judged by x/main.sh
      "x/main.sh": "command -v deno\n. x/part.sh",
      "y/part.sh": "# Sourced by y/main.sh\ndeno run z", // y/main.sh is not there: judged itself
    }),
    ["a.sh", "y/part.sh"],
  );
  const scripts: Record<string, string> = {};
  for (const folder of ["bench", "studies", "gpu"]) {
    const dir = new URL(`../${folder}/`, import.meta.url);
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".sh")) {
        scripts[`${folder}/${e.name}`] = await Deno.readTextFile(new URL(e.name, dir));
      }
    }
  }
  assert.ok(Object.keys(scripts).length >= 10, "bench/, studies/, gpu/ *.sh not found");
  assert.deepEqual(scriptsNeedingDeno(scripts), [], "these need Deno on the PATH");
});
