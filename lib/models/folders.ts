/**
 * The course's own model folders and the one rule for a setting that names a model
 * (COURSE_MODEL_DIR, COURSE_ICL_GPT_DIR): an absolute folder as it is; a relative one from the
 * working directory, else from the course root (a notebook's kernel runs in notebooks/); for
 * COURSE_MODEL_DIR, anything else shaped like a Hub id ("bert-base-uncased", "org/name") is a Hub id.
 */
import * as fs from "fs";
import * as path from "path";
import { COURSE_ROOT, settings, Settings } from "../env";

export const MODELS_DIR = path.join(COURSE_ROOT, "models");
/** The course BERT (committed by the pre-training lab). */
export const COURSE_BERT_DIR = path.join(MODELS_DIR, "course-bert");
/** The course's sentence encoder (`course whiten`). */
export const COURSE_SBERT_DIR = path.join(MODELS_DIR, "course-sbert");
/** The in-context-learning GPT. */
export const ICL_GPT_DIR = path.join(MODELS_DIR, "icl-gpt");

export interface ModelSource {
  /** A folder (absolute) or a Hub id. */
  source: string;
  /** true: `source` is a folder on this machine. */
  local: boolean;
  /** A short name for reports: the folder's base name, or the Hub id. */
  name: string;
  /** true: the setting chose it; false: the course's default folder. */
  fromSetting: boolean;
}

const HUB_ID = /^[\w.-]+(\/[\w.-]+)?$/;

function isFolder(p: string): boolean {
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

/**
 * Resolves a model setting's value (`variable` names it in errors). `needs` is a file the folder
 * must hold (config.json for a BERT); `hub` allows a Hub id when no folder matches.
 */
export function resolveModelSetting(variable: string, value: string | null, dflt: string, o: { needs?: string; hub?: boolean } = {}): ModelSource {
  if (!value) return { source: dflt, local: true, name: path.basename(dflt), fromSetting: false };
  const candidates = path.isAbsolute(value) ? [value] : [path.resolve(value), path.join(COURSE_ROOT, value)];
  const folder = candidates.find(isFolder);
  if (folder) {
    if (o.needs && !fs.existsSync(path.join(folder, o.needs))) {
      throw new Error(`${variable}=${value} has no ${o.needs} (looked in ${folder}): point it at a model folder in Hugging Face layout (config.json, model.safetensors, vocab.txt), or unset it to use ${path.relative(COURSE_ROOT, dflt)}.`);
    }
    return { source: path.resolve(folder), local: true, name: path.basename(folder), fromSetting: true };
  }
  if (o.hub && HUB_ID.test(value) && !value.startsWith(".")) return { source: value, local: false, name: value, fromSetting: true };
  throw new Error(`${variable}=${value} is not a folder (looked in ${candidates.join(" and ")})${o.hub ? " nor a Hub id (like bert-base-uncased or org/name)" : ""}. Fix the path, or unset ${variable} to use ${path.relative(COURSE_ROOT, dflt)}.`);
}

/** The course BERT the labs load: COURSE_MODEL_DIR (a folder or a Hub id) when set, else models/course-bert. */
export function courseModelSource(s: Settings = settings): ModelSource {
  return resolveModelSetting("COURSE_MODEL_DIR", s.modelDir, COURSE_BERT_DIR, { needs: "config.json", hub: true });
}

/** The in-context-learning GPT's folder: COURSE_ICL_GPT_DIR when set, else models/icl-gpt. */
export function iclGptSource(s: Settings = settings): string {
  return resolveModelSetting("COURSE_ICL_GPT_DIR", s.iclGptDir, ICL_GPT_DIR).source;
}
