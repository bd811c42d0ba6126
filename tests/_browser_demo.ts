// Driven by tests/browser_demo_test.ts (run as `deno run -A --no-lock tests/_browser_demo.ts`, so
// that playwright-core, which only this script imports, never enters deno.lock: the library's
// users and `deno task train` never install it). Exits 0 and prints "browser demo: ok" when every
// check passes; a failed assertion exits 1 with its message.
//
// The demo page in Debian's Chromium (headless, through playwright-core): it loads the pretrained
// model, encodes fixed windows bit for bit as Deno does on wasm, labels a raw recording through
// the pipeline (loadPipeline with the shipped classifier) as Deno does, agrees on WebGPU (SwiftShader)
// within the stated tolerance, and draws the scatter and the sample plot. Its "Speed on this
// device" counts as many kernels per tiny training step and per encoded batch on wasm as Deno
// does through lib/runtime/dispatch_count.ts, with positive windows/s, on wasm and on WebGPU
// (where GPU programs are counted too); the figures are printed. A screenshot goes to
// runs/browser-demo.png. `.ci/run` installs chromium where it is missing.
import assert from "node:assert/strict";
import { referenceWindows } from "../studies/pretrained_reference.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { loadPretrained } from "../lib/weights/pretrained.ts";
import { loadPipeline } from "../lib/classify/pipeline.ts";
import { maxAbsDiff } from "./_helpers.ts";
import { pipelineRecording } from "./_pipeline_recording.ts";
import { countDispatches, dispatchWindows } from "../lib/runtime/dispatch_count.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import type { SpeedReport as Speed } from "../web/speed.ts";

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
    speed(options?: { batch?: number; timed?: number }): Promise<Speed>;
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
  // The speed section's counts, as bench/dispatch_count.ts counts them (a tiny step at batch 64
  // after a warm-up step, an encoded batch of 64 of the pretrained model), through the shared
  // lib/runtime/dispatch_count.ts, on wasm as in the page.
  const SPEED_BATCH = 64;
  const speedX = dispatchWindows(SPEED_BATCH);
  const tiny = new FlowFM(presetConfig("tiny", { seed: 0 }));
  const trainer = new Trainer(tiny, { lr: 1e-4, seed: 1 });
  const denoTrain = (await countDispatches(() => trainer.step(speedX))).kernels.TOTAL;
  trainer.dispose();
  tiny.dispose();
  const denoEncode = (await countDispatches(() =>
    model.encode(speedX, { batchSize: SPEED_BATCH })
  )).kernels.TOTAL;
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
  // "Speed on this device": the button prints the figures; speed() returns them. Counts equal
  // Deno's on the same backend; a rate is only checked to be positive (never a time threshold).
  await wasm.page.click("#speed");
  await wasm.page.waitForFunction(
    `document.getElementById("speed-info").textContent.includes("windows/s")`,
    null,
    { timeout: 300_000 },
  );
  const speedShown = await wasm.page.textContent("#speed-info") as string;
  const speed = await wasm.page.evaluate(async () =>
    await (globalThis as unknown as DemoPage).flowfmDemo.speed()
  ) as Speed;
  console.log(`speed on wasm (Chromium), as the page shows it:\n${speedShown}`);
  console.log(`flowfmDemo.speed() on wasm: ${JSON.stringify(speed)}`);
  assert.match(speedShown, new RegExp(`${denoTrain} kernels per step`));
  assert.match(speedShown, new RegExp(`${denoEncode} kernels per batch`));
  assert.equal(speed.backend, "wasm");
  assert.equal(speed.batch, SPEED_BATCH);
  assert.equal(speed.encodePreset, "small", "the loaded pretrained model encodes");
  for (const n of [speed.trainKernelsPerStep, speed.encodeKernelsPerBatch]) {
    assert.ok(Number.isInteger(n) && n > 0, `a count: ${n}`);
  }
  assert.equal(speed.trainKernelsPerStep, denoTrain, "kernels per tiny step as in Deno (wasm)");
  assert.equal(speed.encodeKernelsPerBatch, denoEncode, "kernels per encoded batch as in Deno");
  assert.equal(speed.trainProgramsPerStep, null, "no GPU programs on wasm");
  assert.ok(speed.trainWindowsPerSec > 0 && speed.encodeWindowsPerSec > 0);
  assert.equal(speed.leakedTensors, 0, "the speed run leaks no tensors");
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
  // On WebGPU the page also counts GPU programs; the counts are positive integers (Deno's WebGPU
  // here may lack an adapter, so they are not compared). Batch 8, one timed call: SwiftShader
  // takes minutes for the default 64 (the counts do not depend on the batch).
  const gpuSpeed = await gpu.page.evaluate(async () =>
    await (globalThis as unknown as DemoPage).flowfmDemo.speed({ batch: 8, timed: 1 })
  ) as Speed;
  console.log(`flowfmDemo.speed() on webgpu (SwiftShader): ${JSON.stringify(gpuSpeed)}`);
  assert.equal(gpuSpeed.backend, "webgpu");
  for (
    const n of [
      gpuSpeed.trainKernelsPerStep,
      gpuSpeed.encodeKernelsPerBatch,
      gpuSpeed.trainProgramsPerStep,
      gpuSpeed.encodeProgramsPerBatch,
    ]
  ) assert.ok(Number.isInteger(n) && n! > 0, `a count: ${n}`);
  assert.ok(gpuSpeed.trainWindowsPerSec > 0 && gpuSpeed.encodeWindowsPerSec > 0);
  assert.equal(gpuSpeed.leakedTensors, 0, "the speed run leaks no tensors");
  assert.deepEqual(gpu.errors, []);
  await gpu.context.close();
} finally {
  server.kill();
  await server.status;
  await Deno.remove(profile, { recursive: true });
}
console.log("browser demo: ok");
Deno.exit(0); // the server's piped output and the backend would keep the process alive
