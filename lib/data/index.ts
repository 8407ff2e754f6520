/**
 * lib/data: the course's datasets and the loaders behind them.
 *
 *   loadDataset("sotu" | "moby" | "brown" | "imdb-reviews" | "imdb" | "yelp" | "amazon" | "sentiment" | "chatbot")
 *   listDatasets()                       name, kind, description, source, licence of each
 *   loadCorpus / corpusStats             pre-training documents, kept whole ("sotu", "moby", "brown", "imdb", "all", "course")
 *   findOverlaps / matchWords            does an evaluation sentence occur in a corpus (normalised text)
 *   loadSentiment                        labelled sentences (0/1)
 *   loadChatbot                          question → intent, from any question,answer CSV
 *   readCsv / readJsonRecords            strict loaders: file, line and problem on bad input
 *   trainTestSplit / stratifiedSplit     seeded, reproducible splits
 */
export * from "./paths";
export * from "./csv";
export * from "./split";
export * from "./corpus";
export * from "./overlap";
export { loadBrownFrom, brownFileText, detokenizeBrown, BROWN_GENRES } from "./brown";
export { brownToUniversal, brownPosSplit, chunkSentence, loadBrownPos, parseTaggedLine, pretrainingHeldOutBrown, UNIVERSAL_TAGS, OPEN_CLASS_TAGS } from "./brown-pos";
export type { BrownPosDocument, BrownPosSplit, BrownPosSplitOptions, TaggedSentence, UniversalTag } from "./brown-pos";
export { faqParaphrasePairs, PARAPHRASE_LABELS } from "./paraphrase";
export type { PairSet, ParaphraseOptions, ParaphraseSplit } from "./paraphrase";
export { loadImdbReviews, cleanReview } from "./imdb-reviews";
export * from "./sentiment";
export * from "./chatbot";
export * from "./registry";
