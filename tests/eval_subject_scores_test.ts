// subjectScores: each test subject scored on its own windows, in the fold's subject order, as the
// protocol reports them.
import assert from "node:assert/strict";
import { subjectScores } from "../lib/eval/subject_scores.ts";
import { accuracy, cohensKappa, confusionMatrix, macroF1 } from "../lib/eval/metrics.ts";

Deno.test("subjectScores: one confusion matrix per test subject, in the fold's order", () => {
  // Windows 0-9; the fold tests windows of subjects c and a (interleaved) and names d (no windows).
  const subjects = ["a", "b", "c", "a", "c", "a", "b", "c", "a", "c"];
  const test = Int32Array.from([0, 2, 3, 4, 5, 7, 8, 9]);
  const yTest = [0, 1, 1, 2, 0, 1, 2, 2];
  const pred = [0, 1, 2, 2, 0, 0, 2, 1];
  const r = subjectScores(subjects, test, yTest, pred, 3, { index: 4, test: ["c", "d", "a"] });
  assert.deepEqual(r.map((s) => [s.subject, s.fold, s.windows]), [["c", 4, 4], ["a", 4, 4]]);
  for (const s of r) {
    const rows = [...test.keys()].filter((j) => subjects[test[j]] === s.subject);
    const cm = confusionMatrix(rows.map((j) => yTest[j]), rows.map((j) => pred[j]), 3);
    assert.equal(s.macroF1, macroF1(cm));
    assert.ok(Object.is(s.kappa, cohensKappa(cm)));
    assert.equal(s.accuracy, accuracy(cm));
  }
  assert.equal(r[1].accuracy, 0.75); // a: windows 0, 3, 5 and 8, of which window 3 is wrong
});

Deno.test("subjectScores: labels or predictions of another length are an error naming both", () => {
  assert.throws(
    () => subjectScores(["a"], Int32Array.from([0]), [0, 1], [0], 2, { index: 0, test: ["a"] }),
    /1 test windows, 2 labels, 1 predictions/,
  );
});
