/**
 * Which files of a repo each kind of model needs, and which ONNX weights (dtype) to take.
 *
 *   bert     the course's TS BERT: config.json, tokenizer files, model.safetensors (or its shards)
 *   encoder  a sentence encoder run by transformers.js (Xenova/all-MiniLM-L6-v2 style):
 *            config.json, tokenizer.json, tokenizer_config.json, onnx/model<suffix>.onnx [+ external data]
 *   llm      a causal LM run by transformers.js (SmolLM2, Qwen2.5 ONNX exports): the same plus
 *            generation_config.json
 *
 * The ONNX file names are transformers.js's (DEFAULT_DTYPE_SUFFIX_MAPPING in its utils/dtypes.js,
 * external data `<file>_data`, `<file>_data_1`, ... as in utils/model-loader.js). A test checks this
 * list against transformers.js's own ModelRegistry.get_pipeline_files.
 */
import * as fs from "fs";
import * as path from "path";
import { HubError } from "./errors";

export type ModelKind = "bert" | "encoder" | "llm";
export const MODEL_KINDS: readonly ModelKind[] = ["bert", "encoder", "llm"];

/** transformers.js's file suffix per dtype (onnx/model<suffix>.onnx). */
export const DTYPE_SUFFIX: Record<string, string> = {
  fp32: "",
  fp16: "_fp16",
  int8: "_int8",
  uint8: "_uint8",
  q8: "_quantized",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
  q2: "_q2",
  q2f16: "_q2f16",
  q1: "_q1",
  q1f16: "_q1f16",
};

/**
 * The dtype taken when none is asked for and the model's config names none
 * (config.json "transformers.js_config".dtype), first one the repo lists wins:
 *  - encoders: full precision first — they are small (MiniLM-L6 fp32 is 90 MB) and the exercises
 *    compare vectors, so exact ones are worth it; then 8-bit, then the rest;
 *  - LLMs: 8-bit first (about a quarter of fp32's size, close to fp32's quality on a CPU), then 4-bit
 *    (smaller still; ONNX Runtime's CPU MatMulNBits kernel runs it well), then fp32; the fp16
 *    variants last because CPUs run fp16 slowly. SmolLM2-135M-Instruct's export, for example, lists
 *    model, _fp16, _q4 and _q4f16: it gets q4.
 */
export const DTYPE_ORDER: Record<"encoder" | "llm", readonly string[]> = {
  encoder: ["fp32", "q8", "int8", "uint8", "q4", "bnb4", "fp16", "q4f16"],
  llm: ["q8", "int8", "uint8", "q4", "fp32", "bnb4", "q4f16", "fp16"],
};

export function onnxFile(dtype: string): string {
  const suffix = DTYPE_SUFFIX[dtype];
  if (suffix === undefined) throw new HubError(`unknown dtype "${dtype}": use one of ${Object.keys(DTYPE_SUFFIX).join(", ")}`);
  return `onnx/model${suffix}.onnx`;
}

/** The dtypes whose ONNX weights are among `files`, in DTYPE_SUFFIX order. */
export function listedDtypes(files: readonly string[]): string[] {
  const set = new Set(files);
  return Object.keys(DTYPE_SUFFIX).filter((d) => set.has(onnxFile(d)));
}

/** The dtype to use: the one asked for (it must be listed), else the config's, else the first of DTYPE_ORDER listed. */
export function chooseDtype(repoId: string, kind: "encoder" | "llm", files: readonly string[], requested?: string, configDtype?: unknown): string {
  const listed = listedDtypes(files);
  if (requested !== undefined) {
    onnxFile(requested); // unknown dtype → clear error
    if (listed.includes(requested)) return requested;
    throw new HubError(
      listed.length
        ? `${repoId} has no ${onnxFile(requested)}; it has the dtypes ${listed.join(", ")}: pick one of those (--dtype ${listed[0]}), or leave --dtype out to choose automatically.`
        : noOnnxMessage(repoId, files),
    );
  }
  if (typeof configDtype === "string" && listed.includes(configDtype)) return configDtype;
  const pick = DTYPE_ORDER[kind].find((d) => listed.includes(d)) ?? listed[0];
  if (!pick) throw new HubError(noOnnxMessage(repoId, files));
  return pick;
}

function noOnnxMessage(repoId: string, files: readonly string[]): string {
  const other = files.filter((f) => /\.onnx$/.test(f));
  return (
    `${repoId} has no ONNX weights under onnx/ (onnx/model.onnx or a quantized variant)${other.length ? `; it has ${other.slice(0, 4).join(", ")}` : ""}. ` +
    `transformers.js loads onnx/model<suffix>.onnx: use an ONNX export of the model, e.g. one from onnx-community/ or Xenova/.`
  );
}

/** External-data files transformers.js expects for an ONNX file, from config's use_external_data_format. */
export function externalDataFiles(onnx: string, useExternal: unknown): string[] {
  const full = path.posix.basename(onnx); // "model_q4.onnx"
  let n = 0;
  if (useExternal && typeof useExternal === "object") {
    const map = useExternal as Record<string, unknown>;
    n = Number(map[full] ?? map["model"] ?? 0);
  } else n = Number(useExternal ?? 0); // false → 0, true → 1
  return Array.from({ length: n }, (_, i) => `${onnx}_data${i === 0 ? "" : `_${i}`}`);
}

/** Files of a BERT repo for the course's TS BERT: config, tokenizer files, safetensors weights (single or sharded). */
export function selectBertFiles(repoId: string, files: readonly string[]): string[] {
  const has = new Set(files);
  if (!has.has("config.json")) throw new HubError(`${repoId} has no config.json at the top level; it is not a transformers model repo`);
  const out = ["config.json", ...["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"].filter((f) => has.has(f))];
  if (has.has("model.safetensors")) out.push("model.safetensors");
  else if (has.has("model.safetensors.index.json")) {
    out.push("model.safetensors.index.json", ...files.filter((f) => /^model-\d+-of-\d+\.safetensors$/.test(f)));
  } else {
    const onnx = listedDtypes(files).length > 0;
    const other = files.filter((f) => /^(pytorch_model.*\.bin|tf_model\.h5)$/.test(f));
    throw new HubError(
      `${repoId} has no safetensors weights${other.length ? ` (only ${other.join(", ")})` : ""}; the course's BERT loads model.safetensors. ` +
        (onnx ? `It has ONNX weights: as a sentence encoder, \`npx course download ${repoId} --kind encoder\`.` : `Pick a repo with safetensors, or convert with transformers' save_pretrained(..., safe_serialization=True).`),
    );
  }
  return out;
}

/** Files of an ONNX repo for transformers.js (encoder or LLM) with one dtype, as listed by the repo. */
export function selectOnnxFiles(repoId: string, kind: "encoder" | "llm", files: readonly string[], dtype: string): string[] {
  const has = new Set(files);
  for (const f of ["config.json", "tokenizer.json"]) {
    if (!has.has(f)) throw new HubError(`${repoId} has no ${f}; transformers.js needs config.json, tokenizer.json and tokenizer_config.json next to onnx/`);
  }
  const onnx = onnxFile(dtype);
  const configs = ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", ...(kind === "llm" ? ["generation_config.json"] : [])];
  const data = files.filter((f) => f === `${onnx}_data` || f.startsWith(`${onnx}_data_`));
  return [...configs.filter((f) => has.has(f)), onnx, ...data];
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** config.json's "transformers.js_config" (dtype, use_external_data_format), if any. */
export function transformersJsConfig(dir: string): { dtype?: unknown; use_external_data_format?: unknown } {
  const cfg = readJson(path.join(dir, "config.json"));
  return ((cfg?.["transformers.js_config"] as Record<string, unknown>) ?? {}) as { dtype?: unknown; use_external_data_format?: unknown };
}

/** What a snapshot folder lacks to be loadable as `kind` (with `dtype` for ONNX kinds); [] when complete. */
export function missingFiles(dir: string, kind: ModelKind, dtype?: string): string[] {
  const has = (f: string) => fs.existsSync(path.join(dir, f)); // follows the snapshot symlink to its blob
  if (kind === "bert") {
    const missing = has("config.json") ? [] : ["config.json"];
    if (has("model.safetensors")) return missing;
    const index = readJson(path.join(dir, "model.safetensors.index.json")) as { weight_map?: Record<string, string> } | null;
    if (index?.weight_map) {
      for (const f of new Set(Object.values(index.weight_map))) if (!has(f)) missing.push(f);
    } else missing.push("model.safetensors (or model.safetensors.index.json and its shards)");
    return missing;
  }
  const need = ["config.json", "tokenizer.json", "tokenizer_config.json"];
  if (dtype) {
    const onnx = onnxFile(dtype);
    need.push(onnx, ...externalDataFiles(onnx, transformersJsConfig(dir).use_external_data_format));
  } else need.push("onnx/model<dtype>.onnx");
  return need.filter((f) => !has(f));
}

/** The dtype a complete cached ONNX snapshot can be loaded with: the one asked for, the config's, else by DTYPE_ORDER; null if none. */
export function cachedDtype(dir: string, kind: "encoder" | "llm", requested?: string): string | null {
  if (requested !== undefined) return missingFiles(dir, kind, requested).length === 0 ? requested : null;
  const configDtype = transformersJsConfig(dir).dtype;
  const order = [...(typeof configDtype === "string" && configDtype in DTYPE_SUFFIX ? [configDtype] : []), ...DTYPE_ORDER[kind], ...Object.keys(DTYPE_SUFFIX)];
  return order.find((d) => missingFiles(dir, kind, d).length === 0) ?? null;
}
