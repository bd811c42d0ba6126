// The run plumbing of cli/train.ts: the output folder's lock, leftover temporary files, the
// settings of a resumed run and the divergence warning. Deno-only.
import type { FlowFM } from "../lib/model/flowfm.ts";
import type { EarlierData, RunState } from "../lib/train/checkpoint.ts";
import { exists } from "../lib/io/mod.ts";
import { TRAIN_DEFAULTS as D } from "../lib/train/defaults.ts";
import type { TrainOptions } from "../lib/train/run.ts";
import { backendFlag, checkOutput, numberFlag, UsageError, workersFlag } from "./_common.ts";
import { augmentFlag, balanceFlag, encoderFlags, timeSamplingFlag } from "./_recipe.ts";

/** The lock file of an output folder: one training run per folder. */
export const LOCK_FILE = "train.lock";

/** Who holds a lock: written as JSON into the lock file. */
export interface LockHolder {
  /** Process id. */
  pid: number;
  /** Host name ("unknown" without --allow-sys). */
  host: string;
  /** Start time, ISO 8601. */
  started: string;
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown"; // no --allow-sys
  }
}

const denied = (e: unknown) =>
  e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;

/** Whether process `pid` (on this host) is alive; null when that cannot be told. */
export function pidAlive(pid: number): boolean | null {
  if (Deno.build.os === "linux") {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z"; // a zombie has exited
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      if (!denied(e)) throw e;
    }
  }
  try {
    Deno.kill(pid, "SIGCONT"); // no effect on a running process
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || /ESRCH|No such process/.test(String(e))) return false;
    if (e instanceof Deno.errors.PermissionDenied && !(e instanceof Deno.errors.NotCapable)) {
      return true; // EPERM: it exists, under another user
    }
    return null;
  }
}

/**
 * Takes the lock of output folder `out` (created if need be) for this process: a second run
 * into the same folder fails naming the holder; a lock whose process is gone is taken over with
 * a warning. Returns a function that releases the lock (only while this process holds it).
 */
export async function lockFolder(out: string): Promise<() => void> {
  await Deno.mkdir(out, { recursive: true });
  const path = `${out}/${LOCK_FILE}`;
  const me: LockHolder = { pid: Deno.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0;; attempt++) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      await f.write(new TextEncoder().encode(JSON.stringify(me) + "\n"));
      f.close();
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists) || attempt > 0) throw e;
    }
    const text = await Deno.readTextFile(path).catch(() => "");
    let holder: Partial<LockHolder> = {};
    try {
      holder = JSON.parse(text);
    } catch { /* unreadable: treated as held by an unknown process */ }
    const who = `pid ${holder.pid ?? "?"} on ${holder.host ?? "?"}, started ${
      holder.started ?? "?"
    }`;
    const sameHost = holder.host === me.host || holder.host === "unknown" || me.host === "unknown";
    const alive = Number.isInteger(holder.pid) && sameHost ? pidAlive(holder.pid!) : null;
    if (alive !== false) {
      const why = alive ? "" : " (cannot tell whether it is still running)";
      throw new Error(
        `${out} is in use by another training run (${who})${why}; wait for it to finish or ` +
          `train into another --out; if no run uses the folder, delete ${path}`,
      );
    }
    console.error(`warning: taking over the stale lock ${path} (${who}: no longer running)`);
    await Deno.remove(path).catch(() => {});
  }
  return () => {
    try {
      const holder = JSON.parse(Deno.readTextFileSync(path)) as LockHolder;
      if (holder.pid === me.pid && holder.started === me.started) Deno.removeSync(path);
    } catch { /* already gone */ }
  };
}

/** Temporary files of `atomicWrite` (lib/io/files.ts): `<target>.<uuid>.tmp`. */
const TMP = /\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/** An earlier run's files, which `--overwrite` removes before a new run starts. */
const RUN_FILES = ["checkpoint.safetensors", "model.safetensors", "log.jsonl", "loss.svg"];

/**
 * Removes temporary files that killed atomic writes left in `out`; with `overwrite`, also the
 * earlier run's checkpoint, model, log and chart (said on stderr), so that the folder never
 * mixes two runs. Call it holding the folder's lock. Returns the names of the files removed.
 */
export async function removeLeftovers(out: string, overwrite = false): Promise<string[]> {
  const names: string[] = [];
  const old: string[] = [];
  for await (const e of Deno.readDir(out)) {
    if (e.isFile && TMP.test(e.name)) names.push(e.name);
    else if (overwrite && e.isFile && RUN_FILES.includes(e.name)) old.push(e.name);
  }
  old.sort();
  for (const n of old) await Deno.remove(`${out}/${n}`);
  if (old.length > 0) {
    console.error(`--overwrite: removed the earlier run's ${old.join(", ")} from ${out}`);
  }
  names.sort();
  for (const n of names) await Deno.remove(`${out}/${n}`);
  if (names.length > 0) {
    console.error(
      `note: removed ${names.length} temporary file(s) an interrupted write left in ${out}: ${
        names.join(", ")
      }`,
    );
  }
  return [...old, ...names];
}

type Flags = Record<string, string | boolean | undefined>;

/**
 * The train() options the flags give. With `resumed` (the checkpoint's model and state), flags
 * that disagree with the checkpoint (preset, objective, batch, seed, clip-norm, augment, random-crops, ema) are a
 * UsageError listing them; the length of the run, lr, micro-batch, checkpoint-every and workers
 * may change and are reported on stderr.
 */
export function runOptions(
  values: Flags,
  resumed?: { model: FlowFM; state: RunState; path: string },
): TrainOptions {
  const num = (name: string, fallback: number, min?: number, integer = true) =>
    numberFlag(values, name, fallback, { min, integer });
  const given = (name: string, min: number, integer = true) =>
    values[name] === undefined ? undefined : num(name, 0, min, integer);
  const ema = () => {
    const d = num("ema", 0, 0, false);
    if (d >= 1) throw new UsageError(`--ema must be in [0, 1), got "${values.ema}"`);
    return d;
  };
  const opts: TrainOptions = {
    steps: given("steps", 1),
    epochs: given("epochs", 1),
    microBatch: num("micro-batch", D.microBatch, 0),
    workers: workersFlag(values),
    checkpointEvery: num("checkpoint-every", D.checkpointEvery, 1),
    lr: given("lr", 0, false),
  };
  if (opts.lr === 0) {
    throw new UsageError(
      `--lr must be > 0 (a learning rate of 0 trains nothing), got "${values.lr}"`,
    );
  }
  const encoder = encoderFlags(values); // only the flags given
  const fixed: [string, unknown, unknown][] = [
    ["batch", given("batch", 2), resumed?.state.schedule.batch],
    ["seed", given("seed", -(2 ** 53)), resumed?.state.schedule.seed],
    ["clip-norm", given("clip-norm", 0, false), resumed?.state.config.clipNorm],
    ["augment", augmentFlag(values), resumed?.state.config.augment],
    ["time-sampling", timeSamplingFlag(values), resumed?.state.config.timeSampling ?? "uniform"],
    [
      "remove-gravity",
      encoder.removeGravity,
      resumed?.model.config.encoder?.removeGravity ?? false,
    ],
    ["magnitude", encoder.magnitude, resumed?.model.config.encoder?.magnitude ?? false],
    ["bottleneck", encoder.bottleneck, resumed?.model.config.encoder?.bottleneck ?? 0],
    ["aux-tasks", encoder.auxTasks, resumed?.model.config.encoder?.auxTasks ?? 0],
    ["random-crops", values["random-crops"] ? true : undefined, resumed?.state.config.randomCrops],
    [
      "shifted-view",
      values["shifted-view"] || undefined,
      resumed?.state.config.shiftedView ?? false,
    ],
    [
      "motion-weighted",
      values["motion-weighted"] || undefined,
      resumed?.state.config.motionWeighted ?? false,
    ],
    ["balance", balanceFlag(values), resumed?.state.config.balance ?? "none"],
    ["ema", values.ema === undefined ? undefined : ema(), resumed?.state.config.emaDecay ?? 0],
    ["preset", values.preset, resumed?.model.config.preset],
    ["objective", values.objective, resumed?.model.config.objective],
  ];
  if (!resumed) {
    return {
      ...opts,
      lr: opts.lr ?? D.lr,
      batch: num("batch", D.batch, 2),
      seed: num("seed", D.seed),
      clipNorm: num("clip-norm", D.clipNorm, 0, false),
      augment: augmentFlag(values) ?? D.augment,
      timeSampling: timeSamplingFlag(values) ?? D.timeSampling,
      randomCrops: values["random-crops"] === true,
      shiftedView: values["shifted-view"] === true,
      motionWeighted: values["motion-weighted"] === true,
      balance: balanceFlag(values) ?? D.balance,
      emaDecay: values.ema === undefined ? D.emaDecay : ema(),
    };
  }
  const show = (v: unknown) => typeof v === "object" ? JSON.stringify(v) : String(v);
  const clash = fixed.filter(([, flag, was]) => flag !== undefined && show(flag) !== show(was))
    .map(([name, flag, was]) => `--${name} ${show(flag)} (the checkpoint has ${show(was)})`);
  if (clash.length > 0) {
    throw new UsageError(
      `--resume: ${clash.length} flag(s) disagree with ${resumed.path}: ${clash.join("; ")}; ` +
        `drop them to continue that run, or train into another --out`,
    );
  }
  if (opts.steps !== undefined && opts.steps < resumed.state.step) {
    throw new UsageError(
      `--resume --steps ${opts.steps}: ${resumed.path} is already at step ${resumed.state.step}; ` +
        `give --steps ${resumed.state.step} or more to extend the run (or drop --steps)`,
    );
  }
  const { schedule, config } = resumed.state;
  const changes: [string, unknown, unknown][] = [
    ["steps", opts.steps, schedule.totalSteps],
    ["epochs", opts.epochs, undefined],
    ["lr", opts.lr, config.lr],
    ["micro-batch", values["micro-batch"] && opts.microBatch, undefined],
    ["checkpoint-every", values["checkpoint-every"] && opts.checkpointEvery, undefined],
    ["workers", opts.workers, undefined],
  ];
  const applied = changes.filter(([, flag]) => flag !== undefined && flag !== "")
    .map(([name, flag, was]) => `--${name} ${flag}${was === undefined ? "" : ` (was ${was})`}`);
  if (applied.length > 0) console.error(`resume: applying ${applied.join(", ")}`);
  return opts;
}

/**
 * Watches the loss for divergence: once per stretch, a warning when the loss has stayed above
 * `factor` times its running minimum for `steps` steps in a row.
 */
export class DivergenceWatch {
  #min = Infinity;
  #over = 0;

  constructor(readonly factor = 10, readonly steps = 20) {}

  /** Feeds one step's loss; returns the warning to print, or null. */
  update(step: number, loss: number): string | null {
    const min = this.#min;
    this.#min = Math.min(min, loss);
    if (!(loss > this.factor * min)) {
      this.#over = 0;
      return null;
    }
    if (++this.#over !== this.steps) return null;
    return `warning: the loss has stayed above ${this.factor}x its running minimum (${
      min.toPrecision(4)
    }) for ${this.steps} steps (${loss.toPrecision(4)} at step ${step}): the run may be ` +
      `diverging; consider a lower --lr or a --clip-norm`;
  }
}

/**
 * The checks of output folder `out` before a training run takes its lock: --backend and
 * --workers are valid; --resume needs a
 * checkpoint and excludes --overwrite; a new run into a folder holding an earlier run's
 * checkpoint, model or log is a UsageError naming them (pass --resume, --overwrite or another
 * --out); no output may be an input file.
 */
export async function checkRunFolder(
  out: string,
  values: Flags,
  inputs: string[],
): Promise<void> {
  const files = ["checkpoint.safetensors", "model.safetensors", "log.jsonl"].map((f) =>
    `${out}/${f}`
  );
  backendFlag(values); // fail fast on a bad flag, before reading data
  workersFlag(values); // before the lock: a refused --workers leaves no lock behind
  if (values.resume && !(await exists(files[0]))) {
    throw new UsageError(`--resume: no checkpoint at ${files[0]}`);
  }
  if (values.resume && values.overwrite) {
    throw new UsageError("give --resume (continue the run) or --overwrite (replace it), not both");
  }
  const there: string[] = [];
  for (const f of files) if (await exists(f)) there.push(f);
  if (there.length > 0 && !values.resume && !values.overwrite) {
    throw new UsageError(
      `${out} holds an earlier run (${there.join(", ")}); a new run would replace it: ` +
        `pass --resume to continue that run, --overwrite to replace it, or another --out`,
    );
  }
  for (const f of [...files, `${out}/loss.svg`]) await checkOutput(f, inputs, "--out");
}

/**
 * The data of a run's earlier parts for a resume on `args`: the checkpoint's list, plus the
 * checkpoint's own data when `args` differ from it, so the model's provenance keeps both;
 * undefined for a new run (no `state`).
 */
export function earlierDataFor(
  state: RunState | undefined,
  args: string[],
): EarlierData[] | undefined {
  if (!state) return undefined;
  const before = state.config.earlierData ?? [];
  const was = state.config.dataArgs;
  if (was === undefined || was.join("\0") === args.join("\0")) {
    return before.length ? before : undefined;
  }
  return [...before, { untilStep: state.step, args: was }];
}
