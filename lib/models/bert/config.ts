/**
 * BERT's configuration: the fields of a Hugging Face `config.json` (transformers' BertConfig),
 * with the same names, so a config round-trips through JSON unchanged.
 * Defaults are bert-base-uncased's (Devlin et al. 2019, Table/§3 "BERT_BASE": L=12, H=768, A=12).
 */

export interface BertConfig {
  /** WordPiece vocabulary size (bert-base-uncased: 30522). */
  vocab_size: number;
  /** H: width of every hidden state. */
  hidden_size: number;
  /** L: number of Transformer layers. */
  num_hidden_layers: number;
  /** A: attention heads per layer; hidden_size must be divisible by it. */
  num_attention_heads: number;
  /** Width of the feed-forward block (4H in the paper). */
  intermediate_size: number;
  /** Feed-forward activation; "gelu" is the exact erf GELU (transformers' ACT2FN["gelu"]). */
  hidden_act: "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "relu" | "tanh";
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  /** Longest sequence the position embeddings cover (512). */
  max_position_embeddings: number;
  /** Number of segment (token type) ids: 2, sentence A / sentence B. */
  type_vocab_size: number;
  /** Std of the truncated-normal initialiser (0.02, BERT's TF code). */
  initializer_range: number;
  /** LayerNorm epsilon (1e-12, BERT's TF code; PyTorch's default would be 1e-5). */
  layer_norm_eps: number;
  pad_token_id: number;
  /** Only "absolute" (learned) position embeddings are implemented. */
  position_embedding_type: "absolute";
  /** The MLM decoder shares the word embedding matrix (transformers' default: true). */
  tie_word_embeddings: boolean;
  model_type: "bert";
  architectures?: string[];
  /** Any other fields of config.json are kept and written back unchanged. */
  [extra: string]: unknown;
}

/** bert-base-uncased's config (https://huggingface.co/bert-base-uncased/blob/main/config.json). */
export const BERT_BASE: BertConfig = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: "gelu",
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
  position_embedding_type: "absolute",
  tie_word_embeddings: true,
  model_type: "bert",
};

/** BERT-mini (Turc et al. 2019, "Well-Read Students Learn Better": L=4, H=256, A=4). */
export const BERT_MINI: Partial<BertConfig> = { hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024 };

/** A full config from a partial one (missing fields take bert-base's values), validated. */
export function makeConfig(partial: Partial<BertConfig> = {}): BertConfig {
  const cfg = { ...BERT_BASE, ...partial } as BertConfig;
  validateConfig(cfg);
  return cfg;
}

export function validateConfig(cfg: BertConfig): void {
  const bad = (field: string, want: string) => new Error(`BertConfig.${field} must be ${want}, got ${JSON.stringify(cfg[field])}`);
  const ints: (keyof BertConfig)[] = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings", "type_vocab_size"];
  for (const k of ints) {
    const v = cfg[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw bad(String(k), "a positive integer");
  }
  if (cfg.hidden_size % cfg.num_attention_heads !== 0) {
    throw new Error(`BertConfig: hidden_size (${cfg.hidden_size}) must be divisible by num_attention_heads (${cfg.num_attention_heads})`);
  }
  for (const k of ["hidden_dropout_prob", "attention_probs_dropout_prob"] as const) {
    const v = cfg[k];
    if (typeof v !== "number" || !(v >= 0 && v < 1)) throw bad(k, "a probability in [0, 1)");
  }
  for (const k of ["layer_norm_eps", "initializer_range"] as const) {
    const v = cfg[k];
    if (typeof v !== "number" || !(v > 0)) throw bad(k, "a positive number");
  }
  if (typeof cfg.pad_token_id !== "number" || !Number.isInteger(cfg.pad_token_id) || cfg.pad_token_id < 0 || cfg.pad_token_id >= cfg.vocab_size) {
    throw bad("pad_token_id", `an integer id in [0, vocab_size = ${cfg.vocab_size})`);
  }
  if (typeof cfg.tie_word_embeddings !== "boolean") throw bad("tie_word_embeddings", "true or false");
  const acts = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "tanh"];
  if (!acts.includes(cfg.hidden_act)) throw new Error(`BertConfig.hidden_act "${cfg.hidden_act}" is not supported; supported: ${acts.join(", ")}`);
  if (cfg.position_embedding_type !== "absolute") {
    throw new Error(`BertConfig.position_embedding_type "${cfg.position_embedding_type}" is not supported; only "absolute" is implemented`);
  }
}

/** Reads a parsed config.json (a Hugging Face BERT config). */
export function configFromJson(json: Record<string, unknown>, source = "config.json"): BertConfig {
  if (json.model_type !== undefined && json.model_type !== "bert") {
    throw new Error(`${source} has model_type "${String(json.model_type)}"; this loader reads BERT checkpoints (model_type "bert")`);
  }
  try {
    return makeConfig(json as Partial<BertConfig>);
  } catch (e) {
    // Name the file and the field as the student sees them: `config.json: field "hidden_size" must be …`.
    const msg = (e as Error).message.replace(/^BertConfig\.(\w+)/, 'field "$1"').replace(/^BertConfig: /, "");
    throw new Error(`${source}: ${msg}. Fix that field, or re-download the model.`);
  }
}

/** The config as config.json content. */
export function configToJson(cfg: BertConfig): Record<string, unknown> {
  return { ...cfg };
}
