/**
 * Real LLMs through transformers.js (`@huggingface/transformers`, ONNX Runtime), behind the same
 * LanguageModel interface as the lab's GPT: label scoring by log-probabilities, greedy generation,
 * and chat mode (the tokenizer's chat template, multi-turn messages).
 *
 * Where models live (one decision for the whole course): in the Hugging Face cache, $HF_HOME/hub
 * (`settings.hubCache`), laid out as huggingface_hub lays it out (models--org--name/snapshots/<commit>/…),
 * downloaded by lib/hub's resumable, hash-checked downloader. transformers.js is then pointed at the
 * snapshot FOLDER with `local_files_only`, so it never downloads on its own and never writes its own
 * cache (its default would be inside node_modules); Python tools share the same files. A folder
 * argument (like the test fixture tests/fixtures/tiny-decoder) goes through exactly the same loader.
 *
 *   HuggingFaceTB/SmolLM2-135M-Instruct    ~135M parameters, ChatML template
 *   onnx-community/Qwen2.5-0.5B-Instruct   ~0.5B parameters, ChatML template
 */
import * as fs from "fs";
import * as path from "path";
import { isOnline, settings } from "../env";
import { resolveRevision, snapshotDir } from "../hub/cache";
import { downloadFile, fileMetadata, repoInfo } from "../hub/download";
import type { DownloadProgress } from "../hub/download";
import type { LanguageModel } from "./lm";
import type { ChatMessage } from "./prompt";

/** The small instruction-tuned LLMs the lab suggests (the first is the default). */
export const SUGGESTED_LLMS = ["HuggingFaceTB/SmolLM2-135M-Instruct", "onnx-community/Qwen2.5-0.5B-Instruct"] as const;

/** transformers.js's file suffix per dtype (DEFAULT_DTYPE_SUFFIX_MAPPING in transformers.js). */
export const DTYPE_SUFFIX: Record<string, string> = {
  fp32: "",
  fp16: "_fp16",
  int8: "_int8",
  uint8: "_uint8",
  q8: "_quantized",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

/** Default weights for downloads: 8-bit (about a quarter of fp32's size, close to fp32's accuracy on CPU). */
export const DEFAULT_DTYPE = "q8";

const CONFIG_FILES = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

/** Files of an ONNX causal-LM repo needed for one dtype (external-data files included when the repo has them). */
export function causalLMFiles(repoFiles: readonly string[], dtype: string): string[] {
  const suffix = DTYPE_SUFFIX[dtype];
  if (suffix === undefined) throw new Error(`unknown dtype "${dtype}": use one of ${Object.keys(DTYPE_SUFFIX).join(", ")}`);
  const onnx = `onnx/model${suffix}.onnx`;
  if (!repoFiles.includes(onnx)) {
    const have = repoFiles.filter((f) => /^onnx\/.*\.onnx$/.test(f));
    throw new Error(`the repo has no ${onnx}${have.length ? ` (it has ${have.join(", ")}; pick that dtype)` : " and no onnx/ folder: use an ONNX export, e.g. from onnx-community/"}`);
  }
  const extra = repoFiles.filter((f) => f.startsWith(`${onnx}_data`));
  return [...CONFIG_FILES.filter((f) => repoFiles.includes(f)), onnx, ...extra];
}

/** The folder of a complete cached snapshot of `repoId` (config, tokenizer, the dtype's ONNX file), or null. */
export function cachedCausalLM(repoId: string, dtype = DEFAULT_DTYPE, cacheDir = settings.hubCache): string | null {
  const commit = resolveRevision(repoId, "main", cacheDir);
  if (!commit) return null;
  const dir = snapshotDir(repoId, commit, cacheDir);
  const need = ["config.json", "tokenizer.json", `onnx/model${DTYPE_SUFFIX[dtype] ?? ""}.onnx`];
  return need.every((f) => fs.existsSync(path.join(dir, f))) ? dir : null;
}

/** Downloads (or finds in the cache) an ONNX causal LM into $HF_HOME/hub; returns the snapshot folder. */
export async function downloadCausalLM(repoId: string, o: { dtype?: string; cacheDir?: string; onProgress?: (p: DownloadProgress) => void } = {}): Promise<string> {
  const dtype = o.dtype ?? DEFAULT_DTYPE;
  const cacheDir = o.cacheDir ?? settings.hubCache;
  const info = await repoInfo(repoId, { cacheDir });
  for (const f of causalLMFiles(info.files, dtype)) {
    const meta = await fileMetadata(repoId, f, { cacheDir, revision: info.sha });
    await downloadFile(repoId, f, { cacheDir, revision: "main", onProgress: o.onProgress }, meta);
  }
  const dir = cachedCausalLM(repoId, dtype, cacheDir);
  if (!dir) throw new Error(`${repoId}: downloaded, but the snapshot is incomplete in ${cacheDir}`);
  return dir;
}

/** What a student should do to get `repoId` (printed when a notebook section is skipped). */
export function howToGetModel(repoId: string, dtype = DEFAULT_DTYPE): string {
  return [
    `The model ${repoId} (${dtype}) is not in the Hugging Face cache (${settings.hubCache}).`,
    `On a machine with internet, from the course folder:`,
    `    npx course icl --download ${repoId}${dtype === DEFAULT_DTYPE ? "" : ` --dtype ${dtype}`}`,
    `This stores it in $HF_HOME/hub (here ${settings.hubCache}). To use it on an offline machine, copy the folder`,
    `    ${path.join(settings.hubCache, `models--${repoId.replace(/\//g, "--")}`)}`,
    `into that machine's $HF_HOME/hub (or point HF_HOME at a copy), then run this again.`,
  ].join("\n");
}

export type Availability = { status: "cached" | "downloadable"; dir?: string } | { status: "unavailable"; instructions: string };

/** Whether `idOrDir` can be used now: a folder or cached snapshot; else downloadable (online), else instructions. */
export async function llmAvailability(idOrDir: string, dtype = DEFAULT_DTYPE): Promise<Availability> {
  if (fs.existsSync(idOrDir) && fs.statSync(idOrDir).isDirectory()) return { status: "cached", dir: path.resolve(idOrDir) };
  const dir = cachedCausalLM(idOrDir, dtype);
  if (dir) return { status: "cached", dir };
  if (await isOnline()) return { status: "downloadable" };
  return { status: "unavailable", instructions: howToGetModel(idOrDir, dtype) };
}

// ------------------------------------------------------------------ the transformers.js model

/* Minimal shapes of the transformers.js objects used here (its own .d.ts is large and typed for ESM). */
interface HFTensor {
  data: Float32Array | BigInt64Array | number[];
  dims: number[];
  dispose?: () => void;
}
interface HFTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[] | bigint[], options?: { skip_special_tokens?: boolean }): string;
  apply_chat_template(messages: ChatMessage[], options: { add_generation_prompt?: boolean; tokenize?: boolean }): string;
  chat_template?: string | null;
  eos_token_id?: number;
}
interface HFModel {
  (inputs: Record<string, unknown>): Promise<{ logits: HFTensor }>;
  generate(options: Record<string, unknown>): Promise<HFTensor>;
  dispose(): Promise<unknown>;
}
interface HFModule {
  env: { allowLocalModels: boolean; allowRemoteModels: boolean; cacheDir: string | null; localModelPath: string };
  Tensor: new (type: string, data: BigInt64Array, dims: number[]) => HFTensor;
  AutoTokenizer: { from_pretrained(id: string, o?: Record<string, unknown>): Promise<HFTokenizer> };
  AutoModelForCausalLM: { from_pretrained(id: string, o?: Record<string, unknown>): Promise<HFModel> };
}

let hfModule: HFModule | null = null;
/** transformers.js, configured for the course: local folders only, cache under the course's cache dir. */
export function transformersJs(): HFModule {
  if (!hfModule) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    hfModule = require("@huggingface/transformers") as HFModule;
    hfModule.env.allowLocalModels = true;
    hfModule.env.allowRemoteModels = false; // downloads go through lib/hub into $HF_HOME/hub
    hfModule.env.cacheDir = path.join(settings.cacheDir, "transformers-js");
  }
  return hfModule;
}

function idsTensor(ids: number[]): HFTensor {
  const { Tensor } = transformersJs();
  return new Tensor("int64", BigInt64Array.from(ids.map((i) => BigInt(i))), [1, ids.length]);
}

function logSoftmaxRow(data: ArrayLike<number>, offset: number, V: number): (tok: number) => number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, data[offset + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(data[offset + v] - max);
  const lse = max + Math.log(sum);
  return (tok) => data[offset + tok] - lse;
}

export interface LoadLLMOptions {
  /** Weights to load (file onnx/model<suffix>.onnx); default: the config's transformers.js_config.dtype, else "q8" for Hub ids, else whichever exists. */
  dtype?: string;
  /** "cpu" (default); "cuda" / "webgpu" where onnxruntime supports them. */
  device?: string;
  /** Download when not cached and online (default true). */
  download?: boolean;
  onProgress?: (p: DownloadProgress) => void;
}

/** Picks the dtype of a local folder: the requested one, the config's, or the first ONNX file present. */
function folderDtype(dir: string, requested?: string): string {
  if (requested) return requested;
  try {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")) as { "transformers.js_config"?: { dtype?: string } };
    const d = cfg["transformers.js_config"]?.dtype;
    if (typeof d === "string") return d;
  } catch {
    /* no config: the loader will say so */
  }
  for (const [dtype, suffix] of Object.entries(DTYPE_SUFFIX)) if (fs.existsSync(path.join(dir, "onnx", `model${suffix}.onnx`))) return dtype;
  return DEFAULT_DTYPE;
}

export class TransformersLM implements LanguageModel {
  private constructor(readonly name: string, readonly dir: string, readonly dtype: string, readonly tokenizer: HFTokenizer, readonly model: HFModel) {}

  /** Loads a Hub id (cached, or downloaded when online) or a local folder in the Hub layout. */
  static async load(idOrDir: string, o: LoadLLMOptions = {}): Promise<TransformersLM> {
    const isDir = fs.existsSync(idOrDir) && fs.statSync(idOrDir).isDirectory();
    let dir: string;
    let dtype: string;
    if (isDir) {
      dir = path.resolve(idOrDir);
      dtype = folderDtype(dir, o.dtype);
    } else {
      dtype = o.dtype ?? DEFAULT_DTYPE;
      const cached = cachedCausalLM(idOrDir, dtype);
      if (cached) dir = cached;
      else if (o.download !== false && (await isOnline())) dir = await downloadCausalLM(idOrDir, { dtype, onProgress: o.onProgress });
      else throw new Error(howToGetModel(idOrDir, dtype));
    }
    const hf = transformersJs();
    const tokenizer = await hf.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const model = await hf.AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype, device: o.device ?? "cpu" });
    return new TransformersLM(isDir ? path.basename(dir) : idOrDir, dir, dtype, tokenizer, model);
  }

  /** Token ids of the prompt (with the tokenizer's own special tokens, e.g. a BOS for Llama-2-style tokenizers). */
  encode(text: string, specialTokens = true): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: specialTokens });
  }

  /** Logits [T, V] for a token sequence (one forward pass, no cache). */
  async logits(ids: number[]): Promise<{ data: Float32Array; T: number; V: number }> {
    const input_ids = idsTensor(ids);
    const attention_mask = idsTensor(ids.map(() => 1));
    const out = await this.model({ input_ids, attention_mask });
    const [, T, V] = out.logits.dims;
    return { data: out.logits.data as Float32Array, T, V };
  }

  async scoreContinuations(prompt: string, candidates: readonly string[]): Promise<number[]> {
    const ctx = this.encode(prompt);
    const scores: number[] = [];
    for (const c of candidates) {
      // The candidate is tokenized on its own (it starts with a space), so all candidates share the prompt's tokens.
      const cont = this.encode(c, false);
      const { data, V } = await this.logits([...ctx, ...cont]);
      let s = 0;
      cont.forEach((tok, j) => (s += logSoftmaxRow(data, (ctx.length - 1 + j) * V, V)(tok)));
      scores.push(s);
    }
    return scores;
  }

  /** Greedy generation from token ids; returns the new ids (stops at EOS or after maxNewTokens). */
  async generateIds(ids: number[], maxNewTokens: number): Promise<number[]> {
    const out = await this.model.generate({
      input_ids: idsTensor(ids),
      attention_mask: idsTensor(ids.map(() => 1)),
      max_new_tokens: maxNewTokens,
      do_sample: false, // greedy: reproducible
    });
    return Array.from(out.data as BigInt64Array, (v) => Number(v)).slice(ids.length);
  }

  /** Instruct (completion) mode: continue the prompt text; cut at `stop` (e.g. "\n" after one answer line). */
  async generate(prompt: string, options: { maxNewTokens?: number; stop?: string } = {}): Promise<string> {
    const ids = await this.generateIds(this.encode(prompt), options.maxNewTokens ?? 16);
    const text = this.tokenizer.decode(ids, { skip_special_tokens: true });
    if (options.stop === undefined) return text;
    const i = text.indexOf(options.stop);
    return i < 0 ? text : text.slice(0, i);
  }

  /** The chat template applied to `messages` (what the model actually reads in chat mode). */
  chatPrompt(messages: readonly ChatMessage[]): string {
    if (!this.tokenizer.chat_template) throw new Error(`${this.name} has no chat template (tokenizer_config.json "chat_template"): use instruct mode (generate) instead`);
    return this.tokenizer.apply_chat_template([...messages], { add_generation_prompt: true, tokenize: false });
  }

  /** Chat mode: the assistant's next reply to a multi-turn conversation. */
  async chat(messages: readonly ChatMessage[], options: { maxNewTokens?: number } = {}): Promise<string> {
    const ids = await this.generateIds(this.encode(this.chatPrompt(messages), false), options.maxNewTokens ?? 32);
    return this.tokenizer.decode(ids, { skip_special_tokens: true }).trim();
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
