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
    const hint = /\.json$/i.test(file) ? ` Make one with \`npx course embed --input FILE.csv --out ${file}\`.` : " It should be the JSON file `npx course embed --input FILE.csv --out vectors.json` writes.";
    throw new Error(`${file}: no such file.${hint}`);
  }
  let data: EmbeddingFile;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new Error(wrongFormat(file, raw) ?? `${file} is not valid JSON (${(err as Error).message}); was it written completely?`);
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

/**
 * What a file that is not JSON most likely is, said with the command that makes the right input:
 * a CSV or TSV table (the FAQ itself, not its vectors), or a binary file. Null when it looks like
 * JSON cut short.
 */
export function wrongFormat(file: string, raw: string): string | null {
  const text = raw.replace(/^\uFEFF/, "");
  const first = text.split(/\r?\n/, 1)[0].trim();
  const make = `\`course cluster\` and \`course pca\` read vectors: make them first with \`npx course embed --input ${file} --out vectors.json\`, then pass --input vectors.json.`;
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 512))) return `${file} is a binary file, not the JSON embedding file \`course embed\` writes (texts and vectors).`;
  if (/^[\[{]/.test(first)) return null;
  if (/\.(csv|tsv|txt)$/i.test(file) || /[,\t;]/.test(first)) {
    const kind = /\.tsv$/i.test(file) || first.includes("\t") ? "a TSV table" : "a CSV table";
    return `${file} looks like ${kind} (first line: "${first.slice(0, 60)}"), not an embedding file. ${make}`;
  }
  return `${file} is not JSON (it starts "${first.slice(0, 40)}"). ${make}`;
}
