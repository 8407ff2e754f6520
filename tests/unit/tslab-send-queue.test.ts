/**
 * tslab sends ZeroMQ messages without waiting for the previous send; ZeroMQ.js 6 throws EBUSY
 * ("Socket is busy writing") when a send starts while another is in progress, which killed a
 * kernel in the middle of a full-mode run. The course's patch queues each socket's sends.
 * Checked on a stand-in socket with ZeroMQ.js's rule, and on the installed zeromq (messages
 * arrive complete and in order through a patched Publisher).
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { tslabMain } from "../../lib/notebook/kernel";
import { kernelLauncherSource } from "../../lib/notebook/jupyter";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const queueTslabSends = require("../../lib/notebook/tslab-send-queue.js") as ((dir: string) => boolean) & { queueSends(protos: object[]): number };

/** A socket with ZeroMQ.js's rule: one send in progress at a time; each takes a few milliseconds. */
function standIn() {
  class Sock {
    busy = false;
    sent: string[] = [];
    send(msg: string): Promise<void> {
      if (this.busy) throw Object.assign(new Error("Socket is busy writing; only one send operation may be in progress at any time"), { code: "EBUSY" });
      this.busy = true;
      return new Promise((resolve) => setTimeout(() => {
        this.busy = false;
        this.sent.push(msg);
        resolve();
      }, 2));
    }
  }
  return Sock;
}

test("without the queue a second send throws EBUSY; with it every send goes out, in order", async () => {
  const Raw = standIn();
  const raw = new Raw();
  void raw.send("a");
  assert.throws(() => raw.send("b"), /busy writing/);

  const Sock = standIn();
  assert.equal(queueTslabSends.queueSends([Sock.prototype]), 1);
  assert.equal(queueTslabSends.queueSends([Sock.prototype]), 0, "applying twice wraps once");
  const s = new Sock();
  const msgs = Array.from({ length: 40 }, (_, i) => `m${i}`);
  const done = msgs.map((m) => s.send(m)); // tslab's way: fire and forget
  await Promise.all(done);
  assert.deepEqual(s.sent, msgs);
});

test("a failed send rejects its own promise and the queue goes on", async () => {
  class Flaky {
    sent: string[] = [];
    send(msg: string): Promise<void> {
      if (msg === "bad") return Promise.reject(new Error("boom"));
      this.sent.push(msg);
      return Promise.resolve();
    }
  }
  queueTslabSends.queueSends([Flaky.prototype]);
  const f = new Flaky();
  const a = f.send("a");
  const bad = f.send("bad");
  const c = f.send("c");
  await a;
  await assert.rejects(bad, /boom/);
  await c;
  assert.deepEqual(f.sent, ["a", "c"]);
});

test("the installed zeromq is patched, and a patched Publisher delivers a burst complete and in order", async () => {
  const tslabDir = path.dirname(path.dirname(tslabMain()));
  assert.equal(queueTslabSends(tslabDir), true);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const zmq = require(require.resolve("zeromq", { paths: [tslabDir] }));
  const pub = new zmq.Publisher();
  const sub = new zmq.Subscriber();
  try {
    await pub.bind("tcp://127.0.0.1:*");
    sub.connect(pub.lastEndpoint);
    sub.subscribe("t");
    // A subscriber joins asynchronously: send until the first message arrives.
    const firstReceive = sub.receive(); // one receive at a time on a socket, too
    let joined = false;
    void firstReceive.then(() => (joined = true));
    while (!joined) {
      await pub.send(["t", "hello"]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const n = 300;
    const sends = Array.from({ length: n }, (_, i) => pub.send(["t", `${i}:${"x".repeat(4096)}`]));
    const got: number[] = [];
    while (got.length < n) {
      const [, body] = await sub.receive();
      const s = body.toString();
      if (s === "hello") continue;
      got.push(Number(s.slice(0, s.indexOf(":"))));
    }
    await Promise.all(sends);
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => i));
  } finally {
    pub.close();
    sub.close();
  }
});

test("the kernel launcher and the headless kernels load the patch", () => {
  assert.match(kernelLauncherSource(tslabMain()), /tslab-send-queue\.js/);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fs = require("fs") as typeof import("fs");
  assert.match(fs.readFileSync(path.join(__dirname, "..", "..", "lib", "notebook", "tslab-no-dir-watch.js"), "utf8"), /require\("\.\/tslab-send-queue\.js"\)\(tslabDir\)/);
});
