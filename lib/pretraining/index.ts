/**
 * Pre-training BERT (Devlin et al. 2019, §3.1): corpus preparation, NSP pairs, MLM masking
 * (80/10/10), the training loop with checkpoints and resume, fill-mask.
 *
 *   const docs = data.loadCorpus("sotu");
 *   const tok = trainTokenizer(docs, 4096);
 *   const corpus = prepareCorpus(docs, tok);
 *   const model = new BertModel(pretrainConfig("tiny", tok.vocabSize));
 *   const log = await new Pretrainer(model, tok, corpus, { steps: 200, batchSize: 16, seqLen: 64, lr: 1e-3, seed: 42 }).run();
 */
export { splitSentences, ABBREVIATIONS } from "./sentences";
export { prepareCorpus, tokenizeDocument, sourceOf, parseMixture, mixTraining } from "./corpus";
export type { TokenizedDocument, PreparedCorpus, PrepareOptions } from "./corpus";
export { createNspInstances, truncatePairInPlace, IS_NEXT, NOT_NEXT } from "./nsp";
export type { NspInstance, NspOptions } from "./nsp";
export { maskTokens, specialIdSet, randomToken, MASK_PROB, MASK_REPLACE, RANDOM_REPLACE } from "./masking";
export type { MaskingOptions, MaskedSequence } from "./masking";
export { PretrainStream, collate, batchHash, mixSeed } from "./stream";
export type { PretrainBatch } from "./stream";
export { Pretrainer, sequenceSchedule, writeTokenizerFiles, batchTensors, maxPredictions } from "./trainer";
export type { TrainOptions, StepRecord, EvalRecord, TrainingLog, Phase } from "./trainer";
export { PRETRAIN_CONFIGS, CONFIG_NAMES, BERT_BASE_CONFIG, BERT_LARGE_CONFIG, countParameters, pretrainConfig } from "./configs";
export type { ConfigName } from "./configs";
export { trainTokenizer, tokenizerIn } from "./tokenizer";
export { fillMask, clozeTopK } from "./fill-mask";
export type { FillMaskCandidate } from "./fill-mask";
export { trainWordPiece, countWords, vocabText, tokenizerJsonFor, tokenizerConfigFor, DEFAULT_TRAINER } from "../text/wordpiece-trainer";
export type { WordPieceTrainerOptions, TrainedVocab } from "../text/wordpiece-trainer";
export { CLOZE_ITEMS } from "./cloze";
export { trainingRecord, writeTrainingRecord } from "./record";
export type { TrainingRecord, NspSample } from "./record";
