/**
 * Exports the course's pre-training data exactly as `course pretrain` builds it (lib/pretraining:
 * the document split, NSP pairs, 80/10/10 masking, the data order of PretrainStream) to binary
 * files that the PyTorch twin (train_torch.py) reads, so both train on the same examples.
 *
 *   node --import tsx models/course-bert/explore/export-batches.ts --tokenizer DIR --out DIR \
 *        [--corpus course] [--seed 42] [--train 128:150000,64:200000] [--heldout 128:1024]
 *
 * For each "T:N": the first N examples of the stream at sequence length T ({train,heldout}-T.bin +
 * .json). Example k of the training stream is what batch ⌊k/B⌋ of a `course pretrain` run with batch
 * B holds at position k mod B; the held-out stream is the one Pretrainer.evaluate builds (seed + 1000003).
 * Layout per file, little-endian: ids int16 [N,T] (padded with [PAD]), token types uint8 [N,T],
 * labels int16 [N,T] (−100 where not chosen), NSP labels uint8 [N] (0 IsNext, 1 NotNext), lengths int16 [N].
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { loadPretrainingDocuments, prepareCorpus } from "../../../lib/pretraining/corpus";
import { specialIdSet } from "../../../lib/pretraining/masking";
import { PretrainStream } from "../../../lib/pretraining/stream";
import { tokenizerIn } from "../../../lib/pretraining/tokenizer";
import type { TokenizedDocument } from "../../../lib/pretraining/corpus";
import type { BertTokenizer } from "../../../lib/text/tokenizer";

const { values } = parseArgs({
  options: {
    tokenizer: { type: "string" },
    out: { type: "string" },
    corpus: { type: "string", default: "course" },
    seed: { type: "string", default: "42" },
    train: { type: "string", default: "128:150000" },
    heldout: { type: "string", default: "128:1024" },
  },
});
if (!values.tokenizer || !values.out) throw new Error("--tokenizer DIR and --out DIR are required");
const tok = tokenizerIn(values.tokenizer);
if (!tok) throw new Error(`${values.tokenizer} has no vocab.txt or tokenizer.json`);
const seed = Number(values.seed);
const t0 = Date.now();
const { docs } = loadPretrainingDocuments(values.corpus!);
const corpus = prepareCorpus(docs, tok, { seed });
console.log(`corpus ${values.corpus}: ${JSON.stringify(corpus.stats)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
fs.mkdirSync(values.out, { recursive: true });

function streamFor(d: readonly TokenizedDocument[], T: number, s: number, t: BertTokenizer): PretrainStream {
  // The options Pretrainer.stream() passes (no whole-word masking: the course default).
  return new PretrainStream(d, { seed: s, maxLength: T, clsId: t.clsId, sepId: t.sepId, padId: t.padId, masking: { maskId: t.maskId, vocabSize: t.vocabSize, isSpecial: specialIdSet(t), wholeWord: false } });
}

function exportStream(name: string, st: PretrainStream, T: number, N: number): void {
  const ids = new Int16Array(N * T).fill(tok!.padId);
  const types = new Uint8Array(N * T);
  const labels = new Int16Array(N * T).fill(-100);
  const nsp = new Uint8Array(N);
  const lengths = new Int16Array(N);
  let masked = 0;
  for (let k = 0; k < N; k++) {
    const e = st.example(k);
    ids.set(e.ids, k * T);
    types.set(e.types, k * T);
    for (const p of e.positions) labels[k * T + p] = e.labels[p];
    masked += e.positions.length;
    nsp[k] = e.nsp;
    lengths[k] = e.ids.length;
  }
  const file = path.join(values.out!, `${name}-${T}.bin`);
  const fd = fs.openSync(file, "w");
  for (const a of [ids, types, labels, nsp, lengths]) fs.writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  fs.closeSync(fd);
  const meta = { T, N, vocabSize: tok!.vocabSize, padId: tok!.padId, clsId: tok!.clsId, sepId: tok!.sepId, maskId: tok!.maskId, epochSize: st.epochSize(0), masked, realTokens: lengths.reduce((a, b) => a + b, 0), corpus: values.corpus, seed: st.options.seed, corpusStats: corpus.stats };
  fs.writeFileSync(`${file.slice(0, -4)}.json`, JSON.stringify(meta, null, 2));
  console.log(`${file}: ${N} examples, epoch ${meta.epochSize}, ${masked} masked tokens (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

const parse = (s: string) => s.split(",").filter(Boolean).map((x) => x.split(":").map(Number) as [number, number]);
for (const [T, N] of parse(values.heldout!)) exportStream("heldout", streamFor(corpus.heldOut, T, seed + 1000003, tok), T, N);
for (const [T, N] of parse(values.train!)) exportStream("train", streamFor(corpus.train, T, seed, tok), T, N);
