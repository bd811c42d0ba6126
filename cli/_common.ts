// Shared CLI plumbing: exit codes, usage errors, permission messages, atomic writes, progress.
// Deno-only (CLI code stays out of the library core).
import { parseArgs, type ParseArgsConfig } from "node:util";
import {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  describeBackend,
  initBackend,
} from "../lib/runtime/backend.ts";
// tfjs-core's gradients, bundled (lib/runtime/backend.ts imports this file by a computed URL, which
// a static import here puts in the module graph: no read permission needed at run time).
import "../lib/runtime/tfjs_gradients.js";

/** Exit code for a usage error (bad or missing flag). */
export const EXIT_USAGE = 2;
/** Exit code for a failure while running. */
export const EXIT_FAILURE = 1;

/** A wrong flag or argument: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}

/**
 * Joins `--flag -5` into `--flag=-5` for string-valued flags: node:util parseArgs reads a value
 * that starts with "-" as a flag and calls it ambiguous. Only number-like values are joined, so
 * `--out --help` still says that --out lacks its value.
 */
export function joinNegativeValues(
  args: readonly string[],
  options: ParseArgsConfig["options"] = {},
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i], next = args[i + 1];
    if (a === "--") return out.concat(args.slice(i));
    const name = /^--([^=]+)$/.exec(a)?.[1];
    if (
      name && options[name]?.type === "string" && next !== undefined && /^-\.?\d/.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Parses flags with node:util parseArgs; unknown flags and bad values become UsageErrors. */
export function parseFlags<T extends ParseArgsConfig["options"]>(
  args: string[],
  options: T,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args, options),
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Reads a numeric flag, checking it is finite and at least `min` (and an integer if asked). */
export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  opts: { min?: number; integer?: boolean } = {},
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (
    !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) ||
    (opts.min !== undefined && v < opts.min)
  ) {
    const kind = opts.integer ? "an integer" : "a number";
    throw new UsageError(
      `--${name} must be ${kind}${opts.min !== undefined ? ` >= ${opts.min}` : ""}, got "${raw}"`,
    );
  }
  return v;
}

/** Reads a flag that must be one of `choices`. */
export function choiceFlag<T extends string>(
  values: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = values[name] ?? fallback;
  if (!choices.includes(raw as T)) {
    throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${raw}"`);
  }
  return raw as T;
}

/**
 * Turns a Deno permission error into a message naming the flag to add, and a missing input file
 * (`NotFound` from `Deno.readFile` and friends) into `PATH: no such file`.
 */
export function explainError(e: unknown): string {
  const err = e as Error;
  const msg = err?.message ?? String(e);
  const missing = err?.name === "NotFound" && /^No such file.*?: \w+ '(.+)'$/.exec(msg);
  if (missing) return `${missing[1]}: no such file`;
  if (
    err?.name === "NotCapable" || err?.name === "PermissionDenied" ||
    /Requires \w+ access/.test(msg)
  ) {
    const m = msg.match(/Requires (\w+) access to "?([^",]+)"?/);
    if (m) {
      // A temporary file of an atomic write, or a run's lock: name its folder, which is what
      // the user grants.
      if (/(\.tmp(-\d+)?|\/train\.lock)$/.test(m[2])) m[2] = m[2].replace(/\/[^/]*$/, "") || ".";
      const flag = {
        read: "--allow-read",
        write: "--allow-write",
        env: "--allow-env",
        net: "--allow-net",
        sys: "--allow-sys",
      }[m[1]] ?? `--allow-${m[1]}`;
      return `missing permission: ${m[1]} access to ${m[2]}; add ${flag}=${m[2]} (or run with -A)`;
    }
    return `missing permission: ${msg}; see the README for the flags each command needs (or run with -A)`;
  }
  return msg;
}

/**
 * Runs a CLI main: prints errors on stderr and exits 0, 1 (failure) or 2 (usage). A usage error
 * prints its one-line message and a pointer to --help (the full text is `help`, shown by --help).
 */
export async function runMain(main: () => Promise<void>, help: string): Promise<never> {
  try {
    await main();
    Deno.exit(0);
  } catch (e) {
    if (e instanceof UsageError) {
      // "Usage: npx --yes deno@2.9.6 run ... cli/x.ts" (see DENO), or a plain "Usage: deno run".
      const usage = /^Usage: (?:npx --yes )?deno(?:@\S+)? ((?:task \S+|run .*?\S+\.ts))/
        .exec(help)?.[1];
      const how = usage ? `${DENO} ${usage}` : "the command";
      console.error(`error: ${e.message}\nsee --help (${how} --help)`);
      Deno.exit(EXIT_USAGE);
    }
    console.error(`error: ${explainError(e)}`);
    Deno.exit(EXIT_FAILURE);
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "--:--";
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
    : `${m}:${String(sec).padStart(2, "0")}`;
}

/** A one-line progress bar on stderr (redrawn in place on a terminal, one line per update otherwise). */
export class Progress {
  #start = performance.now();
  #total: number;
  #done0: number;
  #tty = Deno.stderr.isTerminal();
  #last = 0;

  constructor(total: number, done0 = 0) {
    this.#total = total;
    this.#done0 = done0;
  }

  update(done: number, fields: string): void {
    const now = performance.now();
    const final = done >= this.#total;
    if (!this.#tty && !final && now - this.#last < 5000) return; // log files: every 5 s
    this.#last = now;
    const elapsed = (now - this.#start) / 1000;
    const rate = (done - this.#done0) / Math.max(elapsed, 1e-9);
    const eta = (this.#total - done) / rate;
    const width = 24, filled = Math.round((width * done) / this.#total);
    const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
    const line = `${bar} ${done}/${this.#total} ${fields} | ETA ${formatSeconds(eta)}`;
    const enc = new TextEncoder();
    Deno.stderr.writeSync(
      enc.encode(this.#tty ? `\r\x1b[2K${line}${final ? "\n" : ""}` : `${line}\n`),
    );
  }
}

/** The --backend choices: the library's {@link BACKEND_NAMES}. */
export const BACKENDS: readonly BackendName[] = BACKEND_NAMES;

/** Choices as help text lists them: `a | b | c`. */
export function choiceList(choices: readonly string[]): string {
  return choices.join(" | ");
}

/** Reads --backend (default auto). */
export function backendFlag(values: Record<string, unknown>): BackendName {
  return choiceFlag(values, "backend", BACKENDS, "auto");
}

/** Initialises the backend that --backend names and prints the choice once on stderr. */
export async function startBackend(values: Record<string, unknown>): Promise<BackendInfo> {
  const info = await initBackend(backendFlag(values));
  console.error(describeBackend(info));
  return info;
}

/** A shell word that pastes back as the same argument. */
const quote = (a: string) => /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`;

/**
 * How printed commands start: the README's quick start fetches Deno through npx, so this works on
 * a machine that followed it (with Deno installed, `deno` alone does the same).
 */
export const DENO = "npx --yes deno@2.9.6";

/** The command line that runs `script` with `args` (`-A`), each quoted for a shell. */
export function shellCommand(script: string, args: readonly string[]): string {
  return `${DENO} run -A ${script} ${args.map(quote).join(" ")}`;
}

/** Cores this machine reports (`navigator.hardwareConcurrency`, at least 1). */
export function availableCores(): number {
  return Math.max(1, globalThis.navigator?.hardwareConcurrency || 1);
}

/**
 * Reads --workers: an integer from 1 to the number of cores ({@link availableCores}); more
 * workers than cores only slow a run down (and hundreds of them start for minutes in silence),
 * so above the core count it is a UsageError naming the limit. Undefined when not given.
 */
export function workersFlag(
  values: Record<string, unknown>,
  cores = availableCores(),
): number | undefined {
  if (values.workers === undefined) return undefined;
  const n = numberFlag(values, "workers", 1, { min: 1, integer: true });
  if (n > cores) {
    throw new UsageError(
      `--workers ${n} is more than the ${cores} core(s) this machine has ` +
        `(navigator.hardwareConcurrency); give at most --workers ${cores}`,
    );
  }
  return n;
}

/** The real path of `path`, or of its folder joined with its name when it does not exist yet. */
async function realPathOrPlanned(path: string): Promise<string | null> {
  try {
    return await Deno.realPath(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) return null;
  }
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
  try {
    return `${(await Deno.realPath(dir)).replace(/\/$/, "")}/${path.slice(slash + 1)}`;
  } catch {
    return null; // the folder does not exist either: the output cannot be an input
  }
}

/**
 * Checks an output file before any work is done: {@link refuseOutputOverInput}, then, when the
 * inputs are readable (else their read reports first), {@link checkWritable}.
 * `flag` names the output's flag in the messages.
 */
export async function checkOutput(
  out: string,
  inputs: readonly (string | undefined)[],
  flag = "--out",
): Promise<void> {
  await refuseOutputOverInput(out, inputs, flag);
  // A missing read permission for an input is reported first, by the read itself.
  for (const input of inputs) {
    if (input === undefined) continue;
    const read = await Deno.permissions.query({ name: "read", path: input });
    if (read.state !== "granted") return;
  }
  await checkWritable(out, flag);
}

/**
 * Refuses (UsageError) an output file that is one of the inputs: the same real path (links
 * followed), so `encode rec.csv --out rec.csv` cannot replace the recording.
 */
export async function refuseOutputOverInput(
  out: string,
  inputs: readonly (string | undefined)[],
  flag = "--out",
): Promise<void> {
  const target = await realPathOrPlanned(out);
  for (const input of target === null ? [] : inputs) {
    if (input === undefined) continue;
    const real = await Deno.realPath(input).catch(() => null);
    if (real !== null && real === target) {
      throw new UsageError(
        `${flag} ${out} is the input ${input}: writing there would replace it; ` +
          `give another ${flag}`,
      );
    }
  }
}

/**
 * Fails when the folder of output file `out` is not writable under Deno's permissions (the
 * atomic write puts a temporary file beside the target), naming the flag to add. Commands call
 * it before their long work, so the error does not come after it.
 */
export async function checkWritable(out: string, flag = "--out"): Promise<void> {
  const slash = out.lastIndexOf("/");
  const dir = slash < 0 ? "." : slash === 0 ? "/" : out.slice(0, slash);
  const perm = await Deno.permissions.query({ name: "write", path: dir });
  if (perm.state !== "granted") {
    throw new Error(
      `missing permission: write access to ${dir} (the folder of ${flag} ${out}); add ` +
        `--allow-write=${dir} (or run with -A)`,
    );
  }
}
