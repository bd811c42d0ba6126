/**
 * Validation of a {@link FlowFMConfig} read from a weights file: every error names the field at
 * fault.
 *
 * @module
 */
import { CHANNELS, SAMPLE_RATE_HZ, WINDOW_SAMPLES } from "../data/types.ts";
import {
  type FlowFMConfig,
  FORMAT_VERSION,
  OBJECTIVE_NAMES,
  PRESET_NAMES,
  presetConfig,
} from "./config.ts";

function need(cond: boolean, field: string, detail: string): void {
  if (!cond) throw new Error(`invalid config field "${field}": ${detail}`);
}

const isPosInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/**
 * Checks a configuration (e.g. parsed from a weights file) and returns it typed. Every error
 * names the field at fault.
 *
 * @param raw A parsed JSON value.
 * @returns The validated configuration.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { presetConfig } from "./config.ts";
 * import { validateConfig } from "./validate_config.ts";
 * const c = validateConfig(JSON.parse(JSON.stringify(presetConfig("tiny"))));
 * assert(c.preset === "tiny");
 * ```
 */
export function validateConfig(raw: unknown): FlowFMConfig {
  need(typeof raw === "object" && raw !== null, "(root)", "not an object");
  const c = raw as FlowFMConfig;
  need(
    c.formatVersion === FORMAT_VERSION,
    "formatVersion",
    `unsupported format version ${
      JSON.stringify(c.formatVersion)
    }, this library reads ${FORMAT_VERSION}`,
  );
  need(
    (OBJECTIVE_NAMES as readonly unknown[]).includes(c.objective),
    "objective",
    `unsupported objective ${JSON.stringify(c.objective)}, expected one of ${
      OBJECTIVE_NAMES.map((o) => `"${o}"`).join(", ")
    }`,
  );
  need(c.units === "g", "units", `expected "g", got ${JSON.stringify(c.units)}`);
  for (const f of ["sampleRate", "windowSeconds", "windowLength", "channels"] as const) {
    need(isPosInt(c[f]), f, `expected a positive integer, got ${JSON.stringify(c[f])}`);
  }
  need(
    c.windowLength === c.sampleRate * c.windowSeconds,
    "windowLength",
    `${c.windowLength} != sampleRate ${c.sampleRate} x windowSeconds ${c.windowSeconds}`,
  );
  need(c.channels === CHANNELS, "channels", `expected ${CHANNELS}, got ${c.channels}`);
  // The data layer (lib/data/types.ts) is the one source of window geometry: it resamples and
  // windows every recording at these values, so a model must expect the same.
  need(
    c.sampleRate === SAMPLE_RATE_HZ && c.windowLength === WINDOW_SAMPLES,
    c.sampleRate === SAMPLE_RATE_HZ ? "windowLength" : "sampleRate",
    `expected ${SAMPLE_RATE_HZ} Hz and ${WINDOW_SAMPLES} samples (the data layer's windows, ` +
      `lib/data/types.ts), got ${c.sampleRate} Hz and ${c.windowLength}`,
  );
  need(typeof c.clip === "number" && c.clip > 0, "clip", `expected > 0, got ${c.clip}`);
  need(Number.isInteger(c.step) && c.step >= 0, "step", `expected an integer >= 0`);
  need(Number.isInteger(c.seed), "seed", `expected an integer, got ${JSON.stringify(c.seed)}`);
  need(Array.isArray(c.encoder?.stages) && c.encoder.stages.length > 0, "encoder.stages", "empty");
  let len = c.windowLength;
  c.encoder.stages.forEach((s, i) => {
    for (const f of ["channels", "kernel", "down", "order"] as const) {
      need(isPosInt(s[f]), `encoder.stages[${i}].${f}`, `expected a positive integer`);
    }
    need(
      Number.isInteger(s.resblocks) && s.resblocks >= 0,
      `encoder.stages[${i}].resblocks`,
      ">= 0",
    );
    need(s.kernel % 2 === 1, `encoder.stages[${i}].kernel`, `must be odd, got ${s.kernel}`);
    len = Math.floor((len - 1) / s.down) + 1;
  });
  need(len === 1, "encoder.stages", `downsampling leaves length ${len}, expected 1`);
  for (const f of ["removeGravity", "magnitude"] as const) {
    const v = c.encoder[f];
    need(v === undefined || typeof v === "boolean", `encoder.${f}`, `expected true or false`);
  }
  const b = c.encoder.bottleneck;
  need(
    b === undefined || (Number.isInteger(b) && b >= 0),
    "encoder.bottleneck",
    `expected an integer >= 0, got ${JSON.stringify(b)}`,
  );
  const aux = c.encoder.auxTasks;
  need(
    aux === undefined || (typeof aux === "number" && Number.isFinite(aux) && aux >= 0),
    "encoder.auxTasks",
    `expected a number >= 0, got ${JSON.stringify(aux)}`,
  );
  const g = c.generator;
  need(Array.isArray(g?.channels) && g.channels.length > 0, "generator.channels", "empty");
  need(
    c.windowLength % 2 ** (g.channels.length - 1) === 0,
    "generator.channels",
    `${g.channels.length} levels do not divide length ${c.windowLength}`,
  );
  for (const f of ["blocks", "condDim", "groups", "kernel"] as const) {
    need(isPosInt(g[f]), `generator.${f}`, `expected a positive integer`);
  }
  need(g.condDim % 2 === 0, "generator.condDim", "must be even");
  g.channels.forEach((ch, i) =>
    need(isPosInt(ch) && ch % g.groups === 0, `generator.channels[${i}]`, `not divisible by groups`)
  );
  checkPreset(c);
  return c;
}

/**
 * A named preset must be the architecture it names (a file that says "small" over tiny tensors
 * would be reported as small): its encoder stages and generator must equal the preset's.
 */
function checkPreset(c: FlowFMConfig): void {
  const names = [...PRESET_NAMES, "custom"];
  need(
    names.includes(c.preset),
    "preset",
    `expected one of ${names.map((n) => `"${n}"`).join(", ")}, got ${JSON.stringify(c.preset)}`,
  );
  if (c.preset === "custom") return;
  const p = presetConfig(c.preset);
  const arch = (x: FlowFMConfig) =>
    JSON.stringify({
      stages: x.encoder.stages.map((s) => [s.channels, s.kernel, s.resblocks, s.down, s.order]),
      generator: [x.generator.channels, x.generator.blocks, x.generator.condDim, x.generator.groups]
        .concat([x.generator.kernel]),
    });
  const last = (x: FlowFMConfig) => x.encoder.stages.at(-1)!.channels;
  need(
    arch(c) === arch(p),
    "preset",
    `the file says "${c.preset}", but its encoder stages and generator are not that preset's ` +
      `(last stage ${last(c)} channels, "${c.preset}" has ${last(p)}); ` +
      `the file is inconsistent (write "custom" for an architecture of its own)`,
  );
}
