/**
 * Real LLMs through transformers.js (`@huggingface/transformers`, ONNX Runtime), behind the same
 * LanguageModel interface as the lab's GPT: label scoring by log-probabilities, greedy generation,
 * and chat mode (the tokenizer's chat template, multi-turn messages).
 *
 * Where models live (one decision for the whole course): in the Hugging Face cache, $HF_HOME/hub,
 * laid out as huggingface_hub lays it out, downloaded by lib/hub (the one Hub client: resumable,
 * hash-checked, with the dtype chosen from the files the repo actually lists). transformers.js is
 * configured once, in lib/transformers.ts, with remote loading off, and reads the snapshot folder.
 * A folder argument (like the course's models/tiny-decoder) goes through the same loader.
 *
 *   HuggingFaceTB/SmolLM2-135M-Instruct    ~135M parameters, ChatML template
 *   onnx-community/Qwen2.5-0.5B-Instruct   ~0.5B parameters, ChatML template
 */
import * as path from "path";
import { isOnline } from "../hub/online";
import { settings } from "../env";
import { cachedModel, chooseDtype, downloadCommand, DTYPE_ORDER, DTYPE_SUFFIX, ensureModel, isLocalFolder, repoFolderName, selectOnnxFiles } from "../hub";
import type { DownloadProgress } from "../hub";
import { loadSnapshot, transformers } from "../transformers";
import type { LanguageModel } from "./lm";
import type { ChatMessage } from "./prompt";

/** The small instruction-tuned LLMs the lab suggests (the first is the default). */
export const SUGGESTED_LLMS = ["HuggingFaceTB/SmolLM2-135M-Instruct", "onnx-community/Qwen2.5-0.5B-Instruct"] as const;

export { DTYPE_SUFFIX };
/** The order in which an LLM's ONNX weights are preferred when no dtype is asked for (see lib/hub/files.ts). */
export const LLM_DTYPE_ORDER = DTYPE_ORDER.llm;

/** Files of an ONNX causal-LM repo for one dtype (default: the preferred one the repo lists), external data included. */
export function causalLMFiles(repoFiles: readonly string[], dtype?: string, repoId = "the repo"): string[] {
  return selectOnnxFiles(repoId, "llm", repoFiles, chooseDtype(repoId, "llm", repoFiles, dtype));
}

/** The folder of a complete cached snapshot of `repoId` (config, tokenizer, ONNX weights of `dtype` or the best cached), or null. */
export function cachedCausalLM(repoId: string, dtype?: string, cacheDir = settings.hubCache): string | null {
  return cachedModel(repoId, "llm", { dtype, cacheDir })?.dir ?? null;
}

/** Downloads (or finds in the cache) an ONNX causal LM into $HF_HOME/hub; returns the snapshot folder. */
export async function downloadCausalLM(repoId: string, o: { dtype?: string; cacheDir?: string; onProgress?: (p: DownloadProgress) => void } = {}): Promise<string> {
  return (await ensureModel(repoId, { kind: "llm", dtype: o.dtype, cacheDir: o.cacheDir, onProgress: o.onProgress })).dir;
}

/** What a student should do to get `repoId` (printed when a notebook section is skipped). */
export function howToGetModel(repoId: string, dtype?: string): string {
  return [
    `The model ${repoId}${dtype ? ` (${dtype})` : ""} is not in the Hugging Face cache (${settings.hubCache}).`,
    `On a machine with internet, from the course folder:`,
    `    ${downloadCommand(repoId, "llm", dtype)}`,
    `This stores it in $HF_HOME/hub (here ${settings.hubCache}). To use it on an offline machine, copy the folder`,
    `    ${path.join(settings.hubCache, repoFolderName(repoId))}`,
    `into that machine's $HF_HOME/hub (or point HF_HOME at a copy), then run this again.`,
  ].join("\n");
}

export type Availability = { status: "cached" | "downloadable"; dir?: string } | { status: "unavailable"; instructions: string };

/** Whether `idOrDir` can be used now: a folder or cached snapshot; else downloadable (online), else instructions. */
export async function llmAvailability(idOrDir: string, dtype?: string): Promise<Availability> {
  if (isLocalFolder(idOrDir)) return { status: "cached", dir: path.resolve(idOrDir) };
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

/** transformers.js as configured once for the course (lib/transformers.ts), typed with the shapes used here. */
function hf(): HFModule {
  return transformers() as unknown as HFModule;
}

function idsTensor(ids: number[]): HFTensor {
  const { Tensor } = hf();
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
  /** Weights to load (file onnx/model<suffix>.onnx); default: the config's transformers.js_config.dtype, else the first of LLM_DTYPE_ORDER that the repo lists (or the folder has). */
  dtype?: string;
  /** "cpu" (default); "cuda" / "webgpu" where onnxruntime supports them. */
  device?: string;
  /** Download when not cached and the Hub answers (default true). */
  download?: boolean;
  onProgress?: (p: DownloadProgress) => void;
}

export class TransformersLM implements LanguageModel {
  private constructor(readonly name: string, readonly dir: string, readonly dtype: string, readonly tokenizer: HFTokenizer, readonly model: HFModel) {}

  /** Loads a Hub id (cached, or downloaded when online) or a local folder in the Hub layout. */
  static async load(idOrDir: string, o: LoadLLMOptions = {}): Promise<TransformersLM> {
    const { dir, dtype, name } = await loadSnapshot(idOrDir, "llm", { dtype: o.dtype, download: o.download, onProgress: o.onProgress });
    const t = hf();
    const tokenizer = await t.AutoTokenizer.from_pretrained(dir, { local_files_only: true });
    const model = await t.AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype, device: o.device ?? "cpu" });
    return new TransformersLM(name, dir, dtype, tokenizer, model);
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

  /** Completion mode: continue the prompt text as written; cut at `stop` (e.g. "\n" after one answer line). */
  async generate(prompt: string, options: { maxNewTokens?: number; stop?: string } = {}): Promise<string> {
    const ids = await this.generateIds(this.encode(prompt), options.maxNewTokens ?? 16);
    const text = this.tokenizer.decode(ids, { skip_special_tokens: true });
    if (options.stop === undefined) return text;
    const i = text.indexOf(options.stop);
    return i < 0 ? text : text.slice(0, i);
  }

  /** The chat template applied to `messages` (what the model actually reads in chat mode). */
  chatPrompt(messages: readonly ChatMessage[]): string {
    if (!this.tokenizer.chat_template) throw new Error(`${this.name} has no chat template (tokenizer_config.json "chat_template"): prompt it in completion mode (generate) instead`);
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
