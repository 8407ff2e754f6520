/**
 * Published model architectures, with the parameter totals their authors published and where.
 * The course's landscape tables are computed from these configs (lib/landscape/params.ts), not
 * copied; the tests check every computed total against the published one (within 3%).
 *
 * Sources (the `source` strings name the table or page):
 *   BERT     Devlin et al. 2019, "BERT: Pre-training of Deep Bidirectional Transformers", §3 (L, H, A, totals);
 *            vocab 30,522 and 512 positions from google-research/bert's bert_config.json (= HF config.json).
 *   GPT-1    Radford et al. 2018, "Improving Language Understanding by Generative Pre-Training", §4.1
 *            (12 layers, 768 wide, 12 heads, 3072 FFN, 40,000 BPE merges, 512 tokens); the GPT-2 paper's Table 2
 *            says its smallest model (117M) "is equivalent to the original GPT". Vocab 40,478: HF openai-gpt config.
 *   GPT-2    Radford et al. 2019, "Language Models are Unsupervised Multitask Learners", Table 2 (L, d, params);
 *            openai/gpt-2 README: "our original parameter counts were wrong due to an error … small referred to as
 *            117M and medium referred to as 345M" — the released models are named 124M, 355M, 774M, 1558M.
 *   GPT-3    Brown et al. 2020, "Language Models are Few-Shot Learners", Table 2.1 (params, L, d, h, hd; d_ff = 4d;
 *            context 2048; GPT-2's tokenizer, 50,257 tokens); Table D.1 (training compute).
 *   LLaMA    Touvron et al. 2023a, "LLaMA: Open and Efficient Foundation Language Models", Table 2 (6.7B, 13.0B:
 *            the architectures Llama 2 7B / 13B reuse).
 *   Llama 2  Touvron et al. 2023b, "Llama 2: Open Foundation and Fine-Tuned Chat Models", Table 1; model card
 *            (meta-llama/llama MODEL_CARD.md): 2.0T tokens, GPU hours on A100-80GB; params.json / HF config.json
 *            for d, f, h, kv, vocab 32,000.
 *   Llama 3.1 Llama Team 2024, "The Llama 3 Herd of Models", Table 3 and §3.2 (405B, 15.6T tokens, 3.8 × 10²⁵ FLOPs);
 *            model card (meta-llama/llama-models models/llama3_1/MODEL_CARD.md): GPU hours on H100-80GB, ~15T tokens;
 *            HF config.json for the FFN width and vocab 128,256 (see the errata).
 */
import { ArchConfig } from "./params";

/** A place where a source table prints a value that contradicts the model it describes. */
export interface Erratum {
  /** Which hyperparameter or total. */
  field: string;
  /** What the source prints. */
  printed: number;
  /** What the released model has (and the calculator uses). */
  actual: number;
  /** Where it is printed. */
  where: string;
  /** How we know, in a sentence. */
  note: string;
}

/** What was published about a model's pre-training run (for the 6·N·D check). */
export interface TrainingRecord {
  /** Pre-training tokens D. */
  tokens: number;
  tokensSource: string;
  /** Total GPU hours reported for pre-training, and the GPU. */
  gpuHours?: number;
  gpu?: "A100-80GB" | "H100-80GB";
  gpuHoursSource?: string;
  /** Training compute the authors reported, in FLOPs. */
  reportedFlops?: number;
  reportedFlopsSource?: string;
}

export interface PublishedModel {
  /** Short id: "bert-base", "gpt2-xl", "llama-3.1-405b". */
  id: string;
  name: string;
  family: "BERT" | "GPT-1" | "GPT-2" | "GPT-3" | "Llama 2" | "Llama 3.1";
  year: number;
  config: ArchConfig;
  /** The published total the calculator is checked against. */
  published: { params: number; label: string; source: string };
  /** The exact size of the released checkpoint (sum of its tensors), where one was released. */
  checkpoint?: { params: number; source: string };
  /** Hyperparameters or totals that a source table prints wrongly. */
  errata?: Erratum[];
  training?: TrainingRecord;
}

// ------------------------------------------------------------------ building blocks

const bert = (layers: number, d: number, heads: number): ArchConfig => ({
  kind: "encoder",
  layers,
  dModel: d,
  ffnDim: 4 * d, // "the feed-forward/filter size to be 4H" (BERT §3, footnote)
  heads,
  vocab: 30522, // bert-base-uncased vocab.txt
  contextLength: 512,
  positions: "learned",
  tiedEmbeddings: true,
  mlp: "gelu",
  norm: "layernorm",
  biases: true,
  finalNorm: false, // post-LN: every layer ends in a LayerNorm already
  embeddingNorm: true,
  tokenTypes: 2,
  pooler: true, // BertModel's published size includes the pooler (not the MLM/NSP heads)
});

const gpt = (layers: number, d: number, heads: number, o: { vocab: number; context: number; finalNorm: boolean; headDim?: number }): ArchConfig => ({
  kind: "decoder",
  layers,
  dModel: d,
  ffnDim: 4 * d, // GPT-1 §4.1: 3072 = 4·768; GPT-3 Table 2.1: "d_ff = 4 * d_model"
  heads,
  headDim: o.headDim,
  vocab: o.vocab,
  contextLength: o.context,
  positions: "learned",
  tiedEmbeddings: true,
  mlp: "gelu",
  norm: "layernorm",
  biases: true,
  finalNorm: o.finalNorm, // GPT-2 §2.3 adds "an additional layer normalization after the final self-attention block"
});

const llama = (layers: number, d: number, ffn: number, heads: number, kvHeads: number, vocab: number, context: number): ArchConfig => ({
  kind: "decoder",
  layers,
  dModel: d,
  ffnDim: ffn,
  heads,
  kvHeads,
  vocab,
  contextLength: context,
  positions: "rotary",
  tiedEmbeddings: false, // separate output matrix (lm_head / "output.weight")
  mlp: "swiglu",
  norm: "rmsnorm",
  biases: false,
  finalNorm: true,
});

const GPT2 = { vocab: 50257, context: 1024, finalNorm: true };
const GPT3 = { vocab: 50257, context: 2048, finalNorm: true };
const LLAMA2_VOCAB = 32000;
const LLAMA3_VOCAB = 128256; // 128,000 BPE tokens + 256 reserved special tokens (HF config.json)
const LLAMA31_CONTEXT = 131072; // 128K (model card)

const GPT2_README = "openai/gpt-2 README (corrected counts; released model names)";
const GPT2_TABLE2 = "GPT-2 paper (Radford et al. 2019) Table 2";
const GPT3_TABLE = "GPT-3 paper (Brown et al. 2020) Table 2.1";
const LLAMA2_CARD = "Llama 2 model card (meta-llama/llama MODEL_CARD.md)";
const LLAMA31_CARD = "Llama 3.1 model card (meta-llama/llama-models models/llama3_1/MODEL_CARD.md)";
const HF_COUNT = "sum of the released checkpoint's tensors (Hugging Face safetensors)";

const gpt2PaperErratum = (printed: number, actual: number): Erratum => ({
  field: "total parameters",
  printed,
  actual,
  where: GPT2_TABLE2,
  note: "OpenAI's gpt-2 README: \"our original parameter counts were wrong due to an error\"; the released checkpoints are named by the corrected counts.",
});

const llama3FfnErratum = (printed: number, actual: number): Erratum => ({
  field: "FFN dimension",
  printed,
  actual,
  where: "Llama 3 paper (Llama Team 2024) Table 3",
  note: `The released config.json has intermediate_size ${actual.toLocaleString("en-US")}; with the printed width the count falls 40–50% short of the model's name.`,
});

const llama3VocabErratum: Erratum = {
  field: "vocabulary size",
  printed: 128000,
  actual: LLAMA3_VOCAB,
  where: "Llama 3 paper (Llama Team 2024) Table 3",
  note: "128,000 is the BPE vocabulary; the released tokenizer and embedding matrix add 256 reserved special tokens (config.json vocab_size 128,256).",
};

// ------------------------------------------------------------------ the models

export const MODELS: PublishedModel[] = [
  {
    id: "bert-base",
    name: "BERT-base",
    family: "BERT",
    year: 2018,
    config: bert(12, 768, 12),
    published: { params: 110e6, label: "110M", source: "BERT paper (Devlin et al. 2019) §3" },
    checkpoint: { params: 109_482_240, source: `bert-base-uncased BertModel: ${HF_COUNT}` },
  },
  {
    id: "bert-large",
    name: "BERT-large",
    family: "BERT",
    year: 2018,
    config: bert(24, 1024, 16),
    published: { params: 340e6, label: "340M", source: "BERT paper (Devlin et al. 2019) §3" },
    checkpoint: { params: 335_141_888, source: `bert-large-uncased BertModel: ${HF_COUNT}` },
  },
  {
    id: "gpt-1",
    name: "GPT-1",
    family: "GPT-1",
    year: 2018,
    config: gpt(12, 768, 12, { vocab: 40478, context: 512, finalNorm: false }),
    published: { params: 117e6, label: "117M", source: `${GPT2_TABLE2}: the smallest model "is equivalent to the original GPT"` },
  },
  {
    id: "gpt2-small",
    name: "GPT-2 small",
    family: "GPT-2",
    year: 2019,
    config: gpt(12, 768, 12, GPT2),
    published: { params: 124e6, label: "124M", source: GPT2_README },
    checkpoint: { params: 124_439_808, source: `gpt2: ${HF_COUNT}` },
    errata: [gpt2PaperErratum(117e6, 124e6)],
  },
  {
    id: "gpt2-medium",
    name: "GPT-2 medium",
    family: "GPT-2",
    year: 2019,
    config: gpt(24, 1024, 16, GPT2),
    published: { params: 355e6, label: "355M", source: GPT2_README },
    checkpoint: { params: 354_823_168, source: `gpt2-medium: ${HF_COUNT}` },
    errata: [gpt2PaperErratum(345e6, 355e6)],
  },
  {
    id: "gpt2-large",
    name: "GPT-2 large",
    family: "GPT-2",
    year: 2019,
    config: gpt(36, 1280, 20, GPT2),
    published: { params: 774e6, label: "774M", source: GPT2_README },
    checkpoint: { params: 774_030_080, source: `gpt2-large: ${HF_COUNT}` },
    errata: [gpt2PaperErratum(762e6, 774e6)],
  },
  {
    id: "gpt2-xl",
    name: "GPT-2 XL",
    family: "GPT-2",
    year: 2019,
    config: gpt(48, 1600, 25, GPT2),
    published: { params: 1558e6, label: "1.5B (1558M)", source: GPT2_README },
    checkpoint: { params: 1_557_611_200, source: `gpt2-xl: ${HF_COUNT}` },
    errata: [gpt2PaperErratum(1542e6, 1558e6)],
  },
  { id: "gpt3-small", name: "GPT-3 Small", family: "GPT-3", year: 2020, config: gpt(12, 768, 12, { ...GPT3, headDim: 64 }), published: { params: 125e6, label: "125M", source: GPT3_TABLE } },
  { id: "gpt3-medium", name: "GPT-3 Medium", family: "GPT-3", year: 2020, config: gpt(24, 1024, 16, { ...GPT3, headDim: 64 }), published: { params: 350e6, label: "350M", source: GPT3_TABLE } },
  { id: "gpt3-large", name: "GPT-3 Large", family: "GPT-3", year: 2020, config: gpt(24, 1536, 16, { ...GPT3, headDim: 96 }), published: { params: 760e6, label: "760M", source: GPT3_TABLE } },
  {
    id: "gpt3-xl",
    name: "GPT-3 XL",
    family: "GPT-3",
    year: 2020,
    config: gpt(24, 2048, 16, { ...GPT3, headDim: 128 }),
    published: { params: 1.3e9, label: "1.3B", source: GPT3_TABLE },
    errata: [
      {
        field: "attention width (n_heads × d_head)",
        printed: 24 * 128,
        actual: 2048,
        where: GPT3_TABLE,
        note:
          "The row prints 24 heads of width 128 (= 3072) with d_model 2048. The printed total (1.3B) fits attention as wide as d_model (1.32B), " +
          "not 3072 wide (1.52B); the count cannot tell whether the head count or the head width is misprinted, so the config uses 16 × 128 = 2048.",
      },
    ],
  },
  { id: "gpt3-2.7b", name: "GPT-3 2.7B", family: "GPT-3", year: 2020, config: gpt(32, 2560, 32, { ...GPT3, headDim: 80 }), published: { params: 2.7e9, label: "2.7B", source: GPT3_TABLE } },
  { id: "gpt3-6.7b", name: "GPT-3 6.7B", family: "GPT-3", year: 2020, config: gpt(32, 4096, 32, { ...GPT3, headDim: 128 }), published: { params: 6.7e9, label: "6.7B", source: GPT3_TABLE } },
  {
    id: "gpt3-13b",
    name: "GPT-3 13B",
    family: "GPT-3",
    year: 2020,
    config: gpt(40, 5120, 40, { ...GPT3, headDim: 128 }),
    published: { params: 13.0e9, label: "13B", source: GPT3_TABLE },
    errata: [
      {
        field: "d_model",
        printed: 5140,
        actual: 5120,
        where: GPT3_TABLE,
        note: "The same row prints 40 heads of width 128, and 40 × 128 = 5120; 5140 is not even divisible by 40 (128.5).",
      },
    ],
  },
  {
    id: "gpt3-175b",
    name: "GPT-3 175B",
    family: "GPT-3",
    year: 2020,
    config: gpt(96, 12288, 96, { ...GPT3, headDim: 128 }),
    published: { params: 175.0e9, label: "175B", source: GPT3_TABLE },
    training: {
      tokens: 300e9,
      tokensSource: "GPT-3 paper §2.2 / Table D.1: 300 billion tokens",
      reportedFlops: 3.14e23,
      reportedFlopsSource: "GPT-3 paper Table D.1: 3.14E+23 FLOPs (3,640 petaflop/s-days)",
    },
  },
  {
    id: "llama-2-7b",
    name: "Llama 2 7B",
    family: "Llama 2",
    year: 2023,
    config: llama(32, 4096, 11008, 32, 32, LLAMA2_VOCAB, 4096),
    published: { params: 6.7e9, label: "6.7B (named 7B)", source: "LLaMA paper (Touvron et al. 2023a) Table 2: 6.7B for the same architecture; Llama 2 paper Table 1 names it 7B" },
    checkpoint: { params: 6_738_415_616, source: `Llama-2-7b-hf: ${HF_COUNT}` },
    training: { tokens: 2.0e12, tokensSource: LLAMA2_CARD + ": 2.0T tokens", gpuHours: 184_320, gpu: "A100-80GB", gpuHoursSource: LLAMA2_CARD },
  },
  {
    id: "llama-2-13b",
    name: "Llama 2 13B",
    family: "Llama 2",
    year: 2023,
    config: llama(40, 5120, 13824, 40, 40, LLAMA2_VOCAB, 4096),
    published: { params: 13.0e9, label: "13.0B", source: "LLaMA paper (Touvron et al. 2023a) Table 2 (same architecture); Llama 2 paper Table 1" },
    checkpoint: { params: 13_015_864_320, source: `Llama-2-13b-hf: ${HF_COUNT}` },
    training: { tokens: 2.0e12, tokensSource: LLAMA2_CARD + ": 2.0T tokens", gpuHours: 368_640, gpu: "A100-80GB", gpuHoursSource: LLAMA2_CARD },
  },
  {
    id: "llama-2-70b",
    name: "Llama 2 70B",
    family: "Llama 2",
    year: 2023,
    config: llama(80, 8192, 28672, 64, 8, LLAMA2_VOCAB, 4096),
    published: { params: 70e9, label: "70B", source: "Llama 2 paper (Touvron et al. 2023b) Table 1" },
    checkpoint: { params: 68_976_648_192, source: `Llama-2-70b-hf: ${HF_COUNT}` },
    training: { tokens: 2.0e12, tokensSource: LLAMA2_CARD + ": 2.0T tokens", gpuHours: 1_720_320, gpu: "A100-80GB", gpuHoursSource: LLAMA2_CARD },
  },
  {
    id: "llama-3.1-8b",
    name: "Llama 3.1 8B",
    family: "Llama 3.1",
    year: 2024,
    config: llama(32, 4096, 14336, 32, 8, LLAMA3_VOCAB, LLAMA31_CONTEXT),
    published: { params: 8e9, label: "8B", source: `${LLAMA31_CARD}; Llama 3 paper Table 3` },
    checkpoint: { params: 8_030_261_248, source: `Llama-3.1-8B: ${HF_COUNT}` },
    errata: [llama3FfnErratum(6144, 14336), llama3VocabErratum],
    training: { tokens: 15e12, tokensSource: LLAMA31_CARD + ": ~15 trillion tokens", gpuHours: 1.46e6, gpu: "H100-80GB", gpuHoursSource: LLAMA31_CARD },
  },
  {
    id: "llama-3.1-70b",
    name: "Llama 3.1 70B",
    family: "Llama 3.1",
    year: 2024,
    config: llama(80, 8192, 28672, 64, 8, LLAMA3_VOCAB, LLAMA31_CONTEXT),
    published: { params: 70e9, label: "70B", source: `${LLAMA31_CARD}; Llama 3 paper Table 3` },
    checkpoint: { params: 70_553_706_496, source: `Llama-3.1-70B: ${HF_COUNT}` },
    errata: [llama3FfnErratum(12288, 28672), llama3VocabErratum],
    training: { tokens: 15e12, tokensSource: LLAMA31_CARD + ": ~15 trillion tokens", gpuHours: 7.0e6, gpu: "H100-80GB", gpuHoursSource: LLAMA31_CARD },
  },
  {
    id: "llama-3.1-405b",
    name: "Llama 3.1 405B",
    family: "Llama 3.1",
    year: 2024,
    config: llama(126, 16384, 53248, 128, 8, LLAMA3_VOCAB, LLAMA31_CONTEXT),
    published: { params: 405e9, label: "405B", source: "Llama 3 paper (Llama Team 2024) §1, §3.2: 405B parameters" },
    checkpoint: { params: 405_853_388_800, source: `Llama-3.1-405B: ${HF_COUNT}` },
    errata: [llama3FfnErratum(20480, 53248), llama3VocabErratum],
    training: {
      tokens: 15.6e12,
      tokensSource: "Llama 3 paper §1: 15.6T text tokens",
      gpuHours: 30.84e6,
      gpu: "H100-80GB",
      gpuHoursSource: LLAMA31_CARD,
      reportedFlops: 3.8e25,
      reportedFlopsSource: "Llama 3 paper §1 and §3.2: 3.8 × 10^25 FLOPs",
    },
  },
];

/** A model by id ("llama-2-7b"); the error lists the ids there are. */
export function getModel(id: string): PublishedModel {
  const m = MODELS.find((x) => x.id === id);
  if (!m) throw new Error(`no model "${id}" in the landscape table; known: ${MODELS.map((x) => x.id).join(", ")}`);
  return m;
}

/** A copy of a config with some hyperparameters replaced (to see what a printed value would imply). */
export function withOverrides(cfg: ArchConfig, overrides: Partial<ArchConfig>): ArchConfig {
  return { ...cfg, ...overrides };
}
