// studies/eval_pretrained.sh runs every downstream row of the model card. This runs it against a
// stand-in `deno` that records its arguments and writes the report, to check which cells run: the
// fine-tuning cells only with FT=1, the baseline heads unless BASELINES=0, finished rows skipped.
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;
const FAKE_DENO = `#!/bin/bash
echo "$*" >> "$CALLS"
out=; while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
mkdir -p "$out" && echo '{}' > "$out/report.json" && echo "wrote $out/report.json"
`;

/** Runs the script in a scratch checkout; returns one line per `deno` call and the exit code. */
async function evalPretrained(
  dir: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<{ calls: string[]; code: number; stderr: string }> {
  const calls = `${dir}/calls.txt`;
  await Deno.writeTextFile(calls, "");
  const out = await new Deno.Command("bash", {
    args: [`${dir}/studies/eval_pretrained.sh`, ...args],
    env: { ...env, CALLS: calls, PATH: `${dir}/bin:${Deno.env.get("PATH")}` },
  }).output();
  const text = await Deno.readTextFile(calls);
  return {
    calls: text.split("\n").filter((l) => l),
    code: out.code,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function scratchCheckout(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/bench`);
  await Deno.mkdir(`${dir}/studies`);
  await Deno.mkdir(`${dir}/bin`);
  for (const f of ["studies/eval_pretrained.sh", "bench/_deno.sh", "bench/_args.sh"]) {
    await Deno.copyFile(ROOT + f, `${dir}/${f}`);
  }
  await Deno.writeTextFile(`${dir}/bin/deno`, FAKE_DENO);
  await Deno.chmod(`${dir}/bin/deno`, 0o755);
  return dir;
}

const heads = (call: string) => call.match(/--heads (\S+)/)?.[1];
const out = (call: string) => call.match(/--out runs\/eval-T-(\S+)/)?.[1];

Deno.test("eval_pretrained.sh: FT=1 adds the fine-tuning cells, BASELINES=0 drops the baselines, reruns skip finished rows", async () => {
  const dir = await scratchCheckout();
  try {
    const plain = await evalPretrained(dir, {}, "model.safetensors", "T");
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(plain.calls.map(out), [
      "hapt",
      "hapt-10",
      "wrist-adl",
      "wrist-adl-10",
      "wrist-falls",
      "wrist-falls-10",
      "sisfall-adl",
      "sisfall-adl-10",
      "sisfall-falls",
      "sisfall-falls-10",
    ]);
    assert.equal(heads(plain.calls[0]), "probe,scratch-probe,handcrafted");
    assert.equal(
      heads(plain.calls[1]),
      "probe,finetune,scratch-finetune,scratch-probe,handcrafted",
    );
    assert.ok(plain.calls.every((c) => c.includes("--weights model.safetensors")));

    const again = await evalPretrained(dir, { FT: "1" }, "model.safetensors", "T");
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.calls.map(out), ["ft-sisfall-adl-10", "ft-wrist-adl-10", "ft-hapt"]);
    assert.ok(
      again.calls.every((c) => heads(c) === "finetune,scratch-finetune"),
      again.calls.join("\n"),
    );
    assert.match(again.calls[2], /--dataset uci-hapt --out/);

    await Deno.remove(`${dir}/runs`, { recursive: true });
    const lean = await evalPretrained(dir, { BASELINES: "0" }, "model.safetensors", "T");
    assert.equal(heads(lean.calls[0]), "probe");
    assert.equal(heads(lean.calls[1]), "probe,finetune,scratch-finetune");

    const usage = await evalPretrained(dir, {}, "model.safetensors");
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: .*eval_pretrained\.sh MODEL TAG/);
    assert.deepEqual(usage.calls, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
