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
