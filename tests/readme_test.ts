// The README's code blocks run as written, the way the README says to run them before the package
// is on JSR: each ```ts block is written to a folder outside the checkout and run with
// `deno run --check --allow-read --config <checkout>/deno.json` (the command the README prints),
// so `@flowfm/flowfm` resolves through the checkout's deno.json. The ```js block (Node) runs with
// the machine's `node` against a Node bundle of mod.ts, where node is installed. deno.json's
// test.exclude keeps README.md out of `deno test --doc`, so the blocks do not run twice.
import assert from "node:assert/strict";
import { bundleForNode, copyWasmFiles, nodeAvailable, WASM_DIST } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);
const root = decodeURIComponent(ROOT.pathname);
const readme = await Deno.readTextFile(new URL("README.md", ROOT));

/** Fenced code blocks of `markdown` as `{ info, code, line }` (line: 1-based, of the fence). */
export function codeBlocks(markdown: string): { info: string; code: string; line: number }[] {
  const out: { info: string; code: string; line: number }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({
      info: `${open[1]}${open[2]}`.trim(),
      code: body.join("\n") + "\n",
      line: start + 1,
    });
  }
  return out;
}

const blocks = codeBlocks(readme);
const tsBlocks = blocks.filter((b) => /^(ts|typescript)\b/.test(b.info));
const RUN_FLAGS = ["--allow-read", "--config"];

async function run(cmd: string, args: string[], cwd: string) {
  const r = await new Deno.Command(cmd, {
    args,
    cwd,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("readme blocks: the extractor finds fences, their info strings and bodies", () => {
  const md = "x\n```ts\nconst a = 1;\n```\n\n```sh ignore\necho\n```\n";
  assert.deepEqual(codeBlocks(md), [
    { info: "ts", code: "const a = 1;\n", line: 2 },
    { info: "sh ignore", code: "echo\n", line: 6 },
  ]);
});

Deno.test("readme blocks: every TypeScript block runs, none is skipped, the run command is the README's", () => {
  assert.ok(tsBlocks.length >= 3, `README has ${tsBlocks.length} ts blocks`);
  const ignored = tsBlocks.filter((b) => /\bignore\b/.test(b.info)).map((b) => b.line);
  assert.deepEqual(ignored, [], "README ts blocks marked ignore (lines): they must run as written");
  assert.match(
    readme,
    /npx --yes deno@2\.9\.6 run --allow-read --config path\/to\/flowfm\/deno\.json my_script\.ts/,
    "the README no longer prints the command this test runs its blocks with",
  );
});

Deno.test("readme blocks: each ```ts block type-checks and runs from outside the checkout with --allow-read --config", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "flowfm-readme-" });
  try {
    assert.ok(!dir.startsWith(root), `${dir} is inside the checkout`);
    const files = tsBlocks.map((b) => `${dir}/block_${b.line}.ts`);
    for (const [i, b] of tsBlocks.entries()) await Deno.writeTextFile(files[i], b.code);
    // One type-check for all blocks (it is what takes the time), then one plain run each.
    const check = await run(
      Deno.execPath(),
      ["check", "--config", `${root}deno.json`, ...files],
      dir,
    );
    assert.equal(check.code, 0, `README ts blocks do not type-check:\n${check.err}${check.out}`);
    for (const [i, block] of tsBlocks.entries()) {
      await t.step(`README.md line ${block.line}`, async () => {
        const r = await run(
          Deno.execPath(),
          ["run", ...RUN_FLAGS, `${root}deno.json`, files[i]],
          dir,
        );
        assert.equal(r.code, 0, `README.md block at line ${block.line} failed:\n${r.err}${r.out}`);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const node = await nodeAvailable();

Deno.test({
  name: "readme blocks: the Node example runs against a Node bundle of mod.ts" +
    (node ? "" : " (ignored: no node on this machine)"),
  ignore: !node,
  fn: async () => {
    const js = blocks.filter((b) => b.info === "js");
    assert.equal(js.length, 1, "README has one ```js block (Node)");
    const bundleLine = /`(npx --yes deno@2\.9\.6 bundle --platform node -o flowfm\.mjs mod\.ts)`/
      .exec(readme);
    assert.ok(bundleLine, "README prints the Node bundle command");
    const dir = await Deno.makeTempDir({ prefix: "flowfm-readme-node-" });
    try {
      await bundleForNode(`${root}mod.ts`, `${dir}/flowfm.mjs`);
      // The block names the checkout as path/to/flowfm/; here it is this one.
      const code = js[0].code.replaceAll("path/to/flowfm/", root) +
        'console.log("dim", dim, backend);\n';
      await Deno.writeTextFile(`${dir}/app.mjs`, code);
      // The .wasm files beside the bundle, as the README's cp line says.
      assert.ok(readme.includes(`cp ${WASM_DIST}*.wasm`), "README prints the cp line");
      await copyWasmFiles(dir);
      const r = await run("node", [`${dir}/app.mjs`], dir);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /dim 512 wasm/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("readme: a manual of at most 300 lines (measurements live in docs/)", async () => {
  const lines = (await Deno.readTextFile(new URL("../README.md", import.meta.url))).split("\n");
  assert.ok(lines.length - 1 <= 300, `README.md has ${lines.length - 1} lines`);
});
