/**
 * BERT in TensorFlow.js: the model, its parameters by Hugging Face name and group, and checkpoint io.
 *
 *   const model = await fromPretrained("bert-base-uncased");       // or a local folder
 *   const tok = BertTokenizer.fromDir(model.sourceDir!);
 *   const batch = toTensors(tok.encodeBatch(["Hello!", "A longer sentence."]));
 *   const out = model.forward(batch);                                // hiddenStates, poolerOutput, mlmLogits, nspLogits
 *   disposeOutput(out);
 */
import { HubOptions } from "../../hub/download";
import { resolveModel } from "../../hub/resolve";
import { loadBert, LoadOptions, LoadReport } from "./checkpoint";
import { BertModel } from "./model";

export { BertModel, disposeOutput, crossEntropy } from "./model";
export { BertInputError, checkBertInputs } from "./inputs";
export type { BertInputs, BertOutput, ForwardOptions, CreateOptions, RunOptions, BertHostOutput } from "./model";
export { bertEmbeddings, bertAttention, bertLayer, bertEncoder, bertPooler, clsRows, mlmHead, nspHead, pretrainingLoss } from "./bert";
export type { BertTensors, PretrainTensors, EncoderOutput } from "./bert";
export { BERT_BASE, BERT_MINI, makeConfig, configFromJson, configToJson, validateConfig } from "./config";
export type { BertConfig } from "./config";
export { BertParams, paramSpecs, ALL_HEADS, NO_HEADS, WORD_EMBEDDINGS, TIED_DECODER, fromCheckpointLayout, toCheckpointLayout } from "./params";
export type { HeadsSpec, ParamSpec, ParamKind } from "./params";
export { keepFirstLayers } from "./truncate";
export { loadBert, saveBert, readConfig, readWeights, normalizeName, checkpointTensors, WEIGHTS_NAME, WEIGHTS_INDEX_NAME, CONFIG_NAME } from "./checkpoint";
export type { LoadOptions, LoadReport, SaveOptions } from "./checkpoint";
export { parseSafetensors, serializeSafetensors, f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from "../safetensors";
export type { DType, FloatDType, RawTensor, SafetensorsFile, TensorToWrite } from "../safetensors";
export { IGNORE_INDEX } from "../../engine/ops";

/** Loads a BERT from a local folder or a Hub repo id (downloading into the Hub cache, or offline from it). */
export async function fromPretrained(idOrDir: string, options: LoadOptions & HubOptions = {}): Promise<BertModel & { loadReport: LoadReport }> {
  const dir = await resolveModel(idOrDir, options);
  return loadBert(dir, options);
}
export { runInChunks, tfjsChunkSize, TFJS_CHUNK_BUDGET } from "./chunks";
export type { BertRunInputs } from "./chunks";
