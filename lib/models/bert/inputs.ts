/**
 * Checks a batch against the model before it runs: an id outside the embedding tables would
 * otherwise read garbage (ONNX Runtime's Gather) or fail deep inside an engine with no word
 * about which input was wrong.
 */
import type { BertConfig } from "./config";

/** A batch that does not fit the model: `field` names the input, `row`/`column` the first bad place. */
export class BertInputError extends Error {
  constructor(message: string, readonly field: string, readonly row: number | null = null, readonly column: number | null = null) {
    super(message);
    this.name = "BertInputError";
  }
}

/** The first value of `data` (rows of length T) outside [0, limit), or null. */
function firstOutside(data: ArrayLike<number>, limit: number): number | null {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(Number.isInteger(v) && v >= 0 && v < limit)) return i;
  }
  return null;
}

/** Throws a BertInputError if an id, a segment id or the length does not fit `cfg`. Arrays are [B·T] row-major. */
export function checkBertInputs(cfg: BertConfig, B: number, T: number, inputIds: ArrayLike<number>, tokenTypeIds: ArrayLike<number>): void {
  if (T > cfg.max_position_embeddings) {
    throw new BertInputError(`inputIds rows have ${T} tokens, but the model has positions for ${cfg.max_position_embeddings} (max_position_embeddings): truncate the text (the tokenizer's truncation option) or split it`, "inputIds");
  }
  const bad = firstOutside(inputIds, cfg.vocab_size);
  if (bad !== null) {
    const [row, col] = [Math.floor(bad / T), bad % T];
    throw new BertInputError(`inputIds[${row}][${col}] = ${inputIds[bad]} is not a token id of this model (vocab_size ${cfg.vocab_size}: ids 0…${cfg.vocab_size - 1}): encode the text with this model's own tokenizer`, "inputIds", row, col);
  }
  const badType = firstOutside(tokenTypeIds, cfg.type_vocab_size);
  if (badType !== null) {
    const [row, col] = [Math.floor(badType / T), badType % T];
    throw new BertInputError(`tokenTypeIds[${row}][${col}] = ${tokenTypeIds[badType]} is not a segment id of this model (type_vocab_size ${cfg.type_vocab_size}: ids 0…${cfg.type_vocab_size - 1}): use 0 for sentence A and 1 for sentence B`, "tokenTypeIds", row, col);
  }
}
