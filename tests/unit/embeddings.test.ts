import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import { settings } from "../../lib/env";
import { loadBert, BertModel } from "../../lib/models/bert";
import { BertTokenizer } from "../../lib/text";
import { embedTexts, addNoise, reinitialize, restore, snapshot, withPerturbation, loadUseLite, weightsFingerprint } from "../../lib/embeddings";

const FIXTURE = path.resolve(__dirname, "..", "fixtures", "tiny-bert-hf");
let model: BertModel;
let tok: BertTokenizer;
const texts = ["how much is the hostel fee", "when does the library open on sunday", "fees", "where can i park my car near the main building today"];

before(async () => {
  settings.cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "course-emb-"));
  await initBackend();
  model = await loadBert(FIXTURE);
  tok = BertTokenizer.fromDir(FIXTURE);
});

const close = (a: number[], b: number[], tol = 1e-5) => a.every((x, i) => Math.abs(x - b[i]) <= tol);

test("[CLS] pooling is the first token of the chosen hidden state", async () => {
  const cls = await embedTexts(model, tok, texts, { pooling: "cls", layer: 1, cache: false });
  const enc = tok.encodeBatch(texts, { maxLength: 128, truncation: true });
  const out = model.forward({ inputIds: enc.inputIds, attentionMask: enc.attentionMask, tokenTypeIds: enc.tokenTypeIds }, { heads: false });
  const h1 = (await out.hiddenStates[1].array()) as number[][][];
  out.hiddenStates.forEach((x) => x.dispose());
  out.poolerOutput?.dispose();
  texts.forEach((_, i) => assert.ok(close(cls[i], h1[i][0]), `text ${i}`));
});

test("mean pooling ignores padding: a text embeds the same alone and in a padded batch", async () => {
  const batch = await embedTexts(model, tok, texts, { pooling: "mean", cache: false });
  const alone = await embedTexts(model, tok, [texts[2]], { pooling: "mean", cache: false });
  assert.ok(close(batch[2], alone[0], 1e-4));
});

test("layer 'all' gives L+1 hidden states; -1 is the last; pooler only for the last layer", async () => {
  const L = model.config.num_hidden_layers;
  const all = await embedTexts(model, tok, texts, { pooling: "mean", layer: "all", cache: false });
  assert.equal(all.length, L + 1);
  const last = await embedTexts(model, tok, texts, { pooling: "mean", layer: -1, cache: false });
  assert.ok(close(all[L][0], last[0]));
  const pooler = await embedTexts(model, tok, texts, { pooling: "pooler", cache: false });
  assert.equal(pooler[0].length, model.config.hidden_size);
  await assert.rejects(embedTexts(model, tok, texts, { pooling: "pooler", layer: 0 }), /pooler_output exists only for the last layer/);
  await assert.rejects(embedTexts(model, tok, texts, { layer: L + 1 }), /layer \d+ does not exist/);
});

test("no tensors leak across embedding", async () => {
  const t = tf();
  const n0 = t.memory().numTensors;
  await embedTexts(model, tok, texts, { pooling: "cls", layer: "all", cache: false });
  assert.equal(t.memory().numTensors, n0);
});

test("the disk cache returns the same vectors, and is keyed by the weights", async () => {
  const a = await embedTexts(model, tok, texts, { pooling: "mean" });
  const files = fs.readdirSync(path.join(settings.cacheDir, "embeddings"));
  assert.ok(files.some((f) => f.endsWith(".f32")));
  const b = await embedTexts(model, tok, texts, { pooling: "mean" });
  assert.ok(close(a[0], b[0], 1e-7));
  const fp = weightsFingerprint(model);
  const noisy = await withPerturbation(model, (m) => addNoise(m, { groups: "all", scale: 0.5, seed: 1 }), () => embedTexts(model, tok, texts, { pooling: "mean" }));
  assert.ok(!close(a[0], noisy[0], 1e-3), "perturbed weights must not hit the cache");
  assert.equal(weightsFingerprint(model), fp, "weights restored exactly");
});

test("noise and re-initialisation change the chosen groups only, and restore is bit-exact", () => {
  const before = snapshot(model);
  const snap = addNoise(model, { groups: "layer.0", scale: 0.1, seed: 3 });
  const q0 = "bert.encoder.layer.0.attention.self.query.weight";
  const emb = "bert.embeddings.word_embeddings.weight";
  assert.ok(!(model.params.get(q0).dataSync() as Float32Array).every((v, i) => v === before.get(q0)![i]));
  assert.ok((model.params.get(emb).dataSync() as Float32Array).every((v, i) => v === before.get(emb)![i]));
  restore(model, snap);
  for (const [n, v] of before) assert.ok((model.params.get(n).dataSync() as Float32Array).every((x, i) => x === v[i]), n);
  const snap2 = reinitialize(model, { groups: ["layer.0"], seed: 4 });
  const ln = "bert.encoder.layer.0.output.LayerNorm.weight";
  assert.ok((model.params.get(ln).dataSync() as Float32Array).every((x) => x === 1));
  restore(model, snap2);
  assert.throws(() => addNoise(model, { groups: "layer.99", scale: 1 }), /no parameter group "layer.99"; this model has: all, embeddings/);
});

test("Universal Sentence Encoder Lite loads offline: 512-d, paraphrases closer than unrelated questions", async () => {
  const use = await loadUseLite();
  const [a, b, c] = await use.embed(["How much is the hostel fee?", "What does the hostel cost per semester?", "When is the library open?"]);
  const cos = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0) / Math.hypot(...x) / Math.hypot(...y);
  assert.equal(a.length, 512);
  assert.ok(cos(a, b) > cos(a, c) + 0.2, `paraphrase ${cos(a, b)} vs unrelated ${cos(a, c)}`);
  assert.deepEqual(use.tokenizer.encode(""), []);
  assert.ok(use.tokenizer.encode("hostel fees").length >= 2);
});
