// The browser path: mod.ts must reach no Node-only module (`node:` specifiers) and must bundle
// with `deno bundle --platform browser` without the tfjs union package (webgl, layers, converter,
// data).
import assert from "node:assert/strict";
import { esbuildCached } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);
const DENO = Deno.execPath();

async function run(args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  const r = await new Deno.Command(DENO, { args, cwd: ROOT, env: { NO_COLOR: "1" } }).output();
  const dec = new TextDecoder();
  return { ok: r.success, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

interface InfoModule {
  specifier: string;
  dependencies?: { specifier: string; code?: { specifier?: string } }[];
}

Deno.test("browser: mod.ts's module graph has no node: import (static or dynamic)", async () => {
  const r = await run(["info", "--json", "mod.ts"]);
  assert.ok(r.ok, r.err);
  const modules = (JSON.parse(r.out) as { modules: InfoModule[] }).modules;
  const offenders = modules.flatMap((m) =>
    (m.dependencies ?? [])
      .filter((d) => (d.code?.specifier ?? d.specifier).startsWith("node:"))
      .map((d) => `${m.specifier.replace(ROOT.href, "")} imports ${d.specifier}`)
  );
  assert.ok(modules.length > 10, "deno info listed too few modules");
  assert.deepEqual(offenders, []);
});

const canBundle = await esbuildCached();

Deno.test({
  name: "browser: deno bundle --platform browser mod.ts succeeds, without the tfjs union" +
    (canBundle ? "" : " (ignored: esbuild is not in the npm cache and may not be downloadable)"),
  ignore: !canBundle,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/flowfm.js`;
      const r = await run(["bundle", "--platform", "browser", "-o", out, "mod.ts"]);
      assert.ok(r.ok, `deno bundle failed:\n${r.err}`);
      const code = await Deno.readTextFile(out);
      const nodeImports = code.split("\n").filter((l) =>
        /^\s*(import|export)\b[^\n]*\bfrom\s*["']node:|\b(import|require)\(\s*["']node:/.test(l)
      );
      assert.deepEqual(nodeImports, [], "the bundle imports Node-only modules");
      for (const pkg of ["tfjs-backend-webgl", "tfjs-layers", "tfjs-converter", "tfjs-data"]) {
        assert.ok(!code.includes(`/@tensorflow/${pkg}/`), `the bundle carries @tensorflow/${pkg}`);
      }
      // The gradients come from tfjs-core's own registration module.
      assert.match(code, /register_all_gradients/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
