/** Sentence-encoder distillation: the pool, the teacher cache, batch order, the losses (against float64 references, on both engines), training. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { settings } from "../../lib/env";
import { runModel, EngineName } from "../../lib/engine/run";
import { batchOrder, centring, DistillHead, distillLoss, fitLinear, LossWeights, parseLoss, studentParams, trainDistill, transformRows } from "../../lib/embeddings/distill";
import { buildPool, isPoolQuestion, isPoolStatement, teacherVectors } from "../../lib/embeddings/distill-data";
import { meanCosine, neighbourAgreement, topNeighbours } from "../../lib/embeddings/distill-eval";
import { embedTexts } from "../../lib/embeddings/bert";
import { applyLinear } from "../../lib/embeddings/whitening";
import { loadBert } from "../../lib/models/bert";
import type { Ctx } from "../../lib/models/nn";
import { BertTokenizer } from "../../lib/text";
import { FIXTURE } from "./bert-reference";

function sentences(tok: BertTokenizer, n: number, seed = 3): string[] {
  const words = Array.from({ length: tok.vocabSize }, (_, i) => tok.idToToken(i)).filter((w) => /^[a-z0-9]+$/.test(w));
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => Array.from({ length: 3 + Math.floor(rnd() * 8) }, () => words[Math.floor(rnd() * words.length)]).join(" "));
}

function gaussianRows(n: number, D: number, seed: number): Float32Array {
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: n * D }, () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd()));
}

test("parseLoss reads single losses and weighted mixes, and names what is wrong", () => {
  assert.deepEqual(parseLoss("mse"), { mse: 1 });
  assert.deepEqual(parseLoss("mse:1,nce:0.5"), { mse: 1, nce: 0.5 });
  assert.deepEqual(parseLoss("sim+kl"), { sim: 1, kl: 1 });
  assert.throws(() => parseLoss("cosine"), /unknown distillation loss "cosine".*mse, sim, nce, kl/);
  assert.throws(() => parseLoss("mse:-1"), /weight of loss "mse"/);
  assert.throws(() => parseLoss("mse:0"), /no loss with a positive weight/);
});

test("the pool: questions and short statements, each once, split by document, as many statements as questions", () => {
  assert.ok(isPoolQuestion("Where is the library?"));
  assert.ok(!isPoolQuestion("Why?"), "too short");
  assert.ok(!isPoolQuestion("Where is the library."));
  assert.ok(isPoolStatement("The library opens at nine."));
  assert.ok(!isPoolStatement("Thank you."), "too short");
  assert.ok(!isPoolStatement(Array.from({ length: 16 }, () => "word").join(" ")), "too long");
  const docs = Array.from({ length: 200 }, (_, d) => ({
    id: `doc${d}`,
    sentences: [`What did document ${d} say about it?`, `Document ${d} said a great deal about it.`, `Document ${d} also said more.`, "Where is the library?", "Thank you."],
  }));
  const pool = buildPool(docs, { seed: 1, heldOutFraction: 0.1 });
  const { stats } = pool;
  assert.equal(stats.documents, 200);
  assert.ok(stats.heldOutDocuments > 5 && stats.heldOutDocuments < 40, String(stats.heldOutDocuments));
  assert.equal(stats.statements, stats.questions, "one statement per question");
  assert.equal(pool.train.length, stats.questions + stats.statements);
  assert.equal(new Set(pool.train).size, pool.train.length, "no sentence twice");
  assert.equal(pool.train.filter((s) => s === "Where is the library?").length + pool.heldOut.filter((s) => s === "Where is the library?").length, 1, "a repeated sentence is kept once");
  assert.ok(!pool.train.includes("Thank you."));
  // Held-out documents contribute no training sentence.
  const heldDocs = new Set(pool.heldOut.map((s) => /document (\d+)/i.exec(s)?.[1]).filter(Boolean));
  for (const s of pool.train) assert.ok(!heldDocs.has(/document (\d+)/i.exec(s)?.[1]), s);
  // Same seed, same pool; another seed, another split.
  assert.deepEqual(buildPool(docs, { seed: 1, heldOutFraction: 0.1 }).train, pool.train);
  assert.notDeepEqual(buildPool(docs, { seed: 2, heldOutFraction: 0.1 }).heldOut, pool.heldOut);
});

test("the teacher's vectors are computed once: cached chunks are read back, only new sentences are embedded", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "distill-cache-"));
  const old = settings.cacheDir;
  (settings as { cacheDir: string }).cacheDir = dir;
  try {
    const texts = Array.from({ length: 1100 }, (_, i) => `sentence number ${i}`);
    let embedded = 0;
    const embed = async (t: string[]) => ((embedded += t.length), t.map((s) => [s.length, Number(s.split(" ")[2]), 1]));
    const a = await teacherVectors("fake", texts, embed, { progress: false });
    assert.equal(embedded, 1100);
    assert.equal(a.dim, 3);
    assert.deepEqual(Array.from(a.data.subarray(3 * 700, 3 * 701)), ["sentence number 700".length, 700, 1]);
    const b = await teacherVectors("fake", texts, embed, { progress: false });
    assert.equal(embedded, 1100, "nothing embedded the second time");
    assert.deepEqual(b.data, a.data);
    // A longer list shares the first two chunks (512 sentences each) and embeds the rest.
    await teacherVectors("fake", [...texts, "one more"], embed, { progress: false });
    assert.equal(embedded, 1100 + 77);
  } finally {
    (settings as { cacheDir: string }).cacheDir = old;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("batch order: every batch is one length class, a pass uses each sentence at most once, the same seed gives the same batches", () => {
  const classes = Array.from({ length: 103 }, (_, i) => (i % 3 === 0 ? 32 : 16));
  const { rows, perPass } = batchOrder(classes, 8, 5);
  assert.equal(perPass, Math.floor(35 / 8) + Math.floor(68 / 8));
  const seen = new Set<number>();
  for (let s = 0; s < perPass; s++) {
    const b = rows(s);
    assert.equal(b.length, 8);
    assert.equal(new Set(b.map((i) => classes[i])).size, 1, "one length class per batch");
    for (const i of b) (assert.ok(!seen.has(i)), seen.add(i));
  }
  assert.notDeepEqual(rows(perPass), rows(0), "the next pass is shuffled again");
  const again = batchOrder(classes, 8, 5);
  for (let s = 0; s < 2 * perPass; s++) assert.deepEqual(again.rows(s), rows(s));
  assert.throws(() => batchOrder([16, 16, 32], 4, 1), /at least one batch of 4/);
});

test("fitLinear recovers a linear map from its inputs and outputs", () => {
  const n = 200, H = 6, D = 4;
  const Z = Array.from({ length: n }, (_, i) => Array.from(gaussianRows(1, H, 11 + i)));
  const W = Array.from({ length: D }, (_, d) => Array.from(gaussianRows(1, H, 100 + d)));
  const b = [0.5, -1, 2, 0];
  const T = Float32Array.from(applyLinear({ weight: W, bias: b }, Z).flat());
  const fit = fitLinear(Z, T, D, 1e-9);
  for (let d = 0; d < D; d++) {
    assert.ok(Math.abs(fit.bias[d] - b[d]) < 1e-3, `bias ${d}: ${fit.bias[d]} vs ${b[d]}`);
    for (let h = 0; h < H; h++) assert.ok(Math.abs(fit.weight[d][h] - W[d][h]) < 1e-3, `weight ${d},${h}`);
  }
});

test("centring: the teacher's rows lose their mean and get a mean squared length of 1", () => {
  const n = 50, D = 5;
  const data = gaussianRows(n, D, 7).map((v, i) => v + (i % D) * 3);
  const tr = centring(data, n, D);
  const rows = transformRows(data, D, Array.from({ length: n }, (_, i) => i), tr);
  for (let d = 0; d < D; d++) assert.ok(Math.abs(rows.filter((_, i) => i % D === d).reduce((a, v) => a + v, 0) / n) < 1e-5);
  let sq = 0;
  for (const v of rows) sq += v * v;
  assert.ok(Math.abs(sq / n - 1) < 1e-4, String(sq / n));
  assert.deepEqual(transformRows(data, D, [3], null), data.subarray(3 * D, 4 * D));
});

test("neighbour agreement: 1 for the teacher itself, about k/n for unrelated vectors", () => {
  const n = 120, D = 8;
  const T = Array.from({ length: n }, (_, i) => Array.from(gaussianRows(1, D, 1 + i)));
  const nb = topNeighbours(T, 5);
  assert.equal(nb[0].length, 5);
  assert.ok(nb.every((row, i) => !row.includes(i)), "a sentence is not its own neighbour");
  assert.equal(neighbourAgreement(T, nb, 5), 1);
  assert.equal(neighbourAgreement(T.map((r) => r.map((v) => 3 * v)), nb, 5), 1, "length does not matter, only direction");
  const other = Array.from({ length: n }, (_, i) => Array.from(gaussianRows(1, D, 5000 + i)));
  assert.ok(neighbourAgreement(other, nb, 5) < 0.15);
  assert.ok(Math.abs(meanCosine(T, T) - 1) < 1e-12);
});

/** The batch inputs distillLoss reads. */
function lossInputs(tok: BertTokenizer, texts: string[], teacher: Float32Array, D: number) {
  const N = texts.length;
  const enc = tok.encodeBatch(texts, { maxLength: 16, truncation: true, padding: "max_length" });
  const T = enc.inputIds[0].length;
  const off = new Float32Array(N * N).fill(1);
  for (let i = 0; i < N; i++) off[i * N + i] = 0;
  return {
    enc,
    inputs: {
      inputIds: { data: Int32Array.from(enc.inputIds.flat()), shape: [N, T] },
      tokenTypeIds: { data: new Int32Array(N * T), shape: [N, T] },
      attentionMask: { data: Int32Array.from(enc.attentionMask.flat()), shape: [N, T] },
      teacher: { data: teacher, shape: [N, D] },
      labels: { data: Int32Array.from({ length: N }, (_, i) => i), shape: [N] },
      offDiagonal: { data: off, shape: [N, N] },
    },
  };
}

/** Each loss in float64 from the student's vectors s [N][D] and the teacher's t [N][D] (the formulas in lib/embeddings/distill.ts, written out). */
function referenceLosses(s: number[][], t: number[][], tau: number): Record<string, number> {
  const N = s.length, D = s[0].length;
  const unit = (v: number[]) => {
    const n = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    return v.map((x) => x / n);
  };
  const dot = (a: number[], b: number[]) => a.reduce((acc, x, i) => acc + x * b[i], 0);
  const su = s.map(unit), tu = t.map(unit);
  let mse = 0, nce = 0, sim = 0, kl = 0;
  for (let i = 0; i < N; i++) {
    for (let d = 0; d < D; d++) mse += (s[i][d] - t[i][d]) ** 2 / (N * D);
    const logits = tu.map((tj) => dot(su[i], tj) / tau);
    const lse = Math.log(logits.reduce((a, x) => a + Math.exp(x - Math.max(...logits)), 0)) + Math.max(...logits);
    nce += (lse - logits[i]) / N;
    const others = Array.from({ length: N }, (_, j) => j).filter((j) => j !== i);
    for (const j of others) sim += (dot(su[i], su[j]) - dot(tu[i], tu[j])) ** 2 / (N * N);
    const ls = others.map((j) => dot(su[i], su[j]) / tau), lt = others.map((j) => dot(tu[i], tu[j]) / tau);
    const norm = (xs: number[]) => {
      const m = Math.max(...xs);
      const z = Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0)) + m;
      return xs.map((x) => x - z);
    };
    const lps = norm(ls), lpt = norm(lt);
    kl += lpt.reduce((a, lp, j) => a + Math.exp(lp) * (lp - lps[j]), 0) / N;
  }
  return { mse, nce, sim, kl };
}

test("each distillation loss matches a float64 reference, on both engines (dropout off)", async () => {
  await initBackend();
  const model = await loadBert(FIXTURE);
  const tok = BertTokenizer.fromDir(FIXTURE);
  const H = model.config.hidden_size, D = 6, N = 8;
  const head = new DistillHead(H, D, 3);
  const texts = sentences(tok, N, 9);
  const teacher = gaussianRows(N, D, 21);
  const { inputs } = lossInputs(tok, texts, teacher, D);
  // The student's vectors, computed apart from the loss: mean pooling by the library, then the Dense layer on the host.
  const Z = await embedTexts(model, tok, texts, { pooling: "mean", maxLength: 16, cache: false, progress: false });
  const s = applyLinear(head.toLinearMap(), Z);
  const t = Array.from({ length: N }, (_, i) => Array.from(teacher.subarray(i * D, (i + 1) * D)));
  const tau = 0.1;
  const want = referenceLosses(s, t, tau);
  const weights: LossWeights = { mse: 1, nce: 0.5, sim: 2, kl: 0.25 };
  const fn = <X>(c: Ctx<X>, x: Record<string, X>) => distillLoss(c, model.config, x, weights, tau);
  for (const engine of ["tfjs", "onnx"] as EngineName[]) {
    const out = await runModel(engine, { key: "distill-test", fn, params: studentParams({ model, head }), inputs });
    for (const k of ["mse", "nce", "sim", "kl"]) {
      const got = out[k].data[0];
      assert.ok(Math.abs(got - want[k]) < 2e-4 * Math.max(1, Math.abs(want[k])), `${engine} ${k}: ${got} vs ${want[k]}`);
    }
    const total = want.mse + 0.5 * want.nce + 2 * want.sim + 0.25 * want.kl;
    assert.ok(Math.abs(out.loss.data[0] - total) < 5e-4 * Math.max(1, total), `${engine} total`);
  }
  head.dispose();
  model.dispose();
});

test("distillation training lowers the loss and moves the student's neighbours toward the teacher's", async () => {
  await initBackend();
  const model = await loadBert(FIXTURE);
  const tok = BertTokenizer.fromDir(FIXTURE);
  const H = model.config.hidden_size, D = 8;
  const texts = sentences(tok, 64, 4);
  // A teacher the student can reach: a fixed random map of the sentences' bag of words.
  const vocab = tok.vocabSize;
  const proj = gaussianRows(vocab, D, 77);
  const teacher = new Float32Array(texts.length * D);
  texts.forEach((t, i) => {
    for (const id of tok.encode(t, null, { addSpecialTokens: false }).ids) for (let d = 0; d < D; d++) teacher[i * D + d] += proj[id * D + d];
  });
  const rowsOf = (X: Float32Array) => Array.from({ length: texts.length }, (_, i) => Array.from(X.subarray(i * D, (i + 1) * D)));
  const nb = topNeighbours(rowsOf(teacher), 5);
  const head = new DistillHead(H, D, 1);
  const before = neighbourAgreement(applyLinear(head.toLinearMap(), await embedTexts(model, tok, texts, { pooling: "mean", cache: false, progress: false })), nb, 5);
  const tensorsBefore = tf().memory().numTensors;
  const { records, transform } = await trainDistill({ model, head }, tok, texts, { data: teacher, dim: D }, { steps: 60, batchSize: 16, maxLength: 16, lr: 3e-3, loss: { mse: 1, nce: 1 }, temperature: 0.1, seed: 2, engine: "onnx" });
  assert.ok(transform, "the teacher is centred by default");
  assert.equal(tf().memory().numTensors, tensorsBefore, "no tensor leaked");
  const mean = (rs: typeof records) => rs.reduce((a, r) => a + r.loss, 0) / rs.length;
  assert.ok(mean(records.slice(-10)) < mean(records.slice(0, 10)), `loss ${mean(records.slice(0, 10)).toFixed(3)} → ${mean(records.slice(-10)).toFixed(3)}`);
  const after = neighbourAgreement(applyLinear(head.toLinearMap(), await embedTexts(model, tok, texts, { pooling: "mean", cache: false, progress: false })), nb, 5);
  assert.ok(after > before, `neighbour agreement ${before.toFixed(3)} → ${after.toFixed(3)}`);
  assert.ok(model.params.isTrainable(model.params.names()[0]), "every parameter is trainable again afterwards");
  head.dispose();
  model.dispose();
});
