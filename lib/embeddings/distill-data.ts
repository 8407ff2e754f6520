/**
 * The unlabelled sentences a sentence encoder is distilled on, and the teacher's vectors for them.
 *
 * Sentences come from the pre-training corpus (documents that quote the course's labelled
 * evaluation sentences are already left out; no FAQ question is in it). A chatbot is asked
 * *questions*, and the first distillation runs on narrative and review text taught the student the
 * teacher's directions for that text, so the pool is question-heavy: every question of the corpus
 * (3–30 words, ending in "?") plus short statements (4–15 words). Documents are split into training
 * and held-out ones, so no held-out sentence has its neighbours in training.
 *
 * The teacher is slow (USE Lite: tens of sentences a second per process), so its vectors are
 * computed once and cached on disk in chunks (<COURSE_CACHE_DIR>/distill/<teacher>/<hash>.f32,
 * one file per chunk of sentences): an interrupted run resumes where it stopped.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CORPUS_NAMES } from "../data/corpus";
import { settings } from "../env";
import { loadPretrainingDocuments } from "../pretraining/corpus";
import { splitSentences } from "../pretraining/sentences";
import { progress } from "../viz/progress";
import { shuffled } from "./corpus-sentences";

/** Question length kept (words): "Where is the library?" has 4; longer than 30 is mostly rhetoric in speeches. */
export const QUESTION_WORDS = [3, 30] as const;
/** Statement length kept (words): short, like the things a student types. */
export const STATEMENT_WORDS = [4, 15] as const;

export interface DistillPool {
  /** Training sentences, shuffled (questions and statements mixed). */
  train: string[];
  /** Sentences from held-out documents (for model selection; never trained on). */
  heldOut: string[];
  /** The corpus's most frequent words (training documents), most frequent first: single words teach the student what each word means to the teacher. */
  words: string[];
  /** How many of each kind, and from how many documents. */
  stats: { documents: number; heldOutDocuments: number; questions: number; statements: number; heldOutQuestions: number; heldOutStatements: number };
}

export interface PoolOptions {
  /** Statements per question in the pool (default 1: as many statements as questions). */
  statementsPerQuestion?: number;
  /** Share of documents held out (default 5%). */
  heldOutFraction?: number;
  seed?: number;
  /** Keep at most this many training sentences (fast mode, tests). */
  limit?: number;
  /** How many of the most frequent words to list in `words` (default 0). */
  words?: number;
}

const wordCount = (s: string) => s.split(/\s+/).filter(Boolean).length;
/** A word for the word list: a letter, then letters or digits ("mp3"), optionally one apostrophe inside ("don't"); no bare numbers. */
const WORD = /\b[a-z][a-z0-9]+(?:'[a-z]+)?\b/g;

/** Is `s` a question of the pool's length? */
export function isPoolQuestion(s: string): boolean {
  const n = wordCount(s);
  return s.trimEnd().endsWith("?") && /\p{L}/u.test(s) && n >= QUESTION_WORDS[0] && n <= QUESTION_WORDS[1];
}

/** Is `s` a statement of the pool's length? */
export function isPoolStatement(s: string): boolean {
  const n = wordCount(s);
  return !s.trimEnd().endsWith("?") && /\p{L}/u.test(s) && n >= STATEMENT_WORDS[0] && n <= STATEMENT_WORDS[1];
}

/** A stable hash of a string to [0, 1) (which side of the split a document is on). */
function unitHash(s: string, seed: number): number {
  return crypto.createHash("sha256").update(`${seed}:${s}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** Builds the pool from documents given as lists of sentences (id → sentences). */
export function buildPool(docs: readonly { id: string; sentences: readonly string[] }[], options: PoolOptions = {}): DistillPool {
  const seed = options.seed ?? settings.seed;
  const frac = options.heldOutFraction ?? 0.05;
  const ratio = options.statementsPerQuestion ?? 1;
  const seen = new Set<string>();
  const side = { train: { q: [] as string[], s: [] as string[] }, held: { q: [] as string[], s: [] as string[] } };
  let heldDocs = 0;
  const counts = new Map<string, number>();
  for (const d of docs) {
    const held = unitHash(d.id, seed) < frac;
    if (held) heldDocs++;
    const to = held ? side.held : side.train;
    for (const raw of d.sentences) {
      if (!held && options.words) for (const w of raw.toLowerCase().match(WORD) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
      const s = raw.trim();
      const key = s.toLowerCase();
      if (seen.has(key)) continue; // repeated lines ("Thank you.") are one sentence
      if (isPoolQuestion(s)) (seen.add(key), to.q.push(s));
      else if (isPoolStatement(s)) (seen.add(key), to.s.push(s));
    }
  }
  const pick = (p: { q: string[]; s: string[] }, salt: number) => {
    const statements = shuffled(p.s, seed + salt).slice(0, Math.round(ratio * p.q.length));
    return { q: p.q, s: statements, all: shuffled([...p.q, ...statements], seed + salt + 1) };
  };
  const train = pick(side.train, 1);
  const held = pick(side.held, 3);
  const limited = options.limit ? train.all.slice(0, options.limit) : train.all;
  const words = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, options.words ?? 0).map(([w]) => w);
  return {
    train: limited,
    heldOut: held.all,
    words,
    stats: { documents: docs.length, heldOutDocuments: heldDocs, questions: train.q.length, statements: train.s.length, heldOutQuestions: held.q.length, heldOutStatements: held.s.length },
  };
}

/** The pool from a pre-training corpus (default "course": SOTU, Moby-Dick, Brown, IMDb reviews). */
export function distillPool(corpus = "course", options: PoolOptions = {}): DistillPool {
  const docs = loadPretrainingDocuments(corpus).docs.map((d) => ({ id: d.id, sentences: splitSentences(d.text) }));
  return buildPool(docs, options);
}

/** Sentences per cache file. */
const CHUNK = 512;

/** Where a teacher's cached vectors live. */
export function teacherCacheDir(teacherId: string): string {
  return path.join(settings.cacheDir, "distill", teacherId.replace(/[^A-Za-z0-9._-]+/g, "_"));
}

export interface TeacherVectors {
  /** Row-major [n, D]. */
  data: Float32Array;
  n: number;
  dim: number;
}

/**
 * The teacher's vectors of `texts`, computed once: chunks already in the cache are read, the rest
 * are embedded (with progress) and written. `embed` is the teacher (e.g. USE Lite's `embed`).
 * `cacheId` names the teacher and its version (it keys the cache).
 */
export async function teacherVectors(cacheId: string, texts: readonly string[], embed: (texts: string[]) => Promise<number[][]>, options: { progress?: boolean; log?: (line: string) => void } = {}): Promise<TeacherVectors> {
  const dir = teacherCacheDir(cacheId);
  fs.mkdirSync(dir, { recursive: true });
  const chunks: Float32Array[] = [];
  let dim = 0;
  const bar = options.progress === false ? null : progress(texts.length, `teacher ${cacheId}`);
  let computed = 0;
  const t0 = Date.now();
  for (let b = 0; b < texts.length; b += CHUNK) {
    const part = texts.slice(b, b + CHUNK);
    const key = crypto.createHash("sha256").update(JSON.stringify([cacheId, part])).digest("hex").slice(0, 32);
    const file = path.join(dir, `${key}.f32`);
    let v: Float32Array | null = null;
    if (fs.existsSync(file)) {
      const buf = fs.readFileSync(file);
      if (buf.byteLength % (4 * part.length) === 0) v = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    }
    if (!v) {
      const rows = await embed(part.slice());
      const D = rows[0].length;
      v = new Float32Array(part.length * D);
      rows.forEach((r, i) => v!.set(r, i * D));
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.from(v.buffer));
      fs.renameSync(tmp, file);
      computed += part.length;
      options.log?.(`teacher: ${b + part.length}/${texts.length} sentences (${computed} computed now, ${(computed / ((Date.now() - t0) / 1000)).toFixed(1)}/s)`);
    }
    const D = v.length / part.length;
    if (dim && D !== dim) throw new Error(`the teacher's cached vectors in ${dir} have ${D} dimensions in one chunk and ${dim} in another: delete that folder and run again`);
    dim = D;
    chunks.push(v);
    bar?.tick(undefined, part.length);
  }
  bar?.done();
  const data = new Float32Array(texts.length * dim);
  let off = 0;
  for (const c of chunks) (data.set(c, off), (off += c.length));
  return { data, n: texts.length, dim };
}

/** Bump when the pool's rules change (the cached pool is then rebuilt). */
const POOL_VERSION = 3;

/** `distillPool`, cached on disk for the named corpora (reading and splitting the course corpus takes a minute or two); a file or folder is read each time. */
export function distillPoolCached(corpus = "course", options: PoolOptions = {}): DistillPool & { cached: boolean } {
  if (!(CORPUS_NAMES as readonly string[]).includes(corpus)) return { ...distillPool(corpus, options), cached: false };
  const key = crypto.createHash("sha256").update(JSON.stringify({ POOL_VERSION, corpus, seed: options.seed ?? settings.seed, r: options.statementsPerQuestion ?? 1, f: options.heldOutFraction ?? 0.05, w: options.words ?? 0 })).digest("hex").slice(0, 16);
  const file = path.join(settings.cacheDir, "distill", `pool-${corpus.replace(/[^A-Za-z0-9._-]+/g, "_")}-${key}.json`);
  const limit = (p: DistillPool) => (options.limit ? { ...p, train: p.train.slice(0, options.limit) } : p);
  try {
    return { ...limit(JSON.parse(fs.readFileSync(file, "utf8")) as DistillPool), cached: true };
  } catch {
    const pool = distillPool(corpus, { ...options, limit: undefined });
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify(pool));
      fs.renameSync(`${file}.${process.pid}.tmp`, file);
    } catch {
      /* a cache that cannot be written only costs time */
    }
    return { ...limit(pool), cached: false };
  }
}
