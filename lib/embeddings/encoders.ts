/**
 * Sentence-embedding models behind one interface, so a notebook can swap them:
 *
 *   offline: "use-lite"     Universal Sentence Encoder Lite (npm package, 512-d)
 *            "course-bert"  the course's own pre-trained BERT (models/course-bert, or COURSE_MODEL_DIR), mean pooled
 *            "course-sbert" the course sentence encoder (models/course-sbert): the course BERT distilled from USE Lite
 *                           (a distilled word-piece table, its first layer, mean pooling, a linear layer)
 *            "tfidf"        TF-IDF bag of words fitted on the texts it embeds (the baseline)
 *            <folder>       any BERT checkpoint folder in Hugging Face layout
 *            <folder>       a sentence-encoder folder in the Hub layout (config.json, tokenizer.json,
 *                           onnx/model*.onnx, no safetensors): run by transformers.js
 *   online:  "bert-base-uncased" (or any BERT repo id with safetensors): the course's TS BERT
 *            "Xenova/all-MiniLM-L6-v2", "Xenova/all-mpnet-base-v2" (sentence-transformers as
 *            ONNX, run by transformers.js)
 * Online models come through lib/hub: downloaded once into $HF_HOME/hub (the cache Python's
 * huggingface_hub uses), then loaded from there, online or offline.
 */
import * as fs from "fs";
import * as path from "path";
import { settings } from "../env";
import { COURSE_BERT_DIR, COURSE_SBERT_DIR, courseModelSource } from "../models/folders";
import { initBackend } from "../engine/tfjs/backend";
import { cachedModel, isLocalFolder, kindFromId } from "../hub";
import { BertModel, fromPretrained } from "../models/bert";
import { BertTokenizer } from "../text";
import { loadSnapshot, transformers } from "../transformers";
import { EmbedOptions, embedTexts } from "./bert";
import { loadUseLite } from "./use-lite";
import { tfidfVectors } from "./tfidf";
import { applyPostPooling, readPostPooling } from "./st-layout";
import type { LinearMap } from "./whitening";

export interface SentenceEncoder {
  id: string;
  description: string;
  embed(texts: string[]): Promise<number[][]>;
  dispose(): void;
  /** The underlying BERT, for BERT-based encoders (layers, pooling, perturbation). */
  bert?: { model: BertModel; tokenizer: BertTokenizer };
  /** A sentence-transformers Dense layer after mean pooling (course-sbert's map into USE Lite's space), applied by `embed`. */
  dense?: LinearMap;
}

export { COURSE_BERT_DIR, COURSE_SBERT_DIR };
/**
 * The folder (or Hub id) "course-bert" loads: COURSE_MODEL_DIR when set (as the fine-tuning lab's
 * base model), else models/course-bert (the one rule: models/folders.ts).
 */
export function courseBertSource(): string {
  return courseModelSource().source;
}

export const KNOWN_ENCODERS: { id: string; offline: boolean; description: string }[] = [
  { id: "use-lite", offline: true, description: "Universal Sentence Encoder Lite (Cer et al. 2018), 512-d, from npm" },
  { id: "course-bert", offline: true, description: "the course's own small BERT, mean-pooled last layer" },
  { id: "course-sbert", offline: true, description: "the course sentence encoder: the course BERT distilled from USE Lite (a distilled word-piece table, one layer, mean pooling, a linear layer)" },
  { id: "tfidf", offline: true, description: "TF-IDF bag of words (fitted on the texts it embeds): the baseline" },
  { id: "bert-base-uncased", offline: false, description: "Google's BERT-base (110M), mean-pooled last layer, run by the course's TS BERT" },
  { id: "Xenova/all-MiniLM-L6-v2", offline: false, description: "sentence-transformers MiniLM-L6 (22M), trained for sentence similarity, 384-d" },
  { id: "Xenova/all-mpnet-base-v2", offline: false, description: "sentence-transformers MPNet-base (110M), 768-d" },
];

/** Whether `idOrDir` is run by transformers.js (an ONNX sentence encoder) rather than the course's TS BERT. */
export function isOnnxEncoder(idOrDir: string): boolean {
  if (isLocalFolder(idOrDir)) return fs.existsSync(path.join(idOrDir, "onnx")) && !fs.existsSync(path.join(idOrDir, "model.safetensors"));
  const kind = kindFromId(idOrDir);
  if (kind) return kind === "encoder";
  return cachedModel(idOrDir, "encoder") !== null && cachedModel(idOrDir, "bert") === null;
}

/** Loads an encoder by id or folder. BERT-based ones take pooling/layer options. */
export async function loadEncoder(idOrDir: string, bertOptions: EmbedOptions = {}): Promise<SentenceEncoder> {
  if (idOrDir === "use-lite") {
    await initBackend(); // USE Lite is a TensorFlow.js model; the others run on the course engine or transformers.js
    const use = await loadUseLite();
    return { id: idOrDir, description: KNOWN_ENCODERS[0].description, embed: (texts) => use.embed(texts), dispose: () => use.dispose() };
  }
  if (idOrDir === "tfidf") {
    return { id: idOrDir, description: "TF-IDF bag of words (fitted on the texts it embeds): the baseline", embed: async (texts) => tfidfVectors(texts).vectors, dispose: () => undefined };
  }
  if (isOnnxEncoder(idOrDir)) {
    const { dir, dtype } = await loadSnapshot(idOrDir, "encoder");
    const extractor = await transformers().pipeline("feature-extraction", dir, { dtype: dtype as "fp32", local_files_only: true, device: "cpu" });
    return {
      id: idOrDir,
      description: KNOWN_ENCODERS.find((e) => e.id === idOrDir)?.description ?? "a sentence-transformers model (transformers.js)",
      async embed(texts: string[]): Promise<number[][]> {
        const out: number[][] = [];
        for (let b = 0; b < texts.length; b += 32) {
          const res = await extractor(texts.slice(b, b + 32), { pooling: "mean", normalize: true });
          out.push(...(res.tolist() as number[][]));
        }
        return out;
      },
      dispose: () => void extractor.dispose(),
    };
  }
  const source = idOrDir === "course-bert" ? courseBertSource() : idOrDir === "course-sbert" ? COURSE_SBERT_DIR : idOrDir;
  if (idOrDir === "course-bert" && !settings.modelDir && !fs.existsSync(path.join(source, "config.json"))) {
    throw new Error(`The course BERT is not in ${source}. It is committed with the course; if you deleted it, run \`git checkout models/course-bert\` or train one with \`npx course pretrain\`.`);
  }
  if (idOrDir === "course-sbert" && !fs.existsSync(path.join(source, "config.json"))) {
    throw new Error(`The course sentence encoder is not in ${source}. It is committed with the course; if you deleted it, run \`git checkout models/course-sbert\` or make one with \`npx course distill --out models/course-sbert --vocab yes --layers auto --steps 0\` (models/course-sbert/README.md has the whole recipe).`);
  }
  const model = await fromPretrained(source);
  const tokenizer = BertTokenizer.fromDir(model.sourceDir ?? source);
  const opts: EmbedOptions = { pooling: "mean", ...bertOptions };
  const layer = typeof opts.layer === "number" ? opts.layer : -1;
  // A sentence-transformers folder's Dense and Normalize modules belong to its own pipeline (mean pooling of the last layer).
  const post = isLocalFolder(model.sourceDir ?? source) ? readPostPooling(model.sourceDir ?? source) : { dense: null, normalize: false };
  const ownPipeline = opts.pooling === "mean" && (layer === -1 || layer === model.config.num_hidden_layers);
  const active = ownPipeline ? post : { dense: null, normalize: false };
  const useDense = active.dense !== null;
  return {
    id: idOrDir,
    description: KNOWN_ENCODERS.find((e) => e.id === idOrDir)?.description ?? `BERT from ${idOrDir}, ${opts.pooling} pooling${useDense ? ", then its Dense layer" : ""}`,
    async embed(texts: string[]): Promise<number[][]> {
      const X = await embedTexts(model, tokenizer, texts, { ...opts, layer });
      return applyPostPooling(active, X);
    },
    dispose: () => model.dispose(),
    bert: { model, tokenizer },
    dense: active.dense ?? undefined,
  };
}
