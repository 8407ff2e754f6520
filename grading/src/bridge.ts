/**
 * The grader's end of the channel to a kernel's preload (sandbox/preload.js): one JSON
 * request per line out, one JSON answer per line back, over the socketpair the kernel has
 * as fd 3. Everything that comes back is the student's (untrusted) data: this side only
 * frames it, caps its size and routes it by id; the test host decodes it.
 */
export interface BridgeAnswer {
  /** "value" | "missing" | "threw" | "error" from the kernel; "dead" when the kernel or channel is gone. */
  t: string;
  /** The answer line as the kernel sent it (for "dead": a JSON object saying why). */
  line: string;
}

export class Bridge {
  private nextId = 1;
  private pending = new Map<number, (a: BridgeAnswer) => void>();
  private buf = "";
  private closedWhy: string | undefined;
  /** Bytes received in all. */
  received = 0;

  constructor(private stream: NodeJS.ReadWriteStream, private opts: { maxLineBytes: number; maxTotalBytes: number }) {
    stream.setEncoding?.("utf8");
    stream.on("data", (chunk: string | Buffer) => this.onData(typeof chunk === "string" ? chunk : chunk.toString("utf8")));
    stream.on("error", () => this.close("the channel to the kernel failed"));
    stream.on("close", () => this.close("the kernel closed the channel to the grader"));
    stream.on("end", () => this.close("the kernel closed the channel to the grader"));
  }

  get closed(): string | undefined {
    return this.closedWhy;
  }

  private onData(chunk: string): void {
    if (this.closedWhy) return;
    this.received += chunk.length;
    if (this.received > this.opts.maxTotalBytes) return this.close(`the kernel sent more than ${this.opts.maxTotalBytes} bytes of answers`);
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const m = /^\{"id":(\d{1,15}),"t":"(value|missing|threw|error)"/.exec(line);
      if (!m) continue; // not an answer (the notebook wrote to fd 3 itself): ignored
      const cb = this.pending.get(Number(m[1]));
      if (!cb) continue;
      this.pending.delete(Number(m[1]));
      cb({ t: m[2], line });
    }
    if (this.buf.length > this.opts.maxLineBytes) this.close(`an answer from the kernel was longer than ${this.opts.maxLineBytes} bytes`);
  }

  /** Fails every pending request; later ones fail at once. */
  close(why: string): void {
    if (this.closedWhy) return;
    this.closedWhy = why;
    this.buf = "";
    for (const cb of this.pending.values()) cb({ t: "dead", line: JSON.stringify({ why }) });
    this.pending.clear();
    try {
      (this.stream as unknown as { destroy?: () => void }).destroy?.();
    } catch {
      /* gone */
    }
  }

  /** Sends a request ({op, …}); resolves with the answer, or "dead". Never rejects. */
  request(req: Record<string, unknown>): Promise<BridgeAnswer> {
    if (this.closedWhy) return Promise.resolve({ t: "dead", line: JSON.stringify({ why: this.closedWhy }) });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      try {
        this.stream.write(JSON.stringify({ id, ...req }) + "\n");
      } catch {
        this.close("the channel to the kernel is closed");
      }
    });
  }
}
