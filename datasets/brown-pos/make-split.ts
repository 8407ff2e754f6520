/**
 * Which Brown samples did the course BERT not see in pre-training? Recomputes the pre-training
 * corpus split of models/course-bert (its training-record.json: `course pretrain --corpus course`,
 * held-out fraction 0.05, the default seed 42): the same documents (lib/pretraining/corpus.ts
 * loadPretrainingDocuments, evaluation text excluded), split as prepareCorpus splits them. The
 * Brown samples among the held-out documents are the POS test documents; the result is written to
 * datasets/brown-pos/pretraining-heldout.json.
 *
 * prepareCorpus draws the held-out documents by index among the "usable" documents (those with at
 * least one non-empty tokenized sentence). Tokenizing the 14.6 M words only to find the empty ones
 * takes minutes; a document is empty only when its text has no visible character, so this script
 * counts those directly, and checks the count against the record (documents and held-out
 * documents must agree exactly, else it stops). `--tokenize` runs the full prepareCorpus instead.
 *
 *   nice npx tsx datasets/brown-pos/make-split.ts [--tokenize]
 */
import * as fs from "fs";
import * as path from "path";
import { trainTestSplit } from "../../lib/data/split";
import { loadPretrainingDocuments, prepareCorpus } from "../../lib/pretraining/corpus";
import { BertTokenizer } from "../../lib/text";

const ROOT = path.join(__dirname, "..", "..");
const record = JSON.parse(fs.readFileSync(path.join(ROOT, "models", "course-bert", "training-record.json"), "utf8")) as { command: string; corpus: { documents: number; heldOutDocuments: number } };
const t0 = Date.now();
const { docs } = loadPretrainingDocuments("course");
let usableIds: string[];
let heldIds: string[];
if (process.argv.includes("--tokenize")) {
  const tok = BertTokenizer.fromDir(path.join(ROOT, "models", "course-bert"));
  const corpus = prepareCorpus(docs, tok, { heldOutFraction: 0.05, seed: 42 });
  usableIds = [...corpus.train, ...corpus.heldOut].map((d) => d.id);
  heldIds = corpus.heldOut.map((d) => d.id);
} else {
  // prepareCorpus's draw (lib/pretraining/corpus.ts), on the documents with visible text.
  const usable = docs.filter((d) => /[^\s\p{C}]/u.test(d.text));
  const nHeld = Math.min(Math.max(1, Math.round(usable.length * 0.05)), Math.max(0, usable.length - 2));
  const held = new Set(trainTestSplit(usable.length, nHeld / usable.length, 42).test.slice(0, nHeld));
  usableIds = usable.map((d) => d.id);
  heldIds = usable.filter((_, i) => held.has(i)).map((d) => d.id);
}
if (usableIds.length !== record.corpus.documents || heldIds.length !== record.corpus.heldOutDocuments) {
  throw new Error(`recomputed split has ${usableIds.length} documents / ${heldIds.length} held out; the record says ${record.corpus.documents} / ${record.corpus.heldOutDocuments}: rerun with --tokenize`);
}
const brownAll = docs.filter((d) => d.id.startsWith("brown-")).map((d) => d.id.slice(6));
const heldOut = heldIds.filter((id) => id.startsWith("brown-")).map((id) => id.slice(6)).sort();
const out = {
  description: "Brown samples held out of the course BERT's pre-training (recomputed split of models/course-bert/training-record.json); the POS test documents",
  command: record.command,
  documents: usableIds.length,
  heldOutDocuments: heldIds.length,
  brownInPretrainingCorpus: brownAll.length,
  brownHeldOut: heldOut,
};
fs.writeFileSync(path.join(__dirname, "pretraining-heldout.json"), JSON.stringify(out, null, 1) + "\n");
console.log(`${heldOut.length} of ${brownAll.length} Brown samples held out (${((Date.now() - t0) / 1000).toFixed(0)} s): ${heldOut.join(" ")}`);
