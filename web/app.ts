// The demo page's script (bundled by web/serve.ts into web/dist/app.js): load a model, read
// windows from a CSV file, the bundled excerpt or the phone's motion sensor, show the embeddings
// as a 2-D PCA scatter and generate windows conditioned on a chosen one; "Speed on this device"
// counts kernels (dispatches) per training step and per encoded batch and times windows/s.
import {
  EncoderPool,
  type FlowFM,
  initBackend,
  loadModel,
  loadPipeline,
  loadPretrained,
  serializeModel,
} from "../mod.ts";
import { collectWindows, concatSets, readCsvWindows, type WindowSet } from "../lib/data/mod.ts";
import { axesSvg, pca2, scatterSvg } from "./plots.ts";
import { dataSummary, readDataFiles } from "./data_files.ts";
import { measureSpeed, type SpeedReport, speedText } from "./speed.ts";

/** The few DOM members the page uses (Deno's type check has no DOM library). */
interface El {
  textContent: string | null;
  innerHTML: string;
  value: string;
  max: string;
  files?: ArrayLike<File> | null;
  onclick: (() => void) | null;
  onchange: ((e: { target: unknown }) => void) | null;
}
const doc = (globalThis as unknown as { document: { getElementById(id: string): El } }).document;
const $ = (id: string): El => doc.getElementById(id);
const location = (globalThis as unknown as { location: { href: string; search: string } }).location;
let model: FlowFM | null = null;
let data: { set: WindowSet; name: string } | null = null;

function status(text: string): void {
  $("status").textContent = text;
}

/** Runs a step of the page, showing what it does and any error a person can act on. */
async function step(what: string, work: () => Promise<void>): Promise<void> {
  $("error").textContent = "";
  status(`${what}…`);
  const t0 = performance.now();
  try {
    await work();
    status(`${what}: done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const hint = /median vector norm|units/i.test(message)
      ? "\nThe units look wrong: choose g or m/s² above and load the file again."
      : "";
    $("error").textContent = `${what} failed: ${message}${hint}`;
    status("");
  }
}

function setModel(m: FlowFM, name: string): void {
  model?.dispose();
  model = m;
  const c = m.config;
  $("model-info").textContent =
    `${name}: ${c.preset}, step ${c.step}, z of ${m.embeddingDim}, ${c.sampleRate} Hz`;
  void showEmbeddings();
}

async function setData(set: WindowSet, name: string, warnings: string[] = []): Promise<void> {
  if (set.count === 0) {
    throw new Error(`no 10 s windows in ${name} (${dataSummary(set)})`);
  }
  data = { set, name };
  // Dropped rows and windows, gaps, clipping and the reader's warnings, on the page.
  const notes = warnings.length ? `\nwarning: ${warnings.join("\nwarning: ")}` : "";
  $("data-info").textContent = `${name}: ${dataSummary(set)}${notes}`;
  $("window-index").max = String(set.count - 1);
  await showEmbeddings();
}

async function showEmbeddings(): Promise<void> {
  if (!model || !data) return;
  const t0 = performance.now();
  const z = await model.encode(data.set.data, { batchSize: 32 });
  const ms = (performance.now() - t0) / z.count;
  $("scatter").innerHTML = scatterSvg(pca2(z.data, z.count, z.dim), [...data.set.labels]);
  status(`encoded ${z.count} windows of ${data.name} (${ms.toFixed(1)} ms per window)`);
}

async function readCsv(bytes: Uint8Array, name: string, extra = {}): Promise<WindowSet> {
  const units = $("units").value, rate = Number($("rate").value);
  // As the CLI's --rate: only for files without a timestamp column.
  const sampleRate = rate > 0 ? { sampleRate: rate } : {};
  return await collectWindows(
    readCsvWindows(bytes, {
      source: name,
      units,
      labelPolicy: "majority",
      ...sampleRate,
      ...extra,
    }),
  );
}

/** Reads every picked or dropped file (not only the first), as one data set. */
function readCsvFiles(list: ArrayLike<File> | null | undefined): void {
  const files = Array.from(list ?? []);
  if (files.length === 0) return;
  const what = files.length === 1 ? files[0].name : `${files.length} files`;
  step(`reading ${what}`, async () => {
    const units = $("units").value, rate = Number($("rate").value);
    const given = await Promise.all(
      files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
    );
    const read = await readDataFiles(given, {
      units,
      labelPolicy: "majority",
      ...(rate > 0 ? { sampleRate: rate } : {}),
    });
    await setData(read.set, read.name, read.warnings);
  });
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The motion sensor for 15 s, in m/s² with gravity, as a CSV with timestamps in ms. */
async function recordMotion(seconds = 15): Promise<Uint8Array> {
  const DME = (globalThis as { DeviceMotionEvent?: { requestPermission?: () => Promise<string> } })
    .DeviceMotionEvent;
  if (!DME) throw new Error("this browser has no motion sensor (DeviceMotionEvent)");
  if (DME.requestPermission && (await DME.requestPermission()) !== "granted") {
    throw new Error("permission to read the motion sensor was refused");
  }
  const rows = ["timestamp_ms,x,y,z"];
  type Motion = {
    accelerationIncludingGravity: { x: number | null; y: number | null; z: number | null } | null;
  };
  const onMotion = (e: Event) => {
    const a = (e as unknown as Motion).accelerationIncludingGravity;
    if (a?.x == null || a.y == null || a.z == null) return;
    rows.push(`${performance.now().toFixed(1)},${a.x},${a.y},${a.z}`);
  };
  addEventListener("devicemotion", onMotion);
  for (let s = seconds; s > 0; s--) {
    status(`recording the motion sensor: ${s} s left (${rows.length - 1} samples)`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  removeEventListener("devicemotion", onMotion);
  if (rows.length < 20) throw new Error("the motion sensor gave no samples (is there one?)");
  return new TextEncoder().encode(rows.join("\n") + "\n");
}

/**
 * Runs web/speed.ts on the page's backend with the loaded model, printing the figures: batch 64
 * and 3 timed calls unless given (the counts do not depend on the batch).
 */
async function speed(options: { batch?: number; timed?: number } = {}): Promise<SpeedReport> {
  let report = null as SpeedReport | null;
  await step("measuring the speed on this device", async () => {
    const progress = (what: string) => status(`speed: ${what}…`);
    report = await measureSpeed(model, { ...options, progress });
    $("speed-info").textContent = speedText(report);
  });
  if (!report) throw new Error($("error").textContent ?? "speed failed");
  return report;
}

async function main(): Promise<void> {
  const asked = new URLSearchParams(location.search).get("backend") ?? "auto";
  const info = await initBackend(asked as "auto" | "webgpu" | "wasm" | "cpu");
  // For tests and the console: embeddings of given windows with the loaded model.
  (globalThis as unknown as { flowfmDemo: unknown }).flowfmDemo = {
    backend: info.backend,
    // Kernels per tiny training step and per encoded batch, windows/s (as the button shows).
    speed,
    encode: async (flat: number[]) => {
      if (!model) throw new Error("no model loaded");
      return Array.from((await model.encode(new Float32Array(flat))).data);
    },
    // The pipeline face: a raw recording (x y z interleaved) in, the shipped classifier's labels
    // and the windows' start times out.
    pipelinePredict: async (samples: number[], rate: number, units: string) => {
      const baseUrl = new URL("/weights/", location.href);
      const pipe = await loadPipeline("small", { classifier: "uci-hapt", baseUrl });
      try {
        const { labels, starts } = await pipe.predict({ samples, rate, units });
        return { labels, starts };
      } finally {
        pipe.dispose();
      }
    },
    // The same through an EncoderPool of two Web Workers (the worker bundled on its own).
    poolEncode: async (flat: number[]) => {
      if (!model) throw new Error("no model loaded");
      const pool = await EncoderPool.create(await serializeModel(model), {
        workers: 2,
        workerUrl: new URL("./dist/encode_worker.js", location.href),
      });
      try {
        return Array.from((await pool.encode(new Float32Array(flat))).data);
      } finally {
        pool.dispose();
      }
    },
  };
  $("backend").textContent = `backend: ${info.backend}${
    info.adapter ? ` (adapter: ${info.adapter})` : ""
  }${info.reason ? ` (${info.reason})` : ""}`;
  $("load-pretrained").onclick = () =>
    step("loading the pretrained model", async () => {
      setModel(
        await loadPretrained("small", { baseUrl: new URL("/weights/", location.href) }),
        "pretrained",
      );
    });
  $("model-file").onchange = (e) => {
    const file = (e.target as El).files?.[0];
    if (file) {
      step(`loading ${file.name}`, async () => {
        setModel(await loadModel(new Uint8Array(await file.arrayBuffer())), file.name);
      });
    }
  };
  $("load-excerpt").onclick = () =>
    step("reading the bundled excerpt", async () => {
      const files = await (await fetch("/excerpt.json")).json() as string[];
      const sets: WindowSet[] = [];
      for (const [i, f] of files.entries()) {
        status(`reading the bundled excerpt: file ${i + 1} of ${files.length}`);
        sets.push(await readCsv(await fetchBytes(f), f.split("/").pop()!, { overlapSeconds: 9.5 }));
      }
      const all = concatSets(sets); // counters of every file, not the first one only
      await setData(all, "bundled sp-sw-har excerpt (CC BY 4.0)");
    });
  $("csv-file").onchange = (e) => readCsvFiles((e.target as El).files);
  // CSV files dropped anywhere on the page read like picked ones (all of them).
  addEventListener("dragover", (e) => e.preventDefault());
  addEventListener("drop", (e) => {
    e.preventDefault();
    readCsvFiles(
      (e as unknown as { dataTransfer?: { files?: ArrayLike<File> } }).dataTransfer?.files,
    );
  });
  $("motion").onclick = () =>
    step("recording the motion sensor", async () => {
      const bytes = await recordMotion();
      $("units").value = "m/s^2";
      await setData(await readCsv(bytes, "motion sensor"), "motion sensor");
    });
  $("speed").onclick = () => void speed().catch(() => {}); // the error is on the page
  $("generate").onclick = () =>
    step("generating", async () => {
      if (!model || !data) throw new Error("load a model and data first");
      const i = Math.min(
        data.set.count - 1,
        Number($("window-index").value) || 0,
      );
      const real = data.set.data.subarray(i * 900, (i + 1) * 900);
      const t0 = performance.now(), steps = 10;
      const g = await model.sample({ windows: real, method: "midpoint", steps, seed: i });
      const ms = (performance.now() - t0) / steps;
      $("generated").innerHTML = axesSvg(real, g.data);
      status(`generated from window ${i}: ${steps} midpoint steps, ${ms.toFixed(0)} ms per step`);
    });
  status("ready: load a model and some data");
}

main().catch((
  e,
) => ($("error").textContent = `start failed: ${e instanceof Error ? e.message : e}`));
