// What a classifier file says about the data it was fitted on: cli/fit.ts records it in the
// file's `__metadata__.training_data` (one more metadata key: the tensors and the other keys, and
// so the classifier format, are unchanged), cli/predict.ts and cli/inspect.ts show it, and
// predict warns when the data it labels comes from another placement.
import { decodeSafetensors } from "../lib/weights/safetensors.ts";

/** The metadata key. */
export const TRAINING_DATA_KEY = "training_data";

/** The data a classifier was fitted on. */
export interface TrainingData {
  /** One line: the data set(s) and how many windows. */
  data: string;
  /** Placements of its labelled windows (wrist, waist, ...); empty when unknown (CSV files). */
  placements: string[];
}

/** The shipped classifiers by placement, for predict's hint. */
export const SHIPPED_CLASSIFIERS: Readonly<Record<string, string>> = {
  waist: "weights/flowfm-small.uci-hapt.classifier.safetensors",
  wrist: "weights/flowfm-small.umafall-wrist.classifier.safetensors",
};

/**
 * `bytes` (a safetensors file) with `__metadata__.training_data` set to `info`; the tensor data
 * is copied unchanged (offsets are relative to the data, so only the header changes).
 */
export function withTrainingData(bytes: Uint8Array, info: TrainingData): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  header.__metadata__ = { ...header.__metadata__, [TRAINING_DATA_KEY]: JSON.stringify(info) };
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + n), 8 + head.length);
  return out;
}

/** The training data a classifier file records, or null (files fitted before 2026-12-06). */
export function trainingDataOf(bytes: Uint8Array): TrainingData | null {
  const text = decodeSafetensors(bytes).metadata[TRAINING_DATA_KEY];
  if (text === undefined) return null;
  try {
    const info = JSON.parse(text);
    if (typeof info?.data !== "string" || !Array.isArray(info.placements)) return null;
    return { data: info.data, placements: info.placements.map(String) };
  } catch {
    return null;
  }
}

/**
 * Lines predict prints about placements: which placement the classifier is for, and a warning
 * naming the shipped classifier for the data's placement when the two differ.
 */
export function placementLines(
  file: string,
  info: TrainingData | null,
  dataPlacements: readonly string[],
): { note: string; warning: string | null } {
  const shipped = Object.entries(SHIPPED_CLASSIFIERS).map(([p, f]) => `${p}: ${f}`).join(", ");
  if (info === null) {
    return {
      note: `classifier ${file}: the file does not say which placement it was fitted for ` +
        `(the shipped ones: ${shipped})`,
      warning: null,
    };
  }
  const for_ = info.placements.length > 0 ? info.placements.join(", ") : "placement unknown";
  const note = `classifier ${file}: fitted on ${info.data}; for ${for_} data`;
  const known = dataPlacements.filter((p) => p !== "");
  if (info.placements.length === 0 || known.length === 0) {
    return { note: `${note} (the shipped classifiers: ${shipped})`, warning: null };
  }
  const other = known.filter((p) => !info.placements.includes(p));
  if (other.length === 0) return { note, warning: null };
  const better = other.map((p) => SHIPPED_CLASSIFIERS[p]).filter((f) => f && f !== file);
  return {
    note,
    warning: `warning: ${file} was fitted on ${info.placements.join(", ")} data, and these ` +
      `windows are ${other.join(", ")} data: expect wrong labels` +
      (better.length > 0
        ? `; for ${other.join(", ")} data use --classifier ${better.join(" or ")}`
        : `; fit one on your own labelled ${other.join(", ")} data with cli/fit.ts`),
  };
}
