// cli/train.ts on Ctrl-C: stops after the current step, writes a checkpoint, prints how to resume.
import assert from "node:assert/strict";
import { syntheticWindows } from "./_helpers.ts";

const TRAIN = new URL("../cli/train.ts", import.meta.url).pathname;

Deno.test({
  name: "cli/train: SIGINT writes a checkpoint, prints the resume command and exits 130",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const w = syntheticWindows(12, 3);
    const rows = ["timestamp,x,y,z"];
    for (let i = 0; i < 6000; i++) {
      const s = Math.min(Math.floor((i * 30) / 50), w.length / 3 - 1);
      rows.push(`${(i / 50).toFixed(3)},${w[s * 3]},${w[s * 3 + 1]},${w[s * 3 + 2]}`);
    }
    await Deno.writeTextFile(`${dir}/rec.csv`, rows.join("\n") + "\n");
    const args = [`${dir}/rec.csv`, "--preset", "tiny", "--steps", "500", "--batch", "4"]
      .concat(["--checkpoint-every", "1000", "--backend", "wasm", "--no-cache", "--out", dir]);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", TRAIN, ...args],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const logLines = () =>
      Deno.readTextFile(`${dir}/log.jsonl`).then((t) => t.trim().split("\n").length, () => 0);
    for (let i = 0; i < 1200 && (await logLines()) < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGINT");
    const r = await child.output();
    const out = new TextDecoder().decode(r.stdout), err = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 130, err);
    const step = Number(err.match(/SIGINT: stopped at step (\d+)/)?.[1]);
    assert.ok(step >= 2 && step < 500, err);
    assert.match(
      out,
      /resume: npx --yes deno@2\.9\.6 run -A cli\/train\.ts .*--steps 500 .*--resume\n/,
    );
    assert.equal(await logLines(), step);
    assert.ok((await Deno.stat(`${dir}/checkpoint.safetensors`)).size > 1000);
    await assert.rejects(() => Deno.stat(`${dir}/model.safetensors`), Deno.errors.NotFound);
    // The run's lock on the folder is released on the way out.
    await assert.rejects(() => Deno.stat(`${dir}/train.lock`), Deno.errors.NotFound);
    await Deno.remove(dir, { recursive: true });
  },
});
