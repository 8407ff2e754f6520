/**
 * Feature-based reuse (BERT §5.3, "Feature-based Approach with BERT"): run the frozen pre-trained
 * model once over every text, keep the pooled vectors, and train only a logistic-regression head
 * on them. The expensive part (the encoder) runs once per text ever — features are cached in
 * memory and on disk (`$COURSE_CACHE_DIR/finetuning-features`), keyed by a hash of the model's
 * weights, the pooling, the max length and the texts — so more seeds, more heads or more
 * hyper-parameters cost almost nothing.
 *
 * The head is fitted on standardised features (mean 0, std 1 per dimension, from the training set)
 * and the standardisation is then folded into the classifier's Linear(H, C), so the classifier
 * predicts end-to-end from text exactly like the other strategies.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as tfTypes from "@tensorflow/tfjs";
import { tf, settings } from "../env";
import type { SequenceClassifier } from "./classifier";

const memoryCache = new Map<string, { features: Float32Array; seconds: number }>();

/** A hash of every weight of the classifier's BERT (plus pooling and max length): the features' identity. */
export function modelFingerprint(clf: SequenceClassifier): string {
  const h = crypto.createHash("sha1");
  h.update(JSON.stringify({ pooling: clf.pooling, maxLength: clf.maxLength, config: clf.bert.config }));
  for (const name of clf.bert.params.names()) {
    const v = clf.bert.params.get(name).dataSync() as Float32Array;
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
  cached: "memory" | "disk" | false;
}

/** Pooled features of texts from the frozen model, cached. Set `disk: false` to keep them in memory only. */
export function cachedFeatures(clf: SequenceClassifier, texts: readonly string[], o: { disk?: boolean; fingerprint?: string } = {}): CachedFeatures {
  const fp = o.fingerprint ?? modelFingerprint(clf);
  const key = crypto.createHash("sha1").update(fp).update("\u0000").update(texts.join("\u0000")).digest("hex");
  const hit = memoryCache.get(key);
  if (hit) return { ...hit, cached: "memory" };
  const dir = path.join(settings.cacheDir, "finetuning-features");
  const file = path.join(dir, `${key}.f32`);
  const H = clf.bert.config.hidden_size;
  if (o.disk !== false && fs.existsSync(file) && fs.existsSync(`${file}.json`)) {
    const buf = fs.readFileSync(file);
    const meta = JSON.parse(fs.readFileSync(`${file}.json`, "utf8")) as { seconds: number };
    if (buf.byteLength === texts.length * H * 4) {
      const features = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      memoryCache.set(key, { features, seconds: meta.seconds });
      return { features, seconds: meta.seconds, cached: "disk" };
    }
  }
  const start = performance.now();
  const features = clf.features(clf.encode(texts));
  const seconds = (performance.now() - start) / 1000;
  memoryCache.set(key, { features, seconds });
  if (o.disk !== false) {
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
      fs.writeFileSync(`${file}.json`, JSON.stringify({ seconds, n: texts.length, H }));
    } catch {
      /* a read-only cache only costs recomputation */
    }
  }
  return { features, seconds, cached: false };
}

/** Empties the in-memory feature cache (the disk cache stays). */
export function clearFeatureCache(): void {
  memoryCache.clear();
}

export interface HeadFitOptions {
  /** Full-batch Adam steps (default 300: the loss is flat well before on these tasks). */
  steps?: number;
  lr?: number;
  /** L2 penalty on the weights (default 1e-3). */
  l2?: number;
  seed?: number;
  onStep?: (step: number, loss: number) => void;
}

/**
 * Fits softmax (logistic) regression on features [N, H] with labels, and writes the result, with
 * the standardisation folded in, into the classifier's head. Returns the loss curve.
 */
export function fitHeadOnFeatures(clf: SequenceClassifier, features: Float32Array, labels: readonly number[], o: HeadFitOptions = {}): { step: number; loss: number }[] {
  const t = tf();
  const H = clf.bert.config.hidden_size;
  const C = clf.numLabels;
  const N = labels.length;
  const steps = o.steps ?? 300;
  const l2 = o.l2 ?? 1e-3;
  const curve: { step: number; loss: number }[] = [];
  const X = t.tensor2d(features, [N, H]); // [N, H]
  const mu = t.mean(X, 0); // [H]
  const sigma = t.tidy(() => t.add(t.sqrt(t.mean(t.square(t.sub(X, mu)), 0)), 1e-6)); // [H]
  const Z = t.tidy(() => t.div(t.sub(X, mu), sigma)); // [N, H]
  const Y = t.tidy(() => t.oneHot(t.tensor1d(Array.from(labels), "int32"), C).toFloat()); // [N, C]
  const W = t.tidy(() => t.variable(t.zeros([H, C]), true, `featurehead${headCounter}/W`));
  const b = t.tidy(() => t.variable(t.zeros([C]), true, `featurehead${headCounter++}/b`));
  const opt = t.train.adam(o.lr ?? 1e-2);
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(() => t.add(t.losses.softmaxCrossEntropy(Y, t.add(t.matMul(Z, W), b)), t.mul(l2, t.sum(t.square(W)))) as tfTypes.Scalar, true, [W, b]);
    if (s % 10 === 0 || s === steps - 1) {
      const v = loss!.dataSync()[0];
      curve.push({ step: s, loss: v });
      o.onStep?.(s, v);
    }
    loss!.dispose();
  }
  // logits = ((x − μ)/σ)·W + b = x·(W/σ) + (b − (μ/σ)·W)
  t.tidy(() => {
    const Wf = t.div(W, t.reshape(sigma, [H, 1])); // [H, C]
    const bf = t.sub(b, t.sum(t.mul(t.reshape(t.div(mu, sigma), [H, 1]), W), 0)); // [C]
    clf.headW.assign(Wf);
    clf.headB.assign(bf);
  });
  opt.dispose();
  for (const x of [X, mu, sigma, Z, Y, W, b]) x.dispose();
  return curve;
}

let headCounter = 0;
