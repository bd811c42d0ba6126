// The model a command works with: --weights FILE, or else the shipped pretrained model (said on
// stderr), verified against its checksum.
import type { FlowFM } from "../lib/model/flowfm.ts";
import { readSource } from "../lib/weights/load.ts";
import { deserializeModel } from "../lib/weights/model_file.ts";
import { pretrainedUrl, readPretrained, verifySha256 } from "../lib/weights/pretrained.ts";
import { numberFlag, UsageError } from "./_common.ts";

/** Where the shipped model lives, relative to the repository root (for messages). */
export const PRETRAINED_PATH = "weights/flowfm-small.safetensors";

/** One line for a command's help: what happens without --weights. */
export const WEIGHTS_DEFAULT_HELP =
  `default: the pretrained ${PRETRAINED_PATH} (model card: weights/README.md)`;

/** Help line of --weights-timeout (a command's options hold `"weights-timeout"`). */
export const WEIGHTS_TIMEOUT_HELP =
  `  --weights-timeout S       give up on a --weights URL that sends nothing for S seconds
                            (default 60; 0 waits forever)`;

/**
 * Bytes and name of --weights FILE, or of the pretrained model when --weights is not given.
 * Errors name the file; a missing pretrained file says to give --weights. A `FILE.sha256`
 * (sha256sum format, as `cli/export.ts` writes) lying beside a local FILE is checked: a
 * mismatch is an error, a match is said on stderr.
 */
export async function readWeightsFlag(
  values: Record<string, unknown>,
): Promise<{ bytes: Uint8Array; name: string; pretrained: boolean }> {
  const path = values.weights as string | undefined;
  if (path !== undefined) {
    const seconds = numberFlag(values, "weights-timeout", 60, { min: 0 });
    const read = await readSource(path, { timeoutMs: seconds * 1000 }).catch((e: Error) => {
      // The library names its option; on the command line it is the flag.
      throw new Error(
        e.message.replace(/ \(timeoutMs\)$/, "; set --weights-timeout S to wait longer"),
      );
    });
    const local = !/^[a-z][a-z0-9+.-]+:/i.test(path);
    const sumText = local
      ? await Deno.readTextFile(`${path}.sha256`).catch((e) => {
        if (e instanceof Deno.errors.NotFound) return null;
        if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
          console.error(`note: ${path}.sha256 not checked: no read permission for it`);
          return null;
        }
        throw e;
      })
      : null;
    if (sumText !== null) {
      const sha256 = await verifySha256(read.bytes, sumText, path);
      console.error(`${path}: SHA-256 ${sha256.slice(0, 12)}… verified against ${path}.sha256`);
    }
    return { ...read, pretrained: false };
  }
  const url = pretrainedUrl("small");
  const there = await Deno.stat(url).then((s) => s.isFile, () => false);
  if (!there) {
    throw new UsageError(
      `no --weights given and the pretrained model ${PRETRAINED_PATH} is not in this copy: ` +
        "give --weights FILE (a model.safetensors from cli/train.ts)",
    );
  }
  const { bytes, sha256 } = await readPretrained("small");
  console.error(
    `no --weights: using the pretrained model ${PRETRAINED_PATH} (SHA-256 ${
      sha256.slice(0, 12)
    }… verified; model card: weights/README.md)`,
  );
  return { bytes, name: PRETRAINED_PATH, pretrained: true };
}

/** The model of --weights FILE, or of the pretrained model; `name` is the file, for messages. */
export async function loadModelFlag(
  values: Record<string, unknown>,
): Promise<{ model: FlowFM; name: string }> {
  const { bytes, name } = await readWeightsFlag(values);
  return { model: deserializeModel(bytes, name).model, name };
}
