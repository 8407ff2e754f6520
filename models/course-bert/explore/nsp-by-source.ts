/**
 * Held-out NSP, split by the kind of text: for each source of the `course` mix, pairs whose A and
 * (NotNext) B both come from that source's held-out documents, next to the mixed held-out set the
 * training record uses (the same construction: 16 batches of 32 pairs at T = 64, seed 42 + 1000003).
 * `--batches N` evaluates N batches instead of 16 (the first 16 are the record's set): 512 pairs have a
 * standard error of about 2 points at 70%, 4,096 pairs (`--batches 128`) about 0.7.
 * Within one source a NotNext segment has the same topic and style as A, so only coherence separates
 * the labels; across sources topic alone does.
 *
 *   node --import tsx models/course-bert/explore/nsp-by-source.ts [--batches N] models/course-bert [more model folders]
 *
 * About 2 minutes per model on two cores at 16 batches. Prints one JSON line per (model, source).
 */
import { parseArgs } from "node:util";
import { initBackend } from "../../../lib/engine/tfjs/backend";
import { loadBert } from "../../../lib/models/bert/checkpoint";
import { BertTokenizer } from "../../../lib/text/tokenizer";
import { loadPretrainingDocuments, prepareCorpus, sourceOf } from "../../../lib/pretraining/corpus";
import { Pretrainer } from "../../../lib/pretraining/trainer";

(async () => {
  const { values, positionals: dirs } = parseArgs({ options: { batches: { type: "string", default: "16" } }, allowPositionals: true });
  const evalBatches = Number(values.batches);
  if (!Number.isInteger(evalBatches) || evalBatches < 1) throw new Error(`--batches must be a positive integer, got "${values.batches}"`);
  if (!dirs.length) throw new Error("usage: nsp-by-source.ts [--batches N] MODEL_DIR [MODEL_DIR ...]");
  await initBackend();
  const tok = BertTokenizer.fromDir(dirs[0]);
  const corpus = prepareCorpus(loadPretrainingDocuments("course").docs, tok, { heldOutFraction: 0.05, seed: 42 });
  const sources = ["all", "imdb", "sotu", "moby", "brown"];
  for (const dir of dirs) {
    const model = await loadBert(dir);
    for (const src of sources) {
      const heldOut = src === "all" ? corpus.heldOut : corpus.heldOut.filter((d) => sourceOf(d.id) === src);
      if (heldOut.length < 2) continue; // NotNext needs two documents
      const options = { steps: 1, batchSize: 32, seqLen: 64, longFraction: 0, lr: 0, seed: 42, evalBatches, dropout: false, engine: "onnx" as const };
      const e = await new Pretrainer(model, tok, { ...corpus, heldOut }, options).evaluate();
      console.log(JSON.stringify({ model: dir, source: src, documents: heldOut.length, pairs: e.pairs, nspAccuracy: +e.nspAccuracy.toFixed(4), nspLoss: +e.nspLoss.toFixed(3), mlmAccuracy: +e.mlmAccuracy.toFixed(4) }));
    }
    model.dispose();
  }
})();
