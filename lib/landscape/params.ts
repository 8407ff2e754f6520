/**
 * How many parameters a transformer has, computed from its hyperparameters — for encoder-only
 * models (BERT) and decoder-only models (GPT, Llama). Counting, not estimating: every weight
 * matrix, bias and norm vector is listed, so a breakdown adds up to the exact size of a released
 * checkpoint (bert-base-uncased: 109,482,240; Llama-2-7b: 6,738,415,616).
 *
 * Notation (one letter per hyperparameter, used in the comments below):
 *   L   layers                     d   model width (d_model, "hidden size")
 *   f   feed-forward width (FFN)   h   query heads        kv  key/value heads (GQA: kv < h)
 *   hd  head width (d / h)         V   vocabulary size    T   context length (positions)
 *
 * One layer:
 *   attention  q: d × h·hd, k and v: d × kv·hd each, output: h·hd × d   (+ a bias per output unit)
 *   MLP        GELU: d × f then f × d (2 matrices); SwiGLU: gate and up d × f, down f × d (3 matrices)
 *   norms      2 per layer; LayerNorm has a scale and a shift (2d), RMSNorm only a scale (d)
 * Plus: token embeddings V × d; learned positions T × d (sinusoidal and rotary ones have no
 * parameters); an output projection d × V unless it is tied to the token embeddings; a final norm
 * (pre-norm models); BERT's segment embeddings, embedding LayerNorm and pooler.
 */

export type ModelKind = "encoder" | "decoder";
export type PositionKind = "learned" | "sinusoidal" | "rotary";
export type MlpKind = "gelu" | "swiglu";
export type NormKind = "layernorm" | "rmsnorm";

/** The architecture hyperparameters that decide a transformer's size. */
export interface ArchConfig {
  /** encoder-only (bidirectional attention, BERT) or decoder-only (causal attention, GPT, Llama). */
  kind: ModelKind;
  /** L: transformer layers (blocks). */
  layers: number;
  /** d: model width, the size of every hidden state. */
  dModel: number;
  /** f: feed-forward (MLP) inner width. 4d for BERT/GPT; ~8d/3 rounded up for SwiGLU models. */
  ffnDim: number;
  /** h: query heads. */
  heads: number;
  /** kv: key/value heads; default h (multi-head attention). Fewer: grouped-query attention (GQA); 1: multi-query. */
  kvHeads?: number;
  /** hd: width of one head; default d / h. */
  headDim?: number;
  /** V: vocabulary size (rows of the token embedding matrix). */
  vocab: number;
  /** T: context length; learned position embeddings have one row per position. */
  contextLength: number;
  /** learned (BERT, GPT-1/2/3): T × d parameters; sinusoidal (original Transformer) and rotary (RoPE: Llama): none. */
  positions: PositionKind;
  /** The output projection (LM / MLM decoder) reuses the token embedding matrix (BERT, GPT-2/3: yes; Llama: no). */
  tiedEmbeddings: boolean;
  /** gelu: up + down projections; swiglu: gate + up + down (Shazeer 2020, "GLU Variants Improve Transformer"). */
  mlp: MlpKind;
  /** layernorm: scale + shift (2d); rmsnorm: scale only (d) (Zhang & Sennrich 2019). */
  norm: NormKind;
  /** Linear layers carry biases (BERT, GPT-1/2/3: yes; Llama: no). */
  biases: boolean;
  /** A norm after the last layer (pre-norm models: GPT-2/3, Llama). Post-norm BERT and GPT-1 have none. */
  finalNorm: boolean;
  /** A norm right after the embeddings (BERT: yes). */
  embeddingNorm?: boolean;
  /** Segment ("token type") embeddings: BERT has 2 (sentence A / B). */
  tokenTypes?: number;
  /** BERT's pooler: a d × d dense layer + tanh on [CLS] (counted in BertModel's total). */
  pooler?: boolean;
  /** BERT's MLM head transform (dense d × d, LayerNorm, output bias V); not in BertModel's published total. */
  mlmHead?: boolean;
  /** BERT's NSP head (d × 2 + 2); not in BertModel's published total. */
  nspHead?: boolean;
}

/** Parameters by component. `total` is their sum. */
export interface ParamBreakdown {
  tokenEmbeddings: number;
  positionEmbeddings: number;
  /** Segment embeddings + the embedding norm (BERT). */
  otherEmbeddings: number;
  /** All L layers' attention projections (with biases). */
  attention: number;
  /** All L layers' MLPs (with biases). */
  mlp: number;
  /** All L layers' norms, plus the final norm. */
  norms: number;
  /** Untied output projection (Llama's lm_head), 0 when tied. */
  outputHead: number;
  /** BERT's pooler and pre-training heads, when counted. */
  extraHeads: number;
  /** Parameters of one layer. */
  perLayer: number;
  /** Everything. */
  total: number;
  /** total minus token and position embeddings and the untied output head (Kaplan et al. 2020's N). */
  nonEmbedding: number;
}

/** kv and hd with their defaults filled in. */
export function resolvedHeads(cfg: ArchConfig): { heads: number; kvHeads: number; headDim: number } {
  const kvHeads = cfg.kvHeads ?? cfg.heads;
  const headDim = cfg.headDim ?? cfg.dModel / cfg.heads;
  return { heads: cfg.heads, kvHeads, headDim };
}

/** Parameters of one layer's attention: q, k, v, output projections and their biases. */
export function attentionParams(cfg: ArchConfig): number {
  const { heads, kvHeads, headDim } = resolvedHeads(cfg);
  const d = cfg.dModel;
  const q = d * heads * headDim + (cfg.biases ? heads * headDim : 0);
  const kv = 2 * (d * kvHeads * headDim + (cfg.biases ? kvHeads * headDim : 0));
  const o = heads * headDim * d + (cfg.biases ? d : 0);
  return q + kv + o;
}

/** Parameters of one layer's MLP. */
export function mlpParams(cfg: ArchConfig): number {
  const d = cfg.dModel;
  const f = cfg.ffnDim;
  if (cfg.mlp === "swiglu") return 3 * d * f + (cfg.biases ? 2 * f + d : 0); // gate, up: d×f; down: f×d
  return 2 * d * f + (cfg.biases ? f + d : 0); // up: d×f; down: f×d
}

/** Parameters of one norm layer. */
export function normParams(cfg: ArchConfig): number {
  return cfg.norm === "layernorm" ? 2 * cfg.dModel : cfg.dModel;
}

/** The parameter count of a model, by component. */
export function countParams(cfg: ArchConfig): ParamBreakdown {
  checkConfig(cfg);
  const d = cfg.dModel;
  const V = cfg.vocab;
  const n = normParams(cfg);
  const tokenEmbeddings = V * d;
  const positionEmbeddings = cfg.positions === "learned" ? cfg.contextLength * d : 0;
  const otherEmbeddings = (cfg.tokenTypes ?? 0) * d + (cfg.embeddingNorm ? n : 0);
  const attn = attentionParams(cfg);
  const mlp = mlpParams(cfg);
  const perLayer = attn + mlp + 2 * n;
  const norms = cfg.layers * 2 * n + (cfg.finalNorm ? n : 0);
  const outputHead = cfg.tiedEmbeddings ? 0 : d * V;
  let extraHeads = 0;
  if (cfg.pooler) extraHeads += d * d + d;
  if (cfg.mlmHead) extraHeads += d * d + d + 2 * d + V; // transform dense, its LayerNorm, decoder bias (decoder weight tied)
  if (cfg.nspHead) extraHeads += 2 * d + 2;
  const attention = cfg.layers * attn;
  const mlpAll = cfg.layers * mlp;
  const total = tokenEmbeddings + positionEmbeddings + otherEmbeddings + attention + mlpAll + norms + outputHead + extraHeads;
  return {
    tokenEmbeddings,
    positionEmbeddings,
    otherEmbeddings,
    attention,
    mlp: mlpAll,
    norms,
    outputHead,
    extraHeads,
    perLayer,
    total,
    nonEmbedding: total - tokenEmbeddings - positionEmbeddings - outputHead,
  };
}

/** Total parameters (shorthand for countParams(cfg).total). */
export function totalParams(cfg: ArchConfig): number {
  return countParams(cfg).total;
}

/** Throws on hyperparameters that cannot describe a model (non-integers, kv not dividing h). */
export function checkConfig(cfg: ArchConfig): void {
  const ints: (keyof ArchConfig)[] = ["layers", "dModel", "ffnDim", "heads", "vocab", "contextLength"];
  for (const k of ints) {
    const v = cfg[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new Error(`ArchConfig.${k} must be a positive integer, got ${String(v)}`);
  }
  const { heads, kvHeads, headDim } = resolvedHeads(cfg);
  if (!Number.isInteger(kvHeads) || kvHeads <= 0 || heads % kvHeads !== 0) {
    throw new Error(`kvHeads (${kvHeads}) must divide heads (${heads}): in grouped-query attention each key/value head serves heads/kvHeads query heads`);
  }
  if (!(headDim > 0)) throw new Error(`headDim must be positive, got ${headDim}`);
}

/**
 * Inconsistencies between hyperparameters that a model table can contain and the count cannot
 * catch by itself: d not divisible by h, h·hd ≠ d, a SwiGLU FFN width far from ~8d/3, …
 * Returns human-readable warnings (empty when consistent).
 */
export function consistencyWarnings(cfg: ArchConfig): string[] {
  const out: string[] = [];
  const { heads, headDim } = resolvedHeads(cfg);
  if (cfg.headDim === undefined && !Number.isInteger(cfg.dModel / heads)) {
    out.push(`d_model ${cfg.dModel} is not divisible by ${heads} heads (d/h = ${(cfg.dModel / heads).toFixed(2)})`);
  }
  if (cfg.headDim !== undefined && heads * headDim !== cfg.dModel) {
    out.push(`heads × head width = ${heads} × ${headDim} = ${heads * headDim}, but d_model is ${cfg.dModel}`);
  }
  const ratio = cfg.ffnDim / cfg.dModel;
  if (cfg.mlp === "gelu" && Math.abs(ratio - 4) > 0.01) out.push(`FFN width is ${ratio.toFixed(2)}·d; GELU transformers use 4·d`);
  // SwiGLU models keep the MLP's parameter count near a 4d GELU MLP's: 3·d·f ≈ 8·d² → f ≈ 8d/3 ≈ 2.67d,
  // often scaled by a multiplier (Llama 3: 1.3 → 3.5d) and rounded up to a multiple of 256 or 1024.
  if (cfg.mlp === "swiglu" && (ratio < 2.5 || ratio > 4)) out.push(`FFN width is ${ratio.toFixed(2)}·d; SwiGLU models use about 2.7·d to 3.5·d`);
  return out;
}

/** Llama's rule for the SwiGLU width (facebookresearch/llama model.py FeedForward): 8d/3 × multiplier, rounded up to a multiple. */
export function llamaFfnDim(dModel: number, multipleOf: number, ffnDimMultiplier = 1): number {
  let hidden = Math.floor((2 * 4 * dModel) / 3); // int(2 * hidden_dim / 3) with hidden_dim = 4d
  hidden = Math.floor(ffnDimMultiplier * hidden);
  return multipleOf * Math.ceil(hidden / multipleOf);
}

/** The calculator's config for a Hugging Face BERT config.json (transformers' BertConfig field names). */
export function fromBertConfig(
  c: { vocab_size: number; hidden_size: number; num_hidden_layers: number; num_attention_heads: number; intermediate_size: number; max_position_embeddings: number; type_vocab_size: number },
  heads: { pooler?: boolean; mlm?: boolean; nsp?: boolean } = { pooler: true },
): ArchConfig {
  return {
    kind: "encoder",
    layers: c.num_hidden_layers,
    dModel: c.hidden_size,
    ffnDim: c.intermediate_size,
    heads: c.num_attention_heads,
    vocab: c.vocab_size,
    contextLength: c.max_position_embeddings,
    positions: "learned",
    tiedEmbeddings: true,
    mlp: "gelu",
    norm: "layernorm",
    biases: true,
    finalNorm: false,
    embeddingNorm: true,
    tokenTypes: c.type_vocab_size,
    pooler: heads.pooler ?? false,
    mlmHead: heads.mlm ?? false,
    nspHead: heads.nsp ?? false,
  };
}

/** Relative difference (computed − published) / published. */
export function relativeError(computed: number, published: number): number {
  return (computed - published) / published;
}

/** 1234567 → "1.23M", 6738415616 → "6.74B". */
export function formatCount(n: number, digits = 3): string {
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "B"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [v, u] of units) if (Math.abs(n) >= v) return `${Number((n / v).toPrecision(digits))}${u}`;
  return String(n);
}
