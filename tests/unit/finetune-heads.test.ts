/**
 * The token head (BertForTokenClassification) and the sentence-pair head (BertForSequenceClassification
 * on [CLS] A [SEP] B [SEP] with token types) on the tiny BERT (tests/fixtures/tiny-bert-hf):
 *  - logits of both engines match the float64 PyTorch reference (make_head_reference.py) at 1e-4;
 *  - the loss (labels −100 ignored) and the gradients of the head, the segment embeddings and a
 *    weight of each kind match it (relative 1e-3, absolute floor 1e-6), on both engines;
 *  - the segment ids matter (changing them changes the pair logits);
 *  - first-WordPiece labelling, pair encoding and scored rows are what BERT §5.3 / §4 describe;
 * and no tfjs tensor leaks.
 */
import { test, before } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { initBackend, tf } from "../../lib/engine/tfjs/backend";
import type { HostTensor } from "../../lib/engine/ops";
import { gradientsOf, runModel } from "../../lib/engine/run";
import * as ft from "../../lib/finetuning";
import { BertTokenizer } from "../../lib/text";
import { tensorCount } from "../../lib/engine/tfjs/mirror";

const FIXTURE = path.join(__dirname, "..", "fixtures", "tiny-bert-hf");
const REF = JSON.parse(fs.readFileSync(path.join(FIXTURE, "head_reference.json"), "utf8")) as Record<"token" | "pair", HeadCase>;
const LINEAR = /(query|key|value|dense)\.weight$|^classifier\.weight$/;
const REL = 1e-3;
const FLOOR = 1e-6;

interface HeadCase {
  num_labels: number;
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  labels: number[] | number[][];
  classifier_weight: number[][];
  classifier_bias: number[];
  logits: number[][] | number[][][];
  loss: number;
  grads: Record<string, number[] | number[][]>;
}

before(async () => {
  await initBackend();
});

/** The reference case's classifier (head weights set) and inputs. */
async function setUp(kind: "token" | "pair", engine: "onnx" | "tfjs") {
  const r = REF[kind];
  const C = r.num_labels;
  const clf = await ft.loadBaseClassifier(FIXTURE, Array.from({ length: C }, (_, i) => `l${i}`), { task: kind === "token" ? "token" : "sentence", engine });
  const H = clf.bert.config.hidden_size;
  const W = new Float32Array(H * C); // memory layout [H, C]
  r.classifier_weight.forEach((row, c) => row.forEach((v, h) => (W[h * C + c] = v)));
  clf.head.assign(ft.HEAD_WEIGHT, W);
  clf.head.assign(ft.HEAD_BIAS, Float32Array.from(r.classifier_bias));
  const B = r.input_ids.length;
  const T = r.input_ids[0].length;
  const flat = (x: number[][]) => Int32Array.from(x.flat());
  const inputs: Record<string, HostTensor> = {
    inputIds: { data: flat(r.input_ids), shape: [B, T] },
    tokenTypeIds: { data: flat(r.token_type_ids), shape: [B, T] },
    attentionMask: { data: flat(r.attention_mask), shape: [B, T] },
    labels: kind === "token" ? { data: flat(r.labels as number[][]), shape: [B * T] } : { data: Int32Array.from(r.labels as number[]), shape: [B] },
  };
  return { clf, inputs, r, C, H, B, T };
}

/** A reference gradient in the course's memory layout (Linear weights [in, out]), flat. */
function refGrad(name: string, g: number[] | number[][]): number[] {
  if (!Array.isArray(g[0])) return g as number[];
  const m = g as number[][];
  if (!LINEAR.test(name)) return m.flat();
  const out: number[] = [];
  for (let i = 0; i < m[0].length; i++) for (let o = 0; o < m.length; o++) out.push(m[o][i]);
  return out;
}

for (const kind of ["token", "pair"] as const) {
  for (const engine of ["onnx", "tfjs"] as const) {
    test(`${kind} head on ${engine}: logits, loss and gradients match the float64 reference`, async () => {
      const t = tf();
      const { clf, inputs, r, C } = await setUp(kind, engine);
      const before = tensorCount();
      const pred = clf.modelFn("predict");
      const out = await runModel(engine, { key: pred.key, fn: pred.fn, params: clf.params, inputs, outputs: ["logits"] });
      const want = (r.logits as unknown as number[]).flat(2) as number[];
      assert.equal(out.logits.data.length, want.length);
      const mask = r.attention_mask.flat();
      let worst = 0;
      want.forEach((v, i) => {
        if (kind === "token" && mask[Math.floor(i / C)] === 0) return; // padded positions: not part of the model's output
        worst = Math.max(worst, Math.abs(out.logits.data[i] - v));
      });
      assert.ok(worst < 1e-4, `logits differ from the reference by ${worst}`);

      const lossFn = clf.modelFn("loss");
      const wrt = Object.keys(r.grads);
      const g = await gradientsOf(engine, { key: lossFn.key, fn: lossFn.fn, params: clf.params, inputs, loss: "loss", wrt });
      const loss = await runModel(engine, { key: lossFn.key, fn: lossFn.fn, params: clf.params, inputs, outputs: ["loss"] });
      assert.ok(Math.abs(loss.loss.data[0] - r.loss) < 1e-5, `loss ${loss.loss.data[0]} vs ${r.loss}`);
      for (const n of wrt) {
        const ref = refGrad(n, r.grads[n]);
        const got = g[n].data;
        assert.equal(got.length, ref.length, n);
        let nonzero = false;
        for (let i = 0; i < ref.length; i++) {
          if (Math.abs(ref[i]) > 1e-8) nonzero = true;
          assert.ok(Math.abs(got[i] - ref[i]) <= REL * Math.abs(ref[i]) + FLOOR, `${n}[${i}]: ${got[i]} vs reference ${ref[i]}`);
        }
        assert.ok(nonzero, `${n}: the reference gradient is zero, the test would see nothing`);
      }
      assert.equal(tensorCount(), before, "no tensor leaks");
      clf.dispose();
    });
  }
}

test("pair head: the segment ids reach the model (all-zero token types give other logits)", async () => {
  const { clf, inputs } = await setUp("pair", "tfjs");
  const pred = clf.modelFn("predict");
  const a = await runModel("tfjs", { key: pred.key, fn: pred.fn, params: clf.params, inputs, outputs: ["logits"] });
  const zeros = { ...inputs, tokenTypeIds: { data: new Int32Array(inputs.tokenTypeIds.data.length), shape: inputs.tokenTypeIds.shape } };
  const b = await runModel("tfjs", { key: pred.key, fn: pred.fn, params: clf.params, inputs: zeros, outputs: ["logits"] });
  const d = Math.max(...Array.from(a.logits.data).map((v, i) => Math.abs(v - b.logits.data[i])));
  assert.ok(d > 1e-3, `token types changed the logits by only ${d}`);
  clf.dispose();
});

test("encodeTagged: the tag on each word's first WordPiece, −100 on the rest; pairs carry token types", () => {
  const tok = BertTokenizer.fromDir(path.join(__dirname, "..", "fixtures", "tokenizers", "bert-base-uncased"));
  const enc = ft.encodeTagged(tok, [["The", "tokenization", "works", "."]], [[1, 2, 3, 4]], 32);
  const pieces = Array.from(enc.ids[0], (id) => tok.idToToken(id));
  assert.deepEqual(pieces, ["[CLS]", "the", "token", "##ization", "works", ".", "[SEP]"]);
  assert.deepEqual([...enc.tokenLabels[0]], [-100, 1, 2, -100, 3, 4, -100]);
  const cut = ft.encodeTagged(tok, [["The", "tokenization", "works", "."]], [[1, 2, 3, 4]], 4);
  assert.deepEqual([...cut.tokenLabels[0]], [-100, 1, -100]);
  assert.equal(cut.truncatedWords, 3);
  const rows = ft.scoredRows(enc, { words: [["The", "tokenization", "works", "."]], tags: [[1, 2, 3, 4]] });
  assert.deepEqual(rows, { rows: [1, 2, 4, 5], gold: [1, 2, 3, 4] });
  const pairs = ft.encodeTexts(tok, ["how do i apply"], 32, ["where is the form"]);
  const types = [...pairs.typeIds![0]];
  const sep = [...pairs.ids[0]].indexOf(tok.sepId);
  assert.deepEqual(types, [...pairs.ids[0]].map((_, i) => (i <= sep ? 0 : 1)));
  const b = ft.padBatch(pairs, [0]);
  assert.deepEqual([...b.tokenTypeIds], types);
});

test("BERT Figure 4 drawn by lib/viz: four input/head shapes, segments A/B, the outputs each head reads", async () => {
  const { taskHeadsDiagram } = await import("../../lib/viz/diagrams");
  const d = taskHeadsDiagram();
  assert.ok(d.svg.startsWith("<svg") && d.svg.includes("</svg>"));
  for (const name of ["sentence pair classification", "single sentence classification", "question answering", "single sentence tagging"]) assert.ok(d.text.includes(name), name);
  assert.ok(d.text.includes("segments 0000001111"), "the pair's second sentence is segment B");
  assert.equal(taskHeadsDiagram({ panels: "d" }).text.split("\n").length, 2);
  assert.throws(() => taskHeadsDiagram({ panels: "z" }), /names none/);
});
