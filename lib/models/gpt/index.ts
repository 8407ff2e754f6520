/**
 * lib/models/gpt: a small decoder-only transformer (GPT-2 shape) for the in-context-learning lab.
 *
 *   gptHidden / lmHead / gptLoss                      gpt.ts: the model, written once against Ops (read it top to bottom)
 *   new GPT({ vocab_size, … }); await model.run(ids)  model.ts: parameters + running on the course's engine
 *   GptParams / gptParamSpecs                         params.ts: GPT-2 names, initialisation, ParamSource
 *   saveGpt / loadGpt / cloneGpt / hashWeights        checkpoint.ts
 */
export { gptHidden, gptEmbeddings, gptConstants, gptLoss, lmHead, block, mlp, causalSelfAttention, causalBias, causalMaskValues, ropeTableValues, applyRope } from "./gpt";
export type { GptHidden, GptConstants, GptLossTensors } from "./gpt";
export { GPT, padBatchSize, padLength, MAX_RUN_BATCH, LENGTH_MULTIPLE, PAD_ID } from "./model";
export type { GptRunOptions, GptRunOutput } from "./model";
export { GptParams, gptParamSpecs } from "./params";
export type { ParamSpec } from "./params";
export { GPT_TINY, makeGptConfig, innerSize } from "./config";
export type { GptConfig } from "./config";
export { saveGpt, loadGpt, cloneGpt, hashWeights, GPT_WEIGHTS, GPT_CONFIG } from "./checkpoint";
