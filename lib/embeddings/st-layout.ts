/**
 * sentence-transformers' folder layout, so a course sentence encoder loads there too:
 *
 *   modules.json            the pipeline: 0 Transformer (the BERT in the folder itself) → 1 Pooling → [2 Dense]
 *   sentence_bert_config.json  the Transformer module's settings: truncate at max_seq_length tokens (as `course embed`)
 *   1_Pooling/config.json   which pooling (the course's encoders: mean of the token vectors)
 *   2_Dense/config.json     a linear layer after pooling (here: the whitening, ./whitening.ts),
 *   2_Dense/model.safetensors  with tensors linear.weight [out, in] and linear.bias [out]
 *   3 Normalize             scale each vector to length 1 (no files), so dot product = cosine
 *
 * (Layout as sentence_transformers.models.{Transformer, Pooling, Dense} save it.)
 */
import * as fs from "fs";
import * as path from "path";
import { parseSafetensors, serializeSafetensors } from "../models/safetensors";
import { applyLinear, type LinearMap } from "./whitening";

const DENSE_DIR = "2_Dense";
/** Tokens a sentence is cut to: `embedTexts`' default maxLength (./bert.ts), so both pipelines truncate alike. */
export const ST_MAX_SEQ_LENGTH = 128;
/** The activation sentence-transformers records for a plain linear layer. */
const IDENTITY = "torch.nn.modules.linear.Identity";
const NORMALIZE = "sentence_transformers.models.Normalize";

interface ModuleEntry {
  idx: number;
  name: string;
  path: string;
  type: string;
}

/** Writes modules.json, 1_Pooling (mean) and, given `dense`, 2_Dense and a Normalize module into `dir` (which already holds the BERT). */
export function writeSentenceTransformersLayout(dir: string, hiddenSize: number, dense?: LinearMap): void {
  const modules: ModuleEntry[] = [
    { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
    { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
  ];
  // do_lower_case false: the tokenizer itself lower-cases (tokenizer_config.json), sentence-transformers need not.
  fs.writeFileSync(path.join(dir, "sentence_bert_config.json"), JSON.stringify({ max_seq_length: ST_MAX_SEQ_LENGTH, do_lower_case: false }, null, 2) + "\n");
  fs.mkdirSync(path.join(dir, "1_Pooling"), { recursive: true });
  fs.writeFileSync(path.join(dir, "1_Pooling", "config.json"), JSON.stringify({ word_embedding_dimension: hiddenSize, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false }, null, 2) + "\n");
  fs.rmSync(path.join(dir, DENSE_DIR), { recursive: true, force: true });
  if (dense) {
    const out = dense.weight.length;
    const inDim = dense.weight[0].length;
    if (inDim !== hiddenSize) throw new Error(`the Dense layer takes ${inDim}-d vectors but the pooled vectors are ${hiddenSize}-d`);
    modules.push({ idx: 2, name: "2", path: DENSE_DIR, type: "sentence_transformers.models.Dense" });
    fs.mkdirSync(path.join(dir, DENSE_DIR), { recursive: true });
    fs.writeFileSync(path.join(dir, DENSE_DIR, "config.json"), JSON.stringify({ in_features: inDim, out_features: out, bias: true, activation_function: IDENTITY }, null, 2) + "\n");
    const bytes = serializeSafetensors([
      { name: "linear.weight", shape: [out, inDim], data: Float32Array.from(dense.weight.flat()) },
      { name: "linear.bias", shape: [out], data: Float32Array.from(dense.bias) },
    ]);
    fs.writeFileSync(path.join(dir, DENSE_DIR, "model.safetensors"), bytes);
    // Whitened vectors have very different lengths; what they mean is their direction.
    modules.push({ idx: 3, name: "3", path: "3_Normalize", type: NORMALIZE });
  }
  fs.writeFileSync(path.join(dir, "modules.json"), JSON.stringify(modules, null, 2) + "\n");
}

/** What a sentence-transformers folder does after pooling: a Dense layer (or none), then L2 normalisation or not. */
export interface PostPooling {
  dense: LinearMap | null;
  normalize: boolean;
}

/**
 * The modules after pooling in a sentence-transformers folder (none when it has no modules.json).
 * Only identity activations are read (the course writes no other); anything else is an error that says so.
 */
export function readPostPooling(dir: string): PostPooling {
  const file = path.join(dir, "modules.json");
  if (!fs.existsSync(file)) return { dense: null, normalize: false };
  const modules = JSON.parse(fs.readFileSync(file, "utf8")) as ModuleEntry[];
  const entry = modules.find((m) => m.type === "sentence_transformers.models.Dense");
  return { dense: entry ? readDense(path.join(dir, entry.path)) : null, normalize: modules.some((m) => m.type === NORMALIZE) };
}

function readDense(where: string): LinearMap {
  const config = JSON.parse(fs.readFileSync(path.join(where, "config.json"), "utf8")) as { in_features: number; out_features: number; bias?: boolean; activation_function?: string };
  if (config.activation_function && config.activation_function !== IDENTITY) {
    throw new Error(`${where}/config.json: activation ${config.activation_function} is not supported (the course reads linear Dense layers only)`);
  }
  const weightsFile = path.join(where, "model.safetensors");
  if (!fs.existsSync(weightsFile)) throw new Error(`${where} has no model.safetensors (the Dense layer's weights)`);
  const t = parseSafetensors(new Uint8Array(fs.readFileSync(weightsFile)), weightsFile).tensors;
  const w = t.get("linear.weight");
  if (!w || w.shape.length !== 2 || w.shape[0] !== config.out_features || w.shape[1] !== config.in_features) {
    throw new Error(`${weightsFile}: expected linear.weight of shape [${config.out_features}, ${config.in_features}]`);
  }
  const [out, inDim] = w.shape;
  const weight = Array.from({ length: out }, (_, o) => Array.from(w.data.subarray(o * inDim, (o + 1) * inDim)));
  const b = t.get("linear.bias");
  const bias = b && config.bias !== false ? Array.from(b.data) : new Array<number>(out).fill(0);
  return { weight, bias };
}

/** A folder's steps after pooling, applied to pooled vectors [N, H]: its Dense layer (if any), then length 1 (if it normalises). */
export function applyPostPooling(post: PostPooling, X: number[][]): number[][] {
  const Y = post.dense ? applyLinear(post.dense, X) : X; // no module: the pooled vectors themselves, not a copy
  return post.normalize ? l2Normalize(Y) : Y;
}

/** Each row scaled to length 1 (a zero row stays zero). */
export function l2Normalize(X: readonly (readonly number[])[]): number[][] {
  return X.map((x) => {
    const n = Math.sqrt(x.reduce((a, v) => a + v * v, 0));
    return n > 0 ? x.map((v) => v / n) : x.slice();
  });
}
