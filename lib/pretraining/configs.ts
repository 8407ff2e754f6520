/**
 * Model sizes. The paper's two (§3: BERT-BASE L=12, H=768, A=12; BERT-LARGE L=24, H=1024, A=16)
 * and three that train on a laptop CPU (Turc et al. 2019's "Well-Read Students" family: tiny
 * L=2/H=128, mini L=4/H=256, small L=4/H=512). Feed-forward width is 4H and heads H/64 as in the
 * paper; parameter counts are computed from the config, never typed in.
 */
import { BERT_BASE, BertConfig, makeConfig } from "../models/bert/config";
import { paramSpecs, ALL_HEADS } from "../models/bert/params";

export type ConfigName = "tiny" | "mini" | "small";
export const CONFIG_NAMES: readonly ConfigName[] = ["tiny", "mini", "small"];

const shape = (L: number, H: number, A: number): Partial<BertConfig> => ({ num_hidden_layers: L, hidden_size: H, num_attention_heads: A, intermediate_size: 4 * H });

/** Encoder shapes (vocab_size is set from the tokenizer). */
export const PRETRAIN_CONFIGS: Record<ConfigName, Partial<BertConfig>> = {
  tiny: shape(2, 128, 2),
  mini: shape(4, 256, 4),
  small: shape(4, 512, 8),
};

/** Paper sizes with bert-base-uncased's 30,522-token vocabulary. */
export const BERT_BASE_CONFIG: BertConfig = makeConfig({ ...BERT_BASE });
export const BERT_LARGE_CONFIG: BertConfig = makeConfig({ ...BERT_BASE, ...shape(24, 1024, 16) });

/** Parameters of a BERT (encoder + pooler; heads optional) from its config, by group. */
export function countParameters(cfg: BertConfig, options: { heads?: boolean } = {}): { total: number; embeddings: number; encoder: number; pooler: number; heads: number } {
  const specs = paramSpecs(cfg, options.heads ? ALL_HEADS : { pooler: true, mlm: false, nsp: false });
  const size = (s: { shape: number[] }) => s.shape.reduce((a, b) => a * b, 1);
  const sum = (f: (g: string) => boolean) => specs.filter((s) => f(s.group)).reduce((a, s) => a + size(s), 0);
  const embeddings = sum((g) => g === "embeddings");
  const encoder = sum((g) => g.startsWith("layer."));
  const pooler = sum((g) => g === "pooler");
  const heads = sum((g) => g === "mlm" || g === "nsp");
  return { total: embeddings + encoder + pooler + heads, embeddings, encoder, pooler, heads };
}

/** A full config for a preset and a vocabulary size. */
export function pretrainConfig(name: ConfigName | Partial<BertConfig>, vocabSize: number, maxPositions = 512): BertConfig {
  const base = typeof name === "string" ? PRETRAIN_CONFIGS[name] : name;
  if (!base) throw new Error(`unknown config "${String(name)}"; use one of: ${CONFIG_NAMES.join(", ")}`);
  return makeConfig({ ...base, vocab_size: vocabSize, max_position_embeddings: maxPositions, architectures: ["BertForPreTraining"] });
}
