// Makes tslab send one ZeroMQ message at a time on each socket. ZeroMQ.js 6 allows only one send
// in progress per socket ("Socket is busy writing; only one send operation may be in progress at
// any time", EBUSY) and tslab 1.0.22 never waits for a send before the next: when a send cannot
// finish at once (a busy machine, a slow reader, a burst of output and status messages) the
// next one throws and the kernel dies in the middle of a cell. This queues each socket's sends
// in order: a send starts when the one before it has finished. Plain JavaScript, Node built-ins
// only; loaded by the course's kernel launcher and `course run`'s kernels, as the other patches.
"use strict";
const path = require("path");

const TAIL = Symbol("course send queue");

/** Wraps `send` on the given socket prototypes so that each socket's sends run one after another. */
function queueSends(prototypes) {
  const tails = new WeakMap(); // socket → the promise of its last queued send
  let patched = 0;
  for (const proto of prototypes) {
    if (!proto || typeof proto.send !== "function" || proto.send[TAIL]) continue;
    const send = proto.send;
    const queued = function (message) {
      const previous = tails.get(this) || Promise.resolve();
      const next = previous.then(() => send.call(this, message));
      // The chain goes on after a failed send; the caller's promise still rejects, as before.
      tails.set(this, next.catch(() => undefined));
      return next;
    };
    queued[TAIL] = true;
    // ZeroMQ.js's `send` is a read-only property of a native base: define our own on the class.
    Object.defineProperty(proto, "send", { value: queued, writable: true, configurable: true, enumerable: false });
    patched++;
  }
  return patched;
}

/** Patches the zeromq that the given tslab loads; false when there is none to patch. */
module.exports = function queueTslabSends(tslabDir) {
  let zmq;
  try {
    zmq = require(require.resolve("zeromq", { paths: [tslabDir] }));
  } catch {
    return false;
  }
  try {
    queueSends([zmq.Publisher, zmq.Router, zmq.Reply, zmq.Dealer].map((C) => C && C.prototype));
  } catch {
    return false; // leave tslab as it is rather than break the kernel
  }
  return !!(zmq.Publisher && zmq.Publisher.prototype.send[TAIL]);
};
module.exports.queueSends = queueSends;
