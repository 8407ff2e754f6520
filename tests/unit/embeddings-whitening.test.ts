import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { settings } from "../../lib/env";
import { mulberry32 } from "../../lib/data/split";
import { applyLinear, fitWhitening } from "../../lib/embeddings/whitening";
import { l2Normalize, readPostPooling, writeSentenceTransformersLayout } from "../../lib/embeddings/st-layout";
import { loadEncoder } from "../../lib/embeddings/encoders";
import { embedTexts } from "../../lib/embeddings/bert";

const FIXTURE = path.resolve(__dirname, "..", "fixtures", "tiny-bert-hf");

/** n correlated d-dimensional vectors with an offset: x = A·z + b, z standard normal (Box–Muller). */
function correlated(n: number, d: number, seed: number): number[][] {
  const rng = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const A = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 3 - i * 0.4 : 0.8 * normal())));
  return Array.from({ length: n }, () => {
    const z = Array.from({ length: d }, normal);
    return A.map((row, i) => row.reduce((a, w, j) => a + w * z[j], 5 - i));
  });
}

function meanAndCov(Y: number[][]): { mean: number[]; cov: number[][] } {
  const n = Y.length;
  const k = Y[0].length;
  const mean = Array.from({ length: k }, (_, j) => Y.reduce((a, y) => a + y[j], 0) / n);
  const cov = Array.from({ length: k }, (_, a) => Array.from({ length: k }, (_, b) => Y.reduce((s, y) => s + (y[a] - mean[a]) * (y[b] - mean[b]), 0) / (n - 1)));
  return { mean, cov };
}

test("whitening: the fitted vectors come out with mean 0 and identity covariance", () => {
  const X = correlated(400, 6, 1);
  const w = fitWhitening(X);
  const { mean, cov } = meanAndCov(applyLinear(w, X));
  mean.forEach((m) => assert.ok(Math.abs(m) < 1e-9, `mean ${m}`));
  cov.forEach((row, a) => row.forEach((c, b) => assert.ok(Math.abs(c - (a === b ? 1 : 0)) < 1e-9, `cov[${a}][${b}] = ${c}`)));
  for (let i = 1; i < w.variances.length; i++) assert.ok(w.variances[i] <= w.variances[i - 1], "variances largest first");
  assert.equal(w.fittedOn, 400);
});

test("whitening with --dims keeps the directions of largest variance", () => {
  const X = correlated(300, 6, 2);
  const full = fitWhitening(X);
  const w = fitWhitening(X, 3);
  assert.equal(w.weight.length, 3);
  assert.deepEqual(w.variances, full.variances.slice(0, 3));
  const { cov } = meanAndCov(applyLinear(w, X));
  cov.forEach((row, a) => row.forEach((c, b) => assert.ok(Math.abs(c - (a === b ? 1 : 0)) < 1e-9)));
  // The total variance of the input = the sum of all eigenvalues (the trace of the covariance).
  const trace = meanAndCov(X).cov.reduce((a, row, i) => a + row[i], 0);
  assert.ok(Math.abs(trace - full.variances.reduce((a, b) => a + b, 0)) < 1e-9 * trace);
});

test("whitening explains what is wrong with its input", () => {
  assert.throws(() => fitWhitening([[1, 2]]), /at least 2 vectors/);
  assert.throws(() => fitWhitening(correlated(10, 3, 3), 4), /1 to 3 dimensions/);
  assert.throws(() => fitWhitening([[1, 2], [1, 2, 3]]), /must have 2 values/);
});

test("sentence-transformers layout: Dense and Normalize are written and read back", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-st-"));
  const w = fitWhitening(correlated(100, 4, 4));
  writeSentenceTransformersLayout(dir, 4, w);
  const modules = JSON.parse(fs.readFileSync(path.join(dir, "modules.json"), "utf8")) as { type: string }[];
  assert.deepEqual(
    modules.map((m) => m.type.split(".").pop()),
    ["Transformer", "Pooling", "Dense", "Normalize"],
  );
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "2_Dense", "config.json"), "utf8")), { in_features: 4, out_features: 4, bias: true, activation_function: "torch.nn.modules.linear.Identity" });
  const back = readPostPooling(dir);
  assert.equal(back.normalize, true);
  back.dense!.weight.forEach((row, o) => row.forEach((v, j) => assert.ok(Math.abs(v - w.weight[o][j]) <= 1e-6 * Math.max(1, Math.abs(w.weight[o][j])))));
  // Written again without a Dense layer: no 2_Dense, no normalisation.
  writeSentenceTransformersLayout(dir, 4);
  assert.equal(fs.existsSync(path.join(dir, "2_Dense")), false);
  assert.deepEqual(readPostPooling(dir), { dense: null, normalize: false });
  assert.throws(() => writeSentenceTransformersLayout(dir, 8, w), /takes 4-d vectors but the pooled vectors are 8-d/);
});

test("an encoder folder with a whitening layer embeds as its pipeline says: mean pooling, Dense, length 1", async () => {
  settings.cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "course-emb-"));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "course-sbert-"));
  for (const f of fs.readdirSync(FIXTURE)) if (!f.endsWith(".py") && !f.endsWith(".json") || f === "config.json") fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  const texts = ["how much is the hostel fee", "when does the library open on sunday", "fees", "where can i park my car", "is there a bus to the campus", "what time is lunch"];
  const plain = await loadEncoder(dir);
  const X = await plain.embed(texts);
  plain.dispose();
  const hidden = X[0].length;
  const w = fitWhitening(correlated(200, hidden, 5));
  writeSentenceTransformersLayout(dir, hidden, w);
  const enc = await loadEncoder(dir);
  assert.ok(enc.dense, "the Dense layer is applied");
  const Y = await enc.embed(texts);
  const expected = l2Normalize(applyLinear(w, X));
  Y.forEach((y, i) => {
    assert.ok(Math.abs(Math.hypot(...y) - 1) < 1e-9, "length 1");
    y.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-4, `text ${i} dim ${j}: ${v} vs ${expected[i][j]}`));
  });
  // [CLS] pooling is not the folder's pipeline: the Dense layer does not apply.
  const cls = await loadEncoder(dir, { pooling: "cls" });
  assert.equal(cls.dense, undefined);
  const C = await cls.embed(texts);
  const ref = await embedTexts(cls.bert!.model, cls.bert!.tokenizer, texts, { pooling: "cls", layer: -1, cache: false });
  assert.deepEqual(C, ref);
  enc.dispose();
  cls.dispose();
});
