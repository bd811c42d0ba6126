// gpu/device_data.sh takes data sets to the GPU machine as their window caches plus a placeholder
// tree: this checks the round trip on a generated data set (sizes and mtimes, which the cache key
// reads, exact; small text files whole; the labelled and unlabelled caches restored byte for byte;
// a data set without a cache refused, naming it).
import assert from "node:assert/strict";

const script = new URL("../gpu/device_data.sh", import.meta.url).pathname;

async function sh(env: Record<string, string>, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("bash", { args: [script, ...args], env }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `device_data.sh ${args.join(" ")} failed:\n${text}`);
  return text;
}

Deno.test("device_data.sh: pack here, unpack there: placeholders with the same sizes and mtimes, caches back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const here = { root: `${dir}/here/data`, cache: `${dir}/here/cache` };
    await Deno.mkdir(`${here.root}/toy/RawData`, { recursive: true });
    await Deno.mkdir(here.cache, { recursive: true });
    const big = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
    await Deno.writeFile(`${here.root}/toy/RawData/acc_01.txt`, big);
    await Deno.writeTextFile(`${here.root}/toy/labels.txt`, "1 1 5 0 100\n");
    await Deno.utime(`${here.root}/toy/RawData/acc_01.txt`, 1_700_000_000.25, 1_700_000_000.125);
    const cacheA = new Uint8Array(5000).map((_, i) => i % 13);
    const cacheB = new Uint8Array(3000).map((_, i) => i % 17);
    await Deno.writeFile(`${here.cache}/toy.ffmwin`, cacheA);
    await Deno.writeFile(`${here.cache}/toy-unlabelled.ffmwin`, cacheB);
    const kit = `${dir}/kit`;
    await sh(
      { DEVICE_DATA_ROOT: here.root, DEVICE_DATA_CACHE: here.cache, DEVICE_DATA_KIT: kit },
      "pack",
      "toy",
    );

    const there = { root: `${dir}/there/data`, cache: `${dir}/there/cache` };
    const env = {
      DEVICE_DATA_ROOT: there.root,
      DEVICE_DATA_CACHE: there.cache,
      DEVICE_DATA_KIT: kit,
    };
    await sh(env, "unpack");
    for (const f of ["RawData/acc_01.txt", "labels.txt"]) {
      const [a, b] = [
        await Deno.stat(`${here.root}/toy/${f}`),
        await Deno.stat(`${there.root}/toy/${f}`),
      ];
      assert.equal(b.size, a.size, `${f}: size`);
      assert.equal(b.mtime?.getTime(), a.mtime?.getTime(), `${f}: mtime`);
    }
    assert.equal(await Deno.readTextFile(`${there.root}/toy/labels.txt`), "1 1 5 0 100\n");
    assert.deepEqual(await Deno.readFile(`${there.cache}/toy.ffmwin`), cacheA);
    assert.deepEqual(await Deno.readFile(`${there.cache}/toy-unlabelled.ffmwin`), cacheB);

    await Deno.mkdir(`${here.root}/bare`);
    const refused = await new Deno.Command("bash", {
      args: [script, "pack", "bare"],
      env: { DEVICE_DATA_ROOT: here.root, DEVICE_DATA_CACHE: here.cache, DEVICE_DATA_KIT: kit },
      stderr: "piped",
    }).output();
    assert.notEqual(refused.code, 0);
    assert.match(new TextDecoder().decode(refused.stderr), /no cache of bare in .*cache/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
