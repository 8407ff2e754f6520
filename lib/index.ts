/**
 * @course/lib: the course library. Notebooks import it as
 *   import { settings, viz, data, bert, text, embeddings, analysis } from "@course/lib";
 * Heavy parts (transformers.js, sentence encoders) load only when first used.
 */
export { settings, byMode, readSettings, BACKEND_ORDER, ENGINE_ORDER } from "./env";
export type { Settings, Mode, BackendName, EngineChoice } from "./env";
export { initBackend, backendReport, tf } from "./engine/tfjs/backend";
export type { BackendReport } from "./engine/tfjs/backend";
export { initEngine, engineFor, engineReport, setEngine } from "./engine/select";
export type { EngineReport } from "./engine/select";
export { isOnline } from "./hub/online";
export * as engine from "./engine";
export * as training from "./training";
export { doctorReport } from "./doctor";
export * as viz from "./viz";
export * as data from "./data";
export * as bert from "./models/bert";
export * as text from "./text";
export * as hub from "./hub";
export * as embeddings from "./embeddings";
export * as analysis from "./analysis";
export * as landscape from "./landscape";
export { check, assert, AssertionError } from "./grading/testing";
export type { CheckOptions, Assert } from "./grading/testing";
export * as icl from "./icl";
export * as gpt from "./models/gpt";
export * as pretraining from "./pretraining";
export * as finetuning from "./finetuning";
