/**
 * The engines models run and train on. A model is a function written once against `Ops`
 * (./ops.ts); `runModel` runs it, `gradientsOf` differentiates it, `createTrainer` trains it, on
 * "tfjs" (TensorFlow.js, eager) or "onnx" (ONNX Runtime: the function is traced into a graph,
 * differentiated, and run natively). lib/env chooses the default (`engineFor`).
 */
export { runModel, gradientsOf, createTrainer, ENGINES } from "./run";
export type { Ctx, DenseHook } from "./contract";
export type { EngineName, ModelFn, RunRequest, Trainer, TrainerOptions, StepResult, OptimizerState, AnyHook } from "./run";
export { IGNORE_INDEX, hostTensor, sizeOf } from "./ops";
export type { Ops, HostTensor, DType } from "./ops";
export { ParamStore, VariableParams, CompositeParams, hostValues } from "./params";
export type { ParamSource, ParamEntry } from "./params";
export { providerReport, cudaProviderInstalled, setThreads } from "./onnx/session";
export { clearSessions } from "./onnx/compile";
