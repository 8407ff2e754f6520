/** Text → token ids for BERT: the basic tokenizer, WordPiece, pairs, truncation, padding, batches. */
export { BertTokenizer, BERT_SPECIAL_TOKENS, cleanUpTokenization } from "./tokenizer";
export type { AddedToken, EncodeOptions, SpecialTokens, TokenizerJson } from "./tokenizer";
export { WordPiece, WordPiece as WordPieceTokenizer, DEFAULT_WORDPIECE } from "./wordpiece";
export type { WordPieceOptions } from "./wordpiece";
export { basicTokenize, normalize, preTokenize, isChineseChar, isControl, isPunctuation, DEFAULT_NORMALIZER } from "./basic";
export type { NormalizerOptions } from "./basic";
export { truncatePair, padEncoding, stack, toTensors } from "./batch";
export type { BatchEncoding, Encoding, Padding, TruncationStrategy } from "./batch";
export { trainBpe, trainBpeFromCounts, Bpe, END_OF_WORD, DEFAULT_BPE_TRAINER } from "./bpe";
export type { BpeModel, BpeTrainerOptions } from "./bpe";
export { trainUnigram, trainUnigramFromCounts, Unigram, viterbi, WORD_START, DEFAULT_UNIGRAM_TRAINER } from "./unigram";
export type { UnigramModel, UnigramTrainerOptions } from "./unigram";
export { familyStats, vocabOverlap, barePiece, bareVocab } from "./families";
export type { FamilyStats, WordTokenizer } from "./families";
