/**
 * Learns the 8,192-token WordPiece vocabulary of the course mix (`--corpus course`, evaluation
 * quotations left out) and measures its unigram entropy on the held-out documents.
 *
 *   node --import tsx models/course-bert/explore/vocab.ts [OUT_DIR] [--corpus course] [--vocab-size 8192]
 *
 * Writes OUT_DIR (default models/course-bert/explore/vocab-course-8192)/{vocab.txt, tokenizer.json,
 * tokenizer_config.json, stats.json}; `course pretrain --tokenizer OUT_DIR` uses it.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { corpusStats } from "../../../lib/data/corpus";
import { loadPretrainingDocuments, prepareCorpus } from "../../../lib/pretraining/corpus";
import { trainTokenizer } from "../../../lib/pretraining/tokenizer";
import { writeTokenizerFiles } from "../../../lib/pretraining/trainer";
import { unigramEntropy } from "./entropy";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { corpus: { type: "string", default: "course" }, "vocab-size": { type: "string", default: "8192" }, seed: { type: "string", default: "42" } } });
const out = positionals[0] ?? path.join(__dirname, `vocab-${values.corpus}-${values["vocab-size"]}`);
const t0 = Date.now();
const { docs, exclusion } = loadPretrainingDocuments(values.corpus!);
console.log(`loaded ${docs.length} documents (${exclusion.excluded.length} left out) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const t1 = Date.now();
const tok = trainTokenizer(docs, Number(values["vocab-size"]));
const trainSeconds = (Date.now() - t1) / 1000;
console.log(`learned ${tok.vocabSize} tokens in ${trainSeconds.toFixed(1)} s`);
fs.mkdirSync(out, { recursive: true });
writeTokenizerFiles(tok, out);
const t2 = Date.now();
const corpus = prepareCorpus(docs, tok, { seed: Number(values.seed) });
const tokenizeSeconds = (Date.now() - t2) / 1000;
const ent = unigramEntropy(corpus.train, corpus.heldOut, tok.vocabSize);
const bySource: Record<string, { documents: number; words: number; tokens: number }> = {};
const tokOf = new Map([...corpus.train, ...corpus.heldOut].map((d) => [d.id, d.sentences.reduce((a, s) => a + s.length, 0)]));
for (const d of docs) {
  const src = d.id.split("-")[0];
  const b = (bySource[src] ??= { documents: 0, words: 0, tokens: 0 });
  b.documents++;
  b.words += corpusStats([d]).words;
  b.tokens += tokOf.get(d.id) ?? 0;
}
const stats = { corpus: values.corpus, vocabSize: tok.vocabSize, trainSeconds, tokenizeSeconds, corpusStats: corpus.stats, bySource, excluded: exclusion.excluded.length, exclusion: exclusion.sets, unigramEntropy: ent };
fs.writeFileSync(path.join(out, "stats.json"), JSON.stringify(stats, null, 2) + "\n");
console.log(JSON.stringify(stats, null, 2));
