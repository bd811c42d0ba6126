// The one argument parser of the scripts in bench/, studies/ and gpu/ (their shell scripts share
// bench/_args.sh). A script's usage is its header comment: `--help` prints it; an unknown flag, a
// missing value or a bad number is a one-line error (exit 2) that points at `--help`.
//
//   const { values, positionals, num } = scriptArgs(import.meta.url, {
//     preset: { type: "string", default: "small" },
//     batch: { type: "string", default: "64" },
//   });
//   const batch = num("batch", { min: 1, integer: true });
import { parseArgs } from "node:util";

/** Options as node:util's parseArgs takes them. */
type Options = Record<
  string,
  { type: "string" | "boolean"; default?: string | boolean; short?: string; multiple?: boolean }
>;

/** Parsed values: strings for string flags (always set where they have a default), booleans. */
type Values<O extends Options> = {
  [K in keyof O]: O[K]["type"] extends "boolean" ? boolean | undefined
    : O[K]["default"] extends string ? string
    : string | undefined;
};

/** The header comment of the script at `url`: its leading `//` lines, without the slashes. */
export function usageOf(url: string): string {
  const text = Deno.readTextFileSync(new URL(url));
  const lines: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("//")) break;
    lines.push(line.replace(/^\/\/ ?/, ""));
  }
  return lines.join("\n");
}

/** A usage error: printed as one line with a pointer to --help, exit 2. */
function fail(script: string, message: string): never {
  console.error(`${script}: ${message} (try --help)`);
  Deno.exit(2);
}

/** A usage error of the script at `url` (wrong positionals, say): one line, exit 2. */
export function usageFail(url: string, message: string): never {
  return fail(new URL(url).pathname.split("/").slice(-2).join("/"), message);
}

/**
 * Parses `args` (default `Deno.args`) for the script at `url` (its `import.meta.url`): strict
 * (unknown flags are errors), `--help`/`-h` prints the script's header comment and exits 0.
 *
 * @returns The values and positionals of node:util's parseArgs, and `num(name)`, the value of a
 *   string flag as a number, checked (a usage error when not a number, or out of range).
 */
export function scriptArgs<O extends Options>(
  url: string,
  options: O,
  { args = Deno.args, allowPositionals = true }: { args?: string[]; allowPositionals?: boolean } =
    {},
) {
  const script = new URL(url).pathname.split("/").slice(-2).join("/");
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals,
    }) as typeof parsed;
  } catch (e) {
    fail(script, (e as Error).message.split("\n")[0]);
  }
  if (parsed.values.help) {
    console.log(usageOf(url));
    Deno.exit(0);
  }
  const values = parsed.values as Values<O>;
  const num = (name: keyof O & string, check: { min?: number; integer?: boolean } = {}) => {
    const text = String(values[name]);
    const x = Number(text);
    if (text.trim() === "" || !Number.isFinite(x)) fail(script, `--${name} must be a number`);
    if (check.integer && !Number.isInteger(x)) fail(script, `--${name} must be an integer`);
    if (check.min !== undefined && x < check.min) fail(script, `--${name} must be >= ${check.min}`);
    return x;
  };
  return { values, positionals: parsed.positionals, num };
}
