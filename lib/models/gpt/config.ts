/**
 * GPT configuration, with the field names of Hugging Face's GPT2Config so a checkpoint's
 * config.json reads the same in both worlds.
 */
export interface GptConfig {
  model_type: "gpt2";
  /** Number of token ids (V). */
  vocab_size: number;
  /** Longest sequence the learned position table covers (T ≤ n_positions). */
  n_positions: number;
  /** Width of the residual stream (C). */
  n_embd: number;
  /** Number of transformer blocks. */
  n_layer: number;
  /** Attention heads per block (nh); head size hs = n_embd / n_head. */
  n_head: number;
  /** Hidden width of the MLP; GPT-2 uses 4 × n_embd (null means that). */
  n_inner: number | null;
  /** LayerNorm epsilon: 1e-5 as in GPT-2. */
  layer_norm_epsilon: number;
  /** Std of the normal initialisation: 0.02 as in GPT-2 (Radford et al. 2019). */
  initializer_range: number;
  /**
   * "learned": a position table wpe added to the token embeddings (GPT-2); "rotary": no table, queries
   * and keys are rotated by position-dependent angles (RoPE, Su et al. 2021; as Llama), so attention
   * scores depend on relative distance — which makes "attend to the previous token" easy to learn.
   */
  position_embedding_type: "learned" | "rotary";
  /** RoPE base θ: 10000 as in Su et al. 2021 / Llama. */
  rope_theta: number;
}

/** A tiny GPT for the in-context-learning lab: 2 blocks are the least that can form an induction head (Olsson et al. 2022). */
export const GPT_TINY: Omit<GptConfig, "vocab_size"> = {
  model_type: "gpt2",
  n_positions: 64,
  n_embd: 64,
  n_layer: 2,
  n_head: 4,
  n_inner: null,
  layer_norm_epsilon: 1e-5,
  initializer_range: 0.02,
  position_embedding_type: "rotary",
  rope_theta: 10000,
};

export function makeGptConfig(partial: Partial<GptConfig> & { vocab_size: number }): GptConfig {
  const cfg: GptConfig = { ...GPT_TINY, ...partial };
  if (cfg.position_embedding_type !== "learned" && cfg.position_embedding_type !== "rotary") {
    throw new Error(`position_embedding_type must be "learned" or "rotary", got "${String(cfg.position_embedding_type)}"`);
  }
  if (cfg.n_embd % cfg.n_head !== 0) {
    throw new Error(`n_embd (${cfg.n_embd}) must be a multiple of n_head (${cfg.n_head}): each head gets n_embd / n_head features`);
  }
  // Rotary positions turn pairs of features; a learned table has no such need.
  if (cfg.position_embedding_type === "rotary" && (cfg.n_embd / cfg.n_head) % 2 !== 0) {
    throw new Error(`rotary positions need an even head size: n_embd / n_head = ${cfg.n_embd / cfg.n_head}; choose another n_head, or position_embedding_type "learned"`);
  }
  for (const k of ["vocab_size", "n_positions", "n_embd", "n_layer", "n_head"] as const) {
    if (!Number.isInteger(cfg[k]) || cfg[k] <= 0) throw new Error(`GPT config: ${k} must be a positive integer, got ${cfg[k]}`);
  }
  return cfg;
}

export function innerSize(cfg: GptConfig): number {
  return cfg.n_inner ?? 4 * cfg.n_embd;
}
