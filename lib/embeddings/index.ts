/** Sentence embeddings: BERT pooling ([CLS] / pooler / mean, any layer), weight perturbation, encoders. */
export { embedTexts, meanPool, clsPool, POOLINGS } from "./bert";
export type { Pooling, EmbedOptions, Vectors } from "./bert";
export { snapshot, restore, addNoise, reinitialize, withPerturbation } from "./perturb";
export type { Snapshot } from "./perturb";
export { loadEncoder, KNOWN_ENCODERS, COURSE_BERT_DIR, COURSE_SBERT_DIR, courseBertSource } from "./encoders";
export type { SentenceEncoder } from "./encoders";
export { loadUseLite, UseTokenizer } from "./use-lite";
export { weightsFingerprint, cacheDir as embeddingsCacheDir } from "./cache";
export { scoreEncoder, nearestNeighbourAccuracy } from "./evaluate";
export type { EncoderScores, ScoreOptions } from "./evaluate";
