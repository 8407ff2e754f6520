/** The tokenizer a pre-training run uses: an existing one, or a WordPiece vocabulary learned from the corpus. */
import * as fs from "fs";
import * as path from "path";
import type { Document } from "../data/corpus";
import { BertTokenizer } from "../text/tokenizer";
import type { TokenizerJson } from "../text/tokenizer";
import { tokenizerJsonFor, trainWordPiece } from "../text/wordpiece-trainer";

/** Learns a `vocabSize` WordPiece vocabulary from the documents and returns its BertTokenizer. */
export function trainTokenizer(docs: readonly Document[], vocabSize: number): BertTokenizer {
  const { vocab } = trainWordPiece(docs.map((d) => d.text), { vocabSize });
  return BertTokenizer.fromTokenizerJson(tokenizerJsonFor(vocab) as TokenizerJson);
}

/** A folder's tokenizer if it has one, else null. */
export function tokenizerIn(dir: string): BertTokenizer | null {
  return fs.existsSync(path.join(dir, "tokenizer.json")) || fs.existsSync(path.join(dir, "vocab.txt")) ? BertTokenizer.fromDir(dir) : null;
}
