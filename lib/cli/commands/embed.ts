import { Command, UsageError, num, str } from "../command";
import { readCsv, deriveIntents, findColumn } from "../../data";
import { EmbeddingFile, writeEmbeddingFile } from "../../embeddings/io";
import { loadEncoder } from "../../embeddings/encoders";
import { embedTexts, POOLINGS, Pooling } from "../../embeddings/bert";

export const command: Command = {
  name: "embed",
  summary: "sentence vectors for a CSV column from a BERT ([CLS]/pooler/mean, any layer) or a sentence encoder",
  usage: `usage: course embed --input FILE.csv [--column question] [--labels answer|intent|COLUMN]
                    [--model course-bert|use-lite|DIR|HUB-ID] [--pooling cls|pooler|mean]
                    [--layer -1|N|all] [--max-length 128] --out FILE.json

Works on any CSV with a text column. --labels answer derives one class per distinct answer
(paraphrased questions share an answer); --labels intent (or any column) uses that column.
--pooling and --layer apply to BERT models (hidden state 0 = embeddings, -1 = last layer).`,
  options: {
    input: { type: "string" },
    column: { type: "string" },
    labels: { type: "string" },
    model: { type: "string" },
    pooling: { type: "string" },
    layer: { type: "string" },
    "max-length": { type: "string" },
    out: { type: "string" },
  },
  async run({ values }) {
    const input = str(values, "input");
    const out = str(values, "out");
    if (!input) throw new UsageError("--input FILE.csv is required");
    if (!out) throw new UsageError("--out FILE.json is required");
    const column = str(values, "column", "question")!;
    const labelCol = str(values, "labels");
    const modelId = str(values, "model", "course-bert")!;
    const pooling = str(values, "pooling", "mean") as Pooling;
    if (!POOLINGS.includes(pooling)) throw new UsageError(`--pooling must be one of ${POOLINGS.join(", ")}`);
    const layerArg = str(values, "layer", "-1")!;
    const layer: number | "all" = layerArg === "all" ? "all" : Number(layerArg);
    if (layer !== "all" && !Number.isInteger(layer)) throw new UsageError(`--layer must be an integer or "all", got "${layerArg}"`);
    const maxLength = num(values, "max-length", 128)!;

    const table = readCsv(input, { requiredColumns: [column, ...(labelCol ? [labelCol] : [])], ignoreCase: true });
    const textCol = findColumn(table.columns, column, true)!;
    const texts = table.rows.map((r) => r[textCol]);
    const file: EmbeddingFile = { model: modelId, texts, created: new Date().toISOString() };
    if (labelCol) {
      const col = findColumn(table.columns, labelCol, true)!;
      const raw = table.rows.map((r) => r[col]);
      const names = labelCol.toLowerCase() === "answer" ? deriveIntents(raw) : raw;
      const distinct = [...new Set(names)];
      file.labelNames = distinct;
      file.labels = names.map((n) => distinct.indexOf(n));
    }
    const t0 = Date.now();
    const enc = await loadEncoder(modelId, { pooling, layer: layer === "all" ? -1 : layer, maxLength });
    if (enc.bert && !enc.dense && modelId === "course-sbert") console.error("note: course-sbert's linear layer belongs to mean pooling of its last layer; these vectors are the BERT's alone, before it.");
    try {
      if (enc.bert) {
        file.pooling = pooling;
        file.layer = layer;
        if (layer === "all") file.layers = await embedTexts(enc.bert.model, enc.bert.tokenizer, texts, { pooling, layer: "all", maxLength });
        else file.vectors = await enc.embed(texts); // with the folder's Dense layer (course-sbert's map into USE Lite's space) where it applies
      } else {
        if (values.pooling !== undefined || values.layer !== undefined) console.error(`note: --pooling/--layer apply to BERT models; ${modelId} has its own pooling.`);
        file.vectors = await enc.embed(texts);
      }
    } finally {
      enc.dispose();
    }
    writeEmbeddingFile(out, file);
    const dim = (file.vectors ?? file.layers![0])[0]?.length ?? 0;
    console.log(
      `embedded ${texts.length} texts with ${modelId}${enc.bert ? ` (${pooling}, layer ${layer})` : ""}: ${file.layers ? `${file.layers.length} layers × ` : ""}${dim}-d` +
        `${file.labels ? `, ${file.labelNames!.length} classes from "${labelCol}"` : ""} in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${out}`,
    );
    return 0;
  },
};
