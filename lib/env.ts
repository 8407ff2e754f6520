/**
 * The one place that holds the course's settings and chooses the compute backend
 * (in the style of transformers.js's `env`). Every other module reads from here.
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
import type * as tfTypes from "@tensorflow/tfjs";

export type Mode = "fast" | "full";
export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** The engines models run and train on (lib/engine): ONNX Runtime (native, graphs built in TypeScript) or TensorFlow.js. */
export type EngineChoice = "onnx" | "tfjs";
export const ENGINE_ORDER: readonly EngineChoice[] = ["onnx", "tfjs"];

/** Backends in the order they are tried: fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

const BACKEND_PACKAGES: Record<BackendName, string | null> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: null, // built into @tensorflow/tfjs
};

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
  /** COURSE_MODEL_DIR: the course BERT the labs load (a folder, or a Hub id for fine-tuning), or null for models/course-bert. */
  modelDir: string | null;
  /** COURSE_ICL_GPT_DIR: the in-context-learning GPT's folder, or null for models/icl-gpt. */
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
    iclGptDir: e.COURSE_ICL_GPT_DIR ? path.resolve(e.COURSE_ICL_GPT_DIR) : null,
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

// ---------------------------------------------------------------- backend choice

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was skipped, or how it was chosen. */
  reason: string;
}

export interface BackendReport {
  chosen: BackendName;
  forced: boolean;
  attempts: BackendAttempt[];
}

let report: BackendReport | null = null;
let pending: Promise<BackendReport> | null = null;

/** The @tensorflow/tfjs module (loaded lazily, so `settings` can be read without it). */
export function tf(): typeof tfTypes {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const t = require("@tensorflow/tfjs") as typeof tfTypes;
  // PROD silences tfjs's console banners ("looks like you are running TensorFlow.js in Node.js")
  // that would otherwise land in notebook cells; the backend report says the same thing better.
  if (!t.env().getBool("PROD")) t.env().set("PROD", true);
  return t;
}

/** Loads a backend's package, checking it is the real package and not a stand-in. */
function loadBackendPackage(name: BackendName): void {
  const pkg = BACKEND_PACKAGES[name];
  if (pkg === null) return;
  let pkgJsonPath: string;
  try {
    pkgJsonPath = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const meta = require(pkgJsonPath) as { name: string; version: string };
  if (meta.name !== pkg) throw new Error(`${pkg} resolves to ${meta.name}, not the real package`);
  // danfojs' stand-in (shims/danfojs-tfjs, version 0.0.0-…) may sit in tfjs-node's place.
  if (/^0\.0\.0-/.test(meta.version)) throw new Error(`${pkg} is not installed (a stand-in is in its place)`);
  require(pkg);
}

async function tryBackend(name: BackendName): Promise<void> {
  const t = tf();
  loadBackendPackage(name);
  const tfName = name === "tensorflow-gpu" ? "tensorflow" : name;
  if (!t.findBackendFactory(tfName)) throw new Error(`the package loaded but registered no '${tfName}' backend`);
  const ok = await t.setBackend(tfName);
  if (!ok) throw new Error(`tf.setBackend('${tfName}') failed to initialise`);
  await t.ready();
  // Smoke op: [1, 2] + [3, 4] must be [4, 6].
  const sum = t.tidy(() => t.add(t.tensor1d([1, 2]), t.tensor1d([3, 4])));
  const values = Array.from(await sum.data());
  sum.dispose();
  if (values[0] !== 4 || values[1] !== 6) throw new Error(`smoke op gave [${values}] instead of [4,6]`);
}

function describeFailure(name: BackendName, err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const first = msg.split("\n")[0];
  if (name === "tensorflow-gpu" && /not installed/.test(first)) {
    return "@tensorflow/tfjs-node-gpu is not installed (opt in: `npx course gpu --install`; needs Linux, an NVIDIA GPU, CUDA 11.2 + cuDNN 8.1)";
  }
  if (name === "tensorflow" && /not installed/.test(first)) {
    return "@tensorflow/tfjs-node is not installed (opt in: `npx course gpu --install tfjs-node`; its install downloads libtensorflow)";
  }
  return first;
}

/**
 * Chooses the backend once per process: the forced one (COURSE_BACKEND), or the first of
 * tensorflow-gpu → tensorflow → wasm → cpu that loads and passes a smoke op.
 * A forced backend that does not work fails, listing the backends that do.
 */
export function initBackend(): Promise<BackendReport> {
  if (report) return Promise.resolve(report);
  if (!pending) pending = chooseBackend().then((r) => (report = r));
  return pending;
}

async function chooseBackend(): Promise<BackendReport> {
  const attempts: BackendAttempt[] = [];
  const forced = settings.requestedBackend;
  if (forced) {
    try {
      await tryBackend(forced);
      return { chosen: forced, forced: true, attempts: [{ name: forced, ok: true, reason: "forced by COURSE_BACKEND" }] };
    } catch (err) {
      const available = await availableBackends(forced);
      pending = null;
      throw new Error(
        `COURSE_BACKEND=${forced} is not available here: ${describeFailure(forced, err)}. ` +
          `Available backends: ${available.length ? available.join(", ") : "none"}. ` +
          `Unset COURSE_BACKEND to pick automatically, or set it to one of those.`,
      );
    }
  }
  for (const name of BACKEND_ORDER) {
    try {
      await tryBackend(name);
      attempts.push({ name, ok: true, reason: "first backend that loaded and passed the smoke op" });
      return { chosen: name, forced: false, attempts };
    } catch (err) {
      attempts.push({ name, ok: false, reason: describeFailure(name, err) });
    }
  }
  pending = null;
  throw new Error(`No TensorFlow.js backend works here:\n${attempts.map((a) => `  ${a.name}: ${a.reason}`).join("\n")}\nRun \`npm ci\` again.`);
}

/** Backends whose packages load here (without switching to them), excluding `except`. */
async function availableBackends(except: BackendName): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const name of BACKEND_ORDER) {
    if (name === except) continue;
    try {
      loadBackendPackage(name);
      out.push(name);
    } catch {
      /* not available */
    }
  }
  return out;
}

/** The report of the backend choice, or null before `initBackend()` finished. */
export function backendReport(): BackendReport | null {
  return report;
}

// ---------------------------------------------------------------- network

const onlineProbes = new Map<string, Promise<boolean>>();

/**
 * Whether the Hub at settings.hfEndpoint ($HF_ENDPOINT) answers (HEAD request through the configured
 * proxy, 3 s limit; any HTTP answer below 500 counts); false when forced offline. Probed once per
 * endpoint and process.
 */
export function isOnline(): Promise<boolean> {
  if (settings.forcedOffline) return Promise.resolve(false);
  const endpoint = settings.hfEndpoint;
  let probe = onlineProbes.get(endpoint);
  if (!probe) {
    // lib/hub/http holds the one HTTP client (proxy, timeouts); loaded lazily, as it imports this file.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { probeHub } = require("./hub/http") as typeof import("./hub/http");
    probe = probeHub(endpoint, 3000);
    onlineProbes.set(endpoint, probe);
  }
  return probe;
}

// ---------------------------------------------------------------- engine choice


function readEngine(v: string | undefined): EngineChoice | null {
  if (v === undefined || v === "") return null;
  const name = v.toLowerCase() === "ort" || v.toLowerCase() === "onnxruntime" ? "onnx" : v.toLowerCase();
  if (!ENGINE_ORDER.includes(name as EngineChoice)) throw new Error(`COURSE_ENGINE="${v}" is not an engine. Supported: ${ENGINE_ORDER.join(", ")}.`);
  return name as EngineChoice;
}

export interface EngineReport {
  chosen: EngineChoice;
  forced: boolean;
  attempts: { name: EngineChoice; ok: boolean; reason: string }[];
}

let engineRep: EngineReport | null = null;
let enginePending: Promise<EngineReport> | null = null;

/**
 * Chooses the engine once per process: the forced one (COURSE_ENGINE or `--engine`), else the first
 * of onnx → tfjs that loads and passes a smoke training step (a tiny model, one AdamW update, checked).
 */
export function initEngine(): Promise<EngineReport> {
  if (engineRep) return Promise.resolve(engineRep);
  if (!enginePending) enginePending = chooseEngine().then((r) => (engineRep = r));
  return enginePending;
}

/** The engine to use now (after the choice); `requested` overrides it for one call. */
export async function engineFor(requested?: EngineChoice | null): Promise<EngineChoice> {
  if (requested) return requested;
  return (await initEngine()).chosen;
}

export function engineReport(): EngineReport | null {
  return engineRep;
}

/** Forces an engine for the rest of the process (the CLI's --engine). */
export function setEngine(name: EngineChoice): void {
  settings.requestedEngine = readEngine(name);
  engineRep = null;
  enginePending = null;
}

async function chooseEngine(): Promise<EngineReport> {
  await initBackend(); // tfjs holds the weights on either engine
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { smokeTest } = require("./engine/smoke") as typeof import("./engine/smoke");
  const forced = settings.requestedEngine;
  const attempts: EngineReport["attempts"] = [];
  for (const name of forced ? [forced] : ENGINE_ORDER) {
    try {
      const how = await smokeTest(name);
      attempts.push({ name, ok: true, reason: forced ? `chosen with --engine or COURSE_ENGINE; ${how}` : how });
      return { chosen: name, forced: !!forced, attempts };
    } catch (err) {
      const reason = (err as Error).message.split("\n")[0];
      attempts.push({ name, ok: false, reason });
      if (forced) {
        enginePending = null;
        throw new Error(`COURSE_ENGINE=${forced} does not work here: ${reason}. Unset COURSE_ENGINE to pick automatically${forced === "onnx" ? ", or use COURSE_ENGINE=tfjs" : ""}.`);
      }
    }
  }
  enginePending = null;
  throw new Error(`No engine works here:\n${attempts.map((a) => `  ${a.name}: ${a.reason}`).join("\n")}\nRun \`npm ci\` again.`);
}
