/**
 * Knowledge distillation of a sentence encoder (Reimers & Gurevych 2020, "Making Monolingual
 * Sentence Embeddings Multilingual using Knowledge Distillation", §2): a student BERT's
 * mean-pooled vector goes through one linear layer (sentence-transformers' Dense module) and is
 * trained to match a teacher's sentence vector for the same sentence. No labels: the teacher's
 * vectors are the targets.
 *
 *   z_i = mean-pool(BERT(x_i))          [N, H]   the student's pooled vector
 *   s_i = z_i · W + b                   [N, D]   through the Dense layer, into the teacher's space
 *   t_i = teacher(x_i)                  [N, D]   (centred: minus the pool's mean, see below)
 *
 * Losses (weights can be combined, "mse:1,nce:1"):
 *   mse  mean (s_i − t_i)²                                         the paper's loss: match coordinates
 *   sim  mean (cos(s_i, s_j) − cos(t_i, t_j))²                     match the in-batch similarity matrix
 *        (relational distillation: Park et al. 2019, "Relational Knowledge Distillation")
 *   nce  −(1/N) Σ_i log softmax_j(cos(s_i, t_j)/τ)_i               contrastive distillation with in-batch
 *        negatives: each student vector must pick its own teacher vector among the batch's
 *        (Tian et al. 2020, "Contrastive Representation Distillation"; InfoNCE, Oord et al. 2018)
 *   kl   Σ_i KL(softmax_j≠i(cos(t_i, t_j)/τ) ‖ softmax_j≠i(cos(s_i, s_j)/τ))   match each sentence's
 *        distribution over its in-batch neighbours
 *
 * Why not only `mse`: measured on this course (models/course-sbert/explore/DEVLOG.md), matching absolute
 * coordinates taught a small student the teacher's dominant directions on narrative text — cosine to
 * the teacher rose while questions about different topics ran together. The relational losses
 * only ask the student to rank sentences as the teacher does; centring the teacher (subtracting
 * the mean of its vectors over the pool) removes the direction every sentence shares.
 *
 * Written once against Ops, trained with the course's one trainer and loop, on either engine.
 * Shapes: N = sentences per batch, T = tokens, H = the student's hidden size, D = the teacher's.
 */
import type * as tfTypes from "@tensorflow/tfjs";
import { EigenvalueDecomposition, Matrix } from "ml-matrix";
import { HostTensor } from "../engine/ops";
import { CompositeParams, ParamSource, VariableParams } from "../engine/params";
import { createTrainer, EngineName, Trainer } from "../engine/run";
import { engineFor } from "../engine/select";
import { settings } from "../env";
import { tf } from "../engine/tfjs/backend";
import { mulberry32 } from "../data/split";
import { bertEncoder } from "../models/bert/bert";
import type { BertConfig } from "../models/bert/config";
import type { BertModel } from "../models/bert/model";
import { Ctx, dense } from "../models/nn";
import type { BertTokenizer } from "../text/tokenizer";
import { FINETUNE_ADAMW } from "../training/adamw";
import { EvalRecord, StepRecord, trainLoop } from "../training/loop";
import { learningRate } from "../training/schedule";
import { meanPooled } from "./simcse";
import type { LinearMap } from "./whitening";

export const DISTILL_LOSSES = ["mse", "sim", "nce", "kl"] as const;
export type DistillLossName = (typeof DISTILL_LOSSES)[number];
/** Weight of each loss term (missing: 0). */
export type LossWeights = Partial<Record<DistillLossName, number>>;

/** Temperature of `nce` and `kl`: SimCSE's 0.05 (Gao et al. 2021, §3) is for cosines of near-duplicates; batch neighbours here are further apart. */
export const DISTILL_TEMPERATURE = 0.05;

/** The Dense layer's parameter names (memory layout: weight [H, D], as every dense layer of the course). */
export const DENSE_PREFIX = "distill_dense";

/** Parses "mse", "nce", "mse:1,nce:0.5" into weights; throws naming the bad part. */
export function parseLoss(spec: string): LossWeights {
  const out: LossWeights = {};
  for (const part of spec.split(/[,+]/).map((s) => s.trim()).filter(Boolean)) {
    const [name, w] = part.split(":");
    if (!DISTILL_LOSSES.includes(name as DistillLossName)) throw new Error(`unknown distillation loss "${name}": use ${DISTILL_LOSSES.join(", ")} (or a weighted mix such as "mse:1,nce:1")`);
    const weight = w === undefined ? 1 : Number(w);
    if (!Number.isFinite(weight) || weight < 0) throw new Error(`the weight of loss "${name}" must be a number ≥ 0, not "${w}"`);
    out[name as DistillLossName] = weight;
  }
  if (!Object.values(out).some((w) => w! > 0)) throw new Error(`no loss with a positive weight in "${spec}"`);
  return out;
}

/** Rows scaled to unit length. */
function unit<X>(c: Ctx<X>, z: X): X {
  return c.o.div(z, c.o.sqrt(c.o.add(c.o.sum(c.o.square(z), [1], true), 1e-12)));
}

/**
 * The distillation loss of a batch: inputs inputIds, tokenTypeIds, attentionMask [N, T], teacher [N, D],
 * labels [N] (0 … N−1, the diagonal), offDiagonal [N, N] (0 on the diagonal, 1 elsewhere).
 * Outputs the weighted loss and each term.
 */
export function distillLoss<X>(c: Ctx<X>, cfg: BertConfig, x: Record<string, X>, weights: LossWeights, temperature = DISTILL_TEMPERATURE): Record<string, X> {
  const { o } = c;
  const enc = bertEncoder(c, cfg, { inputIds: x.inputIds, tokenTypeIds: x.tokenTypeIds, attentionMask: x.attentionMask });
  const z = meanPooled(c, enc.hidden[enc.hidden.length - 1], x.attentionMask); // [N, H]
  const s = dense(c, z, DENSE_PREFIX); // [N, D]
  const t = x.teacher; // [N, D]
  const out: Record<string, X> = {};
  const terms: X[] = [];
  const add = (name: DistillLossName, value: X) => {
    out[name] = value;
    if (weights[name]) terms.push(o.mul(value, weights[name]!));
  };
  if (weights.mse) add("mse", o.mean(o.square(o.sub(s, t))));
  if (weights.sim || weights.nce || weights.kl) {
    const su = unit(c, s); // [N, D]
    const tu = unit(c, t); // [N, D]
    if (weights.nce) add("nce", o.crossEntropy(o.mul(o.matmul(su, tu, false, true), 1 / temperature), x.labels)); // [N, N] logits
    if (weights.sim || weights.kl) {
      const ss = o.matmul(su, su, false, true); // [N, N] student cosines
      const tt = o.matmul(tu, tu, false, true); // [N, N] teacher cosines
      if (weights.sim) add("sim", o.mean(o.square(o.mul(o.sub(ss, tt), x.offDiagonal))));
      if (weights.kl) {
        // A sentence's own column is pushed out of both softmaxes (−1e4 on the diagonal).
        const mask = o.mul(o.sub(x.offDiagonal, 1), 1e4); // [N, N]: −1e4 on the diagonal, 0 elsewhere
        const pt = o.softmax(o.add(o.mul(tt, 1 / temperature), mask)); // [N, N] the teacher's neighbour distribution
        const logPs = o.logSoftmax(o.add(o.mul(ss, 1 / temperature), mask)); // [N, N]
        const logPt = o.logSoftmax(o.add(o.mul(tt, 1 / temperature), mask));
        const n = o.shape(ss)[0];
        add("kl", o.div(o.sum(o.mul(pt, o.sub(logPt, logPs))), n));
      }
    }
  }
  out.loss = terms.reduce((a, b) => o.add(a, b));
  return out;
}

/** The Dense layer between the student's pooled vector and the teacher's space. */
export class DistillHead {
  readonly params = new VariableParams();

  constructor(readonly inDim: number, readonly outDim: number, seed: number = settings.seed) {
    const t = tf();
    // torch.nn.Linear's default initialisation (what sentence-transformers' Dense starts from): U(±1/√in).
    const bound = 1 / Math.sqrt(inDim);
    const w = t.randomUniform([inDim, outDim], -bound, bound, "float32", seed);
    this.params.add(`${DENSE_PREFIX}.weight`, t.variable(w, true, `${DENSE_PREFIX}${seedCounter++}/weight`), true);
    this.params.add(`${DENSE_PREFIX}.bias`, t.tidy(() => t.variable(t.zeros([outDim]), true, `${DENSE_PREFIX}${seedCounter++}/bias`)), false);
    w.dispose();
  }

  get weight(): tfTypes.Variable {
    return this.params.variable(`${DENSE_PREFIX}.weight`);
  }

  get bias(): tfTypes.Variable {
    return this.params.variable(`${DENSE_PREFIX}.bias`);
  }

  /** As a linear map y = weight · x + bias with weight [D, H] (sentence-transformers' Dense, torch layout). */
  toLinearMap(): LinearMap {
    const W = this.weight.dataSync() as Float32Array; // [H, D]
    const H = this.inDim;
    const D = this.outDim;
    const weight = Array.from({ length: D }, (_, d) => Array.from({ length: H }, (_, h) => W[h * D + d]));
    return { weight, bias: Array.from(this.bias.dataSync() as Float32Array) };
  }

  /** Sets the layer from a map with weight [D, H]. */
  setFrom(map: LinearMap): void {
    const H = this.inDim;
    const D = this.outDim;
    if (map.weight.length !== D || map.weight[0].length !== H) throw new Error(`the Dense layer is ${H} → ${D}; the map is ${map.weight[0]?.length} → ${map.weight.length}`);
    const W = new Float32Array(H * D);
    for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) W[h * D + d] = map.weight[d][h];
    this.params.assign(`${DENSE_PREFIX}.weight`, W);
    this.params.assign(`${DENSE_PREFIX}.bias`, Float32Array.from(map.bias));
  }

  dispose(): void {
    for (const n of this.params.names()) this.params.variable(n).dispose();
  }
}
let seedCounter = 0;

/**
 * The least-squares linear map from pooled student vectors Z [n, H] to teacher vectors T [n, D]
 * (ridge λ·n on the weights): where the Dense layer starts, so training does not spend its first
 * steps (and the BERT's weights) fitting a random layer.
 */
export function fitLinear(Z: readonly (readonly number[])[], T: Float32Array, D: number, ridge = 1e-3): LinearMap {
  const n = Z.length;
  const H = Z[0].length;
  const zMean = new Array<number>(H).fill(0);
  const tMean = new Array<number>(D).fill(0);
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < H; h++) zMean[h] += Z[i][h] / n;
    for (let d = 0; d < D; d++) tMean[d] += T[i * D + d] / n;
  }
  const Zc = new Matrix(Z.map((z) => z.map((v, h) => v - zMean[h]))); // [n, H]
  const Tc = new Matrix(Array.from({ length: n }, (_, i) => Array.from({ length: D }, (_, d) => T[i * D + d] - tMean[d]))); // [n, D]
  const ZtZ = Zc.transpose().mmul(Zc); // [H, H]
  const trace = Array.from({ length: H }, (_, h) => ZtZ.get(h, h)).reduce((a, b) => a + b, 0);
  // Solve (ZᵀZ + λI) W = ZᵀT through the eigendecomposition of the symmetric ZᵀZ (stable for near-singular Z).
  const lambda = (ridge * trace) / H;
  const evd = new EigenvalueDecomposition(ZtZ, { assumeSymmetric: true });
  const U = evd.eigenvectorMatrix; // [H, H]
  const inv = Matrix.diag(evd.realEigenvalues.map((e) => 1 / (Math.max(e, 0) + lambda)));
  const W = U.mmul(inv).mmul(U.transpose()).mmul(Zc.transpose().mmul(Tc)); // [H, D]
  const weight = Array.from({ length: D }, (_, d) => Array.from({ length: H }, (_, h) => W.get(h, d)));
  const bias = weight.map((row, d) => tMean[d] - row.reduce((a, w, h) => a + w * zMean[h], 0));
  return { weight, bias };
}

/** How the teacher's vectors are prepared: centred on the pool's mean, and scaled so rows have mean length 1. */
export interface TeacherTransform {
  mean: Float32Array;
  scale: number;
}

/** The mean of the teacher's vectors and the scale that gives the centred rows a mean squared length of 1. */
export function centring(data: Float32Array, n: number, D: number): TeacherTransform {
  const mean = new Float32Array(D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) mean[d] += data[i * D + d] / n;
  let sq = 0;
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) sq += (data[i * D + d] - mean[d]) ** 2;
  if (!(sq > 0)) throw new Error(`the teacher gives all ${n} sentences the same vector: there is nothing to distil (is the teacher a trained encoder?)`);
  return { mean, scale: 1 / Math.sqrt(sq / n) };
}

/** Rows of the teacher's vectors with the transform applied (or as they are). */
export function transformRows(data: Float32Array, D: number, rows: readonly number[], tr: TeacherTransform | null): Float32Array {
  const out = new Float32Array(rows.length * D);
  rows.forEach((r, i) => {
    for (let d = 0; d < D; d++) {
      const v = data[r * D + d];
      out[i * D + d] = tr ? (v - tr.mean[d]) * tr.scale : v;
    }
  });
  return out;
}

export interface DistillOptions {
  steps: number;
  /** Sentences per batch (default 64). */
  batchSize?: number;
  /** Peak learning rate (default 1e-4), warm-up 10%, then linear decay to 0 (Reimers & Gurevych: warm-up, then linear). */
  lr?: number;
  /** Tokens per sentence at most (default 32: the pool's questions and statements are short). */
  maxLength?: number;
  loss?: LossWeights;
  temperature?: number;
  /** Subtract the pool's mean teacher vector (and rescale) before matching (default true). */
  centre?: boolean;
  seed?: number;
  engine?: EngineName;
  evalEvery?: number;
  evaluate?: (step: number) => Promise<EvalRecord>;
  onStep?: (r: StepRecord) => void;
  onEval?: (e: EvalRecord) => void | Promise<void>;
  /** Resume: steps already done, and the optimizer state to restore. */
  startStep?: number;
  restore?: (trainer: Trainer) => void;
  /** Checkpoint writer, called by the loop (every saveEveryMinutes, at the end and on Ctrl-C). */
  save?: (step: number, reason: "interval" | "end" | "interrupt", trainer: Trainer) => Promise<void>;
  saveEveryMinutes?: number;
}

/** The student: the BERT, and the Dense layer into the teacher's space. */
export interface Student {
  model: BertModel;
  head: DistillHead;
}

/** Every parameter the distillation trains: BERT's encoder and the Dense layer. */
export function studentParams(st: Student): ParamSource {
  return new CompositeParams([st.model.params, st.head.params]);
}

/**
 * Batch order: per pass over the data a seeded shuffle, cut into batches of sentences of one length
 * class (`classes[i]`: e.g. padded to 16 or to 32 tokens), the batches then shuffled. Short sentences
 * are not padded to the longest of a mixed batch (about half the pool fits 16 tokens: half the work
 * for those batches), and the same seed and pool give the same batches on every run.
 * Returns, for a step, the rows of its batch.
 */
export function batchOrder(classes: readonly number[], batchSize: number, seed: number): { rows: (step: number) => number[]; perPass: number } {
  const byClass = new Map<number, number>();
  for (const c of classes) byClass.set(c, (byClass.get(c) ?? 0) + 1);
  const perPass = [...byClass.values()].reduce((a, n) => a + Math.floor(n / batchSize), 0);
  if (perPass < 1) throw new Error(`distillation needs at least one batch of ${batchSize} sentences of one length; the pool has ${classes.length} sentences`);
  let cached: { pass: number; batches: number[][] } | null = null;
  const shuffle = <T>(xs: T[], rng: () => number) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  return {
    perPass,
    rows: (step: number) => {
      const pass = Math.floor(step / perPass);
      if (!cached || cached.pass !== pass) {
        const rng = mulberry32(seed * 7919 + pass);
        const order = shuffle(Array.from({ length: classes.length }, (_, i) => i), rng);
        const groups = new Map<number, number[]>();
        for (const i of order) {
          const g = groups.get(classes[i]);
          if (g) g.push(i);
          else groups.set(classes[i], [i]);
        }
        const batches: number[][] = [];
        for (const c of [...groups.keys()].sort((a, b) => a - b)) {
          const g = groups.get(c)!;
          for (let b = 0; b + batchSize <= g.length; b += batchSize) batches.push(g.slice(b, b + batchSize));
        }
        cached = { pass, batches: shuffle(batches, rng) };
      }
      return cached.batches[step % perPass];
    },
  };
}

/** Token-length multiple batches are padded to (few shapes: one compiled graph per length on onnx). */
const SEQ_MULTIPLE = 16;

/**
 * Trains the student in place on `sentences` with the teacher's vectors `teacher` ([n, D], row i for
 * sentence i). The loop is resumable: pass `startStep` and `restore`.
 */
export async function trainDistill(st: Student, tokenizer: BertTokenizer, sentences: readonly string[], teacher: { data: Float32Array; dim: number }, o: DistillOptions): Promise<{ records: StepRecord[]; transform: TeacherTransform | null; interrupted: boolean }> {
  const N = o.batchSize ?? 64;
  const maxLength = o.maxLength ?? 32;
  const seed = o.seed ?? settings.seed;
  const weights = o.loss ?? { mse: 1 };
  const temperature = o.temperature ?? DISTILL_TEMPERATURE;
  const D = teacher.dim;
  if (teacher.data.length !== sentences.length * D) throw new Error(`${sentences.length} sentences but ${teacher.data.length / D} teacher vectors`);
  if (st.head.outDim !== D || st.head.inDim !== st.model.config.hidden_size) throw new Error(`the Dense layer is ${st.head.inDim} → ${st.head.outDim}; the student is ${st.model.config.hidden_size}-d and the teacher ${D}-d`);
  const transform = o.centre === false ? null : centring(teacher.data, sentences.length, D);
  const cfg = st.model.config;
  const fn = <X>(c: Ctx<X>, x: Record<string, X>) => distillLoss(c, cfg, x, weights, temperature);
  const engine = await engineFor(o.engine);
  // The MLM/NSP heads and the pooler are not part of this sentence encoder: only the encoder and the Dense layer train.
  const bert = st.model.params;
  bert.freeze("all");
  bert.unfreeze(bert.groups().filter((g) => g === "embeddings" || g.startsWith("layer.")));
  const params = studentParams(st);
  const key = `distill|${JSON.stringify(cfg)}|${JSON.stringify(weights)}|${temperature}|D=${D}`;
  const trainer = createTrainer(engine, { key, fn, params, lossOutput: "loss", optimizer: FINETUNE_ADAMW, dropout: true, seed });
  o.restore?.(trainer);
  // Each sentence's padded length class (a multiple of SEQ_MULTIPLE up to maxLength), from its token count.
  const classes = sentences.map((t) => Math.min(maxLength, Math.ceil(Math.min(maxLength, tokenizer.encode(t, null, { maxLength, truncation: true }).ids.length) / SEQ_MULTIPLE) * SEQ_MULTIPLE));
  const order = batchOrder(classes, N, seed);
  const labels = Int32Array.from({ length: N }, (_, i) => i);
  const offDiagonal = new Float32Array(N * N).fill(1);
  for (let i = 0; i < N; i++) offDiagonal[i * N + i] = 0;
  let tokens = 0;
  const batch = (step: number): Record<string, HostTensor> => {
    const rows = order.rows(step);
    const enc = tokenizer.encodeBatch(rows.map((r) => sentences[r]), { maxLength, truncation: true });
    const T = Math.min(maxLength, Math.ceil(Math.max(...enc.inputIds.map((r) => r.length)) / SEQ_MULTIPLE) * SEQ_MULTIPLE);
    const ids = new Int32Array(N * T).fill(tokenizer.padId);
    const mask = new Int32Array(N * T);
    enc.inputIds.forEach((row, r) => {
      ids.set(row, r * T);
      mask.fill(1, r * T, r * T + row.length);
    });
    tokens = N * T;
    return {
      inputIds: { data: ids, shape: [N, T] },
      tokenTypeIds: { data: new Int32Array(N * T), shape: [N, T] },
      attentionMask: { data: mask, shape: [N, T] },
      teacher: { data: transformRows(teacher.data, D, rows, transform), shape: [N, D] },
      labels: { data: labels, shape: [N] },
      offDiagonal: { data: offDiagonal, shape: [N, N] },
    };
  };
  const schedule = { peak: o.lr ?? 1e-4, warmup: Math.round(0.1 * o.steps), total: o.steps, decay: "linear" as const };
  const records: StepRecord[] = [];
  let result;
  try {
    result = await trainLoop({
      startStep: o.startStep ?? 0,
      steps: o.steps,
      step: async (s) => {
        const t0 = Date.now();
        const lr = learningRate(s, schedule);
        const r = await trainer.step(batch(s), lr);
        const rec: StepRecord = { step: s + 1, loss: r.metrics.loss, losses: r.metrics, lr, gradNorm: r.gradNorm, tokens, ms: Date.now() - t0 };
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
      evalAtStart: !!o.evaluate && !o.startStep,
      save: o.save
        ? async (s, reason) => {
            trainer.sync();
            await o.save!(s, reason, trainer);
          }
        : undefined,
      saveEveryMinutes: o.saveEveryMinutes,
      onStep: o.onStep,
      onEval: o.onEval,
    });
  } finally {
    trainer.sync();
    trainer.dispose();
    bert.unfreeze("all");
  }
  return { records, transform, interrupted: result.interrupted };
}
