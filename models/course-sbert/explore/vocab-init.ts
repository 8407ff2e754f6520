/**
 * Stage 2 probe of vocabulary distillation: puts the word-piece table made by explore/vocab-factor.py
 * (E.f32, [8192, 256]) into the course BERT (pre-trained layers, or fresh ones with --init random),
 * scaled to the pre-trained table's mean row length, and writes every layer's mean-pooled vectors of
 * the first 4,096 pool sentences and of the FAQ (for the Dense fit and FAQ score in vocab-probe.py).
 * With SAVE_DIR, it also saves that BERT there (a starting point for `course distill --model SAVE_DIR`);
 * with --no-features it only saves.
 * With --from FOLDER the BERT is read from FOLDER instead of models/course-bert (variant "student": a saved
 * `course distill` folder as it is, its own word-piece table kept).
 *   nice -n 19 node --import tsx models/course-sbert/explore/vocab-init.ts DIR pretrained|random|original|student [SAVE_DIR] [--no-features] [--from FOLDER] [--held] [--only faq|train|held2]
 */
import * as fs from "fs";
import * as path from "path";
import { initBackend } from "../../../lib/engine/tfjs/backend";
import { embedTexts } from "../../../lib/embeddings/bert";
import { BertModel, fromPretrained, saveBert } from "../../../lib/models/bert";
import { WORD_EMBEDDINGS } from "../../../lib/models/bert/params";
import { BertTokenizer } from "../../../lib/text";

(async () => {
  await initBackend();
  const dir = process.argv[2] ?? "/tmp/s28";
  const variant = process.argv[3] ?? "pretrained";
  const from = process.argv.includes("--from") ? process.argv[process.argv.indexOf("--from") + 1] : "models/course-bert";
  const loaded = await fromPretrained(from);
  const tok = BertTokenizer.fromDir("models/course-bert");
  const P = loaded.params.get(WORD_EMBEDDINGS).dataSync() as Float32Array; // [V, H]
  const H = loaded.config.hidden_size;
  const V = P.length / H;
  const model = variant === "random" ? new BertModel(loaded.config, { heads: loaded.heads, seed: 42 }) : loaded;
  if (variant !== "original" && variant !== "student") {
    const b = fs.readFileSync(path.join(dir, "E.f32"));
    const E = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const norm = (a: Float32Array, i: number) => Math.hypot(...a.subarray(i * H, (i + 1) * H));
    let pn = 0, en = 0, seen = 0;
    for (let i = 0; i < V; i++) {
      pn += norm(P, i) / V;
      const e = norm(E, i);
      if (e > 0) (en += e, seen++);
    }
    const scale = pn / (en / seen);
    console.log(`pre-trained rows: mean length ${pn.toFixed(3)}; distilled rows ${(en / seen).toFixed(3)} → scale ${scale.toFixed(3)}`);
    model.params.set(WORD_EMBEDDINGS, E.map((v) => v * scale));
  }
  const save = process.argv[4] && !process.argv[4].startsWith("--") ? process.argv[4] : null;
  if (save) {
    await saveBert(model, save, { tokenizerFrom: "models/course-bert" });
    console.log(`saved to ${save}`);
  }
  if (process.argv.includes("--no-features")) return;
  const train = JSON.parse(fs.readFileSync(path.join(dir, "train.json"), "utf8")).texts.slice(0, 4096) as string[];
  const faq = JSON.parse(fs.readFileSync(path.join(dir, "faq.json"), "utf8")).texts as string[];
  // --held: also the 2,048 held-out pool sentences (layer-heldout.py); --only NAME: just that set.
  const held = process.argv.includes("--held") ? (JSON.parse(fs.readFileSync(path.join(dir, "held2.json"), "utf8")).texts as string[]) : null;
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : null;
  const sets = ([["faq", faq], ["train", train], ...(held ? [["held2", held]] : [])] as [string, string[]][]).filter(([n]) => !only || n === only);
  for (const [name, texts] of sets) {
    const t0 = Date.now();
    const layers = await embedTexts(model, tok, texts, { pooling: "mean", layer: "all", maxLength: 64, cache: false, progress: false });
    layers.forEach((L, l) => fs.writeFileSync(path.join(dir, `feat-${variant}-${name}-L${l}.f32`), Buffer.from(Float32Array.from(L.flat()).buffer)));
    console.log(name, texts.length, `${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
})();
