/**
 * lib/finetuning: adapting a pre-trained BERT to a classification task, every branch of the
 * course's decision tree made real and measured. The model is lib/models/bert's one BERT plus a
 * head, run and trained on the course's engine (ONNX Runtime or tfjs; lib/engine, lib/training).
 *
 *   const split = splitTask(loadTask("sentiment"), { seed: 42 });
 *   const clf = await loadBaseClassifier("models/course-bert", task.labelNames, { maxLength: 64 });
 *   const r = await fineTune(clf, "lora:8", split, { epochs: 2, seed: 1 });   // feature | full | partial:K | lora:R | bitfit
 *   await saveFineTuned(clf, "out/lora", { strategy: r.strategy });            // adapter: a few hundred kB
 *   const again = await loadFineTuned("out/lora"); await again.predict(["great food"]);
 *   const rows = await compareStrategies({ ... });  comparisonTable(rows)       // same split, seeds, budget
 *   decide({ relatedToPretraining: true, largeLabelledData: false, limitedCompute: true, dataVeryDifferent: false })
 */
export * from "./metrics";
export * from "./data";
export { SequenceClassifier, classifierFn, classificationHead, classifierInputs, shapePolicy, SEQ_MULTIPLE, HEAD_WEIGHT, HEAD_BIAS, CLASSIFIER_TASKS } from "./classifier";
export type { ClassifierOptions, ClassifierTask, Pooling, ShapePolicy } from "./classifier";
export { LoraAdapters, DEFAULT_LORA, targetPrefix, loraA, loraB } from "./lora";
export type { LoraConfig, LoraTarget, LoraPair } from "./lora";
export * from "./strategies";
export { cachedFeatures, clearFeatureCache, fitHeadOnFeatures, headFitFn, modelFingerprint } from "./features";
export { fineTune, WARMUP_FRACTION } from "./train";
export type { TrainOptions, RunResult, FineTuneStep } from "./train";
export { RssPeak, accountMemory, withAccountedMemory, layerActivationFloats } from "./memory";
export type { PeakMemory, PeakMethod, StepShape, MemoryAccount } from "./memory";
export { architectureOf, loadBaseClassifier, randomBaseClassifier, saveFineTuned, loadFineTuned, resolveBaseModel, COURSE_BERT_DIR, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from "./io";
export type { SaveInfo, SaveResult } from "./io";
export { decide, allPaths, QUESTIONS } from "./guide";
export type { GuideAnswers, Decision, Recommendation } from "./guide";
export { compareStrategies, summarize, comparisonTable, accuracyFigure, paramsFigure, costFigure, curvesFigure } from "./compare";
export type { CompareOptions, ComparisonRow, SummaryRow } from "./compare";
export { comparisonReport, verdicts, sweepReading, isGradientStrategy } from "./report";
export type { Verdict, ReportOptions } from "./report";
export { treeReading } from "./tree-reading";
export type { TreeReading, TreeReadingOptions } from "./tree-reading";
export { mostFrequentTagger, mostFrequentTagBaseline, scoreTagger } from "./tagging";
export type { TaggerScores } from "./tagging";
