// deno run -A studies/classifier_reference.ts
// Writes fixtures/uci-hapt-classifier.reference.json: what the shipped uci-hapt classifier
// (weights/flowfm-small.uci-hapt.classifier.safetensors on weights/flowfm-small.safetensors)
// predicts for six fixed synthetic windows on the cpu backend, with the classifier file's SHA-256.
// tests/classify_pipeline_test.ts checks that the shipped files still predict exactly this;
// studies/ship_pretrained.sh rewrites it after refitting the classifier.
import { initBackend } from "../lib/runtime/backend.ts";
import { loadPretrained } from "../lib/weights/pretrained.ts";
import { loadClassifier } from "../lib/classify/load_classifier.ts";
import { sha256Hex } from "../lib/sha256.ts";
import { atomicWrite } from "../lib/io/mod.ts";

/** The classifier file the reference is for, relative to the repository root. */
export const CLASSIFIER_FILE = "weights/flowfm-small.uci-hapt.classifier.safetensors";
/** Where the reference is written, relative to the repository root. */
export const REFERENCE_FILE = "fixtures/uci-hapt-classifier.reference.json";

/** Six fixed windows [6, 300, 3] in g: sines of rising frequency, z lifted by 1 g. */
export function classifierReferenceWindows(): Float32Array {
  const w = new Float32Array(6 * 900);
  for (let i = 0; i < w.length; i++) {
    const f = 0.01 + 0.003 * Math.floor(i / 900);
    w[i] = Math.sin(i * f) * (i % 3 === 2 ? 0.5 : 1) + (i % 3 === 2 ? 1 : 0);
  }
  return w;
}

if (import.meta.main) {
  await initBackend("cpu");
  const root = new URL("../", import.meta.url);
  const bytes = await Deno.readFile(new URL(CLASSIFIER_FILE, root));
  const model = await loadPretrained("small");
  const c = await loadClassifier(bytes, "uci-hapt", model);
  const p = await c.predict(classifierReferenceWindows());
  const out = {
    about: "studies/classifier_reference.ts: the shipped uci-hapt classifier on " +
      "classifierReferenceWindows(), cpu backend",
    classifierSha256: await sha256Hex(bytes),
    labels: p.labels,
    probabilities: Array.from(p.probabilities),
  };
  c.dispose();
  model.dispose();
  await atomicWrite(new URL(REFERENCE_FILE, root).pathname, JSON.stringify(out, null, 2) + "\n");
  console.log(`wrote ${REFERENCE_FILE} (${p.labels.join(", ")})`);
}
