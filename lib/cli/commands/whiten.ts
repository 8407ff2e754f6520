/** `course whiten`: a BERT's mean-pooled sentence vectors, whitened (BERT-whitening), as a sentence encoder folder. */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { settings } from "../../env";
import { loadChatbot } from "../../data";
import { embedTexts } from "../../embeddings/bert";
import { documentSentences, fitsSentence, shuffled } from "../../embeddings/corpus-sentences";
import { scoreEncoder } from "../../embeddings/evaluate";
import { applyPostPooling, writeSentenceTransformersLayout } from "../../embeddings/st-layout";
import { fitWhitening } from "../../embeddings/whitening";
import { fromPretrained, saveBert } from "../../models/bert";
import { writeTokenizerFiles } from "../../pretraining/trainer";
import { BertTokenizer } from "../../text";

/** K-Means runs per FAQ score (seeds 0…n−1), as the embeddings exercise's noise floor uses. */
const FAQ_SEEDS = 5;

export const command: Command = {
  name: "whiten",
  summary: "make a sentence encoder from a BERT: mean pooling + whitening fitted on corpus sentences (no labels)",
  usage: [
    "usage: course whiten --model DIR --out DIR [--sentences questions|all] [--count 8000] [--dims D]",
    "                     [--corpus course] [--max-length 64] [--seed S]",
    "",
    "  Embeds --count unlabelled sentences of the pre-training corpus (6–40 words; --sentences questions:",
    "  only those ending in '?') with mean pooling, then fits BERT-whitening (Su et al. 2021): subtract their",
    "  mean, rotate onto their principal directions and scale each to unit variance (keeping the first",
    "  --dims). A BERT's sentence vectors share a few dominant directions; whitening stops those directions",
    "  from deciding every cosine similarity. Writes the BERT plus sentence-transformers' modules.json,",
    "  1_Pooling (mean), 2_Dense (the whitening as a linear layer) and Normalize (length 1), and",
    "  whitening-record.json with the chatbot FAQ scored before and after (ARI, NMI, nearest-neighbour",
    "  intent accuracy). --out may be --model.",
    ENGINE_USAGE,
  ].join("\n"),
  options: {
    model: { type: "string" },
    out: { type: "string" },
    sentences: { type: "string" },
    count: { type: "string" },
    dims: { type: "string" },
    corpus: { type: "string" },
    "max-length": { type: "string" },
    seed: { type: "string" },
    ...ENGINE_OPTIONS,
  },
  async run({ values }) {
    const modelDir = str(values, "model", "models/course-bert")!;
    const out = str(values, "out");
    if (!out) throw new UsageError("--out DIR is required (where the sentence encoder goes)");
    const kind = str(values, "sentences", "questions")!;
    if (kind !== "questions" && kind !== "all") throw new UsageError(`--sentences must be questions or all, not "${kind}"`);
    const count = num(values, "count", settings.mode === "fast" ? 1000 : 8000)!;
    const maxLength = num(values, "max-length", 64)!;
    const seed = num(values, "seed", settings.seed)!;
    for (const [k, v] of Object.entries({ count, "max-length": maxLength })) if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${k} must be a positive whole number`);
    console.log(await applyEngineOptions(values));
    const t0 = Date.now();
    const model = await fromPretrained(modelDir);
    const tok = BertTokenizer.fromDir(model.sourceDir ?? modelDir);
    const hidden = model.config.hidden_size;
    const dims = num(values, "dims", hidden)!;
    if (!Number.isInteger(dims) || dims < 1 || dims > hidden) throw new UsageError(`--dims must be a whole number from 1 to ${hidden} (the model's hidden size)`);

    const corpusName = str(values, "corpus", "course")!;
    console.log(`reading sentences from the "${corpusName}" corpus (about a minute for the course mix)…`);
    const pool = documentSentences(corpusName).flat().filter((s) => fitsSentence(s) && (kind === "all" || s.trimEnd().endsWith("?")));
    if (pool.length < hidden + 1) throw new Error(`the "${corpusName}" corpus has ${pool.length} ${kind === "questions" ? "questions" : "sentences"} of 6–40 words; whitening ${hidden}-d vectors needs more than ${hidden}. Try --sentences all.`);
    const sentences = shuffled(pool, seed).slice(0, count);
    if (sentences.length <= dims) throw new UsageError(`whitening ${dims} dimensions needs more than ${dims} sentences to estimate their covariance; --count is ${count}${pool.length < count ? ` and the corpus has ${pool.length}` : ""}. Raise --count or lower --dims.`);
    console.log(`${sentences.length} ${kind === "questions" ? "questions" : "sentences"} (of ${pool.length}) in ${((Date.now() - t0) / 1000).toFixed(1)} s; embedding them…`);
    const X = await embedTexts(model, tok, sentences, { pooling: "mean", maxLength, cache: false, progress: true });
    const whitening = fitWhitening(X, dims);
    const total = whitening.variances.reduce((a, b) => a + Math.max(b, 0), 0);
    const top = whitening.variances.slice(0, 5).map((v) => v / total);
    console.log(`fitted on ${X.length} vectors: the largest direction carries ${(100 * top[0]).toFixed(1)}% of the variance, the first five ${(100 * top.reduce((a, b) => a + b, 0)).toFixed(1)}%`);

    const faq = loadChatbot();
    const faqX = await embedTexts(model, tok, faq.questions, { pooling: "mean", maxLength, cache: false, progress: false });
    const score = (V: number[][]) => {
      const s = scoreEncoder(V, faq.labels, FAQ_SEEDS);
      return { ari: s.ari, ariStd: s.ariStd, nmi: s.nmi, nnAccuracy: s.nnAccuracy };
    };
    const before = score(faqX);
    const after = score(applyPostPooling({ dense: whitening, normalize: true }, faqX)); // what the saved folder's pipeline does
    const row = (name: string, s: typeof before) => `  ${name.padEnd(22)} ARI ${s.ari.toFixed(3)} ± ${s.ariStd.toFixed(3)}  NMI ${s.nmi.toFixed(3)}  nearest-neighbour intent accuracy ${(100 * s.nnAccuracy).toFixed(1)}%`;
    console.log(`chatbot FAQ (${faq.questions.length} questions, ${new Set(faq.labels).size} intents, K-Means seeds 0–${FAQ_SEEDS - 1}):\n${row("mean pooling", before)}\n${row("mean pooling, whitened", after)}`);

    fs.mkdirSync(out, { recursive: true });
    await saveBert(model, out, { tokenizerFrom: null, bare: true });
    writeTokenizerFiles(tok, out);
    writeSentenceTransformersLayout(out, hidden, whitening);
    const record = {
      command: `course whiten ${process.argv.slice(3).join(" ")}`,
      base: modelDir,
      method: "BERT-whitening (Su et al. 2021) of mean-pooled last-layer vectors, then L2 normalisation",
      sentences: kind,
      fittedOn: X.length,
      dims,
      maxLength,
      varianceShareTop5: top.map((v) => Number(v.toFixed(4))),
      faq: { seeds: FAQ_SEEDS, before, after },
      seconds: Math.round((Date.now() - t0) / 1000),
      date: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(out, "whitening-record.json"), JSON.stringify(record, null, 1) + "\n");
    console.log(`done in ${record.seconds} s: sentence encoder in ${out} (load it with \`course embed --model ${out}\`)`);
    model.dispose();
    return 0;
  },
};
