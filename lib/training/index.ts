/** The one training module: AdamW, learning-rate schedules, the training loop, checkpoints. */
export { adamwUpdate, biasCorrections, BERT_PRETRAIN_ADAMW, FINETUNE_ADAMW, GPT_ADAMW } from "./adamw";
export type { AdamWConfig, AdamWSlot, AdamWStep } from "./adamw";
export { learningRate, warmupSteps } from "./schedule";
export type { Schedule, Decay } from "./schedule";
export { trainLoop } from "./loop";
export type { StepRecord, EvalRecord, Segment, LoopOptions, LoopResult } from "./loop";
export { writeCheckpointDir, findCheckpointDir, optimizerStateBytes, readOptimizerState, writeAtomic, STATE_FILE, OPTIMIZER_FILE } from "./checkpoint";
export { smooth } from "./smooth";
