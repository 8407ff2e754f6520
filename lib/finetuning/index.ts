/**
 * lib/finetuning: adapting a pre-trained BERT to a classification task, every branch of the
 * course's decision tree made real and measured.
 *
 *   const split = splitTask(loadTask("sentiment"), { seed: 42 });
 *   const clf = await loadBaseClassifier("models/course-bert", task.labelNames, { maxLength: 64 });
 *   const r = await fineTune(clf, "lora:8", split, { epochs: 2, seed: 1 });   // feature | full | partial:K | lora:R | bitfit
 *   await saveFineTuned(clf, "out/lora", { strategy: r.strategy });            // adapter: a few hundred kB
 *   const again = await loadFineTuned("out/lora"); again.predict(["great food"]);
 *   const rows = await compareStrategies({ ... });  comparisonTable(rows)       // same split, seeds, budget
 *   decide({ relatedToPretraining: true, largeLabelledData: false, limitedCompute: true, dataVeryDifferent: false })
 */
export * from "./metrics";
export * from "./data";
export { SequenceClassifier } from "./classifier";
export type { ClassifierOptions, Pooling } from "./classifier";
export { pooledForward, frozenLinear, seedDropout } from "./forward";
export { LoraAdapters, DEFAULT_LORA, targetPrefix } from "./lora";
export type { LoraConfig, LoraTarget } from "./lora";
export * from "./strategies";
export { AdamW, scheduleFactor } from "./optim";
export { cachedFeatures, clearFeatureCache, fitHeadOnFeatures, modelFingerprint } from "./features";
export { fineTune } from "./train";
export type { TrainOptions, RunResult, LabelledTexts } from "./train";
export { loadBaseClassifier, randomBaseClassifier, saveFineTuned, loadFineTuned, resolveBaseModel, COURSE_BERT_DIR, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from "./io";
export type { SaveInfo, SaveResult } from "./io";
export { decide, allPaths, QUESTIONS } from "./guide";
export type { GuideAnswers, Decision, Recommendation } from "./guide";
export { compareStrategies, summarize, comparisonTable, accuracyFigure, paramsFigure, costFigure, curvesFigure } from "./compare";
export type { CompareOptions, ComparisonRow, SummaryRow } from "./compare";
