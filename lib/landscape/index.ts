/**
 * lib/landscape: the LLM landscape, computed rather than copied.
 *
 *   params.ts       parameter counts from hyperparameters (encoder- and decoder-only; GQA, SwiGLU, RMSNorm, tying)
 *   models.ts       BERT, GPT-1/2/3, Llama 2, Llama 3.1 configs with published totals, sources and errata
 *   cost.ts         training cost: 6·N·D, petaflop/s-days, GPU hours and implied utilisation
 *   positional.ts   sinusoidal, learned (read from a BERT checkpoint) and rotary position encodings
 *   masks.ts        bidirectional / causal / prefix attention masks
 *   metrics.ts      BLEU, ROUGE-L, perplexity from log-probabilities
 *   perplexity.ts   perplexity of any causal LM (ids → logits); BERT pseudo-perplexity
 *   bigram.ts       uniform / unigram / bigram word models: the decoder baselines
 *   benchmarks.ts   GLUE, SQuAD, RACE, HellaSwag, BLEU, ROUGE, METEOR, perplexity: what each measures
 */
export {
  countParams,
  totalParams,
  attentionParams,
  mlpParams,
  normParams,
  resolvedHeads,
  checkConfig,
  consistencyWarnings,
  llamaFfnDim,
  fromBertConfig,
  relativeError,
  formatCount,
} from "./params";
export type { ArchConfig, ParamBreakdown, ModelKind, PositionKind, MlpKind, NormKind } from "./params";
export { MODELS, getModel, withOverrides } from "./models";
export type { PublishedModel, Erratum, TrainingRecord } from "./models";
export {
  trainingFlops,
  toPetaflopDays,
  gpuHoursFor,
  impliedUtilisation,
  attentionShare,
  layerForwardFlops,
  attentionBreakEvenLength,
  costChecks,
  PFLOP_S_DAY,
  PEAK_BF16_FLOPS,
} from "./cost";
export type { CostCheck } from "./cost";
export {
  sinusoidalPositions,
  learnedPositions,
  cosineSimilarityMatrix,
  dot,
  ropeFrequencies,
  applyRope,
  ropeScore,
  ropeRelativeCheck,
  applyRopeTensor,
  POSITION_EMBEDDINGS,
  DEFAULT_BASE,
} from "./positional";
export type { RopeOptions, RopePairing, RopeCheck } from "./positional";
export { attentionMask, maskedSoftmax, allowedPairs } from "./masks";
export type { MaskKind, MaskOptions } from "./masks";
export { simpleTokenize, ngramCounts, corpusBleu, sentenceBleu, lcsLength, rougeL, logSoftmax, perplexityFromLogProbs, perplexityFromNll } from "./metrics";
export type { BleuOptions, BleuResult, RougeLResult, PerplexityResult, Tokens, TextOrTokens } from "./metrics";
export { causalPerplexity, pseudoPerplexity, pseudoPerplexityOfTexts } from "./perplexity";
export type { CausalLM, CausalPerplexityOptions, PseudoPerplexityOptions, PseudoPerplexityResult } from "./perplexity";
export { NgramLM, BOS, UNK } from "./bigram";
export type { NgramOptions } from "./bigram";
export { BENCHMARKS } from "./benchmarks";
export type { Benchmark } from "./benchmarks";
export { GPU_PRICES, CPU_PRICE, LLAMA_65B_RUN, priceRange, trainingDollars, formatDollars } from "./prices";
export type { GpuPrice, PricedGpu, PriceTerms, DollarCost } from "./prices";
export { LINEAGE } from "./lineage";
export type { LineageEntry, LineageKind } from "./lineage";
