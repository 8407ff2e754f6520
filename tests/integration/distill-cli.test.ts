/** `course distill` end to end on the tiny BERT: a corpus folder, a teacher (another BERT folder), the record, the folder `course embed` loads, --resume; the vocabulary stage alone (--vocab yes --steps 0). */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const TINY = path.join(ROOT, "tests", "fixtures", "tiny-bert-hf");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-distill-"));
const env = { ...process.env, COURSE_CACHE_DIR: path.join(tmp, "cache") };

function course(...args: string[]) {
  const r = spawnSync(process.execPath, [COURSE, ...args], { cwd: ROOT, env, encoding: "utf8" });
  assert.equal(r.status, 0, `course ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** 60 documents of questions and statements made of the tiny vocabulary's tokens. */
function corpus(): string {
  const dir = path.join(tmp, "corpus");
  fs.mkdirSync(dir, { recursive: true });
  let s = 5;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const word = () => `tok${5 + Math.floor(rnd() * 90)}`;
  const sentence = (n: number, end: string) => `${Array.from({ length: n }, word).join(" ")}${end}`;
  for (let d = 0; d < 60; d++) {
    const text = Array.from({ length: 6 }, (_, i) => (i % 2 ? sentence(4 + Math.floor(rnd() * 6), "?") : sentence(5 + Math.floor(rnd() * 6), "."))).join(" ");
    fs.writeFileSync(path.join(dir, `doc${String(d).padStart(2, "0")}.txt`), text.replace(/(^|[.?] )tok/g, "$1Tok") + "\n");
  }
  return dir;
}

test("course distill: a sentence-transformers folder from a teacher's vectors, its record, course embed loads it", () => {
  const out = path.join(tmp, "student");
  const log = course("distill", "--model", TINY, "--teacher", TINY, "--corpus", corpus(), "--out", out, "--steps", "6", "--batch", "8", "--lr", "1e-3",
    "--max-length", "16", "--loss", "mse:1,kl:1", "--eval-every", "3", "--words", "20", "--engine", "tfjs");
  assert.match(log, /eval @3: held-out agreement@10/);
  for (const f of ["config.json", "model.safetensors", "vocab.txt", "tokenizer.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors"]) {
    assert.ok(fs.existsSync(path.join(out, f)), f);
  }
  const modules = JSON.parse(fs.readFileSync(path.join(out, "modules.json"), "utf8"));
  assert.deepEqual(modules.map((m: { type: string }) => m.type.split(".").pop()), ["Transformer", "Pooling", "Dense", "Normalize"]);
  const record = JSON.parse(fs.readFileSync(path.join(out, "distill-record.json"), "utf8"));
  assert.equal(record.data.words, 20);
  assert.deepEqual(record.evals.map((e: { step: number }) => e.step), [0, 3, 6]);
  assert.ok(record.selected && [0, 3, 6].includes(record.selected.step));
  assert.ok(!fs.existsSync(path.join(out, "checkpoint")), "the checkpoint is removed after a finished run");
  const emb = path.join(tmp, "emb.json");
  course("embed", "--input", "datasets/chatbot/university-faq.csv", "--labels", "answer", "--model", out, "--out", emb);
  const data = JSON.parse(fs.readFileSync(emb, "utf8"));
  assert.equal(data.vectors[0].length, 32, "the teacher's dimension (the tiny BERT's hidden size)");
  for (const v of data.vectors.slice(0, 5)) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4, "Normalize: length 1");
});

test("course distill --vocab yes --steps 0: the word-piece table is distilled by least squares, nothing else trains", () => {
  const out = path.join(tmp, "vocab-student");
  const log = course("distill", "--model", TINY, "--teacher", TINY, "--corpus", corpus(), "--out", out, "--steps", "0", "--vocab", "yes", "--max-length", "16", "--engine", "tfjs");
  assert.match(log, /vocabulary stage/);
  assert.match(log, /eval @0: held-out agreement@10/);
  const record = JSON.parse(fs.readFileSync(path.join(out, "distill-record.json"), "utf8"));
  assert.ok(record.vocab && record.vocab.iterations > 0 && record.vocab.relativeResidual < 1e-3, JSON.stringify(record.vocab));
  assert.ok(record.vocab.piecesSeen > 0 && record.vocab.piecesSeen <= record.vocab.vocabulary);
  assert.deepEqual(record.evals.map((e: { step: number }) => e.step), [0]);
  assert.deepEqual(record.selected, { step: 0, agreement: record.evals[0].agreement });
  const emb = path.join(tmp, "emb-vocab.json");
  course("embed", "--input", "datasets/chatbot/university-faq.csv", "--labels", "answer", "--model", out, "--out", emb);
  const data = JSON.parse(fs.readFileSync(emb, "utf8"));
  for (const v of data.vectors.slice(0, 5)) assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-4, "Normalize: length 1");
});

test("course distill --layers auto keeps the layers held-out agreement picks; --layers N trains a cut student; the table is fitted once", () => {
  const auto = path.join(tmp, "layers-auto");
  const log = course("distill", "--model", TINY, "--teacher", TINY, "--corpus", corpus(), "--out", auto, "--steps", "0", "--vocab", "yes", "--layers", "auto", "--max-length", "16", "--engine", "tfjs");
  assert.match(log, /hidden state 0 \(embeddings\): held-out agreement@10/);
  const full = JSON.parse(fs.readFileSync(path.join(TINY, "config.json"), "utf8")).num_hidden_layers as number;
  const record = JSON.parse(fs.readFileSync(path.join(auto, "distill-record.json"), "utf8"));
  const choice = record.student.layerChoice;
  assert.equal(choice.byLayer.length, full + 1, "one agreement per hidden state");
  assert.equal(choice.of, full);
  const best = choice.byLayer.filter((r: { layer: number }) => r.layer >= 1).reduce((b: { agreement: number }, r: { agreement: number }) => (r.agreement > b.agreement ? r : b));
  assert.equal(choice.kept, best.layer, "the encoder layer with the highest held-out agreement");
  assert.equal(JSON.parse(fs.readFileSync(path.join(auto, "config.json"), "utf8")).num_hidden_layers, choice.kept);
  assert.equal(typeof record.vocab.fromCache, "boolean"); // (the test above fitted the same table: this run may read it)

  const cut = path.join(tmp, "layers-1");
  const log1 = course("distill", "--model", TINY, "--teacher", TINY, "--corpus", corpus(), "--out", cut, "--steps", "2", "--batch", "8", "--eval-every", "2", "--vocab", "yes", "--layers", "1", "--max-length", "16", "--engine", "tfjs");
  assert.match(log1, /the table is read from/);
  const r1 = JSON.parse(fs.readFileSync(path.join(cut, "distill-record.json"), "utf8"));
  assert.equal(r1.vocab.fromCache, true);
  assert.equal(r1.student.layers, 1);
  assert.equal(JSON.parse(fs.readFileSync(path.join(cut, "config.json"), "utf8")).num_hidden_layers, 1);
  const emb = path.join(tmp, "emb-cut.json");
  course("embed", "--input", "datasets/chatbot/university-faq.csv", "--labels", "answer", "--model", cut, "--out", emb);
  assert.equal(JSON.parse(fs.readFileSync(emb, "utf8")).vectors.length, 391);
});

test("course distill names bad options", () => {
  for (const [option, message] of [["--vocab=maybe", /--vocab must be yes or no/], ["--steps=-1", /--steps must be a whole number ≥ 0/], ["--steps=1.5", /--steps must be a whole number ≥ 0/], ["--layers=0", /--layers must be all, auto or a whole number ≥ 1/]] as const) {
    const r = spawnSync(process.execPath, [COURSE, "distill", "--out", path.join(tmp, "x"), option], { cwd: ROOT, env, encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, message);
  }
  const r = spawnSync(process.execPath, [COURSE, "distill", "--out", path.join(tmp, "x"), "--loss", "cosine"], { cwd: ROOT, env, encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown distillation loss "cosine"/);
});
