/**
 * The JSON files that `course embed`, `course cluster` and `course pca` pass along:
 * texts, optional labels, and vectors (one layer, or every layer).
 */
import * as fs from "fs";
import * as path from "path";

export interface EmbeddingFile {
  model: string;
  pooling?: string;
  /** A single layer index, or "all" (then `layers` holds one matrix per hidden state). */
  layer?: number | "all";
  texts: string[];
  /** Integer class per text, and the class names, when the input had labels. */
  labels?: number[];
  labelNames?: string[];
  vectors?: number[][];
  layers?: number[][][];
  created: string;
}

export function writeEmbeddingFile(file: string, data: EmbeddingFile): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data));
  fs.renameSync(tmp, file);
}

export function readEmbeddingFile(file: string): EmbeddingFile {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(`${file}: no such file. Make one with \`npx course embed --input FILE.csv --out ${file}\`.`);
  }
  let data: EmbeddingFile;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); was it written completely?`);
  }
  if (!Array.isArray(data.texts) || (!Array.isArray(data.vectors) && !Array.isArray(data.layers))) {
    throw new Error(`${file} is not an embedding file: it needs "texts" and "vectors" (or "layers"), as written by \`course embed\`.`);
  }
  const mats = data.vectors ? [data.vectors] : data.layers!;
  for (const m of mats) {
    if (m.length !== data.texts.length) throw new Error(`${file}: ${m.length} vectors for ${data.texts.length} texts.`);
  }
  if (data.labels && data.labels.length !== data.texts.length) throw new Error(`${file}: ${data.labels.length} labels for ${data.texts.length} texts.`);
  return data;
}
