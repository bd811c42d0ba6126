// Streams a generated 5 M-row CSV (never held in memory) through the reader and checks that
// memory stays flat: heap use does not grow with the rows processed.
import assert from "node:assert/strict";
import { readCsvWindows } from "../lib/data/mod.ts";

const ROWS = 5_000_000;
const RATE = 50; // Hz, resampled to 30 Hz
const ROWS_PER_CHUNK = 20_000;

/** A CSV of `rows` rows at 50 Hz (ms timestamps, m/s^2), produced chunk by chunk on demand. */
function generatedCsv(rows: number): { stream: ReadableStream<Uint8Array>; bytes: () => number } {
  const pool: string[] = [];
  for (let i = 0; i < 997; i++) {
    const a = i * 0.1;
    pool.push(
      `${(Math.sin(a) * 3).toFixed(4)},${(Math.cos(a) * 2).toFixed(4)},${
        (9.81 + Math.sin(a * 3)).toFixed(4)
      }`,
    );
  }
  const enc = new TextEncoder();
  let row = 0;
  let bytes = 0;
  const t0 = 1_700_000_000_000;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode("timestamp,acc_x,acc_y,acc_z\n"));
    },
    pull(c) {
      if (row >= rows) return c.close();
      const parts: string[] = [];
      const end = Math.min(rows, row + ROWS_PER_CHUNK);
      for (; row < end; row++) parts.push(`${t0 + row * 20},${pool[row % 997]}\n`);
      const chunk = enc.encode(parts.join(""));
      bytes += chunk.length;
      c.enqueue(chunk);
    },
  }, { highWaterMark: 1 });
  return { stream, bytes: () => bytes };
}

interface Sample {
  rows: number;
  heap: number;
  rss: number;
}

/** Child process body: stream the CSV, sampling memory after a forced GC. */
async function measure(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const { stream, bytes } = generatedCsv(ROWS);
  const windows = readCsvWindows(stream, { source: "generated.csv" });
  const samples: Sample[] = [];
  let count = 0;
  let nextSample = 0;
  const start = performance.now();
  for await (const w of windows) {
    count++;
    if (w.data.length !== 900) throw new Error("bad window");
    if (windows.stats.rows >= nextSample) {
      gc?.();
      const m = Deno.memoryUsage();
      samples.push({ rows: windows.stats.rows, heap: m.heapUsed, rss: m.rss });
      nextSample += 250_000;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    JSON.stringify({ rows: windows.stats.rows, count, bytes: bytes(), seconds, samples }),
  );
}

if (import.meta.main) await measure();

Deno.test("5 M-row CSV is read as a stream at constant memory", async () => {
  // A child process with --expose-gc (heap measured after full GCs) and a 128 MB heap cap:
  // retaining rows or windows (> 180 MB of CSV, 20,000 windows) would exceed it.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc,--max-old-space-size=128",
      new URL(import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const r = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    rows: number;
    count: number;
    bytes: number;
    seconds: number;
    samples: Sample[];
  };
  assert.equal(r.rows, ROWS);
  // 5 M rows at 50 Hz = 100,000 s; 10 s windows with a 5 s hop.
  assert.ok(Math.abs(r.count - (ROWS / RATE - 5) / 5) <= 1, `windows ${r.count}`);
  assert.ok(r.bytes > 150e6, `generated ${r.bytes} bytes`);
  const s = r.samples;
  const q = Math.floor(s.length / 4);
  const peak = (xs: Sample[], k: "heap" | "rss") => Math.max(...xs.map((x) => x[k]));
  const heapGrowth = peak(s.slice(q), "heap") - peak(s.slice(1, q + 1), "heap");
  const rssGrowth = peak(s.slice(q), "rss") - peak(s.slice(1, q + 1), "rss");
  console.log(
    `${r.rows} rows, ${(r.bytes / 1e6).toFixed(0)} MB CSV, ${r.count} windows in ${
      r.seconds.toFixed(1)
    } s (${(r.rows / r.seconds / 1e6).toFixed(2)} M rows/s); live heap ${
      s.map((x) => (x.heap / 1e6).toFixed(1)).join(" ")
    } MB; growth heap ${(heapGrowth / 1e6).toFixed(1)} MB, rss ${(rssGrowth / 1e6).toFixed(1)} MB`,
  );
  assert.ok(heapGrowth < 8e6, `heap grew by ${heapGrowth} bytes`);
  assert.ok(rssGrowth < 64e6, `rss grew by ${rssGrowth} bytes`);
});
