// deno run -A studies/pretrained_reference.ts
// Writes weights/flowfm-small.reference.json: the shipped model's embeddings of two fixed synthetic
// windows on the cpu backend, which tests/pretrained_test.ts checks every backend against.
import { initBackend } from "../lib/runtime/backend.ts";
import { loadPretrained } from "../lib/weights/pretrained.ts";
import { atomicWrite } from "../lib/io/mod.ts";

/** Two fixed windows: sines of 1 and 2.5 Hz, 0.5 g, phase by axis, gravity on z. */
export function referenceWindows(): Float32Array {
  const x = new Float32Array(2 * 900);
  [1, 2.5].forEach((f, k) => {
    for (let t = 0; t < 300; t++) {
      for (let a = 0; a < 3; a++) {
        x[k * 900 + t * 3 + a] = 0.5 * Math.sin((2 * Math.PI * f * t) / 30 + a) + (a === 2 ? 1 : 0);
      }
    }
  });
  return x;
}

if (import.meta.main) {
  await initBackend("cpu");
  const model = await loadPretrained("small");
  const z = await model.encode(referenceWindows());
  const out = {
    about: "embeddings of studies/pretrained_reference.ts referenceWindows() on the cpu backend",
    step: model.config.step,
    count: z.count,
    dim: z.dim,
    z: Array.from(z.data, (v) => Number(v.toPrecision(7))),
  };
  model.dispose();
  await atomicWrite("weights/flowfm-small.reference.json", JSON.stringify(out) + "\n");
  console.log(`wrote weights/flowfm-small.reference.json (${z.count} x ${z.dim})`);
}
