/**
 * Token ids for `course forward` (and any command that takes them): a JSON file or stdin ("-"),
 * either a batch {input_ids: [[...], ...], attention_mask?, token_type_ids?} or one sequence
 * {input_ids: [...], ...} — what `course tokenize --json` prints — which becomes a batch of one.
 */
import * as fs from "fs";
import { UsageError } from "./command";

export interface TokenBatch {
  input_ids: number[][];
  attention_mask?: number[][];
  token_type_ids?: number[][];
}

/** Parses and checks token ids; `source` names the file (or "stdin") in messages. */
export function parseTokenInput(text: string, source: string): TokenBatch {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source} is not JSON (${(err as Error).message}); expected {"input_ids": [[...]]}, e.g. the output of \`course tokenize --json\``);
  }
  if (!j || typeof j !== "object" || !Array.isArray(j.input_ids)) {
    throw new UsageError(`${source} must hold {"input_ids": [...]} (one sequence, as \`course tokenize --json\` prints) or {"input_ids": [[...], ...]} (a batch)`);
  }
  const single = !Array.isArray(j.input_ids[0]);
  const field = (name: string): number[][] | undefined => {
    const v = j[name];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw new UsageError(`${source}: "${name}" must be a list of numbers`);
    const rows = (single ? [v] : v) as unknown[];
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.some((x) => !Number.isInteger(x))) throw new UsageError(`${source}: "${name}"${single ? "" : ` row ${i}`} must be a list of whole numbers`);
    });
    return rows as number[][];
  };
  const batch: TokenBatch = { input_ids: field("input_ids")! };
  if (!batch.input_ids.length || !batch.input_ids[0].length) throw new UsageError(`${source}: "input_ids" is empty`);
  batch.attention_mask = field("attention_mask");
  batch.token_type_ids = field("token_type_ids");
  return batch;
}

/** Reads token ids from a file, or from stdin when `file` is "-". */
export function readTokenInput(file: string): TokenBatch {
  const stdin = file === "-";
  let text: string;
  try {
    text = fs.readFileSync(stdin ? 0 : file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${stdin ? "stdin" : file}: ${(err as Error).message}`);
  }
  return parseTokenInput(text, stdin ? "stdin" : file);
}
