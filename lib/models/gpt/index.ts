/**
 * lib/models/gpt: a small decoder-only transformer (GPT-2 shape) for the in-context-learning lab.
 *
 *   new GPT({ vocab_size, n_layer, n_embd, ... })   model.ts (read it top to bottom)
 *   saveGpt / loadGpt / cloneGpt / hashWeights        checkpoint.ts
 */
export { GPT, gptParamSpecs, causalMask, causalSelfAttention, mlp, block, ropeTables, applyRope } from "./model";
export type { GptOutput, GptForwardOptions, ParamSpec } from "./model";
export { GPT_TINY, makeGptConfig, innerSize } from "./config";
export type { GptConfig } from "./config";
export { saveGpt, loadGpt, cloneGpt, hashWeights, GPT_WEIGHTS, GPT_CONFIG } from "./checkpoint";
