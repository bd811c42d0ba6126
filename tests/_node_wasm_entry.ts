// Bundled for Node by tests/node_wasm_test.ts: starts the backend named on the command line
// (`wasm` or `auto`) and prints one JSON line: the backend and its reason, or the error, and the
// first values of a tiny model's embedding of a constant window.
import { FlowFM, initBackend, presetConfig } from "../mod.ts";
const requested = process.argv[2] as "wasm" | "auto";
let info = null, err = "", z = null;
try {
  info = await initBackend(requested);
  const m = new FlowFM(presetConfig("tiny", { seed: 4 }));
  z = Array.from((await m.encode(new Float32Array(900).fill(0.5))).data.slice(0, 8));
  m.dispose();
} catch (e) {
  err = (e as Error).message;
}
const dirname = (globalThis as { __dirname?: string }).__dirname ?? null;
console.log(JSON.stringify({ backend: info?.backend, reason: info?.reason, err, z, dirname }));
