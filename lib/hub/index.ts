/** Hugging Face Hub downloads into a huggingface_hub-compatible cache ($HF_HOME/hub), with offline use. */
export { downloadModel, downloadFile, fileMetadata, repoInfo, selectModelFiles, missingModelFiles, cachedModelDir, HubError, NotCachedError, TOKENIZER_FILES } from "./download";
export type { DownloadProgress, HubOptions } from "./download";
export { repoFolderName, repoCacheDir, resolveRevision, snapshotDir, blobPath, cachedFiles } from "./cache";
export { resolveModel } from "./resolve";
