/**
 * `course distill`: make a sentence encoder from a BERT by knowledge distillation from a teacher
 * sentence encoder (default: USE Lite), on unlabelled sentences of the pre-training corpus.
 * lib/embeddings/distill.ts has the losses and the training; this file reads options, prepares the
 * data and the evaluation sets, checkpoints, and writes the folder and its record.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, UsageError, num, str } from "../command";
import { applyEngineOptions, ENGINE_OPTIONS, ENGINE_USAGE } from "../engine-option";
import { engineReport } from "../../engine/select";
import { settings } from "../../env";
import { embedTexts } from "../../embeddings/bert";
import { centring, DISTILL_TEMPERATURE, DistillHead, fitLinear, LossWeights, parseLoss, Student, trainDistill, transformRows } from "../../embeddings/distill";
import { distillPoolCached, teacherVectors } from "../../embeddings/distill-data";
import { agreementByLayer, distillEvalSets, evaluateStudent, LayerAgreement, layersToKeep } from "../../embeddings/distill-eval";
import { loadEncoder } from "../../embeddings/encoders";
import { bagOfPieces, scaleRowsLike, VOCAB_RIDGE } from "../../embeddings/vocab-distill";
import { fittedPieceTable } from "../../embeddings/vocab-table";
import type { LinearMap } from "../../embeddings/whitening";
import { WORD_EMBEDDINGS } from "../../models/bert/params";
import { hostValues } from "../../engine/params";
import { writeSentenceTransformersLayout } from "../../embeddings/st-layout";
import { BertModel, fromPretrained, keepFirstLayers, loadBert, saveBert } from "../../models/bert";
import { parseSafetensors, serializeSafetensors } from "../../models/safetensors";
import { writeTokenizerFiles } from "../../pretraining/trainer";
import { BertTokenizer } from "../../text";
import { findCheckpointDir, optimizerStateBytes, OPTIMIZER_FILE, readOptimizerState, STATE_FILE, writeAtomic, writeCheckpointDir } from "../../training/checkpoint";
import type { EvalRecord, Segment, StepRecord } from "../../training/loop";

/** Held-out sentences whose teacher neighbours select the checkpoint. */
const HELD_OUT = 1024;
/** Pool sentences the Dense layer's starting least-squares fit uses. */
const FIT_SENTENCES = 4096;
const HEAD_FILE = "dense.safetensors";

export const command: Command = {
  name: "distill",
  summary: "make a sentence encoder by distilling a teacher (USE Lite) into a BERT on unlabelled corpus sentences",
  usage: [
    "usage: course distill --out DIR [--model models/course-bert] [--init pretrained|random] [--teacher use-lite]",
    "                      [--loss mse|sim|nce|kl|mse:1,nce:1] [--temperature 0.05] [--centre yes|no]",
    "                      [--vocab yes|no] [--vocab-ridge λ] [--layers all|auto|N] [--steps N] [--batch 64] [--lr 1e-4] [--max-length 32] [--sentences N] [--words 0]",
    "                      [--eval-every N] [--select agreement|last] [--corpus course] [--seed S] [--resume] [--save-minutes 10]",
    "",
    "  The student (--model; --init random: the same shape with fresh weights) mean-pools its last layer and",
    "  maps the result through a linear layer into the teacher's space; it is trained to match the teacher's",
    "  vectors for the same sentences (Reimers & Gurevych 2020). The sentences are unlabelled: every question",
    "  of 3–30 words of the pre-training corpus and as many short statements (4–15 words), split by document",
    "  into training and held-out; --words N adds the corpus's N most frequent words, one per example, so the",
    "  student learns what each word means to the teacher; the teacher's vectors are computed once and cached. Losses: mse (match the",
    "  coordinates), sim (match the in-batch similarity matrix), nce (pick your own teacher vector among the",
    "  batch's), kl (match each sentence's distribution over its batch neighbours); --centre subtracts the",
    "  teacher's mean vector first. --vocab yes first replaces the student's word-piece table by one distilled",
    "  from the teacher by least squares (lib/embeddings/vocab-distill.ts: a bag of word pieces mapped onto the",
    "  teacher's vectors of the training sentences, reduced to the student's width); --steps 0 stops there. --layers N keeps the",
    "  student's first N encoder layers (DistilBERT's layer dropping); --layers auto keeps as many as the",
    "  hidden state 1 … L with the highest held-out agreement (each layer's mean pooling through its own",
    "  least-squares Dense layer) asks for; the default keeps them all.",
    "  Every --eval-every steps it scores held-out agreement with the teacher",
    "  (which of a sentence's 10 nearest neighbours both agree on; it selects the saved checkpoint), the",
    "  sentiment sentences and the chatbot FAQ (reported only). Writes a sentence-transformers folder",
    "  (BERT, mean pooling, Dense, Normalize) and distill-record.json; --resume continues an interrupted run.",
    ENGINE_USAGE,
  ].join("\n"),
  options: {
    out: { type: "string" },
    model: { type: "string" },
    init: { type: "string" },
    teacher: { type: "string" },
    loss: { type: "string" },
    temperature: { type: "string" },
    centre: { type: "string" },
    vocab: { type: "string" },
    layers: { type: "string" },
    "vocab-ridge": { type: "string" },
    steps: { type: "string" },
    batch: { type: "string" },
    lr: { type: "string" },
    "max-length": { type: "string" },
    sentences: { type: "string" },
    words: { type: "string" },
    "eval-every": { type: "string" },
    select: { type: "string" },
    corpus: { type: "string" },
    seed: { type: "string" },
    resume: { type: "boolean" },
    "save-minutes": { type: "string" },
    ...ENGINE_OPTIONS,
  },
  async run({ values }) {
    const out = str(values, "out");
    if (!out) throw new UsageError("--out DIR is required (where the sentence encoder goes)");
    const modelDir = str(values, "model", "models/course-bert")!;
    const init = str(values, "init", "pretrained")!;
    if (init !== "pretrained" && init !== "random") throw new UsageError(`--init must be pretrained or random, not "${init}"`);
    const teacherId = str(values, "teacher", "use-lite")!;
    const lossSpec = str(values, "loss", "mse")!;
    let loss: LossWeights;
    try {
      loss = parseLoss(lossSpec);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const centreOpt = str(values, "centre", "yes")!;
    if (centreOpt !== "yes" && centreOpt !== "no") throw new UsageError(`--centre must be yes or no, not "${centreOpt}"`);
    const centre = centreOpt === "yes";
    const vocabOpt = str(values, "vocab", "no")!;
    if (vocabOpt !== "yes" && vocabOpt !== "no") throw new UsageError(`--vocab must be yes or no, not "${vocabOpt}"`);
    const vocabRidge = num(values, "vocab-ridge", VOCAB_RIDGE)!;
    const layersOpt = str(values, "layers", "all")!;
    if (layersOpt !== "all" && layersOpt !== "auto" && !(Number.isInteger(Number(layersOpt)) && Number(layersOpt) >= 1)) throw new UsageError(`--layers must be all, auto or a whole number ≥ 1, not "${layersOpt}"`);
    const temperature = num(values, "temperature", DISTILL_TEMPERATURE)!;
    const steps = values.steps === undefined ? (settings.mode === "fast" ? 20 : 2000) : Number(values.steps);
    const batch = num(values, "batch", 64)!;
    const lr = num(values, "lr", 1e-4)!;
    const maxLength = num(values, "max-length", 32)!;
    const limit = num(values, "sentences");
    const wordCount = values.words === undefined ? 0 : Number(values.words);
    if (!Number.isInteger(wordCount) || wordCount < 0) throw new UsageError(`--words must be a whole number ≥ 0, got "${String(values.words)}"`);
    if (!Number.isInteger(steps) || steps < 0) throw new UsageError(`--steps must be a whole number ≥ 0 (0: only the vocabulary stage and the Dense layer's fit), got "${String(values.steps)}"`);
    const evalEvery = num(values, "eval-every", Math.max(1, Math.round(steps / 10)))!;
    const select = str(values, "select", "agreement")!;
    if (select !== "agreement" && select !== "last") throw new UsageError(`--select must be agreement or last, not "${select}"`);
    const seed = values.seed === undefined ? settings.seed : Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number ≥ 0, got "${String(values.seed)}"`);
    const saveMinutes = num(values, "save-minutes", 10)!;
    for (const [k, v] of Object.entries({ batch, "max-length": maxLength, "eval-every": evalEvery, sentences: limit ?? 1 })) if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${k} must be a positive whole number`);
    const engineLine = await applyEngineOptions(values);
    console.log(engineLine);
    const t0 = Date.now();

    // ---- the data: the pool (cached), the teacher's vectors (cached), the evaluation sets
    const corpusName = str(values, "corpus", "course")!;
    console.log(`reading the distillation sentences from the "${corpusName}" corpus (cached after the first time; the course corpus takes a minute or two)…`);
    const pool = distillPoolCached(corpusName, { seed: settings.seed, limit, words: wordCount });
    const ps = pool.stats;
    console.log(`${pool.train.length} training sentences (${ps.questions} questions and ${ps.statements} statements of ${ps.documents - ps.heldOutDocuments} documents${limit ? `, first ${limit} used` : ""}); ${pool.heldOut.length} held out from ${ps.heldOutDocuments} documents`);
    const teacher = await loadEncoder(teacherId);
    const teacherCacheId = teacherId === "use-lite" ? "use-lite" : `encoder-${teacherId}`;
    const heldOut = pool.heldOut.slice(0, HELD_OUT);
    const log = (l: string) => console.log(l);
    console.log(`the teacher (${teacherId}) embeds the sentences it has not embedded before (cached in ${settings.cacheDir}/distill)…`);
    const heldT = await teacherVectors(teacherCacheId, heldOut, (t) => teacher.embed(t), { log });
    const sentT = await teacherVectors(teacherCacheId, pool.train, (t) => teacher.embed(t), { log });
    const wordT = await teacherVectors(teacherCacheId, pool.words, (t) => teacher.embed(t), { log });
    teacher.dispose();
    // The training examples: the sentences, then the words (each its own example; batches are shuffled).
    const examples = [...pool.train, ...pool.words];
    const trainT = { data: new Float32Array(examples.length * sentT.dim), dim: sentT.dim };
    trainT.data.set(sentT.data);
    if (pool.words.length) trainT.data.set(wordT.data, sentT.data.length);
    if (pool.words.length) console.log(`and ${pool.words.length} words (the most frequent of the training documents, from "${pool.words[0]}" to "${pool.words[pool.words.length - 1]}")`);
    const sets = distillEvalSets(heldOut, heldT);

    // ---- the student
    const loaded = await fromPretrained(modelDir);
    const tokenizer = BertTokenizer.fromDir(loaded.sourceDir ?? modelDir);
    let model: BertModel = init === "random" ? new BertModel(loaded.config, { heads: loaded.heads, seed }) : loaded;
    if (model !== loaded) loaded.dispose();
    const fullDepth = model.config.num_hidden_layers;
    if (layersOpt !== "all" && layersOpt !== "auto" && Number(layersOpt) > fullDepth) throw new UsageError(`--layers ${layersOpt}: ${modelDir} has only ${fullDepth} encoder layers`);
    /** Replaces the student by its first n layers (the dropped ones are released). */
    const cutTo = (n: number) => {
      if (n === model.config.num_hidden_layers) return;
      const cut = keepFirstLayers(model, n);
      model.dispose();
      model = cut;
    };
    const H = model.config.hidden_size;
    const head = new DistillHead(H, trainT.dim, seed);
    const student = (): Student => ({ model, head });
    const transform = centre ? centring(trainT.data, examples.length, trainT.dim) : null;

    const ckptDir = path.join(out, "checkpoint");
    const ckpt = values.resume ? findCheckpointDir(ckptDir) : null;
    if (values.resume && !ckpt) console.log(`no checkpoint in ${ckptDir}: starting from the beginning`);
    type LayerChoice = { rule: string; byLayer: Omit<LayerAgreement, "dense">[] | null; kept: number; of: number };
    type State = { step: number; adamT: number; evals: EvalRecord[]; lossCurve: Record<string, number>[]; segments: Segment[]; best: { step: number; agreement: number } | null; headInit: string; vocab: Record<string, number | string | boolean> | null; layers: LayerChoice | null };
    let state: State = { step: 0, adamT: 0, evals: [], lossCurve: [], segments: [], best: null, headInit: "", vocab: null, layers: null };
    if (ckpt) {
      state = JSON.parse(fs.readFileSync(path.join(ckpt, STATE_FILE), "utf8")) as State;
      if (state.layers) cutTo(state.layers.kept);
      const saved = await loadBert(ckpt);
      for (const n of model.params.names()) if (saved.params.has(n)) model.params.set(n, saved.params.get(n));
      saved.dispose();
      const h = parseSafetensors(new Uint8Array(fs.readFileSync(path.join(ckpt, HEAD_FILE))), HEAD_FILE).tensors;
      for (const [n, t] of h) head.params.assign(n, Float32Array.from(t.data as Float32Array));
      console.log(`resuming at step ${state.step} from ${ckpt}`);
    } else {
      if (vocabOpt === "yes") {
        // Stage 1: the word-piece table, distilled from the teacher by least squares (lib/embeddings/vocab-distill.ts).
        const tv = Date.now();
        const allRows = Array.from({ length: examples.length }, (_, i) => i);
        console.log(`vocabulary stage: a bag of word pieces per training example (${examples.length}), mapped onto the teacher's vectors by least squares…`);
        const X = bagOfPieces(tokenizer, examples, maxLength);
        const f = fittedPieceTable(X, transformRows(trainT.data, trainT.dim, allRows, transform), trainT.dim, vocabRidge, H, (it, res) => {
          if (it % 25 === 0) console.log(`  conjugate gradients: iteration ${it}, relative residual ${res.toExponential(2)}`);
        });
        if (f.cached) console.log(`  the same bags, teacher vectors and λ were fitted before: the table is read from ${settings.cacheDir}/distill`);
        const old = hostValues(model.params, WORD_EMBEDDINGS);
        const { table, scale } = scaleRowsLike(f.table, old, H);
        model.params.set(WORD_EMBEDDINGS, table);
        state.vocab = { examples: examples.length, ridge: vocabRidge, iterations: f.iterations, relativeResidual: Number(f.relativeResidual.toExponential(3)), keptShare: Number(f.kept.toFixed(4)), piecesSeen: f.seen, vocabulary: X.cols, scale: Number(scale.toFixed(4)), fromCache: f.cached, seconds: Math.round((Date.now() - tv) / 1000) };
        console.log(`  the word-piece table: ${f.seen} of ${X.cols} pieces seen; the ${H} kept directions hold ${(100 * f.kept).toFixed(1)}% of the map; ${state.vocab.seconds} s`);
      }
      const fitRows = Array.from({ length: Math.min(FIT_SENTENCES, pool.train.length) }, (_, i) => i);
      const fitTexts = fitRows.map((i) => pool.train[i]);
      const fitTargets = transformRows(trainT.data, trainT.dim, fitRows, transform);
      /** The kept layer's least-squares Dense, when the layer choice has already fitted it on the same sentences. */
      let fitted: LinearMap | null = null;
      if (layersOpt === "auto") {
        // How many layers to keep: the hidden state whose pooled vectors agree best with the teacher on held-out sentences.
        console.log(`choosing how many layers to keep: held-out agreement of each hidden state's mean pooling (a Dense layer fitted for each on ${fitRows.length} sentences)…`);
        const byLayer = await agreementByLayer(model, tokenizer, { texts: fitTexts, targets: fitTargets, dim: trainT.dim, maxLength }, sets, transform);
        for (const r of byLayer) console.log(`  hidden state ${r.layer}${r.layer === 0 ? " (embeddings)" : ""}: held-out agreement@10 ${(100 * r.agreement).toFixed(2)}%  cosine ${r.cosine.toFixed(3)}`);
        const n = layersToKeep(byLayer);
        fitted = byLayer[n].dense;
        state.layers = { rule: "the hidden state 1 … L with the highest held-out agreement@10 (1,024 held-out pool sentences)", byLayer: byLayer.map((r) => ({ layer: r.layer, agreement: Number(r.agreement.toFixed(5)), cosine: Number(r.cosine.toFixed(4)) })), kept: n, of: fullDepth };
        console.log(`  keeping ${n} of ${fullDepth} encoder layers`);
      } else if (layersOpt !== "all") {
        state.layers = { rule: "--layers " + layersOpt, byLayer: null, kept: Number(layersOpt), of: fullDepth };
      }
      if (state.layers) cutTo(state.layers.kept);
      // The Dense layer starts as the least-squares map from the student's pooled vectors to the teacher's
      // (for --layers auto, the one the layer choice fitted on the kept layer's vectors: the same sentences and targets).
      if (!fitted) {
        console.log(`fitting the Dense layer's starting point (least squares on ${fitRows.length} sentences)…`);
        const Z = await embedTexts(model, tokenizer, fitTexts, { pooling: "mean", maxLength, cache: false, progress: true });
        fitted = fitLinear(Z, fitTargets, trainT.dim);
      }
      head.setFrom(fitted);
      state.headInit = `least squares on ${fitRows.length} training sentences`;
    }

    const writeEncoder = async (dir: string) => {
      await saveBert(model, dir, { tokenizerFrom: null, bare: true });
      writeTokenizerFiles(tokenizer, dir);
      writeSentenceTransformersLayout(dir, H, head.toLinearMap());
    };
    const started = Date.now();
    const segment: Segment = { startStep: state.step, endStep: state.step, seconds: 0, startedAt: new Date().toISOString(), engine: engineReport()?.chosen, command: `course distill ${process.argv.slice(3).join(" ")}` };
    state.segments.push(segment);
    let last = 0;
    const recordFile = path.join(out, "distill-record.json");
    const record = () => ({
      command: segment.command,
      student: { from: modelDir, init, hiddenSize: H, layers: model.config.num_hidden_layers, layerChoice: state.layers },
      teacher: { id: teacherId, dim: trainT.dim },
      data: {
        corpus: corpusName === "course" ? "course (State of the Union addresses, Moby-Dick, the Brown corpus, IMDb reviews; documents quoting evaluation sentences left out)" : corpusName,
        training: pool.train.length,
        words: pool.words.length,
        ...ps,
        heldOutUsed: heldOut.length,
        rule: "questions: 3–30 words ending in '?'; statements: 4–15 words; split by document (5% held out); no FAQ text",
      },
      vocab: state.vocab,
      options: { vocab: vocabOpt, layers: layersOpt, loss, lossSpec, temperature, centre, steps, batch, lr, maxLength, seed, select, evalEvery, headInit: state.headInit },
      selection: "held-out neighbour agreement@10 with the teacher (1,024 held-out pool sentences); FAQ scores are reported, never used to choose",
      selected: select === "agreement" ? state.best : { step: state.step },
      segments: state.segments,
      seconds: Math.round(state.segments.reduce((a, s) => a + s.seconds, 0)),
      thisRunSeconds: Math.round((Date.now() - t0) / 1000), // everything this command did, the data, the table and the layer choice included
      evals: state.evals,
      lossCurve: state.lossCurve,
      date: new Date().toISOString(),
    });
    fs.mkdirSync(out, { recursive: true });
    if (steps === 0) {
      const e = { step: 0, ...(await evaluateStudent(model, tokenizer, head.toLinearMap(), sets, transform)) } as EvalRecord & Record<string, number>;
      state.evals.push(e);
      state.best = { step: 0, agreement: e.agreement };
      console.log(`eval @0: held-out agreement@10 ${(100 * e.agreement).toFixed(1)}%  cosine ${e.cosine.toFixed(3)}  | FAQ ARI ${e.faqAri.toFixed(3)} 1-NN ${(100 * e.faqNn).toFixed(1)}%`);
      await writeEncoder(out);
      segment.seconds = (Date.now() - started) / 1000;
      writeAtomic(recordFile, JSON.stringify(record(), null, 1) + "\n");
      console.log(`done (no training steps): ${out} (load it with \`course embed --model ${out}\`)`);
      model.dispose();
      head.dispose();
      return 0;
    }
    const result = await trainDistill(student(), tokenizer, examples, trainT, {
      steps,
      batchSize: batch,
      lr,
      maxLength,
      loss,
      temperature,
      centre,
      seed,
      startStep: state.step,
      restore: ckpt ? (trainer) => trainer.loadOptimizerState({ ...readOptimizerState(ckpt), t: state.adamT }) : undefined,
      evalEvery,
      evaluate: async (step) => ({ step, ...(await evaluateStudent(model, tokenizer, head.toLinearMap(), sets, transform)) }),
      onEval: async (e) => {
        state.evals.push(e);
        console.log(`eval @${e.step}: held-out agreement@10 ${(100 * e.agreement).toFixed(1)}%  cosine ${e.cosine.toFixed(3)}  sentiment site ARI ${e.sentimentSiteAri.toFixed(3)} 1-NN ${(100 * e.sentimentNn).toFixed(1)}%  | FAQ ARI ${e.faqAri.toFixed(3)} NMI ${e.faqNmi.toFixed(3)} 1-NN ${(100 * e.faqNn).toFixed(1)}%`);
        if (select === "agreement" && (!state.best || e.agreement > state.best.agreement)) {
          state.best = { step: e.step, agreement: e.agreement };
          await writeEncoder(out);
          console.log(`  best so far: saved to ${out}`);
        }
        writeAtomic(recordFile, JSON.stringify(record(), null, 1) + "\n");
      },
      onStep: (r: StepRecord) => {
        state.step = r.step;
        if (r.step % 10 === 0 || r.step === steps) state.lossCurve.push({ step: r.step, ...Object.fromEntries(Object.entries(r.losses).map(([k, v]) => [k, Number(v.toFixed(5))])), gradNorm: Number(r.gradNorm.toFixed(3)) });
        if (Date.now() - last < 5000 && r.step !== steps) return;
        last = Date.now();
        const parts = Object.entries(r.losses).map(([k, v]) => `${k} ${v.toFixed(4)}`).join("  ");
        console.log(`step ${r.step}/${steps}  ${parts}  lr ${r.lr.toExponential(2)}  |g| ${r.gradNorm.toFixed(2)}  ${((1000 * batch) / r.ms).toFixed(1)} sentences/s  ${((Date.now() - started) / 1000).toFixed(0)} s`);
      },
      saveEveryMinutes: saveMinutes,
      save: async (step, reason, trainer) => {
        segment.endStep = step;
        segment.seconds = (Date.now() - started) / 1000;
        state.step = step;
        state.adamT = trainer.updates;
        if (reason === "end") return;
        await writeCheckpointDir(ckptDir, { [OPTIMIZER_FILE]: optimizerStateBytes(trainer.optimizerState()), [STATE_FILE]: JSON.stringify(state), [HEAD_FILE]: headBytes(head) }, async (staging) => {
          await saveBert(model, staging, { tokenizerFrom: null });
        });
        writeAtomic(recordFile, JSON.stringify(record(), null, 1) + "\n");
        console.log(`checkpoint at step ${step} (${reason})`);
      },
    });
    segment.endStep = state.step;
    segment.seconds = (Date.now() - started) / 1000;
    if (result.interrupted) {
      console.log(`stopped at step ${state.step}: continue with the same command and --resume`);
    } else {
      if (select === "last") await writeEncoder(out);
      fs.rmSync(ckptDir, { recursive: true, force: true });
      fs.rmSync(`${ckptDir}.old`, { recursive: true, force: true });
    }
    writeAtomic(recordFile, JSON.stringify(record(), null, 1) + "\n");
    const sel = select === "agreement" ? state.best : null;
    console.log(`done: ${state.step} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s this run${sel ? `; the saved encoder is step ${sel.step} (held-out agreement ${(100 * sel.agreement).toFixed(1)}%)` : ""}: ${out} (load it with \`course embed --model ${out}\`)`);
    model.dispose();
    head.dispose();
    return 0;
  },
};

/** The Dense layer's weights for a checkpoint. */
function headBytes(head: DistillHead): Uint8Array {
  return serializeSafetensors(head.params.names().map((n) => {
    const v = head.params.variable(n);
    return { name: n, shape: [...v.shape], data: v.dataSync() as Float32Array };
  }));
}
