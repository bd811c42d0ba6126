// Loads a model file with the Deno library and writes it again: the other half of the twin's
// round-trip test (python/tests/test_model_file.py).
// Usage: deno run -A python/tests/resave.ts IN OUT [F32|F16]
import { deserializeModel, initBackend, serializeModel } from "../../mod.ts";

const [input, output, dtype = "F32"] = Deno.args;
if (!input || !output || (dtype !== "F32" && dtype !== "F16")) {
  throw new Error("usage: resave.ts IN OUT [F32|F16]");
}
await initBackend("cpu");
const { model, extras } = deserializeModel(await Deno.readFile(input), input);
await Deno.writeFile(
  output,
  await serializeModel(model, { dtype, metadata: extras.metadata }),
);
console.log(JSON.stringify({ preset: model.config.preset, step: model.config.step }));
model.dispose();
