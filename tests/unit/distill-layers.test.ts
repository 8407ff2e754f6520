/** Fewer layers for a student: keepFirstLayers, the held-out layer choice, and the vocabulary table's cache. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { settings } from "../../lib/env";
import { hostValues } from "../../lib/engine/params";
import { layersToKeep } from "../../lib/embeddings/distill-eval";
import { embedTexts } from "../../lib/embeddings/bert";
import { bagOfPieces } from "../../lib/embeddings/vocab-distill";
import { fittedPieceTable } from "../../lib/embeddings/vocab-table";
import { BertModel, keepFirstLayers, loadBert } from "../../lib/models/bert";
import { BertTokenizer } from "../../lib/text";
import { FIXTURE } from "./bert-reference";

test("keepFirstLayers copies the embeddings and the first n layers, and its hidden states are the full model's", async () => {
  const full = await loadBert(FIXTURE);
  const tok = BertTokenizer.fromDir(FIXTURE);
  const L = full.config.num_hidden_layers;
  assert.ok(L >= 2, "the fixture has at least two layers");
  const cut = keepFirstLayers(full, 1);
  try {
    assert.equal(cut.config.num_hidden_layers, 1);
    assert.equal(full.config.num_hidden_layers, L, "the original keeps its layers");
    assert.ok(!cut.params.names().some((n) => /encoder\.layer\.[1-9]/.test(n)), "no parameter of a dropped layer");
    for (const n of cut.params.names()) assert.deepEqual(hostValues(cut.params, n), hostValues(full.params, n), n);
    const texts = ["the cat sat on the mat", "where is the library?"];
    const a = await embedTexts(full, tok, texts, { pooling: "mean", layer: 1, cache: false, progress: false });
    const b = await embedTexts(cut, tok, texts, { pooling: "mean", cache: false, progress: false });
    for (let i = 0; i < texts.length; i++) for (let h = 0; h < a[i].length; h++) assert.ok(Math.abs(a[i][h] - b[i][h]) < 1e-5);
    assert.throws(() => keepFirstLayers(full, 0), /cannot keep 0 of the model's \d+ encoder layers/);
    assert.throws(() => keepFirstLayers(full, L + 1), new RegExp(`choose a whole number from 1 to ${L}`));
  } finally {
    cut.dispose();
    full.dispose();
  }
});

test("layersToKeep picks the encoder layer with the highest agreement, never the embeddings alone", () => {
  const r = (layer: number, agreement: number) => ({ layer, agreement, cosine: 0 });
  assert.equal(layersToKeep([r(0, 0.3), r(1, 0.29), r(2, 0.25)]), 1);
  assert.equal(layersToKeep([r(0, 0.1), r(1, 0.2), r(2, 0.25), r(3, 0.22)]), 2);
  assert.throws(() => layersToKeep([r(0, 0.3)]), /no encoder layer/);
});

test("fittedPieceTable fits once and reads the same table back; other inputs fit anew", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vocab-table-"));
  const old = settings.cacheDir;
  (settings as { cacheDir: string }).cacheDir = dir;
  try {
    const tok = BertTokenizer.fromDir(FIXTURE);
    const texts = ["the cat sat", "a dog ran", "the dog sat on the cat", "where is it", "is it the cat"];
    const X = bagOfPieces(tok, texts);
    const D = 6, H = 3;
    const T = Float32Array.from({ length: texts.length * D }, (_, i) => Math.sin(i * 1.7));
    const first = fittedPieceTable(X, T, D, 0.01, H);
    assert.equal(first.cached, false);
    const again = fittedPieceTable(X, T, D, 0.01, H);
    assert.equal(again.cached, true);
    assert.deepEqual(again.table, first.table);
    assert.equal(again.kept, first.kept);
    assert.equal(fittedPieceTable(X, T, D, 0.02, H).cached, false, "another λ is another table");
    T[0] += 1;
    assert.equal(fittedPieceTable(X, T, D, 0.01, H).cached, false, "other teacher vectors are another table");
  } finally {
    (settings as { cacheDir: string }).cacheDir = old;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a model made with the options keepFirstLayers uses is a BertModel of the right shape", () => {
  const m = new BertModel({ hidden_size: 8, num_hidden_layers: 3, num_attention_heads: 2, intermediate_size: 16, vocab_size: 20, max_position_embeddings: 16 });
  const c = keepFirstLayers(m, 2);
  assert.equal(c.params.groups().filter((g) => g.startsWith("layer.")).length, 2);
  c.dispose();
  m.dispose();
});
