/**
 * Step records with bounded memory: every record is appended to a JSON Lines file (one JSON object
 * per line, append-only — nothing already written is rewritten), while memory keeps a summary:
 * the count, the tokens, the first record, the last `recentSize` records, and a thinned curve —
 * every record up to `capacity`, then every 2nd, 4th, 8th… (the stride doubles each time the curve
 * fills), so a long run's curve keeps its shape in at most `capacity` points.
 */
import * as fs from "fs";
import { syncPath } from "./checkpoint";

export interface CountedRecord {
  /** 1-based update number. */
  step: number;
  tokens: number;
}

/** What a checkpoint stores to continue the summary exactly. */
export interface RecordsState<R> {
  count: number;
  tokens: number;
  stride: number;
  kept: R[];
  recent: R[];
}

export class StepRecords<R extends CountedRecord> {
  /** The thinned curve: records 1, 1+stride, 1+2·stride, … (the array is kept in place, so it can be shared). */
  readonly kept: R[] = [];
  /** The last `recentSize` records, oldest first. */
  readonly recent: R[] = [];
  count = 0;
  tokens = 0;
  stride = 1;
  readonly capacity: number;
  readonly recentSize: number;

  /** `file`: the JSON Lines file records are appended to (null: memory only). */
  constructor(readonly file: string | null, o: { capacity?: number; recentSize?: number } = {}) {
    this.capacity = o.capacity ?? 4096;
    this.recentSize = o.recentSize ?? 100;
    if (this.capacity < 2) throw new Error("StepRecords: capacity must be at least 2");
  }

  /** Adds a record (`append` false: to the summary only, e.g. when rebuilding it from a file). */
  add(r: R, append = true): void {
    if (this.file && append) fs.appendFileSync(this.file, JSON.stringify(r) + "\n");
    if (this.count % this.stride === 0) this.kept.push(r);
    this.count++;
    this.tokens += r.tokens;
    if (this.kept.length > this.capacity) {
      // Keep every other point (indices 0, 2, 4, … are records 1, 1+2·stride, …), in place.
      let w = 0;
      for (let i = 0; i < this.kept.length; i += 2) this.kept[w++] = this.kept[i];
      this.kept.length = w;
      this.stride *= 2;
    }
    this.recent.push(r);
    if (this.recent.length > this.recentSize) this.recent.shift();
  }

  /** Flushes the file to disk (before a checkpoint that counts these records). */
  sync(): void {
    if (this.file && fs.existsSync(this.file)) syncPath(this.file);
  }

  state(): RecordsState<R> {
    return { count: this.count, tokens: this.tokens, stride: this.stride, kept: [...this.kept], recent: [...this.recent] };
  }

  /**
   * Continues from a checkpoint's state; the file is cut back to the checkpoint's records (a run
   * killed after its last checkpoint redoes those steps, and appends them again).
   */
  restore(s: RecordsState<R>): void {
    this.count = s.count;
    this.tokens = s.tokens;
    this.stride = s.stride;
    this.kept.length = 0;
    this.kept.push(...s.kept);
    this.recent.length = 0;
    this.recent.push(...s.recent);
    if (this.file && fs.existsSync(this.file)) truncateRecords(this.file, s.count);
  }
}

/** Every record of a JSON Lines file (a torn last line — a crash mid-write — is skipped). */
export function readRecords<R>(file: string): R[] {
  const text = fs.readFileSync(file, "utf8");
  const out: R[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as R);
    } catch (err) {
      if (i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === "")) return; // torn last line
      throw new Error(`${file}:${i + 1}: not a JSON record (${(err as Error).message})`);
    }
  });
  return out;
}

/** Keeps the first `count` records of a JSON Lines file (resume); the rest are dropped. */
export function truncateRecords(file: string, count: number): void {
  const text = fs.readFileSync(file, "utf8");
  let end = 0;
  for (let n = 0; n < count; n++) {
    const nl = text.indexOf("\n", end);
    if (nl < 0) throw new Error(`${file} holds ${n} complete records, but the checkpoint counts ${count}: the records file does not belong to this checkpoint`);
    end = nl + 1;
  }
  if (end < Buffer.byteLength(text)) fs.truncateSync(file, Buffer.byteLength(text.slice(0, end)));
}
