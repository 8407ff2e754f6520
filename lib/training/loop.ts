/**
 * The one training loop of the course: step → record → (evaluate) → (checkpoint), until the
 * planned number of steps, with resume and a clean stop on Ctrl-C (SIGINT): the step in progress
 * finishes, a checkpoint is written, then the loop returns.
 *
 * It knows nothing about models: pre-training, fine-tuning and the ICL GPT pass their step,
 * evaluation and save functions. It emits records (StepRecord, EvalRecord); rendering them is
 * lib/viz's job.
 */

/** What one update did. `losses` holds every scalar the loss function reported (mlmLoss, nspLoss, …). */
export interface StepRecord {
  /** 1-based: the number of updates done. */
  step: number;
  loss: number;
  losses: Record<string, number>;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Tokens (or examples) in the batch and the wall milliseconds of the step. */
  tokens: number;
  ms: number;
  /** Anything else the caller adds (sequence length, batch fingerprint, …). */
  [extra: string]: unknown;
}

export interface EvalRecord {
  step: number;
  [metric: string]: number;
}

export interface Segment {
  startStep: number;
  endStep: number;
  seconds: number;
  startedAt: string;
  /** Engine and its details ("onnx (cpu, 2 threads)"). */
  engine?: string;
  /** The command line of the invocation. */
  command?: string;
}

export interface LoopOptions {
  /** Steps already done (resume) and the planned total. */
  startStep: number;
  steps: number;
  /** Runs update number `step` (0-based); returns its record. */
  step: (step: number) => Promise<StepRecord>;
  /** Evaluates after update `step` (1-based count); returns a record. */
  evaluate?: (step: number) => Promise<EvalRecord>;
  evalEvery?: number;
  /** Also evaluate before the first update of a fresh run (default true). */
  evalAtStart?: boolean;
  /** Writes a checkpoint after update `step`. */
  save?: (step: number, reason: "interval" | "end" | "interrupt") => Promise<void>;
  saveEvery?: number;
  saveEveryMinutes?: number;
  onStep?: (r: StepRecord) => void | Promise<void>;
  onEval?: (e: EvalRecord) => void | Promise<void>;
  /** Stop early on SIGINT with a checkpoint (default true when `save` is given). */
  handleSigint?: boolean;
}

export interface LoopResult {
  /** Updates done when the loop returned. */
  step: number;
  interrupted: boolean;
  seconds: number;
}

/** Runs the loop. */
export async function trainLoop(o: LoopOptions): Promise<LoopResult> {
  const t0 = Date.now();
  let step = o.startStep;
  let interrupted = false;
  let lastSave = Date.now();
  const onSigint = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: stop now
    interrupted = true;
    console.error("\ninterrupted: finishing this step and saving a checkpoint (Ctrl-C again to stop at once)");
  };
  const sigint = (o.handleSigint ?? !!o.save) && process.listenerCount("SIGINT") === 0;
  if (sigint) process.on("SIGINT", onSigint);
  try {
    // (evaluate first: `onEval?.(await evaluate())` would skip the evaluation when there is no onEval)
    if (o.evaluate && step === 0 && (o.evalAtStart ?? true)) {
      const e = await o.evaluate(0);
      await o.onEval?.(e);
    }
    while (step < o.steps && !interrupted) {
      const r = await o.step(step);
      step++;
      await o.onStep?.(r);
      if (o.evaluate && o.evalEvery && (step % o.evalEvery === 0 || step === o.steps)) {
        const e = await o.evaluate(step);
        await o.onEval?.(e);
      }
      const dueSteps = o.saveEvery && step % o.saveEvery === 0;
      const dueTime = o.saveEveryMinutes && Date.now() - lastSave >= o.saveEveryMinutes * 60_000;
      if (o.save && (dueSteps || dueTime) && step < o.steps && !interrupted) {
        await o.save(step, "interval");
        lastSave = Date.now();
      }
    }
    if (o.save) await o.save(step, interrupted ? "interrupt" : "end");
  } finally {
    if (sigint) process.off("SIGINT", onSigint);
  }
  return { step, interrupted, seconds: (Date.now() - t0) / 1000 };
}
