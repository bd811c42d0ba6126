// A wasm backend that cannot find its .wasm files: `auto` falls back to cpu and says why, a forced
// `wasm` fails naming the `wasmPaths` option. Its own file, as a failed wasm start cannot be undone
// in a process (tfjs-backend-wasm then refuses new paths).
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { describeBackend, initBackend } from "../lib/runtime/backend.ts";

const BOGUS = "/nonexistent-flowfm-wasm-dir/";

/** Runs `fn` with tfjs's and Emscripten's own failure messages kept off the test output. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { warn, error } = console;
  console.warn = console.error = () => {};
  try {
    return await fn();
  } finally {
    Object.assign(console, { warn, error });
  }
}

Deno.test("backend: wasm without its .wasm files: auto falls back to cpu, forced wasm names wasmPaths", async () => {
  const info = await quietly(() => initBackend("auto", { wasmPaths: BOGUS }));
  if (info.backend !== "webgpu") { // a hardware adapter never tries wasm
    assert.equal(info.backend, "cpu");
    assert.equal(tf.getBackend(), "cpu");
    assert.match(info.reason, /no WebGPU adapter|software/);
    assert.match(info.reason, /wasm failed to initialise.*wasmPaths/);
    assert.match(describeBackend(info), /^backend cpu \(.*wasmPaths/);
    assert.ok(info.reason.includes(BOGUS), info.reason);
  }
  await assert.rejects(
    () => quietly(() => initBackend("wasm", { wasmPaths: BOGUS })),
    /backend wasm failed to initialise.*wasmPaths option/,
  );
  // cpu still works after the failed wasm start.
  assert.equal((await initBackend("cpu")).backend, "cpu");
  assert.deepEqual(Array.from(await tf.add(tf.tensor([1, 2]), 1).data()), [2, 3]);
});
