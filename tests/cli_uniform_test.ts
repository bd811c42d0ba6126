// cli/train.ts and cli/evaluate.ts on a user's folder in the uniform layout: --dataset PATH and
// PATH:PLACE, --balance, the hours summary, and a bad index.csv row named on stderr.
import assert from "node:assert/strict";
import { runCli } from "./_helpers.ts";

const TRAIN = new URL("../cli/train.ts", import.meta.url).pathname;
const EVALUATE = new URL("../cli/evaluate.ts", import.meta.url).pathname;
const HEADER = "file,subject,label,placement,device,rate_hz,samples,seconds";

/** 4 subjects, each with a 40 s wrist recording of "walk" (2 Hz) and "rest" (still), and a 40 s
 * pocket "walk": recordings at 25 Hz, `t` from 0 to 40 s. */
async function corpus(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "corpus_" });
  const index = [HEADER];
  for (let s = 1; s <= 4; s++) {
    const subject = `p${s}`;
    await Deno.mkdir(`${root}/${subject}`);
    for (const [label, placement] of [["walk", "wrist"], ["rest", "wrist"], ["walk", "pocket"]]) {
      const rows = ["t,x,y,z,label"];
      for (let i = 0; i <= 1000; i++) {
        const t = i / 25, a = label === "walk" ? 0.4 * Math.sin(2 * Math.PI * 2 * t + s) : 0;
        rows.push(
          `${t.toFixed(2)},${a.toFixed(4)},${(0.1 * Math.sin(t * s)).toFixed(4)},1,${label}`,
        );
      }
      const file = `${subject}/${label}_${placement}.csv`;
      await Deno.writeTextFile(`${root}/${file}`, rows.join("\n") + "\n");
      index.push(`${file},${subject},${label},${placement},phone,25,1001,40`);
    }
  }
  await Deno.writeTextFile(`${root}/index.csv`, index.join("\n") + "\n");
  return root;
}

Deno.test("cli: train and evaluate read a user's folder in the uniform layout", async () => {
  const root = await corpus();
  const out = await Deno.makeTempDir({ prefix: "corpus_run_" });
  try {
    const train = await runCli(TRAIN, [
      "--dataset",
      `${root}:wrist`,
      "--preset",
      "tiny",
      "--steps",
      "2",
      "--batch",
      "4",
      "--workers",
      "1",
      "--balance",
      "placement",
      "--backend",
      "cpu",
      "--no-cache",
      "--out",
      `${out}/train`,
    ]);
    assert.equal(train.code, 0, train.err);
    // 4 subjects x 2 wrist recordings of 40 s: 7 windows each, 320 s covered.
    assert.match(train.err, /data: 56 windows kept from .*corpus_\w+ \(wrist\)/);
    assert.match(
      train.err,
      /hours by data set and placement: .*corpus_\w+ wrist 0\.09 h \(56 windows\)/,
    );
    const ev = await runCli(EVALUATE, [
      "--dataset",
      root,
      "--heads",
      "handcrafted",
      "--probe-solver",
      "lbfgs",
      "--backend",
      "cpu",
      "--no-cache",
      "--out",
      `${out}/eval`,
    ]);
    assert.equal(ev.code, 0, ev.err);
    assert.match(
      ev.err,
      /corpus_\w+ pocket 0\.04 h \(28 windows\), .*corpus_\w+ wrist 0\.09 h \(56 windows\)/,
    );
    const report = JSON.parse(await Deno.readTextFile(`${out}/eval/report.json`));
    assert.equal(report.heads[0].folds.length, 4); // leave one subject out
    assert.ok(report.heads[0].summary.macroF1.mean > 0.9, JSON.stringify(report.heads[0].summary));
    // A bad row: the error names the index file, its line and the field.
    const text = await Deno.readTextFile(`${root}/index.csv`);
    await Deno.writeTextFile(
      `${root}/index.csv`,
      text.replace(",phone,25,1001,40\n", ",phone,x,1001,40\n"),
    );
    const bad = await runCli(EVALUATE, ["--dataset", root, "--heads", "handcrafted", "--no-cache"]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /index\.csv:2: "x" is not a number >= 0 \(field rate_hz\)/);
  } finally {
    for (const d of [root, out]) await Deno.remove(d, { recursive: true });
  }
});
