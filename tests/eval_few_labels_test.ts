import assert from "node:assert/strict";
import { fewLabels, samplePerClass } from "../lib/eval/few_labels.ts";

Deno.test("few labels: at most N per class, seeded, ascending; small classes keep all", () => {
  const y = Int32Array.from({ length: 100 }, (_, i) => (i < 90 ? i % 3 : 3));
  const idx = Int32Array.from({ length: 100 }, (_, i) => i);
  const a = samplePerClass(idx, y, 5, 1);
  const counts = [0, 0, 0, 0];
  for (const i of a) counts[y[i]]++;
  assert.deepEqual(counts, [5, 5, 5, 5]);
  assert.deepEqual([...a], [...a].sort((p, q) => p - q));
  assert.deepEqual(samplePerClass(idx, y, 5, 1), a, "same seed, same draw");
  assert.notDeepEqual(samplePerClass(idx, y, 5, 2), a, "another seed, another draw");
  assert.equal(samplePerClass(idx, y, 1000, 0).length, 100);
  assert.throws(() => samplePerClass(idx, y, 0, 0), /positive integer, got 0/);
  assert.throws(() => samplePerClass(idx, y, 1.5, 0), /positive integer, got 1.5/);
});

Deno.test("few labels: a fold keeps its test windows and draws train and val separately", () => {
  const y = Int32Array.from({ length: 60 }, (_, i) => i % 2);
  const split = {
    train: Int32Array.from({ length: 40 }, (_, i) => i),
    val: Int32Array.from({ length: 10 }, (_, i) => 40 + i),
    test: Int32Array.from({ length: 10 }, (_, i) => 50 + i),
  };
  const r = fewLabels(split, y, 3, 9);
  assert.equal(r.train.length, 6);
  assert.equal(r.val.length, 6);
  assert.ok([...r.train].every((i) => i < 40) && [...r.val].every((i) => i >= 40 && i < 50));
  assert.equal(r.test, split.test);
});
