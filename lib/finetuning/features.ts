/**
 * Feature-based reuse (BERT §5.3, "Feature-based Approach with BERT"): run the frozen pre-trained
 * model once over every text, keep the pooled vectors, and train only a logistic-regression head
 * on them. The expensive part (the encoder) runs once per text ever — features are cached in
 * memory and on disk (`$COURSE_CACHE_DIR/finetuning-features`), keyed by a hash of the model's
 * weights, the pooling, the max length, the engine and the texts — so more seeds, more heads or more
 * hyper-parameters cost almost nothing.
 *
 * The head is fitted on standardised features (mean 0, std 1 per dimension, from the training set)
 * and the standardisation is then folded into the classifier's Linear(H, C), so the classifier
 * predicts end-to-end from text exactly like the other strategies.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { engineFor } from "../engine/select";
import { settings } from "../env";
import type { HostTensor } from "../engine/ops";
import { hostValues, ParamStore } from "../engine/params";
import { createTrainer, EngineName, ModelFn } from "../engine/run";
import { Ctx, dense } from "../models/nn";
import { FINETUNE_ADAMW } from "../training/adamw";
import { trainLoop } from "../training/loop";
import { learningRate } from "../training/schedule";
import { HEAD_BIAS, HEAD_WEIGHT, SequenceClassifier } from "./classifier";
import { isTagged, scoredRows, setIdentity, TextSet } from "./data";

function isStringArray(x: readonly string[] | TextSet): x is readonly string[] {
  return Array.isArray(x);
}

const memoryCache = new Map<string, { features: Float32Array; seconds: number; cpuSeconds?: number }>();

/** A hash of every weight of the classifier's BERT (plus pooling and max length): the features' identity. */
export function modelFingerprint(clf: SequenceClassifier): string {
  const h = crypto.createHash("sha1");
  h.update(JSON.stringify({ pooling: clf.pooling, maxLength: clf.maxLength, config: clf.bert.config }));
  for (const name of clf.bert.params.names()) {
    const v = clf.bert.params.entry(name).data;
    h.update(name);
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return h.digest("hex");
}

export interface CachedFeatures {
  /** [N, H] row-major. */
  features: Float32Array;
  /** Seconds the extraction took when it was computed (not the cache hit). */
  seconds: number;
  /** CPU seconds of the extraction when it was computed (every thread; absent in caches written before it was recorded). */
  cpuSeconds?: number;
  cached: "memory" | "disk" | false;
}

/**
 * Features from the frozen model, cached: the pooled vector of each text or pair [N, H]; for tagged
 * words (a token classifier), the last hidden state of each word's first WordPiece, the rows the
 * token head is scored on [words, H] (scoredRows order). Set `disk: false` to keep them in memory only.
 */
export async function cachedFeatures(clf: SequenceClassifier, input: readonly string[] | TextSet, o: { disk?: boolean; fingerprint?: string } = {}): Promise<CachedFeatures> {
  const set: TextSet = isStringArray(input) ? { texts: input } : input;
  const fp = o.fingerprint ?? modelFingerprint(clf);
  // The engine is part of the key: its features differ in the last digits, and its timing is what `seconds` reports.
  const engine = await clf.resolveEngine();
  const key = crypto.createHash("sha1").update(fp).update("\u0000").update(engine).update("\u0000").update(setIdentity(set)).digest("hex");
  const hit = memoryCache.get(key);
  if (hit) return { ...hit, cached: "memory" };
  const dir = path.join(settings.cacheDir, "finetuning-features");
  const file = path.join(dir, `${key}.f32`);
  const H = clf.bert.config.hidden_size;
  if (o.disk !== false && fs.existsSync(file) && fs.existsSync(`${file}.json`)) {
    const buf = fs.readFileSync(file);
    const meta = JSON.parse(fs.readFileSync(`${file}.json`, "utf8")) as { seconds: number; cpuSeconds?: number; n: number };
    if (buf.byteLength === meta.n * H * 4) {
      const features = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      memoryCache.set(key, { features, seconds: meta.seconds, cpuSeconds: meta.cpuSeconds });
      return { features, seconds: meta.seconds, cpuSeconds: meta.cpuSeconds, cached: "disk" };
    }
  }
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const enc = clf.encodeSet(set);
  let features = await clf.features(enc);
  if (isTagged(set)) {
    // Keep only the scored rows (each word's first piece): the other rows never reach the loss.
    const { rows } = scoredRows(enc, { words: set.words as string[][], tags: [] });
    const kept = new Float32Array(rows.length * H);
    rows.forEach((r, i) => kept.set(features.subarray(r * H, (r + 1) * H), i * H));
    features = kept;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  memoryCache.set(key, { features, seconds, cpuSeconds });
  if (o.disk !== false) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
      fs.writeFileSync(`${file}.json`, JSON.stringify({ seconds, cpuSeconds, n: features.length / H, H }));
    } catch {
      /* a read-only cache only costs recomputation */
    }
  }
  return { features, seconds, cpuSeconds, cached: false };
}

/** Empties the in-memory feature cache (the disk cache stays). */
export function clearFeatureCache(): void {
  memoryCache.clear();
}

export interface HeadFitOptions {
  /** Full-batch AdamW steps (default 300: the loss is flat well before on these tasks). */
  steps?: number;
  /** Learning rate, constant (default 1e-2: a linear model on standardised features). */
  lr?: number;
  /** L2 penalty on the weights, added to the loss (default 1e-3). */
  l2?: number;
  seed?: number;
  /** Engine (default: the classifier's). */
  engine?: EngineName;
  onStep?: (step: number, loss: number) => void;
}

/**
 * Softmax (logistic) regression on standardised features as a model function: z [N, H] →
 * logits = z·W + b [N, C]; loss = cross-entropy + l2·‖W‖². Written against Ops, so it trains with
 * the course's one trainer (lib/engine/run.ts createTrainer) on either engine.
 */
export function headFitFn(l2: number): ModelFn {
  return <X>(c: Ctx<X>, x: Record<string, X>): Record<string, X> => {
    const { o } = c;
    const ce = o.crossEntropy(dense(c, x.features, "classifier"), x.labels); // logits [N, C]
    return { loss: l2 > 0 ? o.add(ce, o.mul(o.sum(o.square(c.p(HEAD_WEIGHT))), l2)) : ce, crossEntropy: ce };
  };
}

/**
 * Fits softmax (logistic) regression on features [N, H] with labels, and writes the result, with
 * the standardisation folded in, into the classifier's head. Returns the loss curve (every 10th step and the last).
 */
export async function fitHeadOnFeatures(clf: SequenceClassifier, features: Float32Array, labels: readonly number[], o: HeadFitOptions = {}): Promise<{ step: number; loss: number }[]> {
  const H = clf.bert.config.hidden_size;
  const C = clf.numLabels;
  const N = labels.length;
  if (features.length !== N * H) throw new Error(`fitHeadOnFeatures: ${features.length} feature values for ${N} labels × hidden size ${H}`);
  const steps = o.steps ?? 300;
  const lr = o.lr ?? 1e-2;
  const l2 = o.l2 ?? 1e-3;
  // Standardise on the host: μ, σ per dimension from the training features.
  const mu = new Float64Array(H);
  const sigma = new Float64Array(H);
  for (let i = 0; i < N; i++) for (let h = 0; h < H; h++) mu[h] += features[i * H + h] / N;
  for (let i = 0; i < N; i++) for (let h = 0; h < H; h++) sigma[h] += (features[i * H + h] - mu[h]) ** 2 / N;
  for (let h = 0; h < H; h++) sigma[h] = Math.sqrt(sigma[h]) + 1e-6;
  const z = new Float32Array(N * H); // [N, H]
  for (let i = 0; i < N; i++) for (let h = 0; h < H; h++) z[i * H + h] = (features[i * H + h] - mu[h]) / sigma[h];
  const inputs: Record<string, HostTensor> = { features: { data: z, shape: [N, H] }, labels: { data: Int32Array.from(labels), shape: [N] } };

  const fit = new ParamStore();
  fit.add(HEAD_WEIGHT, { shape: [H, C] }, false); // zeros; the L2 term is in the loss
  fit.add(HEAD_BIAS, { shape: [C] }, false);
  const engine = await engineFor(o.engine ?? clf.engine);
  // Adam as before: no weight decay (the L2 penalty is in the loss), no clipping, constant learning rate.
  const trainer = createTrainer(engine, { key: `feature-head|l2=${l2}`, fn: headFitFn(l2), params: fit, lossOutput: "loss", optimizer: { ...FINETUNE_ADAMW, weightDecay: 0, clipNorm: 0 }, dropout: false, seed: o.seed });
  const curve: { step: number; loss: number }[] = [];
  try {
    await trainLoop({
      startStep: 0,
      steps,
      step: async (s) => {
        const t0 = Date.now();
        const rate = learningRate(s, { peak: lr, warmup: 0, total: steps, decay: "constant" });
        const r = await trainer.step(inputs, rate);
        const loss = r.metrics.loss;
        if (s % 10 === 0 || s === steps - 1) {
          curve.push({ step: s, loss });
          o.onStep?.(s, loss);
        }
        return { step: s + 1, loss, losses: r.metrics, lr: rate, gradNorm: r.gradNorm, tokens: N, ms: Date.now() - t0 };
      },
    });
    trainer.sync();
    // logits = ((x − μ)/σ)·W + b = x·(W/σ) + (b − Σ_h (μ_h/σ_h)·W_h)
    const W = hostValues(fit, HEAD_WEIGHT); // [H, C]
    const b = hostValues(fit, HEAD_BIAS); // [C]
    const Wf = new Float32Array(H * C);
    const bf = Float64Array.from(b);
    for (let h = 0; h < H; h++) {
      for (let k = 0; k < C; k++) {
        Wf[h * C + k] = W[h * C + k] / sigma[h];
        bf[k] -= (mu[h] / sigma[h]) * W[h * C + k];
      }
    }
    clf.head.set(HEAD_WEIGHT, Wf);
    clf.head.set(HEAD_BIAS, Float32Array.from(bf));
  } finally {
    trainer.dispose();
    fit.dispose();
  }
  return curve;
}

