/**
 * The grader's side of the channel set up by sandbox/preload.js: a per-kernel secret K,
 * test payloads encrypted and authenticated with it (AES-256-GCM), and result lines signed
 * with it (HMAC-SHA256). Keys are derived as in the preload: HMAC(K, "course-grade:enc"|"mac").
 */
import * as crypto from "crypto";

export const RECORD_PREFIX = "##course-grade## ";

/** A fresh secret for one kernel (hex, 32 bytes). */
export function newKey(): string {
  return crypto.randomBytes(32).toString("hex");
}

function derive(keyHex: string, label: string): Buffer {
  return crypto.createHmac("sha256", Buffer.from(keyHex, "hex")).update(label, "utf8").digest();
}

/** What __courseGrader.run(payload) accepts: base64(iv | tag | ciphertext). */
export function encryptPayload(keyHex: string, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", derive(keyHex, "course-grade:enc"), iv);
  const ct = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), ct]).toString("base64");
}

export interface PlanCheck {
  i: number;
  name: string;
  /** weight */
  w: number;
  /** hidden */
  h: boolean;
  error?: string;
}

export type GradeRecord =
  | { t: "plan"; v: 1; n: string; s: number; q: string; checks: PlanCheck[] }
  | { t: "result"; v: 1; n: string; s: number; q: string; i: number; ok: boolean; msg: string; ms: number }
  | { t: "end"; v: 1; n: string; s: number; q: string; events: string[] };

export interface ParsedRecords {
  /** Authentic records for this nonce, in sequence order, duplicates dropped. */
  records: GradeRecord[];
  /** Lines that look like result records but fail authentication (forged or altered). */
  forged: string[];
  /** Authentic records seen more than once (a replayed run). */
  duplicates: number;
}

/** Extracts the authentic records of one run (one nonce) from a cell's stdout text. */
export function parseRecords(text: string, keyHex: string, nonce: string): ParsedRecords {
  const macKey = derive(keyHex, "course-grade:mac");
  const bySeq = new Map<number, GradeRecord>();
  const forged: string[] = [];
  let duplicates = 0;
  for (const raw of text.split("\n")) {
    const at = raw.indexOf(RECORD_PREFIX.trim());
    if (at < 0) continue;
    const line = raw.slice(at);
    if (!line.startsWith(RECORD_PREFIX)) {
      forged.push(line.slice(0, 300));
      continue;
    }
    const body = line.slice(RECORD_PREFIX.length).trimEnd();
    const sp = body.lastIndexOf(" ");
    const json = sp > 0 ? body.slice(0, sp) : "";
    const mac = sp > 0 ? body.slice(sp + 1) : "";
    const want = crypto.createHmac("sha256", macKey).update(json, "utf8").digest("hex");
    const ok = mac.length === want.length && crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(want));
    if (!ok) {
      forged.push(line.slice(0, 300));
      continue;
    }
    let rec: GradeRecord;
    try {
      rec = JSON.parse(json);
    } catch {
      forged.push(line.slice(0, 300));
      continue;
    }
    if (rec.n !== nonce) {
      // Authentic but from another run in this kernel (a replay): not ours to count.
      duplicates++;
      continue;
    }
    if (bySeq.has(rec.s)) {
      duplicates++;
      continue;
    }
    bySeq.set(rec.s, rec);
  }
  const records = [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  return { records, forged, duplicates };
}
