// deno run -A bench/compare_baseline.ts [COMMIT] [--rounds 2] [--steps 5] [--preset small]
// Checks COMMIT (default 2930708, before the data-parallel work) out beside this tree as a git
// worktree and times, in one run and alternating, its single-thread training step and this tree's
// with 1 worker and with one worker per core; prints windows/s and the ratios to the baseline.
import { scriptArgs } from "./_args.ts";

const { values, positionals } = scriptArgs(import.meta.url, {
  rounds: { type: "string", default: "2" },
  steps: { type: "string", default: "5" },
  preset: { type: "string", default: "small" },
});
const commit = positionals[0] ?? "2930708";
const here = new URL("..", import.meta.url).pathname;
const dir = await Deno.makeTempDir({ prefix: "flowfm-baseline-" });
const git = (...args: string[]) => new Deno.Command("git", { args, cwd: here }).output();
const add = await git("worktree", "add", "--detach", dir, commit);
if (!add.success) {
  throw new Error(`git worktree add ${commit}: ${new TextDecoder().decode(add.stderr)}`);
}
const cores = navigator.hardwareConcurrency || 2;
const runs = [
  { label: `${commit} (baseline), 1 thread`, root: dir, workers: 1 },
  { label: "this tree, 1 thread", root: here, workers: 1 },
  { label: `this tree, ${cores} workers`, root: here, workers: cores },
];
const results = new Map<string, number[]>(runs.map((r) => [r.label, []]));
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const r of runs) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          `${here}bench/step_time.ts`,
          "--root",
          r.root,
          "--preset",
          values.preset!,
          "--steps",
          values.steps!,
          "--workers",
          String(r.workers),
        ],
        cwd: here,
        stderr: "inherit",
      }).output();
      const line = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
      if (!out.success) throw new Error(`${r.label} failed: ${line}`);
      const w = JSON.parse(line).windowsPerSec as number;
      results.get(r.label)!.push(w);
      console.error(`round ${round + 1}: ${r.label}: ${w.toFixed(1)} windows/s`);
    }
  }
} finally {
  await git("worktree", "remove", "--force", dir);
}
const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
const base = mean(results.get(runs[0].label)!);
console.log(`| ${values.preset}, batch 64, wasm | windows/s | vs baseline |\n|---|---|---|`);
for (const r of runs) {
  const m = mean(results.get(r.label)!);
  console.log(`| ${r.label} | ${m.toFixed(1)} | ${(m / base).toFixed(2)}x |`);
}
