import { Command, UsageError, num, str } from "../command";
import { clusteringScores, kmeans, kSweep } from "../../analysis";
import { readCsv, findColumn, deriveIntents } from "../../data";
import { readEmbeddingFile } from "../../embeddings/io";
import * as fs from "fs";
import * as path from "path";

/** Labels from the embedding file, or from a CSV column ("FILE.csv:column"; "answer" derives intents). */
function labelsFrom(spec: string | undefined, fileLabels: number[] | undefined, n: number): number[] | undefined {
  if (!spec) return fileLabels;
  const [file, col = "intent"] = spec.split(/:(?=[^:\\/]+$)/);
  const table = readCsv(file, { requiredColumns: [col], ignoreCase: true });
  const c = findColumn(table.columns, col, true)!;
  const raw = table.rows.map((r) => r[c]);
  if (raw.length !== n) throw new Error(`${file} has ${raw.length} rows but the embedding file has ${n} texts; they must be the same rows.`);
  const names = col.toLowerCase() === "answer" ? deriveIntents(raw) : raw;
  const distinct = [...new Set(names)];
  return names.map((x) => distinct.indexOf(x));
}

export const command: Command = {
  name: "cluster",
  summary: "K-Means on embedding vectors; prints {ari, nmi, purity, silhouette} against the labels",
  usage: `usage: course cluster --input FILE.json [--k K|auto] [--labels-from FILE.csv[:COLUMN]] [--seed S] [--out FILE.json]

Clusters the vectors of \`course embed\`'s output with K-Means (k-means++, 10 restarts).
--k auto sweeps k and keeps the best silhouette; the default k is the number of label classes.
Labels: the embedding file's own (from --labels at embed time), or a CSV column (":answer"
derives one class per distinct answer). With --layer all embeddings, every layer is scored.`,
  options: { input: { type: "string" }, k: { type: "string" }, "labels-from": { type: "string" }, seed: { type: "string" }, out: { type: "string" } },
  async run({ values }) {
    const input = str(values, "input");
    if (!input) throw new UsageError("--input FILE.json is required");
    const data = readEmbeddingFile(input);
    const n = data.texts.length;
    const labels = labelsFrom(str(values, "labels-from"), data.labels, n);
    const kArg = str(values, "k", labels ? String(new Set(labels).size) : "auto")!;
    const seedArg = str(values, "seed", "0")!;
    const seed = Number(seedArg);
    if (!/^\d+$/.test(seedArg.trim()) || !Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a whole number ≥ 0, got "${seedArg}"`);
    const mats = data.vectors ? [{ layer: data.layer ?? -1, X: data.vectors }] : data.layers!.map((X, i) => ({ layer: i, X }));
    const results = [];
    for (const { layer, X } of mats) {
      const distinct = new Set(X.map((row) => row.join(","))).size;
      if (distinct < 2) {
        // e.g. [CLS] at hidden state 0: the same token, position and segment for every text.
        results.push({ layer, k: 0, note: "every vector is identical here, so there is nothing to cluster", clusters: [] as number[], sweep: undefined });
        continue;
      }
      let k: number;
      let sweep;
      if (kArg === "auto") {
        // A coarse geometric grid of k (about 12 values from 2 up), 3 restarts each: a full
        // sweep of every k with 10 restarts takes minutes on a few hundred 512-d points.
        const maxK = Math.min(n - 1, labels ? 2 * new Set(labels).size : 40);
        const ks = [...new Set(Array.from({ length: 12 }, (_, i) => Math.round(2 * Math.pow(maxK / 2, i / 11))))].filter((k) => k >= 2 && k <= maxK);
        sweep = kSweep(X, ks, { seed, nInit: 3 });
        if (sweep.suggestedK === null) throw new Error("no k gave a defined silhouette; pass --k explicitly");
        k = sweep.suggestedK;
      } else {
        k = Number(kArg);
        if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k must be a positive integer or "auto", got "${kArg}"`);
        if (k > distinct) k = distinct; // fewer distinct points than clusters: as many clusters as points
      }
      const km = kmeans(X, k, { seed });
      const scores = labels ? clusteringScores(labels, km.labels, X) : { silhouette: clusteringScores(km.labels, km.labels, X).silhouette };
      results.push({ layer, k, inertia: km.inertia, ...scores, clusters: km.labels, sweep: sweep?.points.map((p) => ({ k: p.k, inertia: p.inertia, silhouette: p.silhouette })) });
    }
    const summary = results.map(({ clusters: _c, sweep: _s, ...r }) => r);
    console.log(JSON.stringify(summary.length === 1 ? summary[0] : summary, null, 1));
    const out = str(values, "out");
    if (out) {
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, JSON.stringify({ input, model: data.model, pooling: data.pooling, labelNames: data.labelNames, labels, results }, null, 1));
    }
    return 0;
  },
};
