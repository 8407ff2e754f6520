import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { pca } from "../../analysis";
import { readEmbeddingFile } from "../../embeddings/io";

export const command: Command = {
  name: "pca",
  summary: "project embedding vectors to 2-D (or more) with PCA, with explained variance",
  usage: `usage: course pca --input FILE.json [--components 2] [--layer N] --out FILE.json

Writes {texts, labels, labelNames, points: [[pc1, pc2], ...], explainedVarianceRatio} for plotting.
--layer picks one hidden state from a --layer all embedding file (default: the last).`,
  options: { input: { type: "string" }, components: { type: "string" }, layer: { type: "string" }, out: { type: "string" } },
  async run({ values }) {
    const input = str(values, "input");
    const out = str(values, "out");
    if (!input || !out) throw new UsageError("--input FILE.json and --out FILE.json are required");
    const data = readEmbeddingFile(input);
    let X = data.vectors;
    let layer = data.layer;
    if (!X) {
      const L = data.layers!.length - 1;
      const l = values.layer === undefined ? L : Number(values.layer);
      if (!Number.isInteger(l) || l < -(L + 1) || l > L) throw new UsageError(`--layer must be 0…${L} (or negative from the end)`);
      layer = l < 0 ? L + 1 + l : l;
      X = data.layers![layer];
    }
    const fit = pca(X, { nComponents: num(values, "components", 2) });
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
    fs.writeFileSync(
      out,
      JSON.stringify({ model: data.model, pooling: data.pooling, layer, texts: data.texts, labels: data.labels, labelNames: data.labelNames, points: fit.scores, explainedVarianceRatio: fit.explainedVarianceRatio, components: fit.components, mean: fit.mean }),
    );
    console.log(`PCA of ${fit.nSamples} × ${fit.nFeatures}: explained variance ratio ${fit.explainedVarianceRatio.map((v) => v.toFixed(3)).join(", ")} → ${out}`);
    return 0;
  },
};
