/**
 * Turning a pre-trained BERT into a sentence encoder the Sentence-BERT way (Reimers & Gurevych
 * 2019: mean pooling of the token vectors) with unsupervised SimCSE (Gao et al. 2021): every
 * sentence of a batch is encoded twice with different dropout masks; the two vectors of the same
 * sentence are a positive pair, the other sentences of the batch are negatives, and the loss is the
 * cross-entropy of picking the partner among the batch (InfoNCE, temperature τ = 0.05, §3 of the paper):
 *
 *   z = mean-pool(BERT(x)),  s_ij = cos(z_i, z'_j) / τ,  loss = −(1/N) Σ_i log softmax_j(s_i·)_i
 *
 * Dropout is the only "augmentation": no labels, only sentences. Written once against Ops, trained
 * with the course's one trainer and loop, on either engine.
 *
 * A variant for models whose vectors carry little meaning yet (a small BERT early in pre-training:
 * two dropout views of one sentence are then trivially alike and the loss is ~0 from the start):
 * the positive of a sentence is the sentence that follows it in its document (`pairs`), a topic
 * signal in the spirit of Quick-Thoughts (Logeswaran & Lee 2018) and DeCLUTR (Giorgi et al. 2021),
 * still without labels. The loss is the same; only which rows are partners changes.
 *
 * Shapes: N = sentences per batch, T = tokens, H = hidden size.
 */
import { HostTensor } from "../engine/ops";
import { createTrainer, EngineName } from "../engine/run";
import { engineFor } from "../engine/select";
import { settings } from "../env";
import { mulberry32 } from "../data/split";
import { bertEncoder } from "../models/bert/bert";
import type { BertConfig } from "../models/bert/config";
import type { BertModel } from "../models/bert/model";
import type { Ctx } from "../models/nn";
import type { BertTokenizer } from "../text/tokenizer";
import { FINETUNE_ADAMW } from "../training/adamw";
import { EvalRecord, StepRecord, trainLoop } from "../training/loop";
import { learningRate } from "../training/schedule";

/** SimCSE's temperature (Gao et al. 2021, §3; Table D.1). */
export const SIMCSE_TEMPERATURE = 0.05;

/** Mask-aware mean of token vectors: h [B*T, H], mask [B, T] → [B, H] (sentence-transformers' mean pooling). */
export function meanPooled<X>(c: Ctx<X>, h: X, mask: X): X {
  const { o } = c;
  const [B, T] = o.shape(mask);
  const H = o.shape(h)[1];
  const m = o.reshape(o.cast(mask, "float32"), [B, T, 1]); // [B, T, 1]
  const summed = o.sum(o.mul(o.reshape(h, [B, T, H]), m), [1]); // [B, H]
  return o.div(summed, o.add(o.sum(m, [1]), 1e-9)); // [B, H]
}

/** Rows scaled to unit length. */
function unit<X>(c: Ctx<X>, z: X): X {
  return c.o.div(z, c.o.sqrt(c.o.add(c.o.sum(c.o.square(z), [1], true), 1e-12)));
}

/**
 * The SimCSE loss of a batch whose rows are [sentences; the same sentences again] (2N rows): the
 * two passes see different dropout masks because they are different rows of one forward pass.
 */
export function simcseLoss<X>(c: Ctx<X>, cfg: BertConfig, x: Record<string, X>, temperature = SIMCSE_TEMPERATURE): { loss: X } {
  const { o } = c;
  const N = o.shape(x.inputIds)[0] / 2;
  const enc = bertEncoder(c, cfg, { inputIds: x.inputIds, tokenTypeIds: x.tokenTypeIds, attentionMask: x.attentionMask });
  const z = meanPooled(c, enc.hidden[enc.hidden.length - 1], x.attentionMask); // [2N, H]
  const H = o.shape(z)[1];
  const z1 = unit(c, o.slice(z, [0, 0], [N, H])); // [N, H]
  const z2 = unit(c, o.slice(z, [N, 0], [N, H])); // [N, H]
  const sim = o.mul(o.matmul(z1, z2, false, true), 1 / temperature); // [N, N] cosine / τ
  return { loss: o.crossEntropy(sim, x.labels) };
}

export interface SimcseOptions {
  steps: number;
  /** Sentences per batch (each encoded twice). SimCSE used 64 for BERT-base. */
  batchSize?: number;
  /** Peak learning rate (SimCSE: 3e-5 for BERT-base; small models take more). */
  lr?: number;
  maxLength?: number;
  temperature?: number;
  seed?: number;
  engine?: EngineName;
  /** Held-out check every this many steps: called with the step count. */
  evalEvery?: number;
  evaluate?: (step: number) => Promise<EvalRecord>;
  onStep?: (r: StepRecord) => void;
  onEval?: (e: EvalRecord) => void;
  /** Positive pairs (a sentence and the next one of its document) instead of one sentence twice. */
  pairs?: readonly (readonly [string, string])[];
}

/** Fine-tunes `model` in place with unsupervised SimCSE on `sentences`; returns the step records. */
export async function trainSimcse(model: BertModel, tokenizer: BertTokenizer, sentences: readonly string[], o: SimcseOptions): Promise<StepRecord[]> {
  const N = o.batchSize ?? 64;
  const maxLength = o.maxLength ?? 32;
  const seed = o.seed ?? settings.seed;
  const items = o.pairs ?? sentences.map((t) => [t, t] as const);
  if (items.length < N) throw new Error(`SimCSE needs at least one batch of ${N} sentences; got ${items.length}`);
  const cfg = model.config;
  const temperature = o.temperature ?? SIMCSE_TEMPERATURE;
  const fn = <X>(c: Ctx<X>, x: Record<string, X>) => simcseLoss(c, cfg, x, temperature);
  const engine = await engineFor(o.engine);
  // The heads are not part of a sentence encoder: only the encoder trains.
  model.params.freeze("all");
  model.params.unfreeze(model.params.groups().filter((g) => g === "embeddings" || g.startsWith("layer.")));
  const trainer = createTrainer(engine, { key: `simcse|${JSON.stringify(cfg)}|${temperature}`, fn, params: model.params, lossOutput: "loss", optimizer: FINETUNE_ADAMW, dropout: true, seed });
  const rng = mulberry32(seed);
  const order = Array.from({ length: items.length }, (_, i) => i);
  let cursor = order.length;
  const nextBatch = (): Record<string, HostTensor> => {
    if (cursor + N > order.length) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      cursor = 0;
    }
    const batch = order.slice(cursor, cursor + N).map((i) => items[i]);
    cursor += N;
    // Rows 0…N−1: the sentences; rows N…2N−1: their partners (the same sentence, or its neighbour).
    const enc = tokenizer.encodeBatch([...batch.map((p) => p[0]), ...batch.map((p) => p[1])], { maxLength, truncation: true });
    // Padded to maxLength so every batch has one shape (one compiled graph on the onnx engine).
    const ids = new Int32Array(2 * N * maxLength).fill(tokenizer.padId);
    const mask = new Int32Array(2 * N * maxLength);
    enc.inputIds.forEach((row, r) => {
      ids.set(row, r * maxLength);
      mask.fill(1, r * maxLength, r * maxLength + row.length);
    });
    return {
      inputIds: { data: ids, shape: [2 * N, maxLength] },
      tokenTypeIds: { data: new Int32Array(2 * N * maxLength), shape: [2 * N, maxLength] },
      attentionMask: { data: mask, shape: [2 * N, maxLength] },
      labels: { data: Int32Array.from({ length: N }, (_, i) => i), shape: [N] },
    };
  };
  const schedule = { peak: o.lr ?? 1e-4, warmup: Math.round(0.1 * o.steps), total: o.steps, decay: "linear" as const };
  const records: StepRecord[] = [];
  await trainLoop({
    startStep: 0,
    steps: o.steps,
    step: async (s) => {
      const t0 = Date.now();
      const lr = learningRate(s, schedule);
      const r = await trainer.step(nextBatch(), lr);
      const rec: StepRecord = { step: s + 1, loss: r.metrics.loss, losses: r.metrics, lr, gradNorm: r.gradNorm, tokens: 2 * N * maxLength, ms: Date.now() - t0 };
      records.push(rec);
      return rec;
    },
    evaluate: o.evaluate
      ? async (s) => {
          trainer.sync();
          return o.evaluate!(s);
        }
      : undefined,
    evalEvery: o.evalEvery,
    evalAtStart: !!o.evaluate,
    onStep: o.onStep,
    onEval: o.onEval,
  });
  trainer.sync();
  trainer.dispose();
  model.params.unfreeze("all");
  return records;
}
