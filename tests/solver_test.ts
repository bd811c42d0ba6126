import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { evaluationsPerStep, solveOde, type SolverMethod } from "../lib/flow/solver.ts";

await initBackend("cpu");

// dx/dt = x cos(t) has the solution x(t) = x0 exp(sin t): non-linear in t, so every order shows.
const field = (x: tf.Tensor, t: number) => tf.mul(x, Math.cos(t));
const exact = Math.exp(Math.sin(1));

async function error(method: SolverMethod, steps: number): Promise<number> {
  const x0 = tf.ones([1], "float32");
  const x1 = solveOde(field, x0, { method, steps });
  const v = (await x1.data())[0];
  tf.dispose([x0, x1]);
  return Math.abs(v - exact);
}

const ORDERS: Record<SolverMethod, number> = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };

for (const [method, order] of Object.entries(ORDERS) as [SolverMethod, number][]) {
  Deno.test(`solver ${method}: error shrinks at order ${order}`, async () => {
    // float64 would be cleaner, but float32 suffices at these step counts.
    const e1 = await error(method, method === "rk4" ? 4 : 16);
    const e2 = await error(method, method === "rk4" ? 8 : 32);
    const observed = Math.log2(e1 / e2);
    assert.ok(
      Math.abs(observed - order) < 0.35,
      `${method}: observed order ${observed.toFixed(2)}, errors ${e1}, ${e2}`,
    );
  });
}

Deno.test("solver: linear field is exact for every method; NFE per step", async () => {
  for (const method of Object.keys(ORDERS) as SolverMethod[]) {
    // dx/dt = 2t + 1  => x(1) = x(0) + 2
    const x = solveOde((x, t) => tf.fill(x.shape, 2 * t + 1), tf.zeros([3]), {
      method: method === "euler" ? "midpoint" : method,
      steps: 3,
    });
    assert.ok(Math.abs((await x.data())[0] - 2) < 1e-5, method);
    x.dispose();
  }
  assert.deepEqual(
    [1, 2, 2, 4],
    (["euler", "midpoint", "heun", "rk4"] as SolverMethod[]).map(evaluationsPerStep),
  );
});

Deno.test("solver: rejects bad steps and unknown methods, and does not leak memory", () => {
  const before = tf.memory().numTensors;
  const x0 = tf.ones([2]);
  assert.throws(() => solveOde(field, x0, { steps: 0 }), /steps must be an integer >= 1/);
  assert.throws(
    () => solveOde(field, x0, { steps: 2, method: "rk5" as SolverMethod }),
    /unknown solver "rk5"/,
  );
  const x1 = solveOde(field, x0, { method: "rk4", steps: 10 });
  tf.dispose([x0, x1]);
  assert.equal(tf.memory().numTensors, before);
});
