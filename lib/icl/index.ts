/**
 * lib/icl: in-context learning — prompts, zero/few-shot evaluation, the synthetic ICL task, real LLMs.
 *
 *   buildPrompt / promptSegments / toChat      prompt anatomy: description, k examples, query (prompt.ts)
 *   SyntheticLM / TransformersLM               label scoring (log-probs) + generation (lm.ts, transformers.ts)
 *   evaluateIcl / formatResult                 accuracy vs k over trials, with spread and weight hashes (evaluate.ts)
 *   selectRandom / selectSimilar / bagOfWordsEmbedder   which examples to show (select.ts)
 *   syntheticTask / sentimentTask / translateTask       tasks for the harness (tasks.ts)
 *   pretrainSynthetic / finetuneOnExamples     training the lab's GPT (lib/training, on the engine); the gradient-update contrast
 *   loadIclGpt                                 the committed pre-trained checkpoint (models/icl-gpt)
 */
import * as fs from "fs";
import * as path from "path";
import type { EngineName } from "../engine/run";
import { iclGptSource } from "../models/folders";
import { loadGpt } from "../models/gpt/checkpoint";
import { SyntheticLM } from "./lm";
import { SyntheticVocab } from "./synthetic";

export * from "./prompt";
export * from "./synthetic";
export * from "./lm";
export * from "./select";
export * from "./tasks";
export * from "./evaluate";
export * from "./pretrain";
export * from "./finetune";
export * from "./transformers";

/** The committed checkpoint's folder: <repo>/models/icl-gpt (COURSE_ICL_GPT_DIR overrides). */
export function iclGptDir(): string {
  return iclGptSource();
}

/** Loads the pre-trained synthetic-ICL GPT (checking its vocabulary matches this code's); it runs on the course's engine unless `engine` is given. */
export function loadIclGpt(dir: string = iclGptDir(), options: { engine?: EngineName } = {}): SyntheticLM {
  const vocab = new SyntheticVocab();
  const vocabPath = path.join(dir, "vocab.json");
  if (fs.existsSync(vocabPath)) {
    const saved = JSON.parse(fs.readFileSync(vocabPath, "utf8")) as string[];
    if (saved.join("\u0000") !== vocab.tokens.join("\u0000")) {
      throw new Error(`${vocabPath} does not match lib/icl/synthetic.ts's vocabulary: the checkpoint was trained for a different task definition; retrain it (models/icl-gpt/README.md)`);
    }
  }
  return new SyntheticLM(loadGpt(dir), vocab, "synthetic-gpt", options.engine);
}
