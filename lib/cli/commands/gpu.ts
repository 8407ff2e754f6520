/**
 * `course gpu`: the GPU paths as an explicit opt-in. `npm install` fetches nothing GPU-related
 * (no libtensorflow, no CUDA libraries); this command installs what a machine can use and
 * proves it works with a smoke computation:
 *   tfjs-gpu    @tensorflow/tfjs-node-gpu (libtensorflow 2.9 GPU: Linux x64, CUDA 11.2 + cuDNN 8.1)
 *   onnx-cuda   ONNX Runtime's CUDA 12 execution provider (its install script, with
 *               ONNXRUNTIME_NODE_INSTALL=cuda12: Linux x64, CUDA 12 + cuDNN 9)
 *   tfjs-node   @tensorflow/tfjs-node (native CPU; no GPU needed)
 * Each check runs in a child process (`course gpu --probe NAME`), so a library that crashes
 * while loading cannot take the report down with it.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { COURSE_ROOT } from "../../env";
import { Command, UsageError, didYouMean, suggest } from "../command";

const ROOT = COURSE_ROOT;
const COURSE = path.join(ROOT, "lib", "bin", "course.js");

type Part = "tfjs-gpu" | "onnx-cuda" | "tfjs-node";
const PARTS: Part[] = ["tfjs-gpu", "onnx-cuda", "tfjs-node"];
/** What `--install` with no names installs: the GPU paths. */
const GPU_PARTS: Part[] = ["tfjs-gpu", "onnx-cuda"];

function tfjsVersion(): string {
  return (require("@tensorflow/tfjs/package.json") as { version: string }).version;
}

/** npm's own CLI when we run under npm/npx (same npm version), else `npm` from PATH. */
function npmCommand(): { cmd: string; pre: string[] } {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli) && fs.existsSync(cli)) return { cmd: process.execPath, pre: [cli] };
  return { cmd: process.platform === "win32" ? "npm.cmd" : "npm", pre: [] };
}

export interface GpuInfo {
  /** `nvidia-smi` rows: "name, driver, memory". */
  gpus: string[];
  cudaDriver: string | null;
  /** CUDA/cuDNN runtime libraries the dynamic loader can find. */
  libs: Record<string, boolean>;
}

/** Libraries each path loads (sonames): tfjs-node-gpu 4.x (libtensorflow 2.9) and ONNX Runtime 1.2x's CUDA 12 build. */
const LIBS = ["libcudart.so.11.0", "libcudnn.so.8", "libcudart.so.12", "libcublasLt.so.12", "libcudnn.so.9"];

export function gpuInfo(): GpuInfo {
  const smi = spawnSync("nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], { encoding: "utf8", timeout: 20_000 });
  const gpus = smi.status === 0 ? smi.stdout.split("\n").map((l) => l.trim()).filter(Boolean) : [];
  const header = gpus.length ? spawnSync("nvidia-smi", [], { encoding: "utf8", timeout: 20_000 }).stdout ?? "" : "";
  const cudaDriver = /CUDA Version:\s*([\d.]+)/.exec(header)?.[1] ?? null;
  const ld = spawnSync("ldconfig", ["-p"], { encoding: "utf8", timeout: 20_000 });
  const known = ld.status === 0 ? ld.stdout : "";
  const extraDirs = (process.env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean);
  const libs: Record<string, boolean> = {};
  for (const lib of LIBS) libs[lib] = known.includes(lib) || extraDirs.some((d) => fs.existsSync(path.join(d, lib)));
  return { gpus, cudaDriver, libs };
}

export interface ProbeResult {
  part: Part;
  installed: boolean;
  ok: boolean;
  detail: string;
}

/** Runs inside the child process: load one path and compute something small with it. */
async function probe(part: Part): Promise<ProbeResult> {
  if (part === "onnx-cuda") {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const s = require("../../engine/onnx/session") as typeof import("../../engine/onnx/session");
    if (!s.cudaProviderInstalled()) return { part, installed: false, ok: false, detail: `no CUDA provider library in ${s.ortBinaryDir()}` };
    const rep = await s.chooseProvider(1);
    const cuda = rep.attempts.find((a) => a.name === "cuda");
    return { part, installed: true, ok: rep.chosen === "cuda", detail: cuda?.reason ?? "not tried" };
  }
  const pkg = part === "tfjs-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node";
  let meta: { name: string; version: string };
  try {
    meta = require(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }));
  } catch {
    return { part, installed: false, ok: false, detail: `${pkg} is not installed` };
  }
  if (meta.name !== pkg || /^0\.0\.0-/.test(meta.version)) return { part, installed: false, ok: false, detail: `${pkg} is not installed (a stand-in is in its place)` };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tf = require(require.resolve(pkg, { paths: [ROOT] })) as typeof import("@tensorflow/tfjs");
  await tf.setBackend("tensorflow");
  // Smoke computation: a 256×256 product of ones is 256 everywhere.
  const sum = tf.tidy(() => tf.matMul(tf.ones([256, 256]), tf.ones([256, 256])).sum());
  const total = (await sum.data())[0];
  sum.dispose();
  const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  const right = total === 256 * 256 * 256;
  const ok = right && (part === "tfjs-node" || onGpu);
  return {
    part,
    installed: true,
    ok,
    detail: `${pkg} ${meta.version}: a 256×256 matrix product ${right ? "is right" : `gave ${total}`}${part === "tfjs-gpu" ? `, ${onGpu ? "on the GPU" : "but libtensorflow found no GPU device (CUDA 11.2 + cuDNN 8.1 on the library path?)"}` : ""}`,
  };
}

/** Runs a probe in a child process and reads its one JSON line. */
function runProbe(part: Part): ProbeResult {
  const r = spawnSync(process.execPath, [COURSE, "gpu", "--probe", part], { encoding: "utf8", timeout: 300_000, cwd: ROOT });
  const line = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as ProbeResult;
  } catch {
    const why = `${r.stderr ?? ""}`.trim().split("\n").slice(-3).join(" / ") || `exit code ${r.status ?? r.signal}`;
    return { part, installed: true, ok: false, detail: `the check crashed: ${why}` };
  }
}

const LABEL: Record<Part, string> = {
  "tfjs-gpu": "TensorFlow.js on the GPU (@tensorflow/tfjs-node-gpu)",
  "onnx-cuda": "ONNX Runtime's CUDA 12 provider",
  "tfjs-node": "TensorFlow.js native CPU (@tensorflow/tfjs-node)",
};

function install(part: Part): boolean {
  console.log(`\n▶ installing ${LABEL[part]}`);
  if (part === "onnx-cuda") {
    const dir = path.dirname(require.resolve("onnxruntime-node/package.json", { paths: [ROOT] }));
    const script = path.join(dir, "script", "install.js");
    // ONNXRUNTIME_NODE_INSTALL is the flag onnxruntime-node's script/install-utils.js reads.
    const r = spawnSync(process.execPath, [script], { cwd: dir, stdio: "inherit", env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "cuda12" } });
    if (r.status !== 0) console.error(`✗ onnxruntime-node's install script failed (exit ${r.status}): it downloads Microsoft.ML.OnnxRuntime.Gpu.Linux from nuget.org, so it needs the network.`);
    return r.status === 0;
  }
  const pkg = `${part === "tfjs-gpu" ? "@tensorflow/tfjs-node-gpu" : "@tensorflow/tfjs-node"}@${tfjsVersion()}`;
  const { cmd, pre } = npmCommand();
  // --no-save: package.json stays as committed; `npm ci` removes it again (re-run this command).
  const r = spawnSync(cmd, [...pre, "install", "--no-save", "--no-audit", "--no-fund", pkg], { cwd: ROOT, stdio: "inherit", shell: process.platform === "win32" });
  if (r.status !== 0) console.error(`✗ npm install ${pkg} failed (exit ${r.status}): its install script downloads libtensorflow from storage.googleapis.com, so it needs the network.`);
  return r.status === 0;
}

export const command: Command = {
  name: "gpu",
  summary: "check the GPU paths, or install them on purpose (tfjs-node-gpu, ONNX Runtime CUDA, native tfjs-node)",
  usage: `usage: course gpu [--check]
       course gpu --install [tfjs-gpu] [onnx-cuda] [tfjs-node] [--force]

\`npm install\` fetches no GPU libraries. This command says what this machine has (NVIDIA
GPUs, CUDA and cuDNN libraries) and whether each fast path works, with a smoke computation:
  tfjs-gpu    @tensorflow/tfjs-node-gpu: TensorFlow.js on an NVIDIA GPU (Linux x64,
              CUDA 11.2 + cuDNN 8.1); downloads libtensorflow's GPU build
  onnx-cuda   ONNX Runtime's CUDA 12 execution provider for the ONNX engine (Linux x64,
              CUDA 12 + cuDNN 9); downloads Microsoft.ML.OnnxRuntime.Gpu.Linux from nuget.org
  tfjs-node   @tensorflow/tfjs-node: TensorFlow.js on the native CPU (any OS, no GPU);
              several times faster than the default WebAssembly backend
  --install   install the named paths (none named: tfjs-gpu and onnx-cuda), then check them.
              npm packages are installed with --no-save: \`npm ci\` removes them again.
  --force     install a GPU path even where no NVIDIA GPU is found
  --check     only report (the default)`,
  options: { check: { type: "boolean" }, install: { type: "boolean" }, force: { type: "boolean" }, probe: { type: "string" } },
  async run({ values, positionals }) {
    if (typeof values.probe === "string") {
      if (!PARTS.includes(values.probe as Part)) throw new UsageError(`--probe takes ${PARTS.join(", ")}`);
      const r = await probe(values.probe as Part).catch((err: Error) => ({ part: values.probe as Part, installed: true, ok: false, detail: err.message.split("\n")[0] }));
      console.log(JSON.stringify(r));
      return 0;
    }
    for (const p of positionals) {
      if (!PARTS.includes(p as Part)) throw new UsageError(`"${p}" is not a GPU path.${didYouMean(suggest(p, PARTS))} Choose from ${PARTS.join(", ")}.`);
    }
    if (positionals.length && !values.install) throw new UsageError(`to install ${positionals.join(", ")}, add --install`);
    const info = gpuInfo();
    console.log(info.gpus.length ? `NVIDIA GPU${info.gpus.length > 1 ? "s" : ""}: ${info.gpus.join("; ")}${info.cudaDriver ? ` (driver supports CUDA ${info.cudaDriver})` : ""}` : "No NVIDIA GPU found (nvidia-smi is missing or lists none).");
    const libLine = Object.entries(info.libs).map(([l, ok]) => `${ok ? "✓" : "✗"} ${l}`).join("  ");
    if (process.platform === "linux") console.log(`CUDA libraries the loader finds: ${libLine}`);

    let wanted: Part[] = [];
    if (values.install) {
      wanted = positionals.length ? (positionals as Part[]) : GPU_PARTS;
      const gpuWanted = wanted.filter((p) => p !== "tfjs-node");
      if (gpuWanted.length && !(process.platform === "linux" && process.arch === "x64")) {
        console.error(`✗ ${gpuWanted.join(" and ")}: Linux x64 only (this is ${process.platform}/${process.arch}). \`npx course gpu --install tfjs-node\` gives the native CPU backend here.`);
        return 1;
      }
      if (gpuWanted.length && !info.gpus.length && !values.force) {
        console.error(`✗ Not installing ${gpuWanted.join(" and ")}: no NVIDIA GPU here, so they would be large downloads that cannot run. The course runs on the CPU as it is; \`npx course gpu --install tfjs-node\` makes TensorFlow.js faster on the CPU. (--force installs anyway.)`);
        return 1;
      }
      const failed = wanted.filter((p) => !install(p));
      if (failed.length) return 1;
    }

    console.log("");
    let bad = 0;
    for (const part of values.install ? wanted : PARTS) {
      const r = runProbe(part);
      const mark = r.ok ? "✓" : r.installed ? "✗" : "·";
      console.log(`${mark} ${LABEL[part]}: ${r.ok ? "works" : r.installed ? "installed but not working" : "not installed"} — ${r.detail}`);
      if (values.install && !r.ok) bad++;
    }
    if (!values.install) console.log("\n· = not installed (optional). Install with `npx course gpu --install [tfjs-gpu] [onnx-cuda] [tfjs-node]`; details in the README's GPU section.");
    return bad ? 1 : 0;
  },
};
