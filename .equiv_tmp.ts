import { FlowFM, initBackend, presetConfig, Trainer } from "./mod.ts";
await initBackend("cpu");
const rows: Record<string, number[]> = {};
const data = new Float32Array(6 * 900).map((_, i) => Math.sin(i / 7) + 0.3 * Math.cos(i / 3));
for (const objective of ["fm", "ddpm"] as const) {
  const model = new FlowFM(presetConfig("tiny", { seed: 3, objective }));
  for (const ts of ["uniform", "logit-normal"] as const) {
    const tr = new Trainer(model, { seed: 5, timeSampling: ts, microBatch: 2, lr: 1e-3 });
    const l = [];
    for (let i = 0; i < 3; i++) { const r = await tr.step(data.subarray(0, 4 * 900)); l.push(r.loss, r.gradNorm); }
    rows[`${objective}-train-${ts}`] = l;
    tr.dispose();
  }
  const methods = objective === "fm" ? ["euler", "midpoint", "heun", "rk4", undefined] : ["ddim", "ancestral", undefined];
  for (const method of methods) {
    const steps = method === "ancestral" ? undefined : 3;
    const out = await model.sample({ windows: data, method: method as "euler", steps, seed: 2, batchSize: 4 });
    rows[`${objective}-sample-${method}`] = Array.from(out.data.subarray(0, 50)).concat([out.data.reduce((a, b) => a + b)]);
  }
  const ip = await model.interpolate(data.subarray(0, 900), data.subarray(900, 1800), { steps: 2, alphas: [0, 0.5, 1] });
  rows[`${objective}-interp`] = [ip.data.reduce((a, b) => a + b), ...ip.data.subarray(0, 20)];
  model.dispose();
}
console.log(JSON.stringify(rows));
