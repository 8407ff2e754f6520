/**
 * Which Brown samples did the course BERT not see in pre-training? Recomputes the pre-training
 * corpus split of models/course-bert (its training-record.json: `course pretrain --corpus course`,
 * held-out fraction 0.05, the default seed 42): the same documents (lib/pretraining/corpus.ts
 * loadPretrainingDocuments, evaluation text excluded), tokenized with the course BERT's tokenizer,
 * split by prepareCorpus. The Brown samples among the held-out documents are the POS test
 * documents; the result is written to datasets/brown-pos/pretraining-heldout.json.
 *
 *   flock /work/coord/heavy.lock nice -n 10 npx tsx datasets/brown-pos/make-split.ts   (a few minutes: it tokenizes ~14.6 M words)
 */
import * as fs from "fs";
import * as path from "path";
import { loadPretrainingDocuments, prepareCorpus } from "../../lib/pretraining/corpus";
import { BertTokenizer } from "../../lib/text";

const ROOT = path.join(__dirname, "..", "..");
const record = JSON.parse(fs.readFileSync(path.join(ROOT, "models", "course-bert", "training-record.json"), "utf8")) as { command: string; corpus: { documents: number; heldOutDocuments: number } };
const t0 = Date.now();
const { docs } = loadPretrainingDocuments("course");
const tok = BertTokenizer.fromDir(path.join(ROOT, "models", "course-bert"));
const corpus = prepareCorpus(docs, tok, { heldOutFraction: 0.05, seed: 42 });
if (corpus.stats.documents !== record.corpus.documents || corpus.stats.heldOutDocuments !== record.corpus.heldOutDocuments) {
  throw new Error(`recomputed split has ${corpus.stats.documents} documents / ${corpus.stats.heldOutDocuments} held out; the record says ${record.corpus.documents} / ${record.corpus.heldOutDocuments}`);
}
const brownAll = docs.filter((d) => d.id.startsWith("brown-")).map((d) => d.id.slice(6));
const heldOut = corpus.heldOut.filter((d) => d.id.startsWith("brown-")).map((d) => d.id.slice(6)).sort();
const out = {
  description: "Brown samples held out of the course BERT's pre-training (recomputed split of models/course-bert/training-record.json); the POS test documents",
  command: record.command,
  documents: corpus.stats.documents,
  heldOutDocuments: corpus.stats.heldOutDocuments,
  brownInPretrainingCorpus: brownAll.length,
  brownHeldOut: heldOut,
};
fs.writeFileSync(path.join(__dirname, "pretraining-heldout.json"), JSON.stringify(out, null, 1) + "\n");
console.log(`${heldOut.length} of ${brownAll.length} Brown samples held out (${((Date.now() - t0) / 1000).toFixed(0)} s): ${heldOut.join(" ")}`);
