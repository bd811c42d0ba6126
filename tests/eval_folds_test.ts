import assert from "node:assert/strict";
import { foldIndices, subjectFolds } from "../lib/eval/folds.ts";

const names = (n: number) => Array.from({ length: n }, (_, i) => `s${i + 1}`);

function checkDisjoint(subjects: string[], folds: ReturnType<typeof subjectFolds>) {
  for (const f of folds) {
    const all = [...f.train, ...f.val, ...f.test];
    assert.equal(new Set(all).size, all.length, `fold ${f.index}: a subject is on two sides`);
    assert.deepEqual([...all].sort(), [...subjects].sort(), `fold ${f.index}: subjects missing`);
    assert.ok(f.train.length >= 1 && f.test.length >= 1);
  }
  // Every subject is tested exactly once.
  const tested = folds.flatMap((f) => f.test);
  assert.deepEqual([...tested].sort(), [...subjects].sort());
}

Deno.test("folds: leave-one-subject-out for <= 10 subjects, 12.5 % validation (at least 1)", () => {
  for (const n of [2, 3, 4, 8, 10]) {
    const s = names(n);
    const folds = subjectFolds(s, { seed: 3 });
    assert.equal(folds.length, n);
    checkDisjoint(s, folds);
    for (const f of folds) {
      assert.equal(f.test.length, 1);
      const rest = n - 1;
      const expectVal = rest < 2 ? 0 : Math.max(1, Math.round(0.125 * rest));
      assert.equal(f.val.length, expectVal, `n=${n}`);
    }
  }
});

Deno.test("folds: 5 seeded 80/20 splits for > 10 subjects; no subject ever on two sides", () => {
  for (const n of [11, 23, 30]) {
    const s = names(n);
    for (const seed of [0, 1, 2, 3]) {
      const folds = subjectFolds(s, { seed });
      assert.equal(folds.length, 5);
      checkDisjoint(s, folds);
      for (const f of folds) {
        assert.ok(Math.abs(f.test.length - n / 5) <= 1, `test size ${f.test.length} for ${n}`);
        const rest = n - f.test.length;
        assert.equal(f.val.length, Math.max(1, Math.round(0.125 * rest)));
      }
    }
  }
  const a = subjectFolds(names(30), { seed: 7 }), b = subjectFolds(names(30), { seed: 7 });
  assert.deepEqual(a, b, "same seed, same folds");
  assert.notDeepEqual(a, subjectFolds(names(30), { seed: 8 }), "another seed, other folds");
  // Window order and duplicates do not matter; nulls are ignored.
  const perWindow = [...names(30), ...names(30).reverse(), null];
  assert.deepEqual(subjectFolds(perWindow, { seed: 7 }), a);
  assert.equal(subjectFolds(names(30), { folds: 3 }).length, 3);
  assert.throws(() => subjectFolds(["a"]), /at least 2 subjects/);
  assert.throws(() => subjectFolds(names(4), { folds: 5 }), /folds must be an integer in \[2, 4\]/);
});

Deno.test("folds: window indices follow subjects and skip null subjects and filtered windows", () => {
  const subjects = ["a", "b", "c", null, "a", "d", "c", "b"];
  const labelled = [true, true, true, true, false, true, true, true];
  const fold = { index: 0, train: ["a", "b"], val: ["c"], test: ["d"] };
  const ix = foldIndices(subjects, fold, (i) => labelled[i]);
  assert.deepEqual([...ix.train], [0, 1, 7]);
  assert.deepEqual([...ix.val], [2, 6]);
  assert.deepEqual([...ix.test], [5]);
  for (const f of subjectFolds(subjects, { seed: 1 })) {
    const w = foldIndices(subjects, f);
    const side = (i: number) => (w.train.includes(i) ? 0 : w.val.includes(i) ? 1 : 2);
    for (let i = 0; i < subjects.length; i++) {
      for (let j = 0; j < subjects.length; j++) {
        if (subjects[i] !== null && subjects[i] === subjects[j]) assert.equal(side(i), side(j));
      }
    }
  }
});
