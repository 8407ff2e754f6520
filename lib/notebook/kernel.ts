/**
 * A Jupyter kernel client: starts the tslab kernel as its own process and talks to it
 * over ZeroMQ with the Jupyter messaging protocol (v5.3), exactly as JupyterLab does.
 * No Python is involved.
 *
 * Protocol reference: https://jupyter-client.readthedocs.io/en/stable/messaging.html
 * Wire format of one message (after the ZeroMQ routing identities):
 *   "<IDS|MSG>", HMAC-SHA256 signature, header, parent_header, metadata, content
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as zmq from "zeromq";

const DELIM = "<IDS|MSG>";
const PROTOCOL_VERSION = "5.3";

export interface JupyterMessage {
  header: { msg_id: string; msg_type: string; session: string; username: string; date: string; version: string };
  parent_header: { msg_id?: string; msg_type?: string };
  metadata: Record<string, unknown>;
  content: Record<string, any>;
}

/** One output as stored in an .ipynb file (nbformat 4). */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; data: Record<string, unknown>; metadata: Record<string, unknown>; execution_count: number | null }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface ExecuteResult {
  /**
   * "aborted": tslab dropped the request (it drops requests for 200 ms after an error).
   * "overflow": the kernel passed `maxOutputBytes.total` and was killed.
   */
  status: "ok" | "error" | "timeout" | "died" | "aborted" | "overflow";
  /** Output bytes past `maxOutputBytes.cell` that were dropped. */
  droppedBytes?: number;
  outputs: Output[];
  executionCount: number | null;
  /** For status "error": the kernel's error name, value and traceback (ANSI codes removed). */
  error?: { ename: string; evalue: string; traceback: string[] };
  /** For "died": what the kernel process printed on stderr before exiting. */
  stderr?: string;
  seconds: number;
}

export interface KernelOptions {
  /** The kernel's working directory (tslab's rootDir: the notebook's folder). */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The kernel's environment is `env` alone, built from nothing (the grader's sandboxed kernels). */
  envExact?: boolean;
  /** "ts" (default) or "js". */
  language?: "ts" | "js";
  /** How long to wait for the kernel to answer kernel_info (ms). */
  startTimeoutMs?: number;
  /** Extra options for the kernel's Node process, before tslab's script (e.g. `--max-old-space-size=512`). */
  nodeArgs?: string[];
  /** tslab's command-line entry to run (default: this project's, tslabMain()); the grader passes the copy its sandbox's user can read. */
  tslab?: string;
  /**
   * How client and kernel talk. "tcp" (default, what Jupyter uses): five loopback ports.
   * "ipc": five Unix sockets in `runtimeDir` (ZeroMQ's ipc transport; tslab binds
   * `ipc://<ip>:<port>`), so the kernel needs no network at all — e.g. inside a sandbox
   * whose network namespace is empty, with `runtimeDir` bound into it at the same path.
   */
  transport?: "tcp" | "ipc";
  /** Folder for the connection file (and, with "ipc", the sockets). Default: os.tmpdir(). */
  runtimeDir?: string;
  /** Owner to give the connection file (mode 0600), when the kernel runs as another user. */
  connectionFileOwner?: { uid: number; gid: number };
  /** Wraps the kernel's command line (e.g. in an OS sandbox): gets node and its arguments, returns what to spawn. */
  wrap?: (command: string, args: string[]) => { command: string; args: string[] };
  /** Extra pipes for the kernel process after stdin/stdout/stderr (fds 3, 4, …); see `Kernel.pipe()`. */
  extraPipes?: number;
  /** Called with the process id as soon as the kernel process exists (before it answers). */
  onSpawn?: (pid: number | undefined) => void;
  /**
   * Caps on output bytes (stream text, display data, and what the process writes to its own
   * stdout/stderr). `cell`: past it, an execute keeps no more outputs (it says so). `total`:
   * over the kernel's life; past it the kernel is killed and `execute` reports "overflow".
   * Default: no caps (what `course run` wants).
   */
  maxOutputBytes?: { cell?: number; total?: number };
}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

/** Path of tslab's command-line entry, resolved from this project's node_modules. */
export function tslabMain(): string {
  const pkg = require.resolve("tslab/package.json");
  return path.join(path.dirname(pkg), "bin", "tslab");
}

async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => resolve());
    });
    ports.push((srv.address() as net.AddressInfo).port);
    servers.push(srv);
  }
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/**
 * Finds the error in a cell's stderr text as tslab prints it: either a Node stack
 * ("Error: message\n    at ...") or TypeScript diagnostics ("1:7 - Type 'number' is ...").
 */
export function errorFromStderr(outputs: Output[]): ExecuteResult["error"] | undefined {
  const text = stripAnsi(outputs.filter((o) => o.output_type === "stream" && o.name === "stderr").map((o) => (o as { text: string }).text).join(""));
  if (!text.trim()) return undefined;
  const lines = text.split("\n");
  const thrown = lines.find((l) => /^(?:[A-Za-z_$][\w$.]*)?(?:Error|Exception)(?:: |$)/.test(l));
  if (thrown) {
    const m = /^(\S+?)(?:: (.*))?$/.exec(thrown)!;
    return { ename: m[1], evalue: m[2] ?? "", traceback: lines };
  }
  const diag = lines.find((l) => /^\d+:\d+ - /.test(l));
  if (diag) return { ename: "TypeScriptError", evalue: lines.filter((l) => /^\d+:\d+ - /.test(l)).join("; "), traceback: lines };
  // A thrown non-Error value (throw "text") prints as "Uncaught 'text'" or just the value.
  const last = lines.filter((l) => l.trim()).pop() ?? "";
  return { ename: "Error", evalue: last.trim(), traceback: lines };
}

export class Kernel {
  private proc!: ChildProcess;
  private shell!: zmq.Dealer;
  private control!: zmq.Dealer;
  private iopub!: zmq.Subscriber;
  private key = crypto.randomBytes(16).toString("hex");
  private session = crypto.randomUUID();
  private connFile = "";
  private stderrBuf = "";
  private exited: Promise<number | null> = Promise.resolve(null);
  private exitCode: number | null | undefined = undefined;
  /** iopub and shell messages, routed to the request that caused them. */
  private listeners = new Map<string, (m: JupyterMessage, channel: "iopub" | "shell" | "control") => void>();
  private closed = false;
  /** ipc socket paths to remove on close. */
  private socketFiles: string[] = [];
  /** Output bytes over the kernel's life (for maxOutputBytes.total). */
  private outputBytes = 0;
  private overflowed = false;
  private fireOverflow: () => void = () => undefined;
  private overflow = new Promise<"overflow">((resolve) => (this.fireOverflow = () => resolve("overflow")));

  private constructor(private opts: KernelOptions) {}

  /** Counts output bytes towards maxOutputBytes.total; past it, kills the kernel. */
  private account(bytes: number): void {
    this.outputBytes += bytes;
    const cap = this.opts.maxOutputBytes?.total;
    if (cap !== undefined && this.outputBytes > cap && !this.overflowed) {
      this.overflowed = true;
      this.fireOverflow();
      void this.kill();
    }
  }

  /** True once the kernel passed maxOutputBytes.total (and was killed for it). */
  get overflowedOutput(): boolean {
    return this.overflowed;
  }

  /** Output bytes the kernel produced so far (stream text, display data, process stdout/stderr). */
  get outputByteCount(): number {
    return this.outputBytes;
  }

  /** The i-th extra pipe (fd 3 + i in the kernel), when `extraPipes` asked for it. */
  pipe(i = 0): NodeJS.ReadWriteStream | undefined {
    return (this.proc?.stdio?.[3 + i] as unknown as NodeJS.ReadWriteStream | null) ?? undefined;
  }

  /** Starts a kernel and waits until it answers. */
  static async start(opts: KernelOptions): Promise<Kernel> {
    const k = new Kernel(opts);
    await k.launch();
    return k;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The last lines the kernel process wrote to stderr. */
  stderrTail(chars = 4000): string {
    return this.stderrBuf.slice(-chars);
  }

  private async launch(): Promise<void> {
    const transport = this.opts.transport ?? "tcp";
    const dir = this.opts.runtimeDir ?? os.tmpdir();
    const tag = `${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
    let ip = "127.0.0.1";
    let ports: number[];
    if (transport === "ipc") {
      // tslab binds `ipc://<ip>:<port>`: five socket files named <ip>:1 … <ip>:5.
      ip = path.join(dir, `k-${tag}`);
      if (Buffer.byteLength(ip) + 2 > 100) throw new Error(`the kernel's socket folder path is too long for a Unix socket (${ip}); use a shorter runtimeDir`);
      ports = [1, 2, 3, 4, 5];
      this.socketFiles = ports.map((p) => `${ip}:${p}`);
    } else {
      ports = await freePorts(5);
    }
    const [shellPort, iopubPort, stdinPort, controlPort, hbPort] = ports;
    const conn = {
      ip,
      transport,
      shell_port: shellPort,
      iopub_port: iopubPort,
      stdin_port: stdinPort,
      control_port: controlPort,
      hb_port: hbPort,
      key: this.key,
      signature_scheme: "hmac-sha256",
      kernel_name: "tslab",
    };
    this.connFile = path.join(dir, `course-kernel-${tag}.json`);
    fs.writeFileSync(this.connFile, JSON.stringify(conn), { mode: 0o600 });
    if (this.opts.connectionFileOwner) fs.chownSync(this.connFile, this.opts.connectionFileOwner.uid, this.opts.connectionFileOwner.gid);
    // Unwrapped kernels (course run, the book) preload the course's tslab patches (no directory
    // watching in the cell compiler, execute_input published): lib/notebook/tslab-no-dir-watch.js.
    const preload = this.opts.wrap ? [] : ["--require", path.join(__dirname, "tslab-no-dir-watch.js")];
    const args = [...preload, ...(this.opts.nodeArgs ?? []), this.opts.tslab ?? tslabMain(), "kernel", "--config-path", this.connFile];
    if (this.opts.language === "js") args.push("--js");
    const cmd = this.opts.wrap ? this.opts.wrap(process.execPath, args) : { command: process.execPath, args };
    const extra = Math.max(0, Math.floor(this.opts.extraPipes ?? 0));
    this.proc = spawn(cmd.command, cmd.args, {
      cwd: this.opts.cwd,
      env: this.opts.envExact ? { ...this.opts.env } : { ...process.env, ...this.opts.env },
      stdio: ["ignore", "pipe", "pipe", ...Array.from({ length: extra }, () => "pipe" as const)],
      detached: process.platform !== "win32", // own process group, so a kill takes its children too
    });
    this.opts.onSpawn?.(this.proc.pid);
    // The process's own stdout/stderr (tslab sends cell output over iopub; this is the rest):
    // keep the last 100k characters for error messages, count every byte against the cap.
    const keep = (d: Buffer) => {
      this.account(d.length);
      this.stderrBuf += (d.length > 100_000 ? d.subarray(d.length - 100_000) : d).toString();
      if (this.stderrBuf.length > 200_000) this.stderrBuf = this.stderrBuf.slice(-100_000);
    };
    this.proc.stdout?.on("data", keep);
    this.proc.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      this.proc.on("exit", (code) => {
        this.exitCode = code;
        resolve(code);
      });
      this.proc.on("error", (err) => {
        this.stderrBuf += `\n${err.message}`;
        this.exitCode = -1;
        resolve(-1);
      });
    });

    const url = (p: number) => `${transport}://${ip}:${p}`;
    this.shell = new zmq.Dealer({ routingId: this.session });
    this.control = new zmq.Dealer({ routingId: `${this.session}-control` });
    this.iopub = new zmq.Subscriber();
    this.shell.connect(url(shellPort));
    this.control.connect(url(controlPort));
    this.iopub.connect(url(iopubPort));
    this.iopub.subscribe();
    this.pump(this.shell, "shell");
    this.pump(this.control, "control");
    this.pump(this.iopub, "iopub");

    // Ask kernel_info until the kernel answers and iopub is connected (a SUB socket misses
    // what is published before it joins, so wait for a status message too).
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 60_000);
    let gotIopub = false;
    const iopubSeen = new Promise<void>((resolve) => {
      const id = "__any_iopub__";
      this.listeners.set(id, (_m, ch) => {
        if (ch === "iopub") {
          gotIopub = true;
          this.listeners.delete(id);
          resolve();
        }
      });
    });
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) {
        throw new Error(`The tslab kernel exited during start-up (code ${this.exitCode}).\n${this.stderrTail()}`);
      }
      // tslab reports a failed start-up (a native module that cannot load, a connection file
      // it may not read) and stays alive; its other reports (EBUSY from ZeroMQ) are harmless, so
      // only these causes, within the report itself (its first 2000 characters), end the wait.
      if (/^(UnhandledPromiseRejection|UncaughtException):[^]{0,2000}?(Cannot find module|ERR_DLOPEN_FAILED|ERR_ACCESS_DENIED|code: 'EACCES')/m.test(this.stderrBuf)) {
        await this.kill();
        throw new Error(`The tslab kernel failed during start-up.\n${this.stderrTail()}`);
      }
      const reply = await this.request(this.shell, "kernel_info_request", {}, 1000).catch(() => null);
      if (reply) {
        await Promise.race([iopubSeen, new Promise((r) => setTimeout(r, 1500))]);
        if (gotIopub) return;
      }
    }
    await this.shutdown();
    throw new Error(`The tslab kernel did not answer within ${(this.opts.startTimeoutMs ?? 60_000) / 1000} s.\n${this.stderrTail()}`);
  }

  private sign(parts: string[]): string {
    const h = crypto.createHmac("sha256", this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }

  private async pump(sock: zmq.Dealer | zmq.Subscriber, channel: "iopub" | "shell" | "control"): Promise<void> {
    try {
      for await (const frames of sock) {
        const strs = frames.map((f) => f.toString());
        const i = strs.indexOf(DELIM);
        if (i < 0 || strs.length < i + 6) continue;
        const [sig, header, parent, metadata, content] = strs.slice(i + 1, i + 6);
        if (sig !== this.sign([header, parent, metadata, content])) continue; // not from our kernel
        const msg: JupyterMessage = {
          header: JSON.parse(header),
          parent_header: JSON.parse(parent),
          metadata: JSON.parse(metadata),
          content: JSON.parse(content),
        };
        if (channel === "iopub") {
          // Every output counts towards the cap, also output a cell keeps printing after it ended.
          const t = msg.header.msg_type;
          if (t === "stream") this.account(typeof msg.content.text === "string" ? msg.content.text.length : 0);
          else if (t === "display_data" || t === "update_display_data" || t === "execute_result" || t === "error") this.account(content.length);
        }
        const pid = msg.parent_header.msg_id;
        if (pid && this.listeners.has(pid)) this.listeners.get(pid)!(msg, channel);
        if (channel === "iopub" && this.listeners.has("__any_iopub__")) this.listeners.get("__any_iopub__")!(msg, channel);
      }
    } catch {
      /* socket closed */
    }
  }

  private message(msgType: string, content: Record<string, unknown>): { id: string; frames: string[] } {
    const id = crypto.randomUUID();
    const header = JSON.stringify({
      msg_id: id,
      msg_type: msgType,
      session: this.session,
      username: os.userInfo().username,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    });
    const parts = [header, "{}", "{}", JSON.stringify(content)];
    return { id, frames: [DELIM, this.sign(parts), ...parts] };
  }

  /** Sends a request and resolves with its reply on the same channel. */
  private request(sock: zmq.Dealer, msgType: string, content: Record<string, unknown>, timeoutMs: number): Promise<JupyterMessage> {
    const { id, frames } = this.message(msgType, content);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(id);
        reject(new Error(`${msgType}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.set(id, (m, ch) => {
        if (ch !== "iopub" && m.header.msg_type.endsWith("_reply")) {
          clearTimeout(timer);
          this.listeners.delete(id);
          resolve(m);
        }
      });
      sock.send(frames).catch(reject);
    });
  }

  /**
   * Executes code like a notebook cell. Resolves when the kernel is idle again, the cell
   * ran past `timeoutMs` (the kernel is then killed: a busy JavaScript event loop cannot be
   * interrupted from outside), or the kernel died.
   */
  async execute(code: string, timeoutMs = 600_000): Promise<ExecuteResult> {
    const t0 = Date.now();
    const outputs: Output[] = [];
    const byDisplayId = new Map<string, Output[]>();
    let executionCount: number | null = null;
    let error: ExecuteResult["error"];
    let gotReply = false;
    let gotIdle = false;
    let aborted = false;
    // Output kept for this cell, and what was dropped past maxOutputBytes.cell.
    const cellCap = this.opts.maxOutputBytes?.cell ?? Infinity;
    let kept = 0;
    let dropped = 0;
    const room = (bytes: number): boolean => {
      if (kept + bytes <= cellCap) {
        kept += bytes;
        return true;
      }
      dropped += bytes;
      return false;
    };
    const { id, frames } = this.message("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    const seconds = () => (Date.now() - t0) / 1000;

    const done = new Promise<"ok" | "error" | "aborted">((resolve) => {
      this.listeners.set(id, (m, ch) => {
        const c = m.content;
        const type = m.header.msg_type;
        if (ch === "shell" && type === "execute_reply") {
          gotReply = true;
          executionCount = c.execution_count ?? executionCount;
          if (c.status === "abort" || c.status === "aborted") aborted = true;
          if (c.status === "error" && !error) error = { ename: c.ename ?? "Error", evalue: c.evalue ?? "", traceback: (c.traceback ?? []).map(stripAnsi) };
        } else if (ch === "iopub") {
          if (type === "status" && c.execution_state === "idle") gotIdle = true;
          else if (type === "execute_input") executionCount = c.execution_count ?? executionCount;
          else if (type === "stream") {
            if (!room(typeof c.text === "string" ? c.text.length : 0)) return;
            const last = outputs[outputs.length - 1];
            if (last && last.output_type === "stream" && last.name === c.name) last.text += c.text;
            else outputs.push({ output_type: "stream", name: c.name, text: c.text });
          } else if (type === "display_data" || type === "update_display_data") {
            if (!room(JSON.stringify(c.data ?? null).length)) return;
            const did: string | undefined = c.transient?.display_id;
            if (type === "update_display_data" && did && byDisplayId.has(did)) {
              for (const o of byDisplayId.get(did)!) if (o.output_type === "display_data") o.data = c.data;
            } else {
              const o: Output = { output_type: "display_data", data: c.data, metadata: c.metadata ?? {} };
              outputs.push(o);
              if (did) byDisplayId.set(did, [...(byDisplayId.get(did) ?? []), o]);
            }
          } else if (type === "execute_result") {
            if (!room(JSON.stringify(c.data ?? null).length)) return;
            outputs.push({ output_type: "execute_result", data: c.data, metadata: c.metadata ?? {}, execution_count: c.execution_count ?? null });
          } else if (type === "error") {
            error = { ename: c.ename, evalue: c.evalue, traceback: (c.traceback ?? []).map(stripAnsi) };
            outputs.push({ output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback ?? [] });
          } else if (type === "clear_output") {
            outputs.length = 0;
          }
        }
        if (gotReply && (gotIdle || aborted)) resolve(aborted ? "aborted" : error ? "error" : "ok");
      });
    });

    await this.shell.send(frames);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
    const died = this.exited.then(() => "died" as const);
    const outcome = await Promise.race([done, timeout, this.overflow, died]);
    clearTimeout(timer);
    this.listeners.delete(id);
    if (dropped) {
      outputs.push({ output_type: "stream", name: "stderr", text: `\n[${dropped} more bytes of output were not kept: the limit is ${cellCap} bytes per cell]\n` });
    }
    if (outcome === "overflow" || this.overflowed) {
      await this.kill();
      return { status: "overflow", outputs, executionCount, droppedBytes: dropped, seconds: seconds() };
    }
    if (outcome === "timeout") {
      await this.kill();
      return { status: "timeout", outputs, executionCount, seconds: seconds() };
    }
    if (outcome === "died") {
      return { status: "died", outputs, executionCount, stderr: this.stderrTail(), seconds: seconds() };
    }
    if (outcome === "error" && error && !error.evalue && !error.traceback.length) {
      // tslab sends an execute_reply with status "error" but no ename/evalue/traceback: the
      // real text (a thrown error's stack, or TypeScript's diagnostics) went to the cell's
      // stderr stream. Recover it from there so a report is never an empty "<Error>".
      error = errorFromStderr(outputs) ?? { ename: "Error", evalue: this.stderrTail(2000).trim(), traceback: [] };
    }
    return { status: outcome, outputs, executionCount, error, droppedBytes: dropped || undefined, seconds: seconds() };
  }

  get alive(): boolean {
    return this.exitCode === undefined && !this.closed;
  }

  /** Kills the kernel process group at once. */
  async kill(): Promise<void> {
    if (this.exitCode === undefined && this.proc.pid) {
      try {
        if (process.platform !== "win32") process.kill(-this.proc.pid, "SIGKILL");
        else this.proc.kill("SIGKILL");
      } catch {
        /* already gone */
      }
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 3000))]);
    }
    this.close();
  }

  /** Asks the kernel to shut down (control channel), then makes sure it is gone. */
  async shutdown(): Promise<void> {
    if (this.exitCode === undefined && !this.closed) {
      await this.request(this.control, "shutdown_request", { restart: false }, 2000).catch(() => undefined);
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2000))]);
    }
    await this.kill();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.shell, this.control, this.iopub]) {
      try {
        s?.close();
      } catch {
        /* ignore */
      }
    }
    for (const f of [this.connFile, ...this.socketFiles]) {
      try {
        fs.unlinkSync(f);
      } catch {
        /* ignore */
      }
    }
  }
}
