/**
 * The smoke step that decides whether an engine works here: a two-parameter model, one AdamW
 * update, checked (finite loss, the weights moved, ONNX Runtime's answer equal to the formula).
 */
import { backendReport } from "./tfjs/backend";
import type { Ctx } from "./contract";
import { createTrainer, EngineName } from "./run";
import { ParamStore } from "./params";
import { FINETUNE_ADAMW } from "../training/adamw";

export async function smokeTest(engine: EngineName): Promise<string> {
  const params = new ParamStore();
  params.add("w", { shape: [2, 1], data: new Float32Array([0.5, -0.25]) }, true);
  try {
    const fn = <X>(c: Ctx<X>, x: Record<string, X>) => {
      const y = c.o.linear(x.x, c.p("w")); // [2, 1]
      return { loss: c.o.mean(c.o.square(c.o.sub(y, x.y))) };
    };
    const trainer = createTrainer(engine, { key: "smoke", fn, params, lossOutput: "loss", optimizer: { ...FINETUNE_ADAMW, weightDecay: 0 }, dropout: false });
    const r = await trainer.step({ x: { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }, y: { data: new Float32Array([1, 1]), shape: [2, 1] } }, 0.1);
    trainer.sync();
    trainer.dispose();
    // x·w = [0, 0.5] → loss = ((0−1)² + (0.5−1)²)/2 = 0.625; Adam's first step moves each weight by lr·sign(g) = 0.1.
    const loss = r.metrics.loss;
    const w = Array.from(params.entry("w").data);
    if (!Number.isFinite(loss) || Math.abs(loss - 0.625) > 1e-5) throw new Error(`the smoke step's loss was ${loss}, expected 0.625`);
    if (Math.abs(Math.abs(w[0] - 0.5) - 0.1) > 1e-4 || Math.abs(Math.abs(w[1] + 0.25) - 0.1) > 1e-4) throw new Error(`the smoke step moved the weights to [${w}]`);
    if (engine === "onnx") {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { providerReport } = require("./onnx/session") as typeof import("./onnx/session");
      const rep = providerReport();
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const version = (require("onnxruntime-node/package.json") as { version: string }).version;
      return `ONNX Runtime ${version}, ${rep?.chosen ?? "cpu"} provider, ${rep?.threads ?? 1} thread(s): a training step passed`;
    }
    return `TensorFlow.js on ${backendReport()?.chosen ?? "?"}: a training step passed`;
  } finally {
    params.dispose();
  }
}
