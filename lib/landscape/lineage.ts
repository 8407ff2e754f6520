/**
 * From word vectors to pre-trained transformers: the models the lecture slide opens with
 * (word2vec → GloVe → skip-thought/InferSent → ELMo → ULMFiT → GPT → BERT) and the two later
 * objectives the course's seed documents name (XLNet's permutation LM, T5's text-to-text), with
 * GPT-3 where in-context learning begins. One line each on what changed — objective, direction,
 * data, size — and where the course shows the idea. Dates are the first public version (arXiv or
 * conference); sizes are the papers' own figures.
 */
export type LineageKind = "word vectors" | "sentence vectors" | "contextual (LSTM)" | "transformer";

export interface LineageEntry {
  name: string;
  /** Year of the first public version. */
  year: number;
  paper: string;
  kind: LineageKind;
  /** What changed, in one line. */
  changed: string;
  /** Where the course shows the idea (notebook and section), and the notebook file. */
  course: string;
  notebook: string;
}

export const LINEAGE: readonly LineageEntry[] = [
  { name: "word2vec", year: 2013, paper: "Mikolov et al. 2013", kind: "word vectors", changed: "predict a word from its neighbours (skip-gram, CBOW): one fixed vector per word, learned from raw text", course: "01, \"The same word, different vectors\"", notebook: "01-pretraining.ipynb" },
  { name: "GloVe", year: 2014, paper: "Pennington et al. 2014", kind: "word vectors", changed: "fit word vectors to global co-occurrence counts instead of local windows; still one vector per word", course: "01, \"The same word, different vectors\": the one-vector-per-word baseline", notebook: "01-pretraining.ipynb" },
  { name: "skip-thought", year: 2015, paper: "Kiros et al. 2015", kind: "sentence vectors", changed: "an RNN encoder-decoder predicts the previous and next sentence: a sentence-level objective on unlabelled books", course: "01, \"Next-sentence prediction, and the two heads\"", notebook: "01-pretraining.ipynb" },
  { name: "InferSent", year: 2017, paper: "Conneau et al. 2017", kind: "sentence vectors", changed: "sentence vectors from a BiLSTM trained with labels (natural-language inference, SNLI)", course: "02, \"How different are the sentence vectors?\", and the embeddings exercise", notebook: "02-finetuning.ipynb" },
  { name: "ELMo", year: 2018, paper: "Peters et al. 2018", kind: "contextual (LSTM)", changed: "contextual vectors from two LSTM language models (left-to-right and right-to-left), used as features", course: "02: the feature-based strategy (a frozen encoder's vectors as features)", notebook: "02-finetuning.ipynb" },
  { name: "ULMFiT", year: 2018, paper: "Howard & Ruder 2018", kind: "contextual (LSTM)", changed: "pre-train an LSTM language model, then fine-tune all of it on the task (gradual unfreezing)", course: "02, \"The k-sweep: what freezing does\": full and partial fine-tuning", notebook: "02-finetuning.ipynb" },
  { name: "GPT", year: 2018, paper: "Radford et al. 2018", kind: "transformer", changed: "a Transformer decoder, left-to-right LM on BooksCorpus, 117M parameters, then fine-tuned", course: "04, \"Encoder vs decoder\": the causal mask; 03: prompting a decoder", notebook: "04-llm-landscape.ipynb" },
  { name: "BERT", year: 2018, paper: "Devlin et al. 2019", kind: "transformer", changed: "a Transformer encoder read in both directions: masked LM + next-sentence prediction; 110M / 340M on BooksCorpus + Wikipedia", course: "01: MLM, NSP and the course BERT; 02: fine-tuning it", notebook: "01-pretraining.ipynb" },
  { name: "XLNet", year: 2019, paper: "Yang et al. 2019", kind: "transformer", changed: "permutation LM: predict tokens in a random order, so both sides are seen without a [MASK] token", course: "01, \"Masked language modelling\": the [MASK] mismatch the 80/10/10 rule patches", notebook: "01-pretraining.ipynb" },
  { name: "T5", year: 2019, paper: "Raffel et al. 2020", kind: "transformer", changed: "encoder-decoder; every task written as text to text; span corruption on C4; up to 11B", course: "04, \"Encoder vs decoder\": the masks of all three designs", notebook: "04-llm-landscape.ipynb" },
  { name: "GPT-3", year: 2020, paper: "Brown et al. 2020", kind: "transformer", changed: "the same decoder objective at 175B parameters and 300B tokens: tasks learned from the prompt, no fine-tuning", course: "03: in-context learning; 04: its size and cost", notebook: "03-in-context-learning.ipynb" },
];
