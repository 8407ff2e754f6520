/**
 * Loading a base model for fine-tuning, and saving / loading fine-tuned classifiers.
 *
 * Two layouts, chosen by the strategy:
 *  - **model** (full, partial, BitFit; LoRA after merge): a Hugging Face BertForSequenceClassification
 *    folder (sentences and sentence pairs) or BertForTokenClassification folder (token task: no
 *    pooler, as transformers builds it) — config.json (with id2label / label2id), model.safetensors
 *    (`bert.*` + `classifier.*`), tokenizer files. transformers loads it with
 *    BertFor{Sequence,Token}Classification.from_pretrained.
 *  - **adapter** (LoRA, feature-based): only what differs from the base model, PEFT-style —
 *    adapter_config.json (base model path, r, alpha, targets, labels) + adapter_model.safetensors
 *    (LoRA A/B and the head). Kilobytes to a few hundred kB instead of the whole model.
 *
 * `loadFineTuned(dir)` reads either and returns a classifier ready for `predict`.
 */
import * as fs from "fs";
import * as path from "path";
import { readJsonObject } from "../data/csv";
import { COURSE_BERT_DIR, courseModelSource } from "../models/folders";
import { BertConfig, BertModel, fromPretrained, readWeights, saveBert, serializeSafetensors, parseSafetensors, TensorToWrite, WEIGHTS_NAME, CONFIG_NAME } from "../models/bert";
import type { EngineName } from "../engine/run";
import { BertTokenizer } from "../text";
import { ClassifierOptions, ClassifierTask, HEAD_BIAS, HEAD_WEIGHT, Pooling, SequenceClassifier } from "./classifier";
import { LoraAdapters, LoraTarget, PEFT_PREFIX } from "./lora";

export const ADAPTER_CONFIG = "adapter_config.json";
export const ADAPTER_WEIGHTS = "adapter_model.safetensors";

/**
 * A fresh classifier on a pre-trained BERT: a local Hugging Face folder or a Hub id
 * ("bert-base-uncased" online, or from the Hub cache offline). The MLM/NSP heads are not loaded.
 */
export async function loadBaseClassifier(modelDirOrId: string, labelNames: string[], o: Omit<ClassifierOptions, "labelNames"> = {}): Promise<SequenceClassifier> {
  const bert = await fromPretrained(modelDirOrId, { heads: { mlm: false, nsp: false } });
  const missingPooler = bert.loadReport.missing.some((n) => n.startsWith("bert.pooler"));
  const tokDir = bert.sourceDir ?? modelDirOrId;
  const tok = BertTokenizer.fromDir(tokDir);
  // A checkpoint without a trained pooler (BertForMaskedLM) would pool through random weights: use [CLS].
  return new SequenceClassifier(bert, tok, { ...o, labelNames, pooling: o.pooling ?? (missingPooler ? "cls" : "pooler") });
}

/** A classifier on a randomly initialised BERT (for tests, and for the "no pre-training" comparison). */
export function randomBaseClassifier(config: Partial<BertConfig>, tokenizer: BertTokenizer, labelNames: string[], o: Omit<ClassifierOptions, "labelNames"> = {}): SequenceClassifier {
  const bert = new BertModel({ ...config, vocab_size: config.vocab_size ?? tokenizer.vocabSize }, { heads: { pooler: true, mlm: false, nsp: false }, seed: o.seed });
  return new SequenceClassifier(bert, tokenizer, { ...o, labelNames });
}

export interface SaveInfo {
  /** The strategy string ("lora:8"), recorded in the config. */
  strategy: string;
  /** Where the base model came from (folder or Hub id); default the BERT's source folder. */
  baseModel?: string;
  /** Tokenizer files to copy for the model layout (default: the base model's folder). */
  tokenizerFrom?: string;
  /** Force a layout; default: adapter for LoRA (unmerged) and feature-based, model otherwise. */
  layout?: "model" | "adapter";
  /** The classifier was trained on sentence pairs (recorded, so `--predict` asks for pairs). */
  pairs?: boolean;
}

export interface SaveResult {
  layout: "model" | "adapter";
  files: string[];
  /** Total bytes written. */
  bytes: number;
}

export async function saveFineTuned(clf: SequenceClassifier, dir: string, info: SaveInfo): Promise<SaveResult> {
  fs.mkdirSync(dir, { recursive: true });
  const layout = info.layout ?? ((clf.lora && !clf.lora.merged) || info.strategy === "feature" ? "adapter" : "model");
  const files = layout === "adapter" ? saveAdapter(clf, dir, info) : await saveModel(clf, dir, info);
  const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  return { layout, files, bytes };
}

function headTensors(clf: SequenceClassifier, prefix: string): TensorToWrite[] {
  const { W, b } = clf.headValues(); // W [H, C] memory layout
  const H = clf.bert.config.hidden_size;
  const C = clf.numLabels;
  const wt = new Float32Array(C * H); // [C, H], PyTorch Linear layout
  for (let h = 0; h < H; h++) for (let k = 0; k < C; k++) wt[k * H + h] = W[h * C + k];
  return [
    { name: `${prefix}${HEAD_WEIGHT}`, shape: [C, H], data: wt },
    { name: `${prefix}${HEAD_BIAS}`, shape: [C], data: Float32Array.from(b) },
  ];
}

function labelMaps(clf: SequenceClassifier) {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  clf.labelNames.forEach((n, i) => {
    id2label[String(i)] = n;
    label2id[n] = i;
  });
  return { id2label, label2id };
}

function courseInfo(clf: SequenceClassifier, info: SaveInfo) {
  return { strategy: info.strategy, task: clf.task, pooling: clf.pooling, max_length: clf.maxLength, label_names: clf.labelNames, ...(info.pairs ? { pairs: true } : {}) };
}

/** transformers' class for a classifier's task. */
export function architectureOf(task: ClassifierTask): "BertForSequenceClassification" | "BertForTokenClassification" {
  return task === "token" ? "BertForTokenClassification" : "BertForSequenceClassification";
}

async function saveModel(clf: SequenceClassifier, dir: string, info: SaveInfo): Promise<string[]> {
  // LoRA adapters not merged: the model layout holds W + ΔW, so merge for the save and take them out again.
  const lora = clf.lora && !clf.lora.merged ? clf.lora : null;
  lora?.merge();
  try {
    return await saveModelFiles(clf, dir, info);
  } finally {
    lora?.unmerge();
  }
}

async function saveModelFiles(clf: SequenceClassifier, dir: string, info: SaveInfo): Promise<string[]> {
  const written = await saveBert(clf.bert, dir, { bare: false, tokenizerFrom: info.tokenizerFrom ?? clf.bert.sourceDir ?? null });
  const weightsFile = path.join(dir, WEIGHTS_NAME);
  const { tensors } = readWeights(dir);
  // BertForTokenClassification has no pooler (add_pooling_layer=False): leave it out, so transformers finds no unused weights.
  const all: TensorToWrite[] = [...tensors].filter(([name]) => !(clf.task === "token" && name.startsWith("bert.pooler."))).map(([name, r]) => ({ name, shape: r.shape, data: r.data, dtype: r.dtype }));
  all.push(...headTensors(clf, ""));
  fs.writeFileSync(weightsFile, serializeSafetensors(all));
  const cfgFile = path.join(dir, CONFIG_NAME);
  const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8")) as Record<string, unknown>;
  Object.assign(cfg, { architectures: [architectureOf(clf.task)], ...labelMaps(clf), ...(clf.task === "sentence" ? { problem_type: "single_label_classification" } : {}), course_finetuning: courseInfo(clf, info) });
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2) + "\n");
  return [...new Set([...written, weightsFile])];
}

function saveAdapter(clf: SequenceClassifier, dir: string, info: SaveInfo): string[] {
  const base = info.baseModel ?? clf.bert.sourceDir;
  if (!base) throw new Error("saving an adapter needs the base model's location (SaveInfo.baseModel): the BERT was not loaded from a folder");
  const tensors: TensorToWrite[] = headTensors(clf, PEFT_PREFIX);
  const lora = clf.lora;
  if (lora) {
    if (lora.merged) throw new Error("LoRA adapters are merged into the weights; unmerge() before saving them as an adapter, or save the model layout");
    for (const [name, x] of lora.checkpointTensors()) tensors.push({ name, shape: x.shape, data: x.data });
  }
  const absBase = fs.existsSync(base) ? path.resolve(base) : base;
  const cfg = {
    peft_type: lora ? "LORA" : "HEAD_ONLY",
    task_type: clf.task === "token" ? "TOKEN_CLS" : "SEQ_CLS",
    base_model_name_or_path: absBase,
    r: lora?.config.r,
    lora_alpha: lora?.config.alpha,
    lora_dropout: lora?.config.dropout,
    target_modules: lora?.config.targets,
    bias: "none",
    fan_in_fan_out: false,
    modules_to_save: ["classifier"],
    ...labelMaps(clf),
    course_finetuning: courseInfo(clf, info),
  };
  const cfgFile = path.join(dir, ADAPTER_CONFIG);
  const wFile = path.join(dir, ADAPTER_WEIGHTS);
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2) + "\n");
  fs.writeFileSync(wFile, serializeSafetensors(tensors));
  return [cfgFile, wFile];
}

/**
 * Loads a folder written by saveFineTuned (either layout), on any engine (the files do not depend
 * on the engine that trained). `base` overrides an adapter's base model location; `engine` sets the
 * classifier's engine (default: the course's choice).
 */
export async function loadFineTuned(dir: string, o: { base?: string; engine?: EngineName } = {}): Promise<SequenceClassifier> {
  const adapterCfg = path.join(dir, ADAPTER_CONFIG);
  if (fs.existsSync(adapterCfg)) {
    const cfg = readJsonObject(adapterCfg, "adapter config") as {
      peft_type: string; base_model_name_or_path: string; r?: number; lora_alpha?: number; lora_dropout?: number; target_modules?: LoraTarget[];
      course_finetuning: { pooling: Pooling; max_length: number; label_names: string[]; task?: ClassifierTask };
    };
    const base = o.base ?? cfg.base_model_name_or_path;
    const ci = cfg.course_finetuning;
    const clf = await loadBaseClassifier(base, ci.label_names, { pooling: ci.pooling, maxLength: ci.max_length, engine: o.engine, task: ci.task ?? "sentence" });
    const { tensors } = readSafetensorsFile(path.join(dir, ADAPTER_WEIGHTS));
    if (cfg.peft_type === "LORA") {
      clf.lora = new LoraAdapters(clf.bert, { r: cfg.r, alpha: cfg.lora_alpha, dropout: cfg.lora_dropout, targets: cfg.target_modules });
      clf.lora.loadCheckpointTensors((n) => tensors.get(n), path.join(dir, ADAPTER_WEIGHTS));
    }
    setHead(clf, tensors, PEFT_PREFIX, dir);
    return clf;
  }
  if (!fs.existsSync(path.join(dir, CONFIG_NAME))) throw new Error(`${dir} holds neither ${ADAPTER_CONFIG} (an adapter) nor ${CONFIG_NAME} (a fine-tuned model); give the --out folder of \`course finetune\``);
  const cfg = readJsonObject(path.join(dir, CONFIG_NAME), "model config") as { id2label?: Record<string, string>; architectures?: string[]; course_finetuning?: { pooling: Pooling; max_length: number; label_names: string[]; task?: ClassifierTask } };
  const labelNames = cfg.course_finetuning?.label_names ?? Object.keys(cfg.id2label ?? {}).sort((a, b) => Number(a) - Number(b)).map((k) => cfg.id2label![k]);
  if (labelNames.length < 2) throw new Error(`${dir}/config.json has no labels (id2label); it is not a classification model`);
  const task: ClassifierTask = cfg.course_finetuning?.task ?? (cfg.architectures?.includes("BertForTokenClassification") ? "token" : "sentence");
  const clf = await loadBaseClassifier(dir, labelNames, { pooling: cfg.course_finetuning?.pooling, maxLength: cfg.course_finetuning?.max_length, engine: o.engine, task });
  const { tensors } = readWeights(dir);
  setHead(clf, tensors, "", dir);
  return clf;
}

function readSafetensorsFile(file: string) {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: the adapter folder is incomplete`);
  return parseSafetensors(new Uint8Array(fs.readFileSync(file)), file);
}

function setHead(clf: SequenceClassifier, tensors: Map<string, { shape: number[]; data: Float32Array | Int32Array }>, prefix: string, source: string): void {
  const w = tensors.get(`${prefix}${HEAD_WEIGHT}`);
  const b = tensors.get(`${prefix}${HEAD_BIAS}`);
  if (!w || !b) throw new Error(`${source} has no ${prefix}${HEAD_WEIGHT} / .bias: it was not saved by saveFineTuned`);
  const [C, H] = w.shape;
  if (C !== clf.numLabels || H !== clf.bert.config.hidden_size) throw new Error(`${source}: ${HEAD_WEIGHT} is [${w.shape}], expected [${clf.numLabels}, ${clf.bert.config.hidden_size}]`);
  if (b.shape.length !== 1 || b.shape[0] !== C) throw new Error(`${source}: ${HEAD_BIAS} is [${b.shape}], expected [${C}]`);
  const wm = new Float32Array(H * C); // [H, C] memory layout
  for (let k = 0; k < C; k++) for (let h = 0; h < H; h++) wm[h * C + k] = w.data[k * H + h];
  clf.head.assign(HEAD_WEIGHT, wm);
  clf.head.assign(HEAD_BIAS, Float32Array.from(b.data));
}

export { COURSE_BERT_DIR };

/**
 * Which base model the fine-tuning lab uses: $COURSE_MODEL_DIR (a folder or a Hub id) if set, else
 * the course BERT (models/course-bert) — the one rule in models/folders.ts.
 */
export function resolveBaseModel(): { dir: string; name: string; note: string | null } {
  const m = courseModelSource();
  if (!m.fromSetting && !fs.existsSync(path.join(m.source, CONFIG_NAME))) {
    throw new Error(`The course BERT is not in ${m.source}. It is committed with the course: run \`git checkout models/course-bert\` to restore it, train one with \`npx course pretrain\`, or set COURSE_MODEL_DIR to a BERT folder (or bert-base-uncased online).`);
  }
  return { dir: m.source, name: m.fromSetting ? m.name : "course-bert", note: null };
}
