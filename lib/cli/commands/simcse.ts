/** `course simcse`: turn a BERT into a sentence encoder with unsupervised SimCSE on corpus sentences. */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { settings } from "../../env";
import { loadChatbot } from "../../data";
import { embedTexts } from "../../embeddings/bert";
import { scoreEncoder } from "../../embeddings/evaluate";
import { trainSimcse } from "../../embeddings/simcse";
import { writeSentenceTransformersLayout } from "../../embeddings/st-layout";
import { fromPretrained, saveBert } from "../../models/bert";
import { documentSentences, fitsSentence, shuffled } from "../../embeddings/corpus-sentences";
import { writeTokenizerFiles } from "../../pretraining/trainer";
import { BertTokenizer } from "../../text";
import { StepRecord, EvalRecord } from "../../training/loop";

export const command: Command = {
  name: "simcse",
  summary: "fine-tune a BERT into a sentence encoder (mean pooling + unsupervised SimCSE on corpus sentences)",
  usage: [
    "usage: course simcse --model DIR --out DIR [--steps N] [--batch 64] [--lr 1e-4] [--max-length 32]",
    "                     [--corpus course] [--sentences 100000] [--positives self|next] [--eval-every N] [--seed S]",
    "",
    "  Each batch encodes every sentence twice with different dropout masks; the two vectors of a sentence",
    "  are pulled together and pushed from the other sentences' (Gao et al. 2021). --positives next pairs each",
    "  sentence with the one that follows it in its document instead (a topic signal, for a model whose",
    "  dropout views are already trivially alike). Sentences of 6–40 words",
    "  are drawn from the pre-training corpus (no labels). --eval-every scores the chatbot FAQ (ARI, NMI,",
    "  nearest-neighbour intent accuracy) during training. Writes a Hugging Face BERT folder plus",
    "  sentence-transformers' modules.json and 1_Pooling/config.json (mean pooling), and simcse-record.json.",
    ENGINE_USAGE,
  ].join("\n"),
  options: {
    model: { type: "string" },
    out: { type: "string" },
    steps: { type: "string" },
    batch: { type: "string" },
    lr: { type: "string" },
    "max-length": { type: "string" },
    corpus: { type: "string" },
    sentences: { type: "string" },
    "eval-every": { type: "string" },
    positives: { type: "string" },
    seed: { type: "string" },
    ...ENGINE_OPTIONS,
  },
  async run({ values }) {
    const modelDir = str(values, "model", "models/course-bert")!;
    const out = str(values, "out");
    if (!out) throw new UsageError("--out DIR is required (where the sentence encoder goes)");
    const steps = num(values, "steps", settings.mode === "fast" ? 20 : 2000)!;
    const batch = num(values, "batch", 64)!;
    const lr = num(values, "lr", 1e-4)!;
    const maxLength = num(values, "max-length", 32)!;
    const seed = num(values, "seed", settings.seed)!;
    const wanted = num(values, "sentences", 100_000)!;
    for (const [k, v] of Object.entries({ steps, batch, maxLength, sentences: wanted })) if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${k} must be a positive whole number`);
    console.log(await applyEngineOptions(values));
    const t0 = Date.now();
    const model = await fromPretrained(modelDir);
    const tok = BertTokenizer.fromDir(model.sourceDir ?? modelDir);
    // Corpus sentences of 6–40 words (documents quoting labelled evaluation sentences are already left out).
    const corpusName = str(values, "corpus", "course")!;
    console.log(`reading sentences from the "${corpusName}" corpus (about a minute for the course mix)…`);
    const docs = documentSentences(corpusName);
    const positives = str(values, "positives", "self")!;
    if (positives !== "self" && positives !== "next") throw new UsageError(`--positives must be self or next, not "${positives}"`);
    // [sentence, partner]: the sentence itself (SimCSE) or the next sentence of its document.
    const all: [string, string][] = [];
    for (const ss of docs) {
      ss.forEach((s, i) => {
        if (!fitsSentence(s)) return;
        if (positives === "self") all.push([s, s]);
        else if (i + 1 < ss.length && fitsSentence(ss[i + 1])) all.push([s, ss[i + 1]]);
      });
    }
    const chosen = shuffled(all, seed).slice(0, wanted);
    const sentences = chosen.map((p) => p[0]);
    console.log(`${chosen.length} ${positives === "self" ? "sentences" : "pairs of neighbouring sentences"} (of ${all.length} with 6–40 words) from ${docs.length} documents, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const faq = loadChatbot();
    const evaluate = async (step: number): Promise<EvalRecord> => {
      const X = await embedTexts(model, tok, faq.questions, { pooling: "mean", cache: false, progress: false });
      const s = scoreEncoder(X, faq.labels, 3);
      return { step, ari: s.ari, nmi: s.nmi, nnAccuracy: s.nnAccuracy };
    };
    const evals: EvalRecord[] = [];
    let last = 0;
    const started = Date.now();
    const records = await trainSimcse(model, tok, sentences, {
      pairs: positives === "next" ? chosen : undefined,
      steps,
      batchSize: batch,
      lr,
      maxLength,
      seed,
      evalEvery: num(values, "eval-every"),
      evaluate: values["eval-every"] ? evaluate : undefined,
      onStep: (r: StepRecord) => {
        if (Date.now() - last < 2000 && r.step !== steps) return;
        last = Date.now();
        console.log(`step ${r.step}/${steps}  loss ${r.loss.toFixed(3)}  lr ${r.lr.toExponential(2)}  |g| ${r.gradNorm.toFixed(2)}  ${((r.tokens * 1000) / r.ms).toFixed(0)} tok/s  ${((Date.now() - started) / 1000).toFixed(0)} s`);
      },
      onEval: (e: EvalRecord) => {
        evals.push(e);
        console.log(`eval @${e.step}: FAQ ARI ${e.ari.toFixed(3)}  NMI ${e.nmi.toFixed(3)}  nearest-neighbour intent accuracy ${(100 * e.nnAccuracy).toFixed(1)}%`);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    fs.mkdirSync(out, { recursive: true });
    await saveBert(model, out, { tokenizerFrom: null, bare: true });
    writeTokenizerFiles(tok, out);
    writeSentenceTransformersLayout(out, model.config.hidden_size); // a Transformer module, then mean pooling
    const record = {
      command: `course simcse ${process.argv.slice(3).join(" ")}`,
      base: modelDir,
      steps,
      batch,
      lr,
      maxLength,
      temperature: 0.05,
      positives,
      sentences: sentences.length,
      seconds: Math.round(seconds),
      date: new Date().toISOString(),
      loss: { first: records[0]?.loss, last: records[records.length - 1]?.loss },
      evals,
      lossCurve: records.filter((_, i) => i % Math.max(1, Math.floor(records.length / 200)) === 0).map((r) => ({ step: r.step, loss: Number(r.loss.toFixed(4)) })),
    };
    fs.writeFileSync(path.join(out, "simcse-record.json"), JSON.stringify(record, null, 1) + "\n");
    console.log(`done: ${steps} steps in ${seconds.toFixed(0)} s; loss ${record.loss.first?.toFixed(3)} → ${record.loss.last?.toFixed(3)}; sentence encoder in ${out}`);
    model.dispose();
    return 0;
  },
};
