/** `course download`: fetch models (BERT, sentence encoders, LLMs) from the Hugging Face Hub into the shared cache ($HF_HOME/hub). */
import { Command, UsageError, str } from "../command";
import { settings } from "../../env";
import { COURSE_MODELS, DownloadProgress, ensureModel, MODEL_KINDS, ModelKind, ModelSnapshot } from "../../hub";

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export const command: Command = {
  name: "download",
  summary: "download models (BERT, sentence encoders, LLMs) from the Hugging Face Hub into the cache; --all for a workshop",
  usage: [
    "usage: course download <repo-id>... [--kind bert|encoder|llm] [--dtype q8] [--revision main] [--cache-dir DIR]",
    "       course download --all     every model the course uses online (pre-fetch for a workshop)",
    "       course download --list    show that list",
    "",
    "  e.g. course download bert-base-uncased                     the course's TS BERT (safetensors)",
    "       course download Xenova/all-MiniLM-L6-v2               a sentence encoder (ONNX, transformers.js)",
    "       course download HuggingFaceTB/SmolLM2-135M-Instruct   a small chat LLM (ONNX, transformers.js)",
    "",
    "  --kind    how the course will use the repo; default: from the course's model list or the repo's files",
    "  --dtype   ONNX weights for encoders and LLMs (fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4); default: the",
    "            first the repo lists of fp32, q8, ... for encoders and q8, int8, uint8, q4, fp32, ... for LLMs",
    "",
    "Files go to $HF_HOME/hub (default ~/.cache/huggingface/hub), laid out like huggingface_hub's cache, so",
    "Python tools share them. An interrupted download resumes when you run the same command again; sizes and",
    "hashes are checked. HF_ENDPOINT (a mirror), HF_TOKEN or `hf auth login` (gated models), HTTPS_PROXY are used.",
    "For a workshop: run `course download --all` on one connected machine, then copy its $HF_HOME folder to the",
    "others (or share it) and set HF_HUB_OFFLINE=1 there.",
  ].join("\n"),
  options: {
    kind: { type: "string" },
    dtype: { type: "string" },
    revision: { type: "string" },
    "cache-dir": { type: "string" },
    all: { type: "boolean" },
    list: { type: "boolean" },
  },
  async run({ positionals, values }) {
    if (values.list) {
      for (const m of COURSE_MODELS) console.log(`${m.id.padEnd(38)} ${m.kind.padEnd(8)} ${m.usedIn}`);
      return 0;
    }
    const kindArg = str(values, "kind");
    if (kindArg !== undefined && !MODEL_KINDS.includes(kindArg as ModelKind)) throw new UsageError(`--kind must be one of ${MODEL_KINDS.join(", ")}, got "${kindArg}"`);
    const all = values.all === true;
    if (all && (positionals.length || kindArg || values.dtype)) throw new UsageError("--all takes no repo ids, --kind or --dtype: it fetches the course's list (see --list)");
    if (!all && positionals.length === 0) throw new UsageError("which model? e.g. course download bert-base-uncased (or --all for every model the course uses)");
    if (settings.forcedOffline) {
      console.error("course download: HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE / COURSE_OFFLINE is set, so the Hub is not contacted. Unset it to download, or run this on a connected machine and copy its $HF_HOME.");
      return 1;
    }
    const jobs: { id: string; kind?: ModelKind }[] = all ? COURSE_MODELS.map((m) => ({ id: m.id, kind: m.kind })) : positionals.map((id) => ({ id, kind: kindArg as ModelKind | undefined }));
    const cacheDir = str(values, "cache-dir") ?? settings.hubCache;
    const tty = process.stderr.isTTY;
    let fetched = 0;
    let reused = 0;
    const onProgress = (p: DownloadProgress) => {
      if (p.state === "done") fetched += p.total;
      if (p.state === "cached") reused += p.total;
      const pct = p.total ? Math.floor((100 * p.downloaded) / p.total) : 100;
      const line = `  ${p.file.padEnd(34)} ${p.state === "cached" ? "cached" : `${String(pct).padStart(3)}%`}  ${mb(p.downloaded)} / ${mb(p.total)}${p.state === "resumed" ? " (resumed)" : ""}`;
      if (tty) process.stderr.write(`\r${line}\x1b[K${p.state === "done" || p.state === "cached" ? "\n" : ""}`);
      else if (p.state !== "progress") process.stderr.write(`${line}\n`);
    };
    const failed: string[] = [];
    const done: ModelSnapshot[] = [];
    for (const job of jobs) {
      process.stderr.write(`${job.id}${job.kind ? ` (${job.kind})` : ""}\n`);
      try {
        const snap = await ensureModel(job.id, { kind: job.kind, dtype: str(values, "dtype"), revision: str(values, "revision"), cacheDir, onProgress });
        done.push(snap);
        console.log(`${job.id} (${snap.kind}${snap.dtype ? `, ${snap.dtype}` : ""}) is in the cache${snap.source === "cache" ? " (the Hub did not answer; cached copy kept)" : ""}: ${snap.dir}`);
      } catch (err) {
        if (!all && jobs.length === 1) throw err;
        failed.push(job.id);
        console.error(`course download: ${job.id}: ${(err as Error).message}`);
      }
    }
    if (jobs.length > 1) {
      console.log(`${done.length} of ${jobs.length} models in ${cacheDir} (${mb(fetched)} downloaded, ${mb(reused)} already there).`);
      if (all && !failed.length) console.log(`To set up other machines: copy ${settings.hfHome} to the same place on each (or set HF_HOME to the copy), then set HF_HUB_OFFLINE=1 there.`);
    }
    if (failed.length) {
      console.error(`course download: ${failed.length} failed (${failed.join(", ")}); run the same command again to retry them (finished files are kept).`);
      return 1;
    }
    return 0;
  },
};
