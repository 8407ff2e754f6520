/**
 * Dumps what the closed-form experiments of this folder read (explore/bow-ridge.py): the pool's
 * training / held-out sentences and words whose teacher (USE Lite) vectors are already cached —
 * nothing is computed here — tokenised with the course tokenizer, and the FAQ (questions, labels).
 *   nice -n 19 node --import tsx models/course-sbert/explore/dump-pool.ts OUT_DIR
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { settings } from "../../../lib/env";
import { distillPoolCached, teacherCacheDir } from "../../../lib/embeddings/distill-data";
import { loadChatbot } from "../../../lib/data";
import { BertTokenizer } from "../../../lib/text";

const out = process.argv[2] ?? "/tmp/s28";
fs.mkdirSync(out, { recursive: true });
const pool = distillPoolCached("course", { seed: settings.seed, words: 8000 });
const dir = teacherCacheDir("use-lite");
const tok = BertTokenizer.fromDir("models/course-bert");

/** Cached chunks of `texts` (512 per chunk, keyed as teacherVectors keys them), in order; chunks not cached are skipped (the counts printed say how many were found). */
function cached(texts: string[]): { texts: string[]; data: Float32Array[] } {
  const got: string[] = [];
  const data: Float32Array[] = [];
  for (let b = 0; b < texts.length; b += 512) {
    const part = texts.slice(b, b + 512);
    const key = crypto.createHash("sha256").update(JSON.stringify(["use-lite", part])).digest("hex").slice(0, 32);
    const file = path.join(dir, `${key}.f32`);
    if (!fs.existsSync(file)) continue;
    const buf = fs.readFileSync(file);
    data.push(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
    got.push(...part);
  }
  return { texts: got, data };
}
const sets: Record<string, string[]> = { train: pool.train, held: pool.heldOut.slice(0, 1024), held2: pool.heldOut.slice(0, 2048), words: pool.words };
const meta: Record<string, unknown> = { stats: pool.stats, trainTotal: pool.train.length, heldTotal: pool.heldOut.length };
for (const [name, texts] of Object.entries(sets)) {
  const c = cached(texts);
  meta[name] = c.texts.length;
  if (!c.texts.length) continue;
  fs.writeFileSync(path.join(out, `${name}.f32`), Buffer.concat(c.data.map((d) => Buffer.from(d.buffer))));
  fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify({ texts: c.texts, ids: c.texts.map((t) => tok.encode(t, null, { maxLength: 64, truncation: true }).ids) }));
  console.log(name, c.texts.length, "of", texts.length);
}
const faq = loadChatbot();
fs.writeFileSync(path.join(out, "faq.json"), JSON.stringify({ texts: faq.questions, labels: faq.labels, ids: faq.questions.map((t) => tok.encode(t, null, { maxLength: 64, truncation: true }).ids) }));
fs.writeFileSync(path.join(out, "meta.json"), JSON.stringify(meta, null, 1));
console.log(JSON.stringify(meta));
