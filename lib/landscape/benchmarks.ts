/**
 * The benchmarks and metrics the course's landscape table names: what each one measures, how it is
 * scored, and which kind of model it suits. Four are datasets (GLUE, SQuAD, RACE, HellaSwag); four are
 * metrics that score a model's output against references or the text itself (BLEU, ROUGE, METEOR,
 * perplexity). The course implements BLEU, ROUGE-L, perplexity and pseudo-perplexity in
 * lib/landscape/metrics.ts and perplexity.ts.
 */

export interface Benchmark {
  name: string;
  kind: "benchmark (dataset)" | "metric";
  /** What it measures, in a sentence. */
  measures: string;
  /** The task and how an answer is scored. */
  scoring: string;
  /** Where it fits: encoder (classify/extract), decoder (generate), or both. */
  suits: string;
  /** Higher is better? */
  higherIsBetter: boolean;
  /** Where it comes from. */
  source: string;
  /** Implemented in lib/landscape. */
  implemented?: string;
}

export const BENCHMARKS: Benchmark[] = [
  {
    name: "GLUE",
    kind: "benchmark (dataset)",
    measures: "General sentence-level language understanding across nine tasks: sentiment (SST-2), paraphrase (MRPC, QQP), similarity (STS-B), entailment (MNLI, RTE, QNLI, WNLI), grammaticality (CoLA).",
    scoring: "Fine-tune on each task's training set; accuracy / F1 / Matthews or Spearman correlation per task, averaged into one GLUE score.",
    suits: "encoders (BERT-era fine-tuning); saturated since 2019 (SuperGLUE followed)",
    higherIsBetter: true,
    source: "Wang et al. 2018, GLUE: A Multi-Task Benchmark and Analysis Platform for NLU",
  },
  {
    name: "SQuAD",
    kind: "benchmark (dataset)",
    measures: "Extractive reading comprehension: find the span of a Wikipedia paragraph that answers a question (v2.0 adds unanswerable questions).",
    scoring: "Exact match and token-overlap F1 between the predicted span and the human answers.",
    suits: "encoders (predict start/end positions); decoders answer it generatively",
    higherIsBetter: true,
    source: "Rajpurkar et al. 2016 (v1.1), 2018 (v2.0)",
  },
  {
    name: "RACE",
    kind: "benchmark (dataset)",
    measures: "Reading comprehension with reasoning: multiple-choice questions from English exams for Chinese middle and high school students.",
    scoring: "Accuracy over four answer options.",
    suits: "both (encoders score each option; decoders compare option likelihoods)",
    higherIsBetter: true,
    source: "Lai et al. 2017, RACE: Large-scale ReAding Comprehension Dataset From Examinations",
  },
  {
    name: "HellaSwag",
    kind: "benchmark (dataset)",
    measures: "Commonsense inference: pick the most plausible continuation of an everyday scenario; wrong endings were adversarially filtered to fool models while staying obvious to people (~95% human accuracy).",
    scoring: "Accuracy over four endings, usually by the model's (length-normalised) log-likelihood of each ending.",
    suits: "decoders (zero/few-shot likelihood scoring)",
    higherIsBetter: true,
    source: "Zellers et al. 2019, HellaSwag: Can a Machine Really Finish Your Sentence?",
  },
  {
    name: "BLEU",
    kind: "metric",
    measures: "Precision-oriented n-gram overlap of generated text with reference translations.",
    scoring: "Geometric mean of clipped 1–4-gram precisions × a brevity penalty; corpus-level, 0–100.",
    suits: "generation (machine translation)",
    higherIsBetter: true,
    source: "Papineni et al. 2002, BLEU: a Method for Automatic Evaluation of Machine Translation",
    implemented: "corpusBleu, sentenceBleu",
  },
  {
    name: "ROUGE",
    kind: "metric",
    measures: "Recall-oriented overlap of a generated summary with reference summaries: ROUGE-N (n-grams), ROUGE-L (longest common subsequence).",
    scoring: "Recall, precision and F of the overlap; ROUGE-L uses the LCS, so word order matters without requiring contiguous matches.",
    suits: "generation (summarisation)",
    higherIsBetter: true,
    source: "Lin 2004, ROUGE: A Package for Automatic Evaluation of Summaries",
    implemented: "rougeL",
  },
  {
    name: "METEOR",
    kind: "metric",
    measures: "Translation quality with recall weighted above precision and matches beyond exact words (stems, synonyms via WordNet), plus a fragmentation penalty for scrambled word order.",
    scoring: "Harmonic mean F_mean = 10PR/(R + 9P) of unigram matches, × (1 − penalty), penalty = 0.5·(chunks/matches)³.",
    suits: "generation (translation); correlates with human judgement better than BLEU at sentence level",
    higherIsBetter: true,
    source: "Banerjee & Lavie 2005, METEOR: An Automatic Metric for MT Evaluation with Improved Correlation with Human Judgments",
  },
  {
    name: "Perplexity",
    kind: "metric",
    measures: "How well a language model predicts held-out text: the exponential of the mean negative log-likelihood per token (the effective number of equally likely choices per token).",
    scoring: "exp(−(1/N) Σ log p(x_t | x_<t)); depends on the tokenizer, so compare models only on the same tokens. BERT gets pseudo-perplexity instead (mask each token in turn).",
    suits: "decoders (intrinsic evaluation of pre-training); pseudo-perplexity for masked LMs",
    higherIsBetter: false,
    source: "Jelinek et al. 1977; pseudo-perplexity: Salazar et al. 2020, Masked Language Model Scoring",
    implemented: "causalPerplexity, pseudoPerplexity",
  },
];
