// The wasm backend from a bundle on Node: its .wasm files are read next to the bundle (an ES
// module has no `__dirname`, which tfjs-backend-wasm's loader reads), the error names that folder
// when they are missing, and "auto" then falls back to cpu saying why. Run with the machine's node.
import assert from "node:assert/strict";
import { bundleForNode, copyWasmFiles, nodeBundleReady } from "./_helpers.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { presetConfig } from "../lib/model/config.ts";

const ready = await nodeBundleReady();

Deno.test({
  name: "node: a bundle starts wasm with the .wasm files beside it, and says where it looked" +
    (ready ? "" : " (ignored: needs node and esbuild in the npm cache)"),
  ignore: !ready,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const entry = new URL("./_node_wasm_entry.ts", import.meta.url).pathname;
      await bundleForNode(entry, `${dir}/entry.mjs`);
      const inNode = async (backend: string) => {
        const r = await new Deno.Command("node", { args: [`${dir}/entry.mjs`, backend] }).output();
        assert.ok(r.success, new TextDecoder().decode(r.stderr));
        return JSON.parse(new TextDecoder().decode(r.stdout).trim().split("\n").at(-1)!);
      };
      const missing = await inNode("wasm");
      const real = await Deno.realPath(dir);
      assert.match(missing.err, /backend wasm failed to initialise/);
      assert.ok(
        missing.err.includes(`looked for its .wasm files at ${real} (next to a bundle)`),
        missing.err,
      );
      const auto = await inNode("auto");
      assert.equal(auto.backend, "cpu");
      assert.match(auto.reason, /backend wasm failed to initialise/);
      await copyWasmFiles(dir);
      const started = await inNode("wasm");
      assert.equal(started.err, "");
      assert.equal(started.backend, "wasm");
      assert.equal(started.dirname, null, "the global __dirname is removed after the start");
      await initBackend("wasm");
      const m = new FlowFM(presetConfig("tiny", { seed: 4 }));
      const z = (await m.encode(new Float32Array(900).fill(0.5))).data.slice(0, 8);
      m.dispose();
      started.z.forEach((v: number, i: number) =>
        assert.ok(Math.abs(v - z[i]) < 1e-5, `${v} vs ${z[i]}`)
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
