/**
 * The one place that reads the course's settings (in the style of transformers.js's `env`): it
 * imports only Node built-ins, so any module may read settings without loading anything else.
 * What acts on the settings lives elsewhere: the TensorFlow.js backend choice in
 * engine/tfjs/backend.ts, the engine choice in engine/select.ts, the Hub probe in hub/online.ts,
 * the model folders in paths.ts.
 *
 * Settings come from environment variables, so the same notebook behaves the same
 * in JupyterLab, in `course run` and in tests:
 *   COURSE_MODE      fast | full   (fast: small sizes for CI and workshops; default full)
 *   COURSE_BACKEND   tensorflow-gpu | tensorflow | wasm | cpu   (force one backend)
 *   COURSE_SEED      integer seed for data order, masking, initialisation (default 42)
 *   COURSE_ENGINE    onnx | tfjs   (the engine models run and train on; default: the fastest that works)
 *   COURSE_THREADS   threads ONNX Runtime uses (default: every core)
 *   COURSE_ONNX_PROVIDER  cpu: never use the CUDA provider even where it is installed
 *   COURSE_ORT_SPIN  1: ONNX Runtime's threads spin between operators (faster on an idle machine; default 0)
 *   COURSE_MODEL_DIR the course BERT the labs load: 01's pre-trained model, 02's base, the embeddings' "course-bert" (default: models/course-bert)
 *   COURSE_ICL_GPT_DIR the in-context-learning GPT (default: models/icl-gpt)
 *   COURSE_HEADLESS  1: notebooks run without a person watching (`course run`, grading): checks are strict
 *   COURSE_PLOTLY_SRC where figures load plotly.js from (default: the course's own copy)
 *   HF_HOME          Hugging Face cache root (default $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface);
 *                    models in $HF_HOME/hub (or $HF_HUB_CACHE), the token in $HF_HOME/token (or $HF_TOKEN_PATH)
 *   COURSE_CACHE_DIR the course's own cache (embeddings, executed notebooks; default ~/.cache/llm-course)
 *   HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE / COURSE_OFFLINE = 1   never touch the network
 *   HF_ENDPOINT      the Hub or a mirror (default https://huggingface.co); HF_TOKEN a token (else the token file)
 *   HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT   seconds to wait for metadata / between bytes (default 10 each)
 *   HTTPS_PROXY / HTTP_PROXY / NO_PROXY             proxies for Hub requests (lower-case names too)
 * The Hub variables mean what they mean to Python's huggingface_hub, so both share one cache and one login.
 * (COURSE_KERNEL_WHICH is not a setting: the kernel launcher `install-kernel` writes answers it before any
 *  library code loads, by printing which tslab it would start.)
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type Mode = "fast" | "full";
export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** The engines models run and train on (lib/engine): ONNX Runtime (native, graphs built in TypeScript) or TensorFlow.js. */
export type EngineChoice = "onnx" | "tfjs";
export const ENGINE_ORDER: readonly EngineChoice[] = ["onnx", "tfjs"];

/** Backends in the order they are tried: fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

export interface Settings {
  mode: Mode;
  seed: number;
  /** Hugging Face cache root ($HF_HOME); models live in `${hfHome}/hub` as on the Hub. */
  hfHome: string;
  hubCache: string;
  cacheDir: string;
  /** true: forced offline by HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE / COURSE_OFFLINE. Use `isOnline()` to probe. */
  forcedOffline: boolean;
  requestedBackend: BackendName | null;
  /** COURSE_ENGINE: the engine models run on, or null to pick the fastest that works. */
  requestedEngine: EngineChoice | null;
  /** COURSE_THREADS: threads for ONNX Runtime (null: every core). */
  threads: number | null;
  /** COURSE_ONNX_PROVIDER=cpu: keep ONNX Runtime on the CPU even where the CUDA provider is installed. */
  onnxCpuOnly: boolean;
  /** COURSE_ORT_SPIN=1: ONNX Runtime's worker threads spin-wait between operators (ORT's own default; costly when cores are shared). */
  ortSpin: boolean;
  /** COURSE_MODEL_DIR as written: the course BERT the labs load (a folder, or a Hub id), or null for models/course-bert. Resolved by models/folders.ts. */
  modelDir: string | null;
  /** COURSE_ICL_GPT_DIR as written: the in-context-learning GPT's folder, or null for models/icl-gpt. Resolved by models/folders.ts. */
  iclGptDir: string | null;
  /** COURSE_HEADLESS=1: no person is watching (course run, grading). */
  headless: boolean;
  /** COURSE_PLOTLY_SRC: where figures load plotly.js from, or null for the course's own copy. */
  plotlySrc: string | null;
  /** The Hub's address ($HF_ENDPOINT, no trailing slash): downloads and the online probe go there. */
  hfEndpoint: string;
  /** A token from $HF_TOKEN (or the older $HUGGING_FACE_HUB_TOKEN); null: `hubToken()` reads the token file. */
  hfToken: string | null;
  /** The token file `hf auth login` writes ($HF_TOKEN_PATH, default $HF_HOME/token). */
  hfTokenPath: string;
  /** Seconds to wait for a metadata answer ($HF_HUB_ETAG_TIMEOUT; huggingface_hub's default 10). */
  hubMetadataTimeout: number;
  /** Seconds a download may go without a byte before it counts as stalled ($HF_HUB_DOWNLOAD_TIMEOUT; default 10). */
  hubReadTimeout: number;
  /** Proxies for Hub requests ($HTTPS_PROXY, $HTTP_PROXY, $NO_PROXY or their lower-case forms), null when unset. */
  proxy: { https: string | null; http: string | null; noProxy: string | null };
}

function readMode(v: string | undefined): Mode {
  if (v === undefined || v === "") return "full";
  const m = v.toLowerCase();
  if (m === "fast" || m === "full") return m;
  throw new Error(`COURSE_MODE="${v}" is not a mode. Use COURSE_MODE=fast (small, quick runs) or COURSE_MODE=full.`);
}

function readSeed(v: string | undefined): number {
  if (v === undefined || v === "") return 42; // any fixed number; 42 by convention
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`COURSE_SEED="${v}" is not an integer. Set it to a whole number, e.g. COURSE_SEED=1.`);
  return n;
}

function readBackend(v: string | undefined): BackendName | null {
  if (v === undefined || v === "") return null;
  const alias: Record<string, BackendName> = { "tfjs-node-gpu": "tensorflow-gpu", gpu: "tensorflow-gpu", "tfjs-node": "tensorflow", node: "tensorflow" };
  const name = (alias[v] ?? v) as BackendName;
  if (!BACKEND_ORDER.includes(name)) {
    throw new Error(`COURSE_BACKEND="${v}" is not a backend. Supported: ${BACKEND_ORDER.join(", ")}.`);
  }
  return name;
}

function readThreads(v: string | undefined): number | null {
  if (v === undefined || v === "") return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`COURSE_THREADS="${v}" is not a positive whole number. Set e.g. COURSE_THREADS=2, or unset it to use every core.`);
  return n;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ["1", "true", "yes", "on"].includes(v.toLowerCase());
}

/** Reads the settings from an environment (process.env by default). */
export function readSettings(e: NodeJS.ProcessEnv = process.env): Settings {
  // Same precedence as huggingface_hub's constants.py, so Python and the course find the same cache.
  const hfHome = e.HF_HOME || path.join(e.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "huggingface");
  return {
    mode: readMode(e.COURSE_MODE),
    seed: readSeed(e.COURSE_SEED),
    hfHome,
    hubCache: e.HF_HUB_CACHE || e.HUGGINGFACE_HUB_CACHE || path.join(hfHome, "hub"),
    cacheDir: e.COURSE_CACHE_DIR || path.join(os.homedir(), ".cache", "llm-course"),
    forcedOffline: truthy(e.HF_HUB_OFFLINE) || truthy(e.TRANSFORMERS_OFFLINE) || truthy(e.COURSE_OFFLINE),
    requestedBackend: readBackend(e.COURSE_BACKEND),
    requestedEngine: readEngine(e.COURSE_ENGINE),
    threads: readThreads(e.COURSE_THREADS),
    onnxCpuOnly: (e.COURSE_ONNX_PROVIDER ?? "").toLowerCase() === "cpu",
    ortSpin: truthy(e.COURSE_ORT_SPIN),
    modelDir: e.COURSE_MODEL_DIR || null,
    iclGptDir: e.COURSE_ICL_GPT_DIR || null,
    headless: e.COURSE_HEADLESS === "1",
    plotlySrc: e.COURSE_PLOTLY_SRC || null,
    ...readHubNetwork(e, hfHome),
  };
}

// ---------------------------------------------------------------- Hub network settings

type HubNetwork = Pick<Settings, "hfEndpoint" | "hfToken" | "hfTokenPath" | "hubMetadataTimeout" | "hubReadTimeout" | "proxy">;

function readSeconds(e: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const v = e[name];
  if (v === undefined || v === "") return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}="${v}" is not a number of seconds. Set it to a positive number, e.g. ${name}=30, or unset it (default ${dflt}).`);
  return n;
}

function readEndpoint(v: string | undefined): string {
  const endpoint = (v || "https://huggingface.co").replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(endpoint)) throw new Error(`HF_ENDPOINT="${v}" is not an http(s) address. Use e.g. HF_ENDPOINT=https://huggingface.co, or unset it.`);
  return endpoint;
}

function readHubNetwork(e: NodeJS.ProcessEnv, hfHome: string): HubNetwork {
  const token = (e.HF_TOKEN || e.HUGGING_FACE_HUB_TOKEN || "").trim();
  return {
    hfEndpoint: readEndpoint(e.HF_ENDPOINT),
    hfToken: token || null,
    hfTokenPath: e.HF_TOKEN_PATH || path.join(hfHome, "token"),
    hubMetadataTimeout: readSeconds(e, "HF_HUB_ETAG_TIMEOUT", 10), // huggingface_hub DEFAULT_ETAG_TIMEOUT
    hubReadTimeout: readSeconds(e, "HF_HUB_DOWNLOAD_TIMEOUT", 10), // huggingface_hub DEFAULT_DOWNLOAD_TIMEOUT
    proxy: {
      https: e.HTTPS_PROXY || e.https_proxy || null,
      http: e.HTTP_PROXY || e.http_proxy || null,
      noProxy: e.NO_PROXY || e.no_proxy || null,
    },
  };
}

/**
 * The Hub token: settings.hfToken ($HF_TOKEN), else the token file ($HF_HOME/token, written by
 * `hf auth login`), read at each call so a login made while a notebook runs is seen. null: anonymous.
 */
export function hubToken(s: Settings = settings): string | null {
  if (s.hfToken) return s.hfToken;
  try {
    const t = fs.readFileSync(s.hfTokenPath, "utf8").replace(/[\r\n]/g, "").trim();
    return t || null;
  } catch {
    return null;
  }
}

/** The course's folder (the repository root): lib/ sits directly below it. */
export const COURSE_ROOT = path.resolve(__dirname, "..");

/** The live settings. Notebooks may change fields (e.g. `settings.mode = "fast"`). */
export const settings: Settings = readSettings();

/** Picks a size by mode: `bySize({fast: 200, full: 5000})`. Notebooks read the mode only through here. */
export function byMode<T>(choices: { fast: T; full: T }): T {
  return choices[settings.mode];
}

/** Parses an engine name (COURSE_ENGINE, `--engine`): onnx (aliases ort, onnxruntime) or tfjs. */
export function readEngine(v: string | undefined): EngineChoice | null {
  if (v === undefined || v === "") return null;
  const name = v.toLowerCase() === "ort" || v.toLowerCase() === "onnxruntime" ? "onnx" : v.toLowerCase();
  if (!ENGINE_ORDER.includes(name as EngineChoice)) throw new Error(`COURSE_ENGINE="${v}" is not an engine. Supported: ${ENGINE_ORDER.join(", ")}.`);
  return name as EngineChoice;
}
