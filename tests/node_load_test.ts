// loadModel reads a path on Node too (Node's fetch cannot read file: URLs), and loadPipeline
// labels a raw recording there as it does in Deno: mod.ts bundled for Node, run with the
// machine's `node`.
import assert from "node:assert/strict";
import { bundleForNode, nodeBundleReady } from "./_helpers.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { loadPipeline } from "../lib/classify/pipeline.ts";
import { pipelineRecording } from "./_pipeline_recording.ts";

const ready = await nodeBundleReady();

Deno.test({
  name: "node: loadModel(path) reads the file with node:fs; loadPipeline labels as in Deno" +
    (ready ? "" : " (ignored: needs node and esbuild in the npm cache)"),
  ignore: !ready,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const entry = new URL("./_node_entry.ts", import.meta.url).pathname;
      await bundleForNode(entry, `${dir}/entry.mjs`);
      const r = await new Deno.Command("node", {
        args: [
          `${dir}/entry.mjs`,
          `${dir}/m.safetensors`,
          new URL("../weights/", import.meta.url).pathname,
        ],
      }).output();
      const out = new TextDecoder().decode(r.stdout), err = new TextDecoder().decode(r.stderr);
      assert.ok(r.success, err);
      const got = JSON.parse(out.trim().split("\n").at(-1)!);
      assert.equal(got.same, true, "the model loaded by path encodes as the original");
      assert.equal(got.dim, 32);
      assert.match(got.err, /m\.safetensors\.missing: no such file$/);
      await initBackend("cpu");
      const pipe = await loadPipeline("small", { classifier: "uci-hapt" });
      const deno = await pipe.predict(pipelineRecording());
      pipe.dispose();
      assert.deepEqual(got.pipeline, { labels: deno.labels, starts: deno.starts });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
