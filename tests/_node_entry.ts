// Bundled for Node by tests/node_load_test.ts: writes a model file with node:fs, loads it by path
// through loadModel (which must read file: URLs with node:fs on Node), labels a raw recording
// through loadPipeline with the shipped classifier (weights from the folder given), and prints one
// JSON line.
import { writeFile } from "node:fs/promises";
import {
  FlowFM,
  initBackend,
  loadModel,
  loadPipeline,
  presetConfig,
  serializeModel,
} from "../mod.ts";
import { pipelineRecording } from "./_pipeline_recording.ts";
const [path, weights] = process.argv.slice(2);
await initBackend("cpu");
const m = new FlowFM(presetConfig("tiny", { seed: 4 }));
await writeFile(path, await serializeModel(m));
const z0 = await m.encode(new Float32Array(900).fill(0.5));
m.dispose();
const loaded = await loadModel(path);
const z1 = await loaded.encode(new Float32Array(900).fill(0.5));
loaded.dispose();
let err = "";
try {
  await loadModel(path + ".missing");
} catch (e) {
  err = (e as Error).message;
}
const pipe = await loadPipeline("small", { classifier: "uci-hapt", baseUrl: weights });
const { labels, starts } = await pipe.predict(pipelineRecording());
pipe.dispose();
const same = z0.data.every((v, i) => v === z1.data[i]);
console.log(JSON.stringify({ same, dim: z1.dim, err, pipeline: { labels, starts } }));
