/**
 * Hugging Face BERT checkpoints in and out: a folder with `config.json` and `model.safetensors`
 * (or a sharded `model.safetensors.index.json`), tensors in F32, F16 or BF16.
 *
 * Loading accepts the variants real checkpoints have:
 *  - names with the `bert.` prefix (BertForPreTraining / BertForMaskedLM …) or without (bare BertModel);
 *  - LayerNorm tensors named `gamma` / `beta` (older conversions from TensorFlow) or `weight` / `bias`;
 *  - the tied MLM decoder weight present or absent (it is the word embedding matrix either way);
 *  - heads present or absent (a bare BertModel has no `cls.*` tensors; BertForMaskedLM has no pooler);
 *  - the `position_ids` buffer older files carry (ignored, as transformers does).
 * Missing and unexpected tensors are reported by name; a shape mismatch is an error naming the
 * tensor and both shapes. Saving writes the same layout (F32 by default), so save → load is bit-exact.
 */
import * as fs from "fs";
import * as path from "path";
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../../engine/tfjs/backend";
import { BertConfig, configFromJson, configToJson } from "./config";
import { BertModel } from "./model";
import { HeadsSpec, TIED_DECODER, WORD_EMBEDDINGS, hostFromCheckpointLayout, hostToCheckpointLayout, toCheckpointLayout } from "./params";
import { readJsonObject } from "../../data/csv";
import { DType, FloatDType, RawTensor, parseSafetensors, serializeSafetensors, TensorToWrite } from "../safetensors";

export const WEIGHTS_NAME = "model.safetensors";
export const WEIGHTS_INDEX_NAME = "model.safetensors.index.json";
export const CONFIG_NAME = "config.json";
/** Tokenizer files copied along when a model is saved (those a BERT repo on the Hub has). */
export const TOKENIZER_FILES = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

export interface LoadReport {
  /** Model parameters the checkpoint lacks (left at their random initialisation). */
  missing: string[];
  /** Checkpoint tensors the model does not use. */
  unexpected: string[];
  /** Checkpoint names that were renamed to the model's (gamma → weight, added `bert.` prefix …): file name → model name. */
  renamed: Record<string, string>;
  /** Known buffers and tied duplicates that were skipped on purpose. */
  ignored: string[];
  /** Storage dtypes found, with tensor counts. */
  dtypes: Partial<Record<DType, number>>;
  /** Weight files read. */
  files: string[];
  /** Heads the model was built with. */
  heads: HeadsSpec;
  warnings: string[];
}

export interface LoadOptions {
  /** Build these heads (default: the ones the checkpoint has; a bare BertModel gets only the pooler). */
  heads?: Partial<HeadsSpec>;
  /** Throw if any parameter is missing from the checkpoint. Default false (report them). */
  strict?: boolean;
  /** Seed for parameters the checkpoint lacks. */
  seed?: number;
}

/** Reads a Hugging Face model folder into a BertModel. The load report is on `model.loadReport`. */
export async function loadBert(dir: string, options: LoadOptions = {}): Promise<BertModel & { loadReport: LoadReport }> {
  const config = readConfig(dir);
  const { tensors, files } = readWeights(dir);
  return buildModel(config, tensors, files, dir, options);
}

export function readConfig(dir: string): BertConfig {
  const file = path.join(dir, CONFIG_NAME);
  if (!fs.existsSync(file)) throw new Error(`${dir} has no ${CONFIG_NAME}; a Hugging Face model folder needs config.json next to the weights`);
  return configFromJson(readJsonObject(file, "model config"), file);
}

/** All tensors of the folder's safetensors weights (single file or sharded). */
export function readWeights(dir: string): { tensors: Map<string, RawTensor>; files: string[] } {
  const single = path.join(dir, WEIGHTS_NAME);
  const index = path.join(dir, WEIGHTS_INDEX_NAME);
  let files: string[];
  if (fs.existsSync(single)) {
    files = [WEIGHTS_NAME];
  } else if (fs.existsSync(index)) {
    const idx = JSON.parse(fs.readFileSync(index, "utf8")) as { weight_map: Record<string, string> };
    if (!idx.weight_map) throw new Error(`${index} has no "weight_map"; it is not a safetensors index`);
    files = [...new Set(Object.values(idx.weight_map))].sort();
    const absent = files.filter((f) => !fs.existsSync(path.join(dir, f)));
    if (absent.length) throw new Error(`${dir}: the index lists shard(s) that are not there: ${absent.join(", ")}. Download the model again.`);
  } else {
    const other = ["pytorch_model.bin", "tf_model.h5", "flax_model.msgpack"].filter((f) => fs.existsSync(path.join(dir, f)));
    throw new Error(
      `${dir} has no ${WEIGHTS_NAME} or ${WEIGHTS_INDEX_NAME}` +
        (other.length ? ` (it has ${other.join(", ")}, which this loader does not read: convert with transformers' \`model.save_pretrained(dir, safe_serialization=True)\`)` : "") +
        ".",
    );
  }
  const tensors = new Map<string, RawTensor>();
  for (const f of files) {
    const full = path.join(dir, f);
    const parsed = parseSafetensors(new Uint8Array(fs.readFileSync(full)), full);
    for (const [name, t] of parsed.tensors) {
      if (tensors.has(name)) throw new Error(`tensor "${name}" appears in more than one shard (${f})`);
      tensors.set(name, t);
    }
  }
  return { tensors, files };
}

/** Maps a checkpoint tensor name to the model's name, or null for known buffers. */
export function normalizeName(name: string): string | null {
  let n = name;
  if (/(^|\.)position_ids$/.test(n)) return null; // a constant buffer [0..max_position), not a parameter
  n = n.replace(/LayerNorm\.gamma$/, "LayerNorm.weight").replace(/LayerNorm\.beta$/, "LayerNorm.bias");
  if (/^(embeddings|encoder|pooler)\./.test(n)) n = `bert.${n}`;
  return n;
}

function buildModel(config: BertConfig, raw: Map<string, RawTensor>, files: string[], dir: string, options: LoadOptions): BertModel & { loadReport: LoadReport } {
  const renamed: Record<string, string> = {};
  const ignored: string[] = [];
  const warnings: string[] = [];
  const dtypes: Partial<Record<DType, number>> = {};
  const byName = new Map<string, { file: string; t: RawTensor }>();
  for (const [fileName, tensor] of raw) {
    dtypes[tensor.dtype] = (dtypes[tensor.dtype] ?? 0) + 1;
    const n = normalizeName(fileName);
    if (n === null) {
      ignored.push(fileName);
      continue;
    }
    if (n !== fileName) renamed[fileName] = n;
    byName.set(n, { file: fileName, t: tensor });
  }
  // cls.predictions.decoder.bias is the same parameter as cls.predictions.bias in transformers.
  const decBias = byName.get("cls.predictions.decoder.bias");
  if (decBias) {
    if (!byName.has("cls.predictions.bias")) byName.set("cls.predictions.bias", decBias);
    else ignored.push(decBias.file);
    byName.delete("cls.predictions.decoder.bias");
  }
  const has = (prefix: string) => [...byName.keys()].some((k) => k.startsWith(prefix));
  const heads: HeadsSpec = {
    pooler: options.heads?.pooler ?? (has("bert.pooler.") || !has("cls.predictions.")),
    mlm: options.heads?.mlm ?? has("cls.predictions."),
    nsp: options.heads?.nsp ?? has("cls.seq_relationship."),
  };
  if (heads.nsp) heads.pooler = true;
  const model = new BertModel(config, { heads, seed: options.seed, init: false }) as BertModel & { loadReport: LoadReport };
  const tied = config.tie_word_embeddings !== false;
  const dec = byName.get(TIED_DECODER);
  if (tied && dec) {
    // Tied: the decoder is the word embedding matrix. Check the copy in the file agrees.
    const we = byName.get(WORD_EMBEDDINGS);
    if (we && !sameValues(we.t.data, dec.t.data)) warnings.push(`${dec.file} differs from ${we.file} although tie_word_embeddings is true; using the word embeddings (as transformers does)`);
    ignored.push(dec.file);
    byName.delete(TIED_DECODER);
  }

  const missing: string[] = [];
  const used = new Set<string>();
  try {
    for (const spec of model.params.specs) {
      const entry = byName.get(spec.name);
      if (!entry) {
        missing.push(spec.name);
        model.params.initialise(spec.name); // random, as the model would have started
        continue;
      }
      used.add(spec.name);
      const want = spec.kind === "linear" ? [...spec.shape].reverse() : spec.shape; // checkpoint layout
      const got = entry.t.shape;
      if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
        throw new Error(`shape mismatch for "${entry.file}": the checkpoint has [${got}], the model (config.json) expects [${want}]`);
      }
      if (!(entry.t.data instanceof Float32Array)) throw new Error(`tensor "${entry.file}" is ${entry.t.dtype}; parameters must be F32, F16 or BF16`);
      model.params.adopt(spec.name, hostFromCheckpointLayout(entry.t.data, spec.shape, spec.kind));
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  const unexpected = [...byName.keys()].filter((k) => !used.has(k)).map((k) => byName.get(k)!.file);
  if (options.strict && missing.length) {
    model.dispose();
    throw new Error(`${dir}: the checkpoint lacks ${missing.length} parameter(s): ${missing.join(", ")}`);
  }
  model.sourceDir = dir;
  model.loadReport = { missing, unexpected, renamed, ignored, dtypes, files, heads, warnings };
  return model;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------- save

export interface SaveOptions {
  /** Storage dtype of the parameters (default F32: bit-exact round trip). */
  dtype?: FloatDType;
  /** Split into shards of at most this many bytes, with a model.safetensors.index.json (like save_pretrained's max_shard_size). */
  maxShardBytes?: number;
  /** Copy tokenizer files from this folder (default: the folder the model was loaded from, if any). */
  tokenizerFrom?: string | null;
  /** Write names without the `bert.` prefix and no heads, like a bare BertModel. Default: only when the model has no MLM/NSP head. */
  bare?: boolean;
}

/** Writes config.json + safetensors weights (+ tokenizer files) in Hugging Face layout. */
export async function saveBert(model: BertModel, dir: string, options: SaveOptions = {}): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const bare = options.bare ?? (!model.heads.mlm && !model.heads.nsp);
  const dtype = options.dtype ?? "F32";
  const tensors: TensorToWrite[] = [];
  for (const spec of model.params.specs) {
    if (bare && spec.name.startsWith("cls.")) continue;
    const name = bare ? spec.name.replace(/^bert\./, "") : spec.name;
    const value = hostToCheckpointLayout(model.params.entry(spec.name).data, spec.shape, spec.kind);
    tensors.push({ name, shape: value.shape, data: value.data, dtype });
  }
  const architectures = bare ? ["BertModel"] : model.heads.mlm && model.heads.nsp ? ["BertForPreTraining"] : model.heads.mlm ? ["BertForMaskedLM"] : ["BertModel"];
  const written: string[] = [];
  const write = (file: string, bytes: Uint8Array | string) => {
    const full = path.join(dir, file);
    const tmp = `${full}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, full);
    written.push(full);
  };
  write(CONFIG_NAME, JSON.stringify({ ...configToJson(model.config), architectures }, null, 2) + "\n");

  const bytesOf = (x: TensorToWrite) => x.data.length * (dtype === "F32" ? 4 : 2);
  const total = tensors.reduce((s, x) => s + bytesOf(x), 0);
  for (const stale of [WEIGHTS_NAME, WEIGHTS_INDEX_NAME]) fs.rmSync(path.join(dir, stale), { force: true });
  if (!options.maxShardBytes || total <= options.maxShardBytes) {
    write(WEIGHTS_NAME, serializeSafetensors(tensors));
  } else {
    const shards: TensorToWrite[][] = [[]];
    let size = 0;
    for (const x of tensors) {
      if (size > 0 && size + bytesOf(x) > options.maxShardBytes) {
        shards.push([]);
        size = 0;
      }
      shards[shards.length - 1].push(x);
      size += bytesOf(x);
    }
    const n = shards.length;
    const weightMap: Record<string, string> = {};
    shards.forEach((shard, i) => {
      const file = `model-${String(i + 1).padStart(5, "0")}-of-${String(n).padStart(5, "0")}.safetensors`;
      write(file, serializeSafetensors(shard));
      for (const x of shard) weightMap[x.name] = file;
    });
    write(WEIGHTS_INDEX_NAME, JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2) + "\n");
  }
  const from = options.tokenizerFrom === undefined ? model.sourceDir : options.tokenizerFrom;
  if (from && path.resolve(from) !== path.resolve(dir)) {
    for (const f of TOKENIZER_FILES) {
      const src = path.join(from, f);
      if (fs.existsSync(src)) {
        fs.copyFileSync(src, path.join(dir, f));
        written.push(path.join(dir, f));
      }
    }
  }
  return written;
}

/** Tensors of a model in checkpoint layout and names (for custom exports); the caller disposes them. */
export function checkpointTensors(model: BertModel): Map<string, tfTypes.Tensor> {
  const t = tf();
  const out = new Map<string, tfTypes.Tensor>();
  for (const spec of model.params.specs) out.set(spec.name, t.tidy(() => toCheckpointLayout(model.params.get(spec.name), spec.kind)));
  return out;
}
