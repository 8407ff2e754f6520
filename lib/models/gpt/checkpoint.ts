/**
 * Saving, loading and fingerprinting a GPT.
 *
 * A checkpoint folder holds `config.json` (GPT2Config fields), `model.safetensors` (float32, GPT-2
 * names and [in, out] Conv1D layouts, so Hugging Face's GPT2LMHeadModel could read it) and whatever
 * the caller adds (the synthetic task writes its `vocab.json` and a training log next to them).
 *
 * `hashWeights` is the sha256 of every parameter's float32 bytes in name order: two models with the
 * same hash have bit-for-bit identical weights. The ICL lab hashes before and after evaluation.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { readJsonObject } from "../../data/csv";
import { parseSafetensors, serializeSafetensors } from "../safetensors";
import { GptConfig, makeGptConfig } from "./config";
import { GPT } from "./model";
import { gptParamSpecs } from "./params";

export const GPT_WEIGHTS = "model.safetensors";
export const GPT_CONFIG = "config.json";

/** sha256 (hex) of all weights: for each parameter in name order, its name, shape and float32 bytes. */
export function hashWeights(model: GPT): string {
  const h = crypto.createHash("sha256");
  for (const name of model.params.names().sort()) {
    const v = model.params.entry(name);
    h.update(`${name}:${v.shape.join("x")};`);
    const data = v.data;
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest("hex");
}

/** Writes config.json and model.safetensors (the weights under a temporary name first, then renamed). */
export function saveGpt(model: GPT, dir: string, metadata: Record<string, string> = {}): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const tensors = model.params.names().map((name) => {
    const v = model.params.entry(name);
    return { name, shape: [...v.shape], data: v.data };
  });
  const bytes = serializeSafetensors(tensors, { format: "pt", ...metadata });
  // Write to a temporary name first so an interrupted save never leaves a half-written checkpoint.
  const tmp = path.join(dir, `${GPT_WEIGHTS}.tmp`);
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, path.join(dir, GPT_WEIGHTS));
  fs.writeFileSync(path.join(dir, GPT_CONFIG), JSON.stringify({ architectures: ["GPT2LMHeadModel"], ...model.config }, null, 2) + "\n");
  return [GPT_CONFIG, GPT_WEIGHTS];
}

export function loadGpt(dir: string): GPT {
  const cfgPath = path.join(dir, GPT_CONFIG);
  const wPath = path.join(dir, GPT_WEIGHTS);
  if (!fs.existsSync(cfgPath) || !fs.existsSync(wPath)) {
    throw new Error(`no GPT checkpoint in ${dir}: expected ${GPT_CONFIG} and ${GPT_WEIGHTS}. Train one with \`node --import tsx models/icl-gpt/train.ts\`, or check the path.`);
  }
  const raw = readJsonObject(cfgPath, "model config") as Partial<GptConfig> & { vocab_size: number };
  let cfg: GptConfig;
  try {
    cfg = makeGptConfig(raw);
  } catch (e) {
    throw new Error(`${cfgPath}: ${(e as Error).message.replace(/^GPT config: /, "")}. Fix that field, or retrain the model.`);
  }
  const file = parseSafetensors(new Uint8Array(fs.readFileSync(wPath)), wPath);
  const model = new GPT(cfg, 0);
  for (const spec of gptParamSpecs(cfg)) {
    const rawT = file.tensors.get(spec.name);
    if (!rawT) throw new Error(`${wPath}: missing tensor "${spec.name}"`);
    if (rawT.shape.join("x") !== spec.shape.join("x")) throw new Error(`${wPath}: "${spec.name}" has shape [${rawT.shape}], the config needs [${spec.shape}]`);
    model.params.assign(spec.name, Float32Array.from(rawT.data as ArrayLike<number>));
  }
  return model;
}

/** A deep copy (fresh variables), e.g. to fine-tune without touching the original. */
export function cloneGpt(model: GPT): GPT {
  const copy = new GPT(model.config, 0);
  copy.params.copyFrom(model.params);
  return copy;
}
