/** The environment check behind `course doctor` and the setup notebook. */
import * as path from "path";
import { backendReport, initBackend } from "./engine/tfjs/backend";
import { engineReport, initEngine } from "./engine/select";
import { isOnline } from "./hub/online";
import { settings } from "./env";
import { cudaProviderInstalled, providerReport } from "./engine/onnx/session";
import { findJupyter } from "./notebook/jupyter";

/** Node version the course needs: require(esm) on by default and the test runner's features (Node 20.19). */
const MIN_NODE = [20, 19];

function nodeOk(v: string): boolean {
  const [maj, min] = v.replace(/^v/, "").split(".").map(Number);
  return maj > MIN_NODE[0] || (maj === MIN_NODE[0] && min >= MIN_NODE[1]);
}

export async function doctorReport() {
  let backend: unknown;
  try {
    await initBackend();
    backend = backendReport();
  } catch (err) {
    backend = { chosen: null, error: (err as Error).message };
  }
  let engine: unknown;
  try {
    await initEngine();
    const p = providerReport();
    engine = { ...engineReport(), onnxProvider: p ? { chosen: p.chosen, threads: p.threads, attempts: p.attempts } : null, cudaProviderInstalled: cudaProviderInstalled() };
  } catch (err) {
    engine = { chosen: null, error: (err as Error).message };
  }
  const jupyter = findJupyter();
  const tslabVersion = (require("tslab/package.json") as { version: string }).version;
  return {
    node: { version: process.version, ok: nodeOk(process.version), required: `>=${MIN_NODE.join(".")}` },
    backend,
    engine,
    tslab: { version: tslabVersion, path: path.dirname(require.resolve("tslab/package.json")) },
    jupyter: {
      found: jupyter.found,
      jupyterlab: jupyter.lab ?? null,
      notebook: jupyter.notebook ?? null,
      kernelRegistered: jupyter.kernelRegistered,
      kernelIsThisProject: jupyter.kernelIsThisProject,
      kernelDir: jupyter.kernelDir ?? null,
      kernelDetail: jupyter.kernelDetail ?? null,
    },
    cache: { hfHome: settings.hfHome, hubCache: settings.hubCache, courseCache: settings.cacheDir },
    network: { online: await isOnline(), forcedOffline: settings.forcedOffline },
    mode: settings.mode,
    seed: settings.seed,
  };
}

