/**
 * The card's second table: the sentiment sentences (UCI "Sentiment Labelled Sentences": Amazon, IMDb and Yelp,
 * 1,000 each, half positive), embedded by every encoder the embeddings exercise compares, scored against two
 * labellings: positive/negative (k = 2) and the site a sentence comes from (k = 3). K-Means seeds 0–4 with 10
 * restarts each, NMI, and leave-one-out nearest-neighbour accuracy by cosine; the noise floor is the spread of the
 * course BERT's ARI over 20 single-start seeds. Writes models/course-sbert/sentiment-measurements.json.
 *   nice -n 10 node --import tsx models/course-sbert/explore/measure-sentiment.ts [--whitened DIR]
 * (--whitened: a `course whiten` folder to include as the whitening baseline.)
 */
import * as fs from "fs";
import * as path from "path";
import { data, embeddings } from "../../../lib";
import { BertModel } from "../../../lib/models/bert";

const OUT = path.join(__dirname, "..", "sentiment-measurements.json");
const SEEDS = 5;
const FLOOR_SEEDS = 20;
const wIdx = process.argv.indexOf("--whitened");
const whitenedDir = wIdx > 0 ? process.argv[wIdx + 1] : null;

async function main(): Promise<void> {
  const s = data.loadSentiment("all");
  const sites = [...new Set(s.origins)];
  const siteLabels = s.origins.map((o) => sites.indexOf(o));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
  const rows: Record<string, unknown>[] = [];
  const score = (name: string, X: number[][], seconds: number) => {
    const pol = embeddings.scoreEncoder(X, s.labels, { seeds: SEEDS, nInit: 10 });
    const site = embeddings.scoreEncoder(X, siteLabels, { seeds: SEEDS, nInit: 10 });
    const row = {
      model: name, dim: X[0].length,
      sentiment: { ari: +pol.ari.toFixed(4), ariStd: +pol.ariStd.toFixed(4), nmi: +pol.nmi.toFixed(4), nnAccuracy: +pol.nnAccuracy.toFixed(4) },
      site: { ari: +site.ari.toFixed(4), ariStd: +site.ariStd.toFixed(4), nmi: +site.nmi.toFixed(4), nnAccuracy: +site.nnAccuracy.toFixed(4) },
      seconds: +seconds.toFixed(1),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  };
  const timed = async (f: () => Promise<number[][]>) => { const t0 = Date.now(); const X = await f(); return { X, s: (Date.now() - t0) / 1000 }; };

  const bert = await embeddings.loadEncoder("course-bert");
  const m = bert.bert!.model, tok = bert.bert!.tokenizer;
  let floor: number[] = [];
  for (const pooling of ["cls", "pooler", "mean"] as const) {
    const { X, s: sec } = await timed(() => embeddings.embedTexts(m, tok, s.texts, { pooling, cache: false, progress: false }));
    score(`course-bert ${pooling}`, X, sec);
    if (pooling === "mean") floor = embeddings.scoreEncoder(X, s.labels, { seeds: FLOOR_SEEDS, nInit: 1, nearestNeighbour: false }).aris;
  }
  const rand = new BertModel(m.config, { heads: m.heads, seed: 1 });
  const r = await timed(() => embeddings.embedTexts(rand, tok, s.texts, { pooling: "mean", cache: false, progress: false }));
  score("random-weight BERT mean", r.X, r.s);
  rand.dispose();
  bert.dispose();
  const ids = [...(whitenedDir ? [whitenedDir] : []), "course-sbert", "use-lite", "tfidf"];
  for (const id of ids) {
    const enc = await embeddings.loadEncoder(id);
    const e = await timed(() => enc.embed(s.texts));
    score(id === whitenedDir ? "course BERT mean, whitened (course whiten)" : id, e.X, e.s);
    enc.dispose();
  }
  const out = {
    made: new Date().toISOString(),
    how: `loadSentiment("all"): ${s.texts.length} sentences from ${sites.join(", ")}; K-Means seeds 0–${SEEDS - 1}, 10 restarts, k = 2 (sentiment) and 3 (site); NMI; 1-NN by cosine, leave one out; noise floor: course-bert mean's sentiment ARI over ${FLOOR_SEEDS} single-start seeds`,
    noiseFloor: { seeds: FLOOR_SEEDS, ariMean: +mean(floor).toFixed(4), ariStd: +sd(floor).toFixed(4) },
    rows,
  };
  fs.writeFileSync(OUT, JSON.stringify(out, null, 1) + "\n");
  console.log(`noise floor: ARI ${mean(floor).toFixed(4)} ± ${sd(floor).toFixed(4)}; written ${OUT}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
