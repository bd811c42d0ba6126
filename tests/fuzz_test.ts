// Property-based fuzzing (fast-check) of the CSV reader, the units check, the windower and the
// weights loader: 1,050 generated inputs per run. Each input either reads correctly or fails with
// an error naming the file and the line, field or tensor. The seed is random unless FUZZ_SEED is
// set, and every failure prints it: rerun with FUZZ_SEED=<seed> to replay.
import assert from "node:assert/strict";
import fc from "fast-check";
import { type CsvReaderOptions, DataError, readCsvWindows } from "../lib/data/mod.ts";
import { detectUnit, gravityRemovedHint, medianNorm, unitMismatch } from "../lib/data/units.ts";
import { Windower } from "../lib/data/windower.ts";
import { emptyStats } from "../lib/data/types.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { deserializeModel, serializeModel } from "../lib/weights/model_file.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));

/** Runs a property with the run's seed; a failure names the seed to replay it with. */
async function check(
  name: string,
  property: fc.IAsyncProperty<unknown> | fc.IProperty<unknown>,
  numRuns: number,
): Promise<void> {
  try {
    await fc.assert(property, { seed: SEED, numRuns });
  } catch (e) {
    throw new Error(
      `fuzz ${name}: failed with seed ${SEED}; replay: FUZZ_SEED=${SEED} ` +
        `npx --yes deno@2.9.6 test -A tests/fuzz_test.ts\n${(e as Error).message}\n` +
        `cause: ${((e as Error).cause as Error | undefined)?.message ?? "(none)"}`,
    );
  }
}

// ---------------------------------------------------------------- CSV reader (400 inputs)

/** Faults put into a valid recording; those in MUST_FAIL are errors without skipBadRows. */
const FAULTS = [
  "garbage",
  "infinity",
  "overflow",
  "extra-field",
  "missing-field",
  "backwards",
  "binary",
  "long",
  "duplicate",
  "nan",
  "empty-cell",
  "blank",
  "spike",
] as const;
type Fault = (typeof FAULTS)[number];
const MUST_FAIL = new Set<Fault>([
  "garbage",
  "infinity",
  "overflow",
  "extra-field",
  "missing-field",
  "backwards",
  "binary",
  "long",
]);

function faultyLine(fault: Fault, t: number, prevT: string): string {
  const ts = t.toFixed(4);
  switch (fault) {
    case "garbage":
      return `${ts},abc,0,1`;
    case "infinity":
      return `${ts},0,Infinity,1`;
    case "overflow":
      return `${ts},0,0,1e999`;
    case "extra-field":
      return `${ts},0,0,1,5`;
    case "missing-field":
      return `${ts},0,0`;
    case "backwards":
      return `${(t - 1).toFixed(4)},0,0,1`;
    case "binary":
      return `${ts},\u0000\u00ff\u001b,0,1`;
    case "long":
      return `${ts},${"9".repeat(5000)},0,1`;
    case "duplicate":
      return `${prevT},0,0,1`;
    case "nan":
      return `${ts},NaN,0,1`;
    case "empty-cell":
      return `${ts},,0,1`;
    case "blank":
      return "";
    case "spike":
      return `${ts},40,0,1`;
  }
}

const ROW_FAULT_CODES = new Set(["non-numeric", "malformed-row", "non-monotonic", "bad-timestamp"]);

Deno.test("fuzz: the CSV reader reads a faulty recording correctly or names the file and line", async () => {
  const recording = fc.record({
    rows: fc.integer({ min: 310, max: 700 }),
    gUnits: fc.boolean(),
    faults: fc.array(
      fc.record({ at: fc.integer({ min: 1, max: 699 }), fault: fc.constantFrom(...FAULTS) }),
      { maxLength: 4 },
    ),
  });
  await check(
    "csv",
    fc.asyncProperty(recording, async ({ rows, gUnits, faults }) => {
      const k = gUnits ? 1 : 9.80665;
      const lines = ["t,x,y,z"];
      for (let i = 0; i < rows; i++) {
        const t = i / 30;
        lines.push(
          `${t.toFixed(4)},${(k * 0.3 * Math.sin(i / 4)).toFixed(4)},${(k * 0.1).toFixed(4)},${
            (k * (1 + 0.1 * Math.cos(i / 6))).toFixed(4)
          }`,
        );
      }
      const used = faults.filter((f) => f.at < rows).sort((a, b) => a.at - b.at);
      const faultLines = new Map<number, Fault>(); // 1-based file line -> fault
      for (const { at, fault } of used) {
        if (faultLines.has(at + 2)) continue;
        // A duplicate repeats the row before it, which a blank line has removed: no duplicate.
        if (fault === "duplicate" && faultLines.get(at + 1) === "blank") continue;
        const prev = lines[at].split(",")[0]; // the row before, as written (maybe a duplicate)
        lines[at + 1] = faultyLine(fault, at / 30, prev); // replaces data row `at`
        faultLines.set(at + 2, fault); // lines[0] is the header, file line 1
      }
      const mustFail = [...faultLines.values()].some((f) => MUST_FAIL.has(f));
      const warnings: string[] = [];
      const options: CsvReaderOptions = { source: "fuzz.csv", onWarning: (m) => warnings.push(m) };
      const stream = readCsvWindows(lines.join("\n") + "\n", options);
      let windows = 0;
      try {
        for await (const w of stream) {
          windows++;
          for (const v of w.data) assert.ok(Number.isFinite(v) && Math.abs(v) <= 3, `value ${v}`);
        }
      } catch (e) {
        assert.ok(e instanceof DataError, `not a DataError: ${e}`);
        assert.equal(e.file, "fuzz.csv");
        assert.ok(e.message.startsWith("fuzz.csv"), e.message);
        assert.ok(e.message.length < 400, `message of ${e.message.length} characters`);
        assert.ok([...e.message].every((c) => c.charCodeAt(0) >= 0x20), "control character");
        if (ROW_FAULT_CODES.has(e.code)) {
          assert.ok(faultLines.has(e.line!), `line ${e.line} was not altered (${e.message})`);
          assert.ok(e.field === undefined || e.field === null || typeof e.field === "string");
        }
        if (!mustFail) {
          // Only the data itself may end a faultless recording: too short once rows are lost.
          assert.equal(e.code, "too-short", e.message);
        }
        return;
      }
      assert.ok(!mustFail, `read without error despite ${[...faultLines.values()]}`);
      const st = stream.stats;
      // Nothing changes more than 1 % of the samples in silence: clipping is counted.
      const spikes = [...faultLines.values()].filter((f) => f === "spike").length;
      if (spikes === 0) assert.equal(st.clippedSamples, 0);
      assert.equal(st.windows, windows);
      assert.equal(
        st.duplicateRows,
        [...faultLines.values()].filter((f) => f === "duplicate").length,
      );
    }),
    400,
  );
});

// ---------------------------------------------------------------- units check (300 inputs)

Deno.test("fuzz: the units check agrees with the median norm, and m/s^2 data read like g data", async () => {
  const sample = fc.tuple(
    fc.double({ min: -40, max: 40, noNaN: false }),
    fc.double({ min: -40, max: 40, noNaN: false }),
    fc.double({ min: -40, max: 40, noNaN: false }),
  );
  await check(
    "units",
    fc.property(fc.array(sample, { minLength: 0, maxLength: 60 }), (samples) => {
      const xs = samples.map((s) => s[0]),
        ys = samples.map((s) => s[1]),
        zs = samples.map((s) => s[2]);
      const m = medianNorm(xs, ys, zs);
      const unit = detectUnit(xs, ys, zs);
      if (Number.isNaN(m)) assert.equal(unit, null);
      else if (m >= 0.3 && m < 3) assert.equal(unit, "g");
      else if (m >= 3 && m <= 30) assert.equal(unit, "m/s^2");
      else assert.equal(unit, null);
      assert.equal(unitMismatch("g", m) !== null, m > 4);
      assert.equal(unitMismatch("m/s^2", m) !== null, m < 4);
      const hint = gravityRemovedHint(xs, ys, zs);
      assert.ok(hint === null || /gravity removed/.test(hint));
    }),
    200,
  );
  // The same motion in g and in m/s^2 (auto units) gives the same windows.
  await check(
    "units-csv",
    fc.asyncProperty(
      fc.double({ min: 0.05, max: 1.5, noNaN: true }),
      fc.double({ min: 0.5, max: 6, noNaN: true }),
      async (amp, freq) => {
        const text = (k: number) => {
          const lines = ["t,x,y,z"];
          for (let i = 0; i < 330; i++) {
            const t = i / 30, a = amp * Math.sin(2 * Math.PI * freq * t);
            lines.push(`${t.toFixed(4)},${k * a},${k * 0.2},${k * (1 + 0.3 * a)}`);
          }
          return lines.join("\n");
        };
        const read = async (k: number) => {
          const out: Float32Array[] = [];
          for await (const w of readCsvWindows(text(k), { source: "u.csv" })) out.push(w.data);
          return out;
        };
        const [g, ms2] = [await read(1), await read(9.80665)];
        assert.equal(g.length, ms2.length);
        for (let w = 0; w < g.length; w++) {
          for (let i = 0; i < g[w].length; i++) {
            assert.ok(Math.abs(g[w][i] - ms2[w][i]) < 1e-4, `${g[w][i]} vs ${ms2[w][i]}`);
          }
        }
      },
    ),
    100,
  );
});

// ---------------------------------------------------------------- windower (200 inputs)

Deno.test("fuzz: the windower forms floor((n - len) / hop) + 1 windows per segment, clips and counts", async () => {
  await check(
    "windower",
    fc.property(
      fc.array(fc.integer({ min: 0, max: 80 }), { minLength: 1, maxLength: 4 }), // segment lengths
      fc.integer({ min: 4, max: 20 }), // window length
      fc.integer({ min: 1, max: 25 }), // hop
      fc.array(fc.double({ min: -8, max: 8, noNaN: false }), { minLength: 1, maxLength: 50 }),
      (segments, len, hop, values) => {
        const stats = emptyStats();
        const kept: { data: Float32Array; start: number }[] = [];
        const w = new Windower(
          { windowSamples: len, hopSamples: hop, clip: 3 },
          stats,
          (d, s) => kept.push({ data: d, start: s }),
        );
        let formed = 0, t = 0, expectedKept = 0, expectedClipped = 0;
        for (const n of segments) {
          const samples: number[][] = [];
          for (let i = 0; i < n; i++) {
            const v = (j: number) => values[(t + i * 3 + j) % values.length];
            samples.push([v(0), v(1), v(2)]);
            w.push(t + i, v(0), v(1), v(2), 0);
          }
          w.endSegment();
          const count = n >= len ? Math.floor((n - len) / hop) + 1 : 0;
          formed += count;
          for (let k = 0; k < count; k++) {
            const win = samples.slice(k * hop, k * hop + len);
            if (win.some((s) => s.some((v) => Number.isNaN(v)))) continue;
            expectedKept++;
            expectedClipped += win.filter((s) => s.some((v) => Math.abs(v) > 3)).length;
          }
          t += n + 1000;
        }
        assert.equal(w.formed, formed);
        assert.equal(kept.length, expectedKept);
        assert.equal(stats.windows, expectedKept);
        assert.equal(stats.dropped.nan, formed - expectedKept);
        assert.equal(stats.clippedSamples, expectedClipped);
        for (const k of kept) {
          assert.equal(k.data.length, len * 3);
          for (const v of k.data) assert.ok(Math.abs(v) <= 3);
        }
      },
    ),
    200,
  );
});

// ---------------------------------------------------------------- weights loader (150 inputs)

await initBackend("cpu");

Deno.test("fuzz: a damaged weights file loads (finite weights) or fails naming the file", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 7 }));
  const bytes = await serializeModel(model);
  model.dispose();
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const damage = fc.oneof(
    fc.record({
      kind: fc.constant("flip" as const),
      at: fc.integer({ min: 0, max: bytes.length - 1 }),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      kind: fc.constant("header-flip" as const),
      at: fc.integer({ min: 8, max: 8 + headerLen - 1 }),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({
      kind: fc.constant("truncate" as const),
      at: fc.integer({ min: 0, max: bytes.length - 1 }),
      mask: fc.constant(0),
    }),
  );
  await check(
    "weights",
    fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), (damages) => {
      let b = bytes.slice();
      for (const d of damages) {
        if (d.kind === "truncate") b = b.slice(0, Math.min(d.at, b.length));
        else if (d.at < b.length) b[d.at] ^= d.mask;
      }
      let loaded: FlowFM | null = null;
      try {
        loaded = deserializeModel(b, "fuzz.safetensors").model;
      } catch (e) {
        const msg = (e as Error).message;
        assert.ok(msg.includes("fuzz.safetensors"), `error does not name the file: ${msg}`);
        assert.ok(msg.length < 2000, `message of ${msg.length} characters`);
        return;
      }
      try {
        for (const name of loaded.params.vars.keys()) {
          const v = loaded.params.vars.get(name)!.dataSync();
          for (const x of v) assert.ok(Number.isFinite(x), `${name} holds ${x}`);
        }
      } finally {
        loaded.dispose();
      }
    }),
    150,
  );
});
