import { Command } from "../command";
import { doctorReport } from "../../doctor";

export const command: Command = {
  name: "doctor",
  summary: "check the environment: Node, engine (ONNX Runtime or tfjs) and its provider, tfjs backend, tslab, Jupyter, cache, network, mode",
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
    const e = r.engine as { chosen: string | null; error?: string; attempts?: { name: string; ok: boolean; reason: string }[]; onnxProvider?: { chosen: string; threads: number; attempts: { name: string; ok: boolean; reason: string }[] } | null };
    lines.push(`${ok(!!e.chosen)} engine (models run and train on): ${e.chosen ?? e.error}`);
    for (const a of e.attempts ?? []) lines.push(`    ${a.ok ? "chosen " : "skipped"} ${a.name.padEnd(15)} ${a.reason}`);
    if (e.onnxProvider) for (const a of e.onnxProvider.attempts) lines.push(`    ONNX Runtime provider ${a.ok ? "chosen " : "skipped"} ${a.name.padEnd(5)} ${a.reason}`);
    lines.push(`✓ tslab ${r.tslab.version}`);
    const j = r.jupyter;
    lines.push(`${ok(j.found)} Jupyter: ${j.found ? [j.jupyterlab && `JupyterLab ${j.jupyterlab}`, j.notebook && `Notebook ${j.notebook}`].filter(Boolean).join(", ") || "found, but neither JupyterLab nor Notebook" : "not found (`npx course start` prints how to install it: pipx install jupyterlab, a .venv, conda, or apt)"}`);
    lines.push(`${ok(j.kernelRegistered && j.kernelIsThisProject)} TypeScript kernel "tslab": ${j.kernelRegistered ? `registered in ${j.kernelDir}; ${j.kernelDetail}` : "not registered: run `npx course install-kernel`"}`);
    lines.push(`  cache: ${r.cache.hubCache} (models), ${r.cache.courseCache} (course)`);
    lines.push(`  network: ${r.network.online ? "online (Hugging Face Hub reachable)" : r.network.forcedOffline ? "offline (forced)" : "offline (Hub not reachable): the course runs on its offline models"}`);
    lines.push(`  mode: ${r.mode} (COURSE_MODE=fast for small, quick runs), seed ${r.seed}`);
    console.log(lines.join("\n"));
    return r.node.ok && b.chosen && e.chosen ? 0 : 1;
  },
};
