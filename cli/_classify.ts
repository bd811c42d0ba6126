// Flags and help text that cli/fit.ts, cli/predict.ts and cli/evaluate.ts share, all from the one
// defaults block of classification and evaluation (CLASSIFY_DEFAULTS).
import { CLASSIFY_DEFAULTS } from "../lib/classify/defaults.ts";
import { FEATURES, type Features } from "../lib/classify/features.ts";
import { choiceFlag, numberFlag, UsageError } from "./_common.ts";

/** The defaults, for the commands' parsing and their `--help`. */
export const D = CLASSIFY_DEFAULTS;

/** `--features` and its former name `--probe-features`, for parseArgs. */
export const FEATURES_OPTIONS = {
  features: { type: "string" },
  "probe-features": { type: "string" },
} as const;

/** Help lines of `--features` (indented as the commands' option lists). */
export const FEATURES_HELP =
  `  --features NAME           what the probe reads: ${D.features} (the embedding, default) |
                            stages (each encoder stage's mean and SD over time, then z) |
                            z+handcrafted (z beside the handcrafted features)
                            (--probe-features NAME is the same flag, its former name)`;

/**
 * The features a probe reads: `--features`, or its alias `--probe-features`; both given must
 * agree. Undefined when neither is given.
 */
export function featuresFlag(values: Record<string, unknown>): Features | undefined {
  const a = values.features as string | undefined;
  const b = values["probe-features"] as string | undefined;
  if (a !== undefined && b !== undefined && a !== b) {
    throw new UsageError(
      `--features "${a}" and --probe-features "${b}" disagree (they are one flag; give one)`,
    );
  }
  const raw = a ?? b;
  if (raw === undefined) return undefined;
  if (!FEATURES.includes(raw as Features)) {
    throw new UsageError(`--features must be one of ${FEATURES.join(", ")}, got "${raw}"`);
  }
  return raw as Features;
}

/** The linear probe's flags, for parseArgs. */
export const PROBE_OPTIONS = {
  "probe-solver": { type: "string" },
  "probe-lr": { type: "string" },
  "probe-iterations": { type: "string" },
  "probe-l2": { type: "string" },
} as const;

/** Help lines of the probe's flags (indented as the commands' option lists). */
export const PROBE_HELP =
  `  --probe-solver NAME       probe: adam (full-batch Adam) | lbfgs (the same objective, L2 grid and
                            validation rule fitted with L-BFGS and warm starts: about 10x faster
                            on large sets; it reaches a lower validation loss than Adam's early
                            stop, so scores can differ; see bench/probe_bench.ts); default ${D.probe.solver}
  --probe-lr X              probe: Adam learning rate (default ${D.probe.lr})
  --probe-iterations N      probe: most iterations per L2 value (default ${D.probe.maxIterations}; with
                            --probe-solver lbfgs, default ${D.probe.lbfgsIterations})
  --probe-l2 LIST           probe: the L2 penalties tried, comma-separated; the one with the lowest
                            validation loss is kept (default ${D.probe.l2.join(",")})`;

/** The probe's flags: solver, learning rate, iterations per L2 value (the solver's default) and
 * L2 grid; the defaults' where not given. */
export function probeFlags(
  values: Record<string, unknown>,
): { solver: "adam" | "lbfgs"; lr: number; maxIterations: number; l2: number[] } {
  const solver = choiceFlag(values, "probe-solver", ["adam", "lbfgs"] as const, D.probe.solver);
  const iterations = D.probe[solver === "lbfgs" ? "lbfgsIterations" : "maxIterations"];
  return {
    solver,
    lr: numberFlag(values, "probe-lr", D.probe.lr, { min: 0 }),
    maxIterations: numberFlag(values, "probe-iterations", iterations, { min: 1, integer: true }),
    l2: probeL2Flag(values),
  };
}

/** `--probe-l2 LIST`: the probe's L2 grid, the defaults' grid when not given. */
function probeL2Flag(values: Record<string, unknown>): number[] {
  const raw = values["probe-l2"];
  if (raw === undefined) return [...D.probe.l2];
  const grid = String(raw).split(",").map((v) => v.trim());
  const bad = grid.find((v) => v === "" || !Number.isFinite(Number(v)) || Number(v) < 0);
  if (bad !== undefined) {
    throw new UsageError(`--probe-l2 must list numbers >= 0 separated by commas, got "${raw}"`);
  }
  return grid.map(Number);
}

/** Fine-tuning's `--epochs`, `--patience`, `--epoch-windows` and `--lr`, for parseArgs. */
export const FINETUNE_OPTIONS = {
  epochs: { type: "string" },
  patience: { type: "string" },
  "epoch-windows": { type: "string" },
  lr: { type: "string" },
} as const;

/** Help lines of those four flags (indented as the commands' option lists). */
export const FINETUNE_HELP =
  `  --epochs N                fine-tuning: most epochs (default ${D.finetune.maxEpochs}; early stopping)
  --patience N              fine-tuning: epochs without a lower validation loss (default ${D.finetune.patience})
  --epoch-windows N         fine-tuning: fewest training windows per epoch; smaller training sets
                            are passed over several times per epoch, so --epochs and --patience
                            count comparable steps with few labels, e.g. 640 with 10 per class
                            (default ${D.finetune.epochWindows}: one pass)
  --lr X                    fine-tuning: Adam learning rate (default ${D.finetune.lr})`;

/** `--epochs`, `--patience`, `--epoch-windows` and `--lr`, the defaults' when not given. */
export function finetuneFlags(
  values: Record<string, unknown>,
): { maxEpochs: number; patience: number; epochWindows: number; lr: number } {
  return {
    maxEpochs: numberFlag(values, "epochs", D.finetune.maxEpochs, { min: 1, integer: true }),
    patience: numberFlag(values, "patience", D.finetune.patience, { min: 1, integer: true }),
    epochWindows: numberFlag(values, "epoch-windows", D.finetune.epochWindows, {
      min: 0,
      integer: true,
    }),
    lr: numberFlag(values, "lr", D.finetune.lr, { min: 0 }),
  };
}

/** Fewest steps in a fine-tuning epoch before fit and evaluate warn that it is too short. */
export const FEW_EPOCH_STEPS = 10;

/**
 * A warning when fine-tuning's epochs were shorter than {@link FEW_EPOCH_STEPS} steps (the fewest
 * over the folds or runs), naming the `--epoch-windows` that gives that many; null otherwise.
 * With few labels and one pass per epoch, `--patience` and `--epochs` then count a handful of
 * steps, and early stopping can keep a head that has hardly trained.
 */
export function shortEpochsWarning(head: string, steps: number): string | null {
  if (!(steps < FEW_EPOCH_STEPS)) return null;
  const windows = FEW_EPOCH_STEPS * D.finetune.batchSize;
  return `warning: ${head}: epochs of only ${steps} step${steps === 1 ? "" : "s"}, so --patience ` +
    `and --epochs count few steps and early stopping may keep a barely trained model; with few ` +
    `labels pass --epoch-windows ${windows} (about ${FEW_EPOCH_STEPS} steps per epoch)`;
}
