// The op gradients in Deno come from lib/runtime/tfjs_gradients.js (tfjs-core's
// register_all_gradients, bundled by tools/bundle_gradients.ts), not from the tfjs union package:
// every gradient that module registers is registered, they agree with finite differences, the
// file is what the tool builds, and neither the import map nor deno.lock names the union.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { esbuildCached } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url);
await initBackend("cpu");

Deno.test("gradients: every kernel of tfjs-core's register_all_gradients has its gradient", async () => {
  const src = await Deno.readTextFile(
    new URL("node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js", ROOT),
  );
  const configs = [...src.matchAll(/import \{ (\w+)GradConfig \}/g)].map((m) => m[1]);
  assert.ok(configs.length > 100, `only ${configs.length} gradient configs found`);
  const alias: Record<string, string> = { Gather: "GatherV2", Div: "RealDiv" }; // config names
  const kernels = configs.map((c) => c[0].toUpperCase() + c.slice(1)).map((k) => alias[k] ?? k);
  // Names as the kernels spell them (Conv2D, not Conv2d): compare case-insensitively.
  const registered = new Set(kernelsWithGradients().map((k) => k.toLowerCase()));
  const missing = kernels.filter((k) => !registered.has(k.toLowerCase()));
  assert.deepEqual(missing, []);
});

/** Kernel names that have a registered gradient (tfjs keeps them in a global registry). */
function kernelsWithGradients(): string[] {
  const names = (Object.values(tf) as unknown[]).filter((v): v is string => typeof v === "string");
  return [...new Set(names)].filter((n) => tf.getGradient(n) !== undefined);
}

Deno.test("gradients: a conv, moments, relu and sigmoid composite agrees with finite differences", () => {
  const x = tf.randomNormal([1, 6, 6, 2], 0, 1, "float32", 1);
  const w = tf.randomNormal([3, 3, 2, 3], 0, 1, "float32", 2);
  const f = (w: tf.Tensor) => {
    const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same");
    const { mean, variance } = tf.moments(y, [0, 1, 2]);
    const z = tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-3)));
    return tf.sum(tf.mul(tf.relu(z), tf.sigmoid(y)));
  };
  const g = tf.grad(f)(w).dataSync();
  const base = w.dataSync(), h = 1e-2;
  let worst = 0;
  for (const i of [0, 7, 20, 41, 53]) {
    const at = (d: number) => {
      const v = Float32Array.from(base);
      v[i] += d;
      return f(tf.tensor(v, w.shape)).dataSync()[0];
    };
    const numeric = (at(h) - at(-h)) / (2 * h);
    worst = Math.max(worst, Math.abs(numeric - g[i]) / Math.max(1, Math.abs(numeric)));
  }
  assert.ok(worst < 2e-2, `largest relative difference ${worst}`);
});

Deno.test("gradients: neither the import map nor deno.lock names the tfjs union package", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  assert.ok(!("@tensorflow/tfjs" in config.imports), "deno.json imports @tensorflow/tfjs");
  const lock = await Deno.readTextFile(new URL("deno.lock", ROOT));
  assert.doesNotMatch(lock, /"npm:@tensorflow\/tfjs@/);
});

const canBundle = await esbuildCached();

Deno.test({
  name: "gradients: lib/runtime/tfjs_gradients.js is what tools/bundle_gradients.ts builds" +
    (canBundle ? "" : " (ignored: esbuild is not in the npm cache)"),
  ignore: !canBundle,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "tools/bundle_gradients.ts", `${dir}/g.js`],
        cwd: ROOT,
      }).output();
      assert.ok(r.success, new TextDecoder().decode(r.stderr));
      const built = await Deno.readTextFile(`${dir}/g.js`);
      const shipped = await Deno.readTextFile(new URL("lib/runtime/tfjs_gradients.js", ROOT));
      assert.ok(built === shipped, "run: deno run -A tools/bundle_gradients.ts");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
