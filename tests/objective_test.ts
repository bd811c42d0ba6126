import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { OBJECTIVE_NAMES, presetConfig } from "../lib/model/config.ts";
import { validateConfig } from "../lib/model/validate_config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import {
  checkSampleMethod,
  OBJECTIVES,
  objectiveSpec,
  SAMPLE_METHODS,
} from "../lib/flow/objective.ts";
import { type ConditionalGenerator, generate } from "../lib/flow/sampler.ts";
import { DDPM_STEPS } from "../lib/flow/diffusion.ts";
import { SOLVERS } from "../lib/flow/solver.ts";
import { Rng } from "../lib/random.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

Deno.test("objectives: one spec per name, each naming itself", () => {
  assert.deepEqual(Object.keys(OBJECTIVES), [...OBJECTIVE_NAMES]);
  for (const name of OBJECTIVE_NAMES) {
    assert.equal(OBJECTIVES[name].name, name);
    assert.equal(objectiveSpec(name), OBJECTIVES[name]);
    assert.ok(OBJECTIVES[name].summary.length > 0);
  }
  assert.ok(Object.isFrozen(OBJECTIVES));
  assert.equal(OBJECTIVES.fm.schedule, null);
  assert.equal(OBJECTIVES.ddpm.schedule?.betas.length, DDPM_STEPS);
});

Deno.test("objectives: each spec's loss is finite and differentiable in both networks", async () => {
  const data = syntheticWindows(3, 1);
  for (const name of OBJECTIVE_NAMES) {
    const spec = OBJECTIVES[name];
    const model = new FlowFM(presetConfig("tiny", { objective: name, seed: 2 }));
    // The generator's output layer starts at zero (so does every gradient behind it): step once.
    const trainer = new Trainer(model, { lr: 1e-2, seed: 3 });
    await trainer.step(data);
    trainer.dispose();
    const rng = new Rng(4);
    const times = spec.drawTimes(rng, 3, "logit-normal");
    const noise = rng.normals(data.length);
    const names = [...model.params.trainable];
    const vars = names.map((k) => model.params.get(k));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.tidy(() =>
      tf.variableGrads(
        () =>
          spec.loss(model, {
            data: tf.tensor3d(data, [3, 300, 3]),
            noise: tf.tensor3d(noise, [3, 300, 3]),
            times,
          }),
        vars,
      )
    );
    const loss = value.dataSync()[0];
    assert.ok(Number.isFinite(loss) && loss > 0, `${name}: loss ${loss}`);
    const norm = (prefix: string) =>
      Math.sqrt(
        names.filter((k) => k.startsWith(prefix)).reduce((s, k) => {
          const g = grads[model.params.get(k).name];
          return s + (g ? tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]) : 0);
        }, 0),
      );
    for (const prefix of ["encoder.", "generator."]) {
      const n = norm(prefix);
      assert.ok(Number.isFinite(n) && n > 0, `${name}: ${prefix} gradient norm ${n}`);
    }
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, `${name}: the loss leaked tensors`);
    model.dispose();
  }
});

Deno.test("objectives: time draws are flow times in [0, 1) or diffusion steps in [0, T)", () => {
  const fm = OBJECTIVES.fm.drawTimes(new Rng(0), 500, "uniform");
  assert.ok(fm.every((t) => t >= 0 && t < 1));
  const steps = OBJECTIVES.ddpm.drawTimes(new Rng(0), 500, "uniform");
  assert.ok(steps.every((s) => Number.isInteger(s) && s >= 0 && s < DDPM_STEPS));
  assert.ok(Math.max(...steps) > DDPM_STEPS / 2, "steps should spread over [0, T)");
});

Deno.test("objectives: default samplers are allowed methods, and NFE follows the method", () => {
  for (const name of OBJECTIVE_NAMES) {
    const spec = OBJECTIVES[name];
    assert.ok(spec.methods.includes(spec.defaultMethod), `${name}: ${spec.defaultMethod}`);
    assert.ok(Number.isInteger(spec.defaultSteps) && spec.defaultSteps >= 1);
    for (const m of spec.methods) assert.ok(SAMPLE_METHODS.includes(m));
  }
  assert.deepEqual(SAMPLE_METHODS, [...SOLVERS, "ddim", "ancestral"]);
  assert.equal(OBJECTIVES.fm.evaluations("midpoint", 10), 20);
  assert.equal(OBJECTIVES.fm.evaluations("rk4", 5), 20);
  assert.equal(OBJECTIVES.ddpm.evaluations("ddim", 50), 50);
  assert.equal(OBJECTIVES.ddpm.evaluations("ancestral", 50), DDPM_STEPS);
  assert.equal(OBJECTIVES.ddpm.stepsTaken("ancestral", 3), DDPM_STEPS);
  assert.equal(OBJECTIVES.fm.stepsTaken("heun", 3), 3);
  assert.throws(() => OBJECTIVES.fm.evaluations("ddim", 5), /"ddim" does not apply to a fm/);
  assert.throws(
    () => checkSampleMethod(OBJECTIVES.ddpm, "rk4", "sample"),
    /sample: method "rk4" does not apply to a ddpm model; use one of ddim, ancestral/,
  );
});

Deno.test("objectives: an unknown objective is an error that names the value", async () => {
  assert.throws(() => objectiveSpec("gan"), /unknown objective "gan": expected one of fm, ddpm/);
  assert.throws(() => objectiveSpec("toString"), /unknown objective "toString"/);
  const bad = { ...presetConfig("tiny"), objective: "gan" };
  assert.throws(() => validateConfig(bad), /objective.*"gan"/);
  const generator = {
    objective: "gan",
    windowLength: 4,
    channels: 3,
    clip: 3,
    embeddingDim: 2,
    velocity: (x: tf.Tensor3D) => tf.zerosLike(x),
  } as unknown as ConditionalGenerator;
  await assert.rejects(
    () => generate(generator, { z: new Float32Array(2) }),
    /unknown objective "gan"/,
  );
});

Deno.test("sampler: any conditional generator can be sampled, without the FlowFM class", async () => {
  let calls = 0;
  const generator: ConditionalGenerator = {
    objective: "fm",
    windowLength: 6,
    channels: 3,
    clip: 3,
    embeddingDim: 2,
    velocity: (xt, t, z) => {
      calls++;
      assert.deepEqual([xt.shape, t.shape, z.shape], [[2, 6, 3], [2], [2, 2]]);
      return tf.onesLike(xt);
    },
  };
  const out = await generate(generator, { z: [[0, 1], [1, 0]], method: "heun", steps: 3, seed: 5 });
  assert.equal(out.count, 2);
  assert.equal(calls, 6);
  const noise = new Rng(5).normals(2 * 18);
  assert.ok(out.data.every((v, i) => Math.abs(v - (noise[i] + 1)) < 1e-5));
  await assert.rejects(
    () => generate(generator, { windows: new Float32Array(18) }),
    /`windows` needs a generator with an encoder/,
  );
});
