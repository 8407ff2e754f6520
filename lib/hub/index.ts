/**
 * The Hugging Face Hub client and cache: one for every model kind (BERT safetensors, sentence
 * encoders and LLMs as ONNX for transformers.js), in huggingface_hub's cache layout ($HF_HOME/hub).
 *
 *   ensureModel(id, { kind, dtype })   snapshot folder of a model (download / cache / offline)
 *   COURSE_MODELS                      the course's online models (`npx course download --all`)
 *   repoInfo / fileMetadata / downloadFile   the protocol steps (download.ts), errors in errors.ts
 */
export { ensureModel, cachedModel, kindFromId, downloadCommand, COURSE_MODELS } from "./models";
export type { CourseModel, EnsureOptions, ModelSnapshot } from "./models";
export { repoInfo, fileMetadata, downloadFile, downloadFiles, TOKENIZER_FILES, RESUME_ATTEMPTS } from "./download";
export type { DownloadProgress, HubOptions, FileMeta, RepoInfo } from "./download";
export { DTYPE_SUFFIX, DTYPE_ORDER, MODEL_KINDS, chooseDtype, listedDtypes, onnxFile, selectBertFiles, selectOnnxFiles, missingFiles, cachedDtype } from "./files";
export type { ModelKind } from "./files";
export {
  HubError,
  HubUnavailableError,
  DownloadInterruptedError,
  RepoNotFoundError,
  GatedRepoError,
  RevisionNotFoundError,
  EntryNotFoundError,
  InvalidTokenError,
  NotCachedError,
} from "./errors";
export { repoFolderName, repoCacheDir, resolveRevision, snapshotDir, blobPath, cachedFiles } from "./cache";
export { resolveModel, downloadModel, isLocalFolder } from "./resolve";
