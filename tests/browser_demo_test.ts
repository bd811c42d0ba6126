// The demo page in Debian's Chromium (headless, through playwright-core): it loads the pretrained
// model, encodes fixed windows bit for bit as Deno does on wasm, labels a recording through the
// pipeline as Deno does, agrees on WebGPU (SwiftShader)
// within the stated tolerance, and draws the scatter and the sample plot; its speed section
// counts the kernels per training step and per encoded batch as Deno does; the bundles are
// minified. The checks are in tests/_browser_demo.ts, run as its own process with --no-lock:
// playwright-core is imported there alone, by its npm: specifier, so it never enters deno.lock or
// the import map, and a first `deno task train` does not install it. A screenshot goes to
// runs/browser-demo.png. `.ci/run` installs chromium where it is missing.
import assert from "node:assert/strict";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = new URL("../", import.meta.url);
const hasChromium = await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false);

Deno.test({
  name: "browser: the demo page loads the model, encodes as Deno does, draws its plots" +
    (hasChromium ? "" : ` (skipped: no ${CHROMIUM}; .ci/run installs it with apt-get)`),
  ignore: !hasChromium,
  fn: async () => {
    const lock = await Deno.readTextFile(new URL("deno.lock", ROOT));
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-lock", "tests/_browser_demo.ts"],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    const out = dec.decode(r.stdout), err = dec.decode(r.stderr);
    assert.equal(r.code, 0, `tests/_browser_demo.ts failed:\n${out}\n${err}`);
    assert.match(out, /^browser demo: ok$/m);
    const after = await Deno.readTextFile(new URL("deno.lock", ROOT));
    assert.equal(after, lock, "the browser run changed deno.lock");
    assert.doesNotMatch(after, /playwright/, "playwright-core is in deno.lock");
  },
});
