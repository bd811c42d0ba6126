// Driven by tests/browser_demo_test.ts (run as `deno run -A --no-lock tests/_browser_demo.ts`, so
// that playwright-core, which only this script imports, never enters deno.lock: the library's
// users and `deno task train` never install it). Exits 0 and prints "browser demo: ok" when every
// check passes; a failed assertion exits 1 with its message.
//
// The demo page in Debian's Chromium (headless, through playwright-core): it loads the pretrained
// model, encodes fixed windows bit for bit as Deno does on wasm, labels a raw recording through
// the pipeline (loadPipeline with the shipped classifier) as Deno does, agrees on WebGPU (SwiftShader)
// within the stated tolerance, and draws the scatter and the sample plot. A screenshot goes to
// runs/browser-demo.png. `.ci/run` installs chromium where it is missing.
import assert from "node:assert/strict";
import { referenceWindows } from "../studies/pretrained_reference.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { loadPretrained } from "../lib/weights/pretrained.ts";
import { loadPipeline } from "../lib/classify/pipeline.ts";
import { maxAbsDiff } from "./_helpers.ts";
import { pipelineRecording } from "./_pipeline_recording.ts";

const CHROMIUM = "/usr/bin/chromium";

/** What web/app.ts exposes on the page for tests. */
interface DemoPage {
  flowfmDemo: {
    backend: string;
    encode(windows: number[]): Promise<number[]>;
    poolEncode(windows: number[]): Promise<number[]>;
    pipelinePredict(
      samples: number[],
      rate: number,
      units: string,
    ): Promise<{ labels: string[]; starts: number[] }>;
  };
}
const ROOT = new URL("../", import.meta.url);
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const { chromium } = await import("npm:playwright-core@1.65.1");
const server = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", "web/serve.ts", "--port", "0"],
  cwd: ROOT,
  stdout: "piped",
  stderr: "piped",
}).spawn();
const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
let out = "", url = "";
while (!url) {
  const { value, done } = await reader.read();
  if (done) throw new Error(`web/serve.ts ended: ${out}`);
  out += value;
  url = /http:\/\/127\.0\.0\.1:\d+\//.exec(out)?.[0] ?? "";
}
// The bundles are minified (a plain bundle has a line per statement: tens of thousands).
for (const f of ["app.js", "encode_worker.js"]) {
  const lines = (await Deno.readTextFile(new URL(`web/dist/${f}`, ROOT))).split("\n").length;
  assert.ok(lines < 10_000, `web/dist/${f} has ${lines} lines: not minified`);
}
const profile = await Deno.makeTempDir();
const x = Array.from(referenceWindows());
try {
  await initBackend("wasm");
  const model = await loadPretrained();
  const deno = (await model.encode(referenceWindows())).data;
  model.dispose();
  const { samples } = pipelineRecording();
  const pipe = await loadPipeline("small", { classifier: "uci-hapt" });
  const denoPipeline = await pipe.predict({ samples, rate: 50, units: "m/s^2" });
  pipe.dispose();

  const run = async (query: string, extra: string[]) => {
    const context = await chromium.launchPersistentContext(`${profile}/${query || "wasm"}`, {
      executablePath: CHROMIUM,
      args: [...FLAGS, ...extra],
    });
    const page = context.pages()[0] ?? await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e: Error) => errors.push(e.message));
    await page.goto(`${url}${query}`);
    const ready = `document.getElementById("status").textContent.startsWith("ready")`;
    await page.waitForFunction(ready, null, { timeout: 60_000 });
    await page.click("#load-pretrained");
    await page.waitForFunction(
      `document.getElementById("model-info").textContent !== ""`,
      null,
      {
        timeout: 60_000,
      },
    );
    const z = await page.evaluate(
      async (w: number[]) => await (globalThis as unknown as DemoPage).flowfmDemo.encode(w),
      x,
    );
    const backend = await page.evaluate(() =>
      (globalThis as unknown as DemoPage).flowfmDemo.backend
    );
    return { context, page, errors, z: Float32Array.from(z as number[]), backend };
  };

  const wasm = await run("?backend=wasm", []);
  assert.equal(wasm.backend, "wasm");
  assert.equal(maxAbsDiff(wasm.z, deno), 0, "Chromium's wasm encodes bit for bit as Deno's");
  const pooled = await wasm.page.evaluate(
    async (w: number[]) => await (globalThis as unknown as DemoPage).flowfmDemo.poolEncode(w),
    x,
  );
  assert.equal(
    maxAbsDiff(Float32Array.from(pooled as number[]), deno),
    0,
    "EncoderPool in the page",
  );
  const pagePipeline = await wasm.page.evaluate(
    async ([s, r, u]: [number[], number, string]) =>
      await (globalThis as unknown as DemoPage).flowfmDemo.pipelinePredict(s, r, u),
    [samples, 50, "m/s^2"] as [number[], number, string],
  );
  assert.deepEqual(
    pagePipeline,
    { labels: denoPipeline.labels, starts: denoPipeline.starts },
    "the pipeline labels a recording in the page as in Deno",
  );
  await wasm.page.click("#load-excerpt");
  await wasm.page.waitForFunction(
    `document.querySelectorAll("#scatter circle.point").length > 0`,
    null,
    { timeout: 120_000 },
  );
  await wasm.page.click("#generate");
  await wasm.page.waitForFunction(
    `document.querySelectorAll("#generated polyline").length === 6`,
    null,
    { timeout: 120_000 },
  );
  assert.ok((await wasm.page.locator("#scatter circle.point").count()) > 50);
  assert.equal(await wasm.page.textContent("#error"), "");
  await Deno.mkdir(new URL("runs/", ROOT), { recursive: true });
  await wasm.page.screenshot({
    path: new URL("runs/browser-demo.png", ROOT).pathname,
    fullPage: true,
  });
  assert.deepEqual(wasm.errors, []);
  await wasm.context.close();

  const gpu = await run("?backend=webgpu", [
    "--enable-unsafe-webgpu",
    "--use-webgpu-adapter=swiftshader",
  ]);
  assert.equal(gpu.backend, "webgpu");
  // The stated tolerance between backends: 1e-4 absolute on encoder outputs.
  const diff = maxAbsDiff(gpu.z, deno);
  assert.ok(diff <= 1e-4, `WebGPU (SwiftShader) differs from wasm by ${diff}`);
  assert.deepEqual(gpu.errors, []);
  await gpu.context.close();
} finally {
  server.kill();
  await server.status;
  await Deno.remove(profile, { recursive: true });
}
console.log("browser demo: ok");
Deno.exit(0); // the server's piped output and the backend would keep the process alive
