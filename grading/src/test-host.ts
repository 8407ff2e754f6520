/**
 * The trusted test host: a worker thread of the grading worker (started by ./host.ts) where
 * a question's public and hidden tests run, with ../../lib/grading/harness.js in collect mode
 * (a plan of named, weighted checks, then one result per check). The student's kernel is
 * another process in its sandbox; the tests reach it only through names:
 *
 *  - a name a locked cell imports → the grader's own module (never the kernel's);
 *  - any other name the tests use → asked from the kernel ("get"): data arrives as fresh
 *    objects of this realm; a function arrives as a stub that, when a test calls it, sends
 *    the arguments (data) to the kernel, waits — synchronously, so tests stay ordinary code —
 *    and returns the result (data) or throws what the student's code threw;
 *  - a name whose value cannot cross (a model, a tokenizer) and that a trusted setup cell
 *    declares → the grader runs that cell itself (./setup.ts).
 *
 * The synchronous wait: post the request to the main thread, Atomics.wait on a shared flag,
 * then read the answer with receiveMessageOnPort. The main thread talks to the kernel and
 * enforces the time limit (killing the kernel when a call runs too long).
 */
import * as path from "path";
import * as vm from "vm";
import { createRequire } from "module";
import { MessagePort, parentPort, receiveMessageOnPort, workerData } from "worker_threads";
import type { TestContext } from "./context";
import { SetupRunner, importValue } from "./setup";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const createHarness = require("@course/lib/grading/harness") as typeof import("@course/lib/grading/harness");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createCodec } = require("../sandbox/codec.js") as { createCodec: (h: object) => { encodeTree(v: unknown): unknown; decodeTree(t: unknown): unknown } };

export interface HostData {
  sync: SharedArrayBuffer;
  port: MessagePort;
  context: TestContext;
  /** Where tests' require() resolves from (the repository root). */
  root: string;
  /** "grader": names locked setup cells declare are the grader's own; "kernel": the kernel's (see session.ts). */
  lockedValues?: "grader" | "kernel";
  /** The reference run's values of locked names (codec answer lines). */
  trusted?: Record<string, string>;
}

/** What the main thread sends for one question. */
export interface QuestionJob {
  id: string;
  parts: { hidden: boolean; js: string; file: string }[];
  names: string[];
  timeoutMs: number;
  /** Which checks run: "public" (hidden parts are not even sent), "hidden", or all. */
  pass?: "public" | "hidden";
  /** Why a name may be missing from the notebook (an earlier locked cell failed …). */
  missing?: Record<string, string>;
}

/** An answer as the main thread relays it. */
interface Answer {
  t: "value" | "missing" | "threw" | "error" | "dead" | "timeout";
  line: string;
}

const data = workerData as HostData;
const flag = new Int32Array(data.sync);
const req = createRequire(path.join(data.root, "__course_grader__.js"));
const setup = new SetupRunner(data.context, req);
const imports = new Map(data.context.imports.map((b) => [b.name, b]));

function remote(request: Record<string, unknown>): Answer {
  Atomics.store(flag, 0, 0);
  parentPort!.postMessage({ t: "remote", req: request });
  // The main thread always answers (or ends this thread); the long wait is a backstop.
  Atomics.wait(flag, 0, 0, 6 * 3600_000);
  const m = receiveMessageOnPort(data.port);
  return (m?.message as Answer) ?? { t: "dead", line: JSON.stringify({ why: "no answer from the grader" }) };
}

const opaque = new WeakSet<object>();
function makeOpaque(cls: string, what = "a value from your notebook"): unknown {
  const fail = () => {
    throw new TypeError(`${what} is ${/^[aeiou]/i.test(cls) ? "an" : "a"} ${cls}, which cannot be sent to the grader: tests can use numbers, strings, arrays, typed arrays, plain objects, Maps, Sets and functions from your notebook`);
  };
  const p = new Proxy(function () {}, { get: fail, apply: fail, construct: fail, has: fail, set: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, defineProperty: fail, deleteProperty: fail, getPrototypeOf: fail });
  opaque.add(p);
  return p;
}

/** A value that could not be fetched: any use says why. */
function unavailable(message: string): unknown {
  const fail = () => {
    throw new Error(message);
  };
  return new Proxy(function () {}, { get: fail, apply: fail, construct: fail, has: fail, set: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, defineProperty: fail, deleteProperty: fail, getPrototypeOf: fail });
}

const why = (a: Answer): string => {
  try {
    const o = JSON.parse(a.line);
    return String(o.why ?? o.m ?? "");
  } catch {
    return "";
  }
};

type Decoded = { kind: "value"; value: unknown; async: boolean } | { kind: "threw"; value: unknown; async: boolean } | { kind: "missing" } | { kind: "failed"; message: string; timeout: boolean };

function decodeAnswer(a: Answer, what: string): Decoded {
  if (a.t === "missing") return { kind: "missing" };
  if (a.t === "timeout") return { kind: "failed", timeout: true, message: `${what} ran longer than the time limit for this question's tests and was stopped (an endless loop?)` };
  if (a.t === "dead") return { kind: "failed", timeout: false, message: `the kernel stopped while ${what} ran${why(a) ? ` (${why(a)})` : ""}` };
  if (a.t === "error") return { kind: "failed", timeout: false, message: `your notebook could not answer for ${what}: ${why(a).slice(0, 300)}` };
  let o: { v?: unknown; async?: unknown };
  let value: unknown;
  try {
    o = JSON.parse(a.line);
    value = codec.decodeTree(o.v);
  } catch (e) {
    return { kind: "failed", timeout: false, message: `the answer for ${what} was not readable data: ${(e as Error).message}` };
  }
  return { kind: a.t === "threw" ? "threw" : "value", value, async: o.async === true };
}

function stub(h: number, name: string, length: number): unknown {
  const label = name || "a function from your notebook";
  const f = function (...args: unknown[]): unknown {
    let tree: unknown;
    try {
      tree = codec.encodeTree(args);
    } catch (e) {
      throw new TypeError(`the arguments for ${label}() cannot be sent to your notebook: ${(e as Error).message}`);
    }
    const d = decodeAnswer(remote({ op: "call", h, args: tree }), `${label}(…)`);
    if (d.kind === "value") return d.async ? Promise.resolve(d.value) : d.value;
    if (d.kind === "threw") {
      if (d.async) return Promise.reject(d.value);
      throw d.value;
    }
    if (d.kind === "missing") throw new Error(`${label} is no longer available`);
    throw new Error(d.message);
  };
  Object.defineProperty(f, "name", { value: name, configurable: true });
  Object.defineProperty(f, "length", { value: length, configurable: true });
  return f;
}

const codec = createCodec({
  functionNode() {
    throw new TypeError("tests can pass data to your notebook's functions, not functions");
  },
  makeFunction(n: { h: unknown; n: unknown; l: unknown }) {
    if (typeof n.h !== "number") throw new TypeError("bad function handle");
    return stub(n.h, typeof n.n === "string" ? n.n.slice(0, 100) : "", typeof n.l === "number" ? n.l : 0);
  },
  makeOpaque: (cls: string) => makeOpaque(cls),
});

/** The grader's own value of a setup name, or a value that says why there is none. */
async function setupValue(name: string): Promise<unknown> {
  try {
    return await setup.valueOf(name);
  } catch (e) {
    return unavailable(`the grader could not compute ${name} from the notebook's locked setup cells: ${(e as Error).message}`);
  }
}

/** Data only: the reference run's values never carry a function or an opaque object. */
const dataCodec = createCodec({
  functionNode() {
    throw new TypeError("not data");
  },
  makeFunction() {
    throw new TypeError("a function is not data");
  },
  makeOpaque() {
    throw new TypeError("not data");
  },
});

/** The trusted value of a name a locked setup cell declares: the reference run's, else the grader's own run of the cell. */
async function trustedValue(name: string): Promise<unknown> {
  const line = data.trusted?.[name];
  if (line !== undefined) {
    try {
      return dataCodec.decodeTree(JSON.parse(line).v);
    } catch {
      /* not data after all: compute it */
    }
  }
  return setupValue(name);
}

/**
 * Resolves the names a question's tests use, before they run (setup cells may await). A name
 * that a locked setup cell declares is never read from the student's kernel when grading: the
 * student could have changed it (`course assign` refuses tests that read any other locked name).
 */
async function resolveNames(names: string[]): Promise<Map<string, { found: boolean; value?: unknown }>> {
  const out = new Map<string, { found: boolean; value?: unknown }>();
  for (const name of names) {
    const b = imports.get(name);
    if (b) {
      out.set(name, { found: true, value: importValue(b, req) });
      continue;
    }
    if (data.lockedValues !== "kernel" && setup.declares(name)) {
      out.set(name, { found: true, value: await trustedValue(name) });
      continue;
    }
    const d = decodeAnswer(remote({ op: "get", name }), name);
    if (d.kind === "missing" && setup.declares(name)) {
      // A locked setup cell that failed in the kernel: the grader's own value is still the right one.
      out.set(name, { found: true, value: await setupValue(name) });
    } else if (d.kind === "missing") {
      out.set(name, { found: false });
    } else if (d.kind === "failed") {
      out.set(name, { found: true, value: unavailable(`${name} could not be read from your notebook: ${d.message}`) });
    } else if (d.kind === "threw") {
      out.set(name, { found: true, value: unavailable(`reading ${name} in your notebook threw: ${d.value instanceof Error ? `${d.value.name}: ${d.value.message}` : String(d.value)}`) });
    } else if (d.value !== null && (typeof d.value === "object" || typeof d.value === "function") && opaque.has(d.value as object) && setup.declares(name)) {
      out.set(name, { found: true, value: await setupValue(name) });
    } else if (d.value !== null && (typeof d.value === "object" || typeof d.value === "function") && opaque.has(d.value as object)) {
      out.set(name, { found: true, value: makeOpaque(describeOpaque(d.value), name) });
    } else {
      out.set(name, { found: true, value: d.value });
    }
  }
  return out;
}

function describeOpaque(p: unknown): string {
  try {
    (p as { x: unknown }).x;
  } catch (e) {
    const m = /is an? (.*), which cannot/.exec((e as Error).message);
    if (m) return m[1];
  }
  return "object";
}

async function runQuestion(q: QuestionJob): Promise<void> {
  const names = await resolveNames(q.names);
  const harness = createHarness({
    mode: "collect",
    emit: (json) => parentPort!.postMessage({ t: "record", json }),
    has: (name) => names.get(name)?.found === true,
    get: (name) => names.get(name)?.value,
    require: (spec) => req(spec),
    evaluate: (src, file) => vm.runInThisContext(src, { filename: file }),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
    events: () => "[]",
  });
  await harness.runPayload(JSON.stringify({ nonce: "", q: q.id, parts: q.parts.map((p) => ({ hidden: p.hidden, code: p.js, file: p.file })), names: q.names, timeoutMs: q.timeoutMs, pass: q.pass, missing: q.missing }));
}

parentPort!.on("message", (m: { t: string; q?: QuestionJob }) => {
  if (m.t !== "question" || !m.q) return;
  runQuestion(m.q).then(
    () => parentPort!.postMessage({ t: "done" }),
    (e) => parentPort!.postMessage({ t: "crash", message: (e as Error)?.stack ?? String(e) })
  );
});
