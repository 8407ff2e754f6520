/**
 * The grading worker's side of the test host (./test-host.ts, a worker thread): hands it one
 * question at a time, relays its requests to the student's kernel over the bridge, and
 * enforces the question's time limit. When a call into the student's code runs past the
 * limit, the kernel is killed (a busy loop cannot be interrupted) and the call fails with a
 * timeout; checks that finished still count. When the tests themselves hang, the thread is
 * ended and a fresh one serves the next question.
 */
import * as path from "path";
import { MessageChannel, Worker } from "worker_threads";
import type { Bridge, BridgeAnswer } from "./bridge";
import type { TestContext } from "./context";
import type { QuestionJob } from "./test-host";
import { REPO_ROOT } from "./isolation";

export const TEST_HOST = path.join(__dirname, "test-host.js");

export interface KernelLink {
  bridge: Bridge;
  /** Stops the kernel at once. */
  kill(): Promise<void>;
  alive(): boolean;
}

export interface QuestionRun {
  /** Result records (JSON text) from the harness, in order. */
  records: string[];
  /** "timeout": a call into the student's code ran past the limit; "tests-timeout": the tests themselves did. */
  outcome: "ok" | "timeout" | "tests-timeout" | "kernel-stopped" | "host-crashed";
  message?: string;
}

export class TestHost {
  private worker?: Worker;
  private flag?: Int32Array;
  private port?: import("worker_threads").MessagePort;
  private link?: KernelLink;
  private stderr = "";

  constructor(private opts: { context: TestContext; mode?: "fast" | "full"; log?: (l: string) => void; lockedValues?: "grader" | "kernel"; trusted?: Record<string, string> }) {}

  setKernel(link: KernelLink | undefined): void {
    this.link = link;
  }

  private start(): Worker {
    const sync = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    this.flag = new Int32Array(sync);
    this.port = port1;
    const env: NodeJS.ProcessEnv = { ...process.env, COURSE_HEADLESS: "1", COURSE_OFFLINE: "1", HF_HUB_OFFLINE: "1" };
    if (this.opts.mode) env.COURSE_MODE = this.opts.mode;
    const w = new Worker(TEST_HOST, {
      workerData: { sync, port: port2, context: this.opts.context, root: REPO_ROOT, lockedValues: this.opts.lockedValues, trusted: this.opts.trusted },
      transferList: [port2],
      env,
      stdout: true,
      stderr: true,
    });
    w.stdout.resume(); // what setup cells print is not the grader's business
    w.stderr.on("data", (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    w.unref();
    this.worker = w;
    return w;
  }

  private answer(a: BridgeAnswer | { t: "timeout" | "dead"; line: string }): void {
    this.port!.postMessage(a);
    Atomics.store(this.flag!, 0, 1);
    Atomics.notify(this.flag!, 0);
  }

  /** Runs one question's tests; never rejects. */
  runQuestion(q: QuestionJob): Promise<QuestionRun> {
    const w = this.worker ?? this.start();
    const records: string[] = [];
    return new Promise((resolve) => {
      let settled = false;
      let inCall = false;
      let timedOutInCall = false;
      let timedOut = false;
      let grace: NodeJS.Timeout | undefined;
      const finish = (r: Omit<QuestionRun, "records">) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(grace);
        w.off("message", onMessage);
        w.off("error", onError);
        w.off("exit", onExit);
        resolve({ records, ...r });
      };
      const endThread = () => {
        void w.terminate();
        if (this.worker === w) this.worker = undefined;
      };
      const deadline = setTimeout(() => {
        timedOut = true;
        if (inCall) {
          // The student's code is running: stop the kernel; the call fails, the rest fail fast.
          timedOutInCall = true;
          this.opts.log?.(`question ${q.id}: a call into the notebook ran past ${q.timeoutMs / 1000} s; stopping the kernel`);
          void this.link?.kill();
          grace = setTimeout(() => {
            endThread();
            finish({ outcome: "timeout" });
          }, 15_000);
        } else {
          endThread();
          finish({ outcome: "tests-timeout", message: `the tests of ${q.id} ran longer than the ${q.timeoutMs / 1000} s limit` });
        }
      }, q.timeoutMs);
      const onMessage = async (m: { t: string; json?: string; req?: Record<string, unknown>; message?: string }) => {
        if (m.t === "record" && m.json) records.push(m.json);
        else if (m.t === "done") finish(timedOutInCall ? { outcome: "timeout" } : { outcome: "ok" });
        else if (m.t === "crash") {
          endThread();
          finish({ outcome: "host-crashed", message: m.message });
        } else if (m.t === "remote" && m.req) {
          if (timedOut || !this.link || !this.link.alive()) {
            const why = timedOut ? `it was stopped when the ${q.timeoutMs / 1000} s limit for this question's tests ran out` : this.link?.bridge.closed ?? "the kernel is not running";
            this.answer({ t: "dead", line: JSON.stringify({ why }) });
            return;
          }
          inCall = true;
          const a = await this.link.bridge.request(m.req);
          inCall = false;
          this.answer(timedOutInCall ? { t: "timeout", line: a.line } : a);
        }
      };
      const onError = (e: Error) => {
        if (this.worker === w) this.worker = undefined;
        finish({ outcome: "host-crashed", message: `${e.stack ?? e.message}\n${this.stderr}` });
      };
      const onExit = () => {
        if (this.worker === w) this.worker = undefined;
        finish({ outcome: "host-crashed", message: `the test host stopped\n${this.stderr}` });
      };
      w.on("message", onMessage);
      w.on("error", onError);
      w.on("exit", onExit);
      w.postMessage({ t: "question", q });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate().catch(() => undefined);
  }
}
