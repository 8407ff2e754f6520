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
export { fitWhitening, applyLinear } from "./whitening";
export type { LinearMap, Whitening } from "./whitening";
export { l2Normalize, writeSentenceTransformersLayout, readPostPooling } from "./st-layout";
export { trainDistill, distillLoss, parseLoss, DistillHead, fitLinear, DISTILL_LOSSES, DISTILL_TEMPERATURE } from "./distill";
export type { DistillOptions, LossWeights, DistillLossName } from "./distill";
export { distillPool, distillPoolCached, teacherVectors } from "./distill-data";
export type { DistillPool } from "./distill-data";
export { neighbourAgreement, topNeighbours, evaluateStudent } from "./distill-eval";
