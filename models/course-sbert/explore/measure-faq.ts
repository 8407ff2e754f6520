/**
 * The card's FAQ comparison, through the command line as a user runs it: `course embed` then
 * `course cluster` (K-Means, k = 31 intents, 10 restarts) with seeds 0–4 for each model, the same
 * for every model, plus leave-one-out nearest-neighbour intent accuracy (cosine) from the same
 * embedding files. Writes models/course-sbert/faq-measurements.json.
 *   nice -n 10 node --import tsx models/course-sbert/explore/measure-faq.ts [model ...] [--write]
 * (--write: write the file with the models given, e.g. the default four plus a baseline folder.)
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nearestNeighbourAccuracy } from "../../../lib/embeddings/evaluate";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const COURSE = path.join(ROOT, "lib", "bin", "course.js");
const SEEDS = [0, 1, 2, 3, 4];
const write = process.argv.includes("--write");
const args = process.argv.slice(2).filter((a) => a !== "--write");
const models = args.length ? args : ["course-sbert", "course-bert", "tfidf", "use-lite"];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "faq-measure-"));

function course(...args: string[]): string {
  const r = spawnSync(process.execPath, [COURSE, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`course ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

const rows: Record<string, unknown>[] = [];
for (const model of models) {
  const file = path.join(tmp, `${model}.json`);
  const t0 = Date.now();
  course("embed", "--input", "datasets/chatbot/university-faq.csv", "--labels", "answer", "--model", model, "--out", file);
  const seconds = (Date.now() - t0) / 1000;
  const data = JSON.parse(fs.readFileSync(file, "utf8")) as { vectors: number[][]; labels: number[] };
  // (course cluster rejects "--seed 0" — its option reader wants a positive number — but 0 is its default, so seed 0 is "no --seed".)
  const runs = SEEDS.map((s) => JSON.parse(s === 0 ? course("cluster", "--input", file) : course("cluster", "--input", file, "--seed", String(s))) as { ari: number; nmi: number; k: number });
  const m = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(m(xs.map((x) => (x - m(xs)) ** 2)));
  const aris = runs.map((r) => r.ari);
  const row = { model, k: runs[0].k, seeds: SEEDS, aris: aris.map((a) => Number(a.toFixed(4))), ari: Number(m(aris).toFixed(4)), ariStd: Number(sd(aris).toFixed(4)), nmi: Number(m(runs.map((r) => r.nmi)).toFixed(4)), nnAccuracy: Number(nearestNeighbourAccuracy(data.vectors, data.labels).toFixed(4)), embedSeconds: Number(seconds.toFixed(1)) };
  rows.push(row);
  console.log(JSON.stringify(row));
}
// The card's file holds the default set; other models are only printed.
if (!write && args.length && args.join(" ") !== "course-sbert course-bert tfidf use-lite") process.exit(0);
const out = path.join(ROOT, "models", "course-sbert", "faq-measurements.json");
fs.writeFileSync(out, JSON.stringify({ made: new Date().toISOString(), how: "course embed --input datasets/chatbot/university-faq.csv --labels answer --model M; course cluster --input … --seed S (k = 31, 10 restarts), S = 0…4; nearest neighbour by cosine, leave one out", rows }, null, 1) + "\n");
console.log(`written ${out}`);
