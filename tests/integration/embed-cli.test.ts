/** `course embed` → `course cluster` / `course pca`, end to end on the FAQ and on any question,answer CSV. */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const TINY = path.join(ROOT, "tests", "fixtures", "tiny-bert-hf");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-embed-"));
const env = { ...process.env, COURSE_CACHE_DIR: path.join(tmp, "cache") };

function course(...args: string[]) {
  const r = spawnSync(process.execPath, [COURSE, ...args], { cwd: ROOT, env, encoding: "utf8" });
  assert.equal(r.status, 0, `course ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test("the chatbot FAQ: embed with the offline sentence encoder, cluster against intents, PCA to 2-D", () => {
  const emb = path.join(tmp, "faq.json");
  course("embed", "--input", "datasets/chatbot/university-faq.csv", "--labels", "answer", "--model", "use-lite", "--out", emb);
  const data = JSON.parse(fs.readFileSync(emb, "utf8"));
  assert.equal(data.texts.length, 391);
  assert.equal(data.labelNames.length, 31);
  assert.equal(data.vectors[0].length, 512);
  const scores = JSON.parse(course("cluster", "--input", emb));
  assert.equal(scores.k, 31);
  for (const key of ["ari", "nmi", "purity", "silhouette"]) assert.equal(typeof scores[key], "number", key);
  // Far better than chance (ARI ≈ 0): the encoder groups paraphrases.
  assert.ok(scores.ari > 0.1 && scores.nmi > 0.4, JSON.stringify(scores));
  const pcaOut = path.join(tmp, "pca.json");
  course("pca", "--input", emb, "--out", pcaOut);
  const p = JSON.parse(fs.readFileSync(pcaOut, "utf8"));
  assert.equal(p.points.length, 391);
  assert.equal(p.points[0].length, 2);
  assert.ok(p.explainedVarianceRatio[0] >= p.explainedVarianceRatio[1]);
});

test("any question,answer CSV (no intent column): intents from identical answers; every BERT layer scored", () => {
  const csv = path.join(tmp, "mini.csv");
  fs.writeFileSync(
    csv,
    [
      "question,answer",
      "where is the gym,The gym is in block C.",
      "gym location?,The gym is in block C.",
      "how do i find the gym,The gym is in block C.",
      "when do exams start,Exams start on 2 May.",
      "exam start date,Exams start on 2 May.",
      '"when are the exams, roughly",Exams start on 2 May.',
    ].join("\n") + "\n",
  );
  const emb = path.join(tmp, "mini.json");
  course("embed", "--input", csv, "--labels", "answer", "--model", TINY, "--pooling", "mean", "--layer", "all", "--out", emb);
  const data = JSON.parse(fs.readFileSync(emb, "utf8"));
  assert.deepEqual(data.labels, [0, 0, 0, 1, 1, 1]);
  assert.equal(data.layers.length, 3); // embeddings + 2 layers in the tiny fixture
  const perLayer = JSON.parse(course("cluster", "--input", emb, "--k", "2"));
  assert.equal(perLayer.length, 3);
  for (const r of perLayer) assert.equal(typeof r.ari, "number");
});

test("a CSV without the text column fails naming the file and the column", () => {
  const csv = path.join(tmp, "bad.csv");
  fs.writeFileSync(csv, "query,answer\nhi,hello\n");
  const r = spawnSync(process.execPath, [COURSE, "embed", "--input", csv, "--model", "use-lite", "--out", path.join(tmp, "x.json")], { cwd: ROOT, env, encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /bad\.csv/);
  assert.match(r.stderr, /question/);
});

test("course whiten: a sentence encoder folder from a BERT and corpus questions, loadable by course embed", () => {
  // A small corpus file: documents between ===== lines, with enough questions of 6–40 words.
  const subjects = ["the library", "the gym", "the exam office", "the hostel", "the canteen", "the bus stop", "the lab", "the bank"];
  const asks = ["When does {} open on a normal weekday?", "How do I get to {} from the main gate?", "Is {} open during the summer holidays?", "Who should I ask about {} if nobody answers?", "Can I bring a friend to {} in the evening?", "Why is {} so crowded every Monday morning?"];
  const docs = subjects.map((s) => asks.map((a) => a.replace("{}", s)).join(" ") + " It is a place on campus.");
  const corpus = path.join(tmp, "questions.txt");
  fs.writeFileSync(corpus, docs.join("\n\n=====\n\n") + "\n");
  const out = path.join(tmp, "sbert");
  const log = course("whiten", "--model", TINY, "--out", out, "--corpus", corpus, "--count", "40", "--dims", "16", "--engine", "tfjs");
  assert.match(log, /40 questions \(of 48\)/);
  assert.match(log, /mean pooling, whitened ARI/);
  const modules = JSON.parse(fs.readFileSync(path.join(out, "modules.json"), "utf8")) as { type: string }[];
  assert.deepEqual(modules.map((m) => m.type.split(".").pop()), ["Transformer", "Pooling", "Dense", "Normalize"]);
  const record = JSON.parse(fs.readFileSync(path.join(out, "whitening-record.json"), "utf8"));
  assert.equal(record.fittedOn, 40);
  assert.equal(record.dims, 16);
  for (const k of ["before", "after"]) for (const m of ["ari", "nmi", "nnAccuracy"]) assert.equal(typeof record.faq[k][m], "number", `${k}.${m}`);
  const emb = path.join(tmp, "whitened.json");
  course("embed", "--input", "datasets/chatbot/university-faq.csv", "--labels", "intent", "--model", out, "--out", emb);
  const v = JSON.parse(fs.readFileSync(emb, "utf8")).vectors as number[][];
  assert.equal(v[0].length, 16);
  v.forEach((x) => assert.ok(Math.abs(Math.hypot(...x) - 1) < 1e-6, "each vector has length 1"));
  // Too few questions for the vectors' size: a clear error, not a singular matrix.
  const few = spawnSync(process.execPath, [COURSE, "whiten", "--model", TINY, "--out", path.join(tmp, "few"), "--corpus", corpus, "--engine", "tfjs", "--count", "5"], { cwd: ROOT, env, encoding: "utf8" });
  assert.notEqual(few.status, 0);
  assert.match(few.stderr, /whitening 32 dimensions needs more than 32 sentences.*Raise --count or lower --dims/);
});
