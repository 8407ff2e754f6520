import * as path from "path";
import { Command } from "../command";
import { backendReport, initBackend, isOnline, settings } from "../../env";
import { findJupyter } from "../../notebook/jupyter";

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
  const jupyter = findJupyter();
  const tslabVersion = (require("tslab/package.json") as { version: string }).version;
  return {
    node: { version: process.version, ok: nodeOk(process.version), required: `>=${MIN_NODE.join(".")}` },
    backend,
    tslab: { version: tslabVersion, path: path.dirname(require.resolve("tslab/package.json")) },
    jupyter: {
      found: jupyter.found,
      jupyterlab: jupyter.lab ?? null,
      notebook: jupyter.notebook ?? null,
      kernelRegistered: jupyter.kernelRegistered,
      kernelIsThisProject: jupyter.kernelIsThisProject,
    },
    cache: { hfHome: settings.hfHome, hubCache: settings.hubCache, courseCache: settings.cacheDir },
    network: { online: await isOnline(), forcedOffline: settings.forcedOffline },
    mode: settings.mode,
    seed: settings.seed,
  };
}

export const command: Command = {
  name: "doctor",
  summary: "check the environment: Node, backend (and why others were skipped), tslab, Jupyter, cache, network, mode",
  usage: `usage: course doctor [--json]`,
  options: { json: { type: "boolean" } },
  async run({ values }) {
    const r = await doctorReport();
    if (values.json) {
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    const ok = (b: boolean) => (b ? "✓" : "✗");
    const lines: string[] = [];
    lines.push(`${ok(r.node.ok)} Node ${r.node.version} (needs ${r.node.required})`);
    const b = r.backend as { chosen: string | null; error?: string; attempts?: { name: string; ok: boolean; reason: string }[] };
    lines.push(`${ok(!!b.chosen)} TensorFlow.js backend: ${b.chosen ?? b.error}`);
    for (const a of b.attempts ?? []) lines.push(`    ${a.ok ? "chosen " : "skipped"} ${a.name.padEnd(15)} ${a.reason}`);
    lines.push(`✓ tslab ${r.tslab.version}`);
    const j = r.jupyter;
    lines.push(`${ok(j.found)} Jupyter: ${j.found ? [j.jupyterlab && `JupyterLab ${j.jupyterlab}`, j.notebook && `Notebook ${j.notebook}`].filter(Boolean).join(", ") || "found, but neither JupyterLab nor Notebook" : "not found (pip install jupyterlab)"}`);
    lines.push(`${ok(j.kernelRegistered && j.kernelIsThisProject)} TypeScript kernel: ${j.kernelRegistered ? (j.kernelIsThisProject ? "registered, runs this project's tslab" : "registered, but runs another tslab: run `npx course install-kernel`") : "not registered: run `npx course install-kernel`"}`);
    lines.push(`  cache: ${r.cache.hubCache} (models), ${r.cache.courseCache} (course)`);
    lines.push(`  network: ${r.network.online ? "online (Hugging Face Hub reachable)" : r.network.forcedOffline ? "offline (forced)" : "offline (Hub not reachable): the course runs on its offline models"}`);
    lines.push(`  mode: ${r.mode} (COURSE_MODE=fast for small, quick runs), seed ${r.seed}`);
    console.log(lines.join("\n"));
    return r.node.ok && b.chosen ? 0 : 1;
  },
};
