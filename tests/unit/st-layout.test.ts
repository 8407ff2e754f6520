/**
 * models/course-sbert in sentence-transformers' layout: every file sentence-transformers reads, checked one
 * by one, and the vectors `course embed` makes against those Python's sentence-transformers made from the
 * same folder (tests/fixtures/st-reference/make_reference.py, its output course-sbert.json).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { embedTexts } from "../../lib/embeddings/bert";
import { COURSE_SBERT_DIR, loadEncoder } from "../../lib/embeddings/encoders";
import { parseSafetensors } from "../../lib/models/safetensors";

const DIR = COURSE_SBERT_DIR;
const REF = path.join(__dirname, "..", "fixtures", "st-reference", "course-sbert.json");
const json = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8"));

test("course-sbert has every file sentence-transformers reads, in its layout", () => {
  const modules = json("modules.json") as { idx: number; name: string; path: string; type: string }[];
  assert.deepEqual(modules.map((m) => [m.idx, m.name, m.type]), [
    [0, "0", "sentence_transformers.models.Transformer"],
    [1, "1", "sentence_transformers.models.Pooling"],
    [2, "2", "sentence_transformers.models.Dense"],
    [3, "3", "sentence_transformers.models.Normalize"],
  ]);
  assert.equal(modules[0].path, "", "the Transformer is the folder itself");
  // 0 · Transformer: a Hugging Face BertModel and its tokenizer.
  const config = json("config.json");
  assert.equal(config.model_type, "bert");
  assert.deepEqual(config.architectures, ["BertModel"]);
  const H = config.hidden_size as number;
  const st = json("sentence_bert_config.json");
  assert.ok(Number.isInteger(st.max_seq_length) && st.max_seq_length <= config.max_position_embeddings, JSON.stringify(st));
  assert.equal(typeof st.do_lower_case, "boolean");
  for (const f of ["vocab.txt", "tokenizer.json", "tokenizer_config.json"]) assert.ok(fs.existsSync(path.join(DIR, f)), f);
  assert.equal(json("tokenizer_config.json").tokenizer_class, "BertTokenizer");
  const weights = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(DIR, "model.safetensors")))).tensors;
  assert.deepEqual(weights.get("embeddings.word_embeddings.weight")?.shape, [config.vocab_size, H], "bare BertModel names (no bert. prefix)");
  assert.ok(![...weights.keys()].some((n) => n.startsWith("cls.")), "no pre-training heads");
  // 1 · Pooling: the mean of the token vectors only.
  const pooling = json(path.join(modules[1].path, "config.json"));
  assert.equal(pooling.word_embedding_dimension, H);
  assert.equal(pooling.pooling_mode_mean_tokens, true);
  assert.equal(pooling.pooling_mode_cls_token, false);
  assert.equal(pooling.pooling_mode_max_tokens, false);
  // 2 · Dense: a linear layer H → D, weights as torch.nn.Linear stores them ([out, in]).
  const dense = json(path.join(modules[2].path, "config.json"));
  assert.equal(dense.in_features, H);
  assert.equal(dense.bias, true);
  assert.equal(dense.activation_function, "torch.nn.modules.linear.Identity");
  const dw = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(DIR, modules[2].path, "model.safetensors")))).tensors;
  assert.deepEqual(dw.get("linear.weight")?.shape, [dense.out_features, H]);
  assert.deepEqual(dw.get("linear.bias")?.shape, [dense.out_features]);
  // 3 · Normalize has no files.
});

test("course embed gives the vectors Python's sentence-transformers gives for course-sbert (pooled at 1e-4; after a whitening Dense at 5e-4)", async (t) => {
  if (!fs.existsSync(REF)) return t.skip("no reference file: run tests/fixtures/st-reference/make_reference.py where sentence-transformers is installed");
  const ref = JSON.parse(fs.readFileSync(REF, "utf8")) as { sentences: string[]; vectors: number[][]; pooled: number[][]; dense_max_abs_weight: number | null; weights_sha256: Record<string, string> };
  for (const [file, hash] of Object.entries(ref.weights_sha256)) {
    const now = crypto.createHash("sha256").update(fs.readFileSync(path.join(DIR, file))).digest("hex");
    assert.equal(now, hash, `models/course-sbert/${file} changed since the reference was made: re-run tests/fixtures/st-reference/make_reference.py`);
  }
  const enc = await loadEncoder("course-sbert");
  const got = await enc.embed(ref.sentences);
  // The BERT and the pooling alone (before the Dense layer).
  const pooled = await embedTexts(enc.bert!.model, enc.bert!.tokenizer, ref.sentences, { pooling: "mean", cache: false, progress: false });
  enc.dispose();
  const largest = (a: number[][], b: number[][]) => {
    assert.equal(a.length, b.length);
    return Math.max(...a.map((row, i) => (assert.equal(row.length, b[i].length), Math.max(...row.map((v, d) => Math.abs(v - b[i][d]))))));
  };
  const pooledDiff = largest(pooled, ref.pooled);
  assert.ok(pooledDiff < 1e-4, `pooled vectors: largest difference ${pooledDiff}`);
  // A whitening Dense layer has weights in the thousands (1/√ of small variances): it multiplies float32 rounding,
  // and sentence-transformers' own float32 result then differs from a float64 one by ~1.3e-4 (measured for the
  // whitened course-sbert, largest weight 2,150). A trained Dense layer has no such weights: 1e-4 holds.
  const tolerance = (ref.dense_max_abs_weight ?? 0) > 100 ? 5e-4 : 1e-4;
  const worst = largest(got, ref.vectors);
  assert.ok(worst < tolerance, `largest difference ${worst} (tolerance ${tolerance}; largest Dense weight ${ref.dense_max_abs_weight})`);
});
