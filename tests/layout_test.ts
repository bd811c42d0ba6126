// The library's layout rules, checked on the source tree: no import cycles, `Deno.*` only under
// lib/io/, no library file over 300 lines, and the CLI's train command a thin shell.
import assert from "node:assert/strict";
import { librarySources, REPO_ROOT } from "./_helpers.ts";

/** Code without comments, so doc examples and prose do not count as imports or `Deno.` uses. */
function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

function normalise(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

/** Relative imports (static, type-only and re-exports) of one file, as repository paths. */
function importsOf(file: string, src: string): string[] {
  const dir = file.slice(0, file.lastIndexOf("/") + 1);
  const re =
    /(?:import|export)\s[^"';]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;
  return [...stripComments(src).matchAll(re)].map((m) => normalise(dir + (m[1] ?? m[2])));
}

const sources = await librarySources();
const files = [...sources.keys()];

Deno.test("layout: the library's import graph has no cycles", () => {
  const graph = new Map(files.map((f) => [f, importsOf(f, sources.get(f)!)]));
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (f: string): void => {
    if (state.get(f) === "done" || !graph.has(f)) return;
    if (state.get(f) === "active") {
      const cycle = [...stack.slice(stack.indexOf(f)), f].join(" -> ");
      throw new assert.AssertionError({ message: `import cycle: ${cycle}` });
    }
    state.set(f, "active");
    stack.push(f);
    for (const g of graph.get(f)!) visit(g);
    stack.pop();
    state.set(f, "done");
  };
  for (const f of files) visit(f);
});

Deno.test("layout: Deno.* is used only under lib/io/", () => {
  const offenders = files.filter((f) => !f.startsWith("lib/io/"))
    .filter((f) => /\bDeno\./.test(stripComments(sources.get(f)!)));
  assert.deepEqual(offenders, []);
});

Deno.test("layout: browser-safe modules never import lib/io/", () => {
  const offenders = files.filter((f) => !f.startsWith("lib/io/"))
    .filter((f) => importsOf(f, sources.get(f)!).some((i) => i.startsWith("lib/io/")));
  assert.deepEqual(offenders, []);
});

Deno.test("layout: no library file is over 300 lines, cli/train.ts at most 150", async () => {
  const long = files.map((f) => [f, sources.get(f)!.split("\n").length - 1] as const)
    .filter(([, n]) => n > 300);
  assert.deepEqual(long, []);
  const train = await Deno.readTextFile(new URL("cli/train.ts", REPO_ROOT));
  assert.ok(
    train.split("\n").length - 1 <= 150,
    `cli/train.ts has ${train.split("\n").length - 1} lines`,
  );
});

Deno.test("layout: the import scanner sees static, type and dynamic imports", () => {
  const src =
    `import { a } from "./a.ts";\nimport type { B } from "../b.ts";\nexport * from "./c.ts";\n` +
    `// import { x } from "./commented.ts";\nconst m = await import("./d.ts");\n`;
  assert.deepEqual(importsOf("lib/x/y.ts", src), [
    "lib/x/a.ts",
    "lib/b.ts",
    "lib/x/c.ts",
    "lib/x/d.ts",
  ]);
});

/** Relative imports of one file that load code: `import type` and `export type` left out. */
function valueImportsOf(file: string, src: string): string[] {
  const code = stripComments(src).replace(
    /(?:import|export)\s+type\s[^"';]*?from\s*["'][^"']+["']/g,
    "",
  );
  return importsOf(file, code);
}

/** Files under `from` that import anything under one of `to` (as `file -> import`). */
function crossings(from: string, to: string[], values = false): string[] {
  return files.filter((f) => f.startsWith(from)).flatMap((f) =>
    (values ? valueImportsOf : importsOf)(f, sources.get(f)!)
      .filter((i) => to.some((t) => i.startsWith(t)))
      .map((i) => `${f} -> ${i}`)
  );
}

// The layers, lowest first: runtime, model and weights; train (pretraining, fine-tuning, the
// probe's solvers, the training workers); classify (the product classifiers and the pipeline);
// eval (the benchmark protocol). A layer imports only from layers below it.
Deno.test("layout: lib/runtime imports neither lib/train, lib/classify nor lib/eval", () => {
  assert.deepEqual(crossings("lib/runtime/", ["lib/train/", "lib/classify/", "lib/eval/"]), []);
});

Deno.test("layout: lib/train imports neither lib/classify nor lib/eval; lib/classify not lib/eval", () => {
  assert.deepEqual(crossings("lib/train/", ["lib/classify/", "lib/eval/"]), []);
  assert.deepEqual(crossings("lib/classify/", ["lib/eval/"]), []);
});

// lib/eval does not train: its code has no optimizer and takes no gradient, and the only file of
// it that loads code from lib/train is heads.ts, which runs the protocol's heads there (fineTune,
// trainLinearProbe, trainFastProbe). Type-only imports (the heads' option types) are allowed.
Deno.test("layout: lib/eval does not train (only heads.ts calls lib/train; no gradients)", () => {
  const calls = crossings("lib/eval/", ["lib/train/"], true)
    .filter((c) => !c.startsWith("lib/eval/heads.ts -> "));
  assert.deepEqual(calls, []);
  const training = /\b(variableGrads|valueAndGrads?|grads?)\s*\(|new\s+Adam\b|\.minimize\s*\(/;
  const offenders = files.filter((f) => f.startsWith("lib/eval/"))
    .filter((f) => training.test(stripComments(sources.get(f)!)));
  assert.deepEqual(offenders, []);
});

Deno.test("layout: the layer checks see value imports, and let type-only ones through", () => {
  const src = `import type { A } from "../train/a.ts";\nexport type { B } from "../train/b.ts";\n` +
    `import { type C, d } from "../train/c.ts";\nexport { e } from "../train/e.ts";\n`;
  assert.deepEqual(valueImportsOf("lib/eval/x.ts", src), ["lib/train/c.ts", "lib/train/e.ts"]);
});
