/** `course download`: fetch a BERT model from the Hugging Face Hub into the shared cache ($HF_HOME/hub). */
import { Command, UsageError, str } from "../command";
import { settings } from "../../env";
import { downloadModel, DownloadProgress } from "../../hub";

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export const command: Command = {
  name: "download",
  summary: "download a model (config, tokenizer, safetensors) from the Hugging Face Hub into the cache",
  usage: [
    "usage: course download <repo-id> [--revision main] [--cache-dir DIR]",
    "",
    "  e.g. course download bert-base-uncased",
    "       course download google/bert_uncased_L-4_H-256_A-4",
    "",
    "Files go to $HF_HOME/hub (default ~/.cache/huggingface/hub), laid out like huggingface_hub's cache,",
    "so Python tools share them. An interrupted download resumes; sizes and hashes are checked.",
    "Copy the models--<org>--<name> folder to an offline machine's cache to use it there.",
  ].join("\n"),
  options: { revision: { type: "string" }, "cache-dir": { type: "string" } },
  async run({ positionals, values }) {
    const repoId = positionals[0];
    if (!repoId) throw new UsageError("which model? e.g. course download bert-base-uncased");
    if (positionals.length > 1) throw new UsageError(`one repo id at a time (got ${positionals.join(", ")})`);
    if (settings.forcedOffline) {
      console.error("course download: HF_HUB_OFFLINE / COURSE_OFFLINE is set, so the Hub is not contacted. Unset it to download, or run this on a connected machine and copy the cache folder.");
      return 1;
    }
    const cacheDir = str(values, "cache-dir") ?? settings.hubCache;
    const tty = process.stderr.isTTY;
    const onProgress = (p: DownloadProgress) => {
      const pct = p.total ? Math.floor((100 * p.downloaded) / p.total) : 100;
      const line = `${p.file.padEnd(32)} ${p.state === "cached" ? "cached" : `${String(pct).padStart(3)}%`}  ${mb(p.downloaded)} / ${mb(p.total)}${p.state === "resumed" ? " (resumed)" : ""}`;
      if (tty) process.stderr.write(`\r${line}\x1b[K${p.state === "done" || p.state === "cached" ? "\n" : ""}`);
      else if (p.state !== "progress") process.stderr.write(`${line}\n`);
    };
    const dir = await downloadModel(repoId, { revision: str(values, "revision"), cacheDir, onProgress, offline: false });
    console.log(`${repoId} is in the cache: ${dir}`);
    return 0;
  },
};
