"use strict";
/**
 * Loaded with `node --require` into every kernel the grader starts: it runs before tslab,
 * before any notebook cell, so what it captures is pristine. It gives the grader a channel
 * that student code cannot fake:
 *
 *  - the grader's per-kernel secret K arrives in COURSE_GRADE_KEY and is deleted from the
 *    environment here, before any student code exists; it then lives only in this closure;
 *  - `__courseGrader.run(payload)` (a read-only global) accepts only payloads encrypted and
 *    authenticated with K (AES-256-GCM): a question's test cells, compiled by the grader;
 *  - the tests run in a FRESH V8 context whose built-ins ../harness.js freezes first (and
 *    which cannot compile strings), so patches a student made to Object, Array, Math, JSON,
 *    console, check, assert … in the notebook's realm cannot touch the verdicts;
 *  - each result line is signed with HMAC(K) using crypto functions captured here, so
 *    printing or rewriting result lines from student code is detected.
 *
 * With COURSE_GRADE_SANDBOX=1 (grading submissions; the kernel also runs under Node's
 * permission model, see ../sandbox.ts) it additionally:
 *  - normalises every path handed to `fs` (`a/link/../b` → `a/b`), so a symlink inside an
 *    allowed folder cannot lead out of it (Node checks the lexical path, the OS follows the
 *    link), and records each access the permission model refuses;
 *  - refuses heap snapshots and V8 flag changes (they would expose K), signals to other
 *    processes, native addons from outside node_modules, and Node's network modules.
 * Everything refused is reported to the grader with the results, as evidence.
 */
(function coursePreload() {
  const KEY = process.env.COURSE_GRADE_KEY;
  const SANDBOX = process.env.COURSE_GRADE_SANDBOX === "1";
  const ADDON_ROOT = process.env.COURSE_GRADE_ADDONS || "";
  delete process.env.COURSE_GRADE_KEY;
  delete process.env.COURSE_GRADE_SANDBOX;
  delete process.env.COURSE_GRADE_ADDONS;
  if (typeof KEY !== "string" || !/^[0-9a-f]{64}$/.test(KEY)) return;

  const crypto = require("crypto");
  const vm = require("vm");
  const fs = require("fs");
  const path = require("path");
  const v8 = require("v8");
  const url = require("url");
  const Module = require("module");

  // ---- captured intrinsics (never looked up again after student code may have run) ----
  const apply = Reflect.apply;
  const create = Object.create;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const hasOwn = Object.prototype.hasOwnProperty;
  const stringify = JSON.stringify;
  const createHmac = crypto.createHmac;
  const createDecipheriv = crypto.createDecipheriv;
  const hmacProto = Object.getPrototypeOf(createHmac("sha256", "k"));
  const hmacUpdate = hmacProto.update;
  const hmacDigest = hmacProto.digest;
  const decProto = Object.getPrototypeOf(createDecipheriv("aes-256-gcm", Buffer.alloc(32), Buffer.alloc(12)));
  const decSetAuthTag = decProto.setAuthTag;
  const decUpdate = decProto.update;
  const decFinal = decProto.final;
  const bufferFrom = Buffer.from;
  const bufferConcat = Buffer.concat;
  const bufferIsBuffer = Buffer.isBuffer;
  const bufToString = Buffer.prototype.toString;
  const u8subarray = Uint8Array.prototype.subarray;
  const createContext = vm.createContext;
  const runInContext = vm.runInContext;
  const createRequire = Module.createRequire;
  const pathResolve = path.resolve;
  const pathSep = path.sep;
  const fileURLToPath = url.fileURLToPath;
  const URLClass = URL;
  const strStartsWith = String.prototype.startsWith;
  const _setTimeout = setTimeout;
  const _clearTimeout = clearTimeout;
  const realKill = process.kill;
  const realDlopen = process.dlopen;
  const realpathSync = fs.realpathSync;
  const selfPid = process.pid;
  const harnessSource = fs.readFileSync(path.join(__dirname, "..", "harness.js"), "utf8");
  const cwdAtStart = process.cwd();

  const hmac = (key, text) => {
    const h = createHmac("sha256", key);
    apply(hmacUpdate, h, [text, "utf8"]);
    return apply(hmacDigest, h, []);
  };
  const keyBuf = bufferFrom(KEY, "hex");
  const macKey = hmac(keyBuf, "course-grade:mac");
  const encKey = hmac(keyBuf, "course-grade:enc");
  const macHex = (text) => {
    const h = createHmac("sha256", macKey);
    apply(hmacUpdate, h, [text, "utf8"]);
    return apply(hmacDigest, h, ["hex"]);
  };

  // ---- evidence: what the sandbox refused ----
  const events = create(null);
  let eventCount = 0;
  const event = (text) => {
    if (eventCount < 200) events[eventCount] = "" + text;
    eventCount++;
  };
  const eventsJson = () => {
    let s = "[";
    const n = eventCount < 200 ? eventCount : 200;
    for (let i = 0; i < n; i++) s += (i ? "," : "") + stringify(events[i]);
    if (eventCount > n) s += "," + stringify("… and " + (eventCount - n) + " more");
    return s + "]";
  };

  // ---- the notebook's top-level names: tslab keeps them on __tslab__.exports ----
  let tslabState = null;
  let studentExports = null;
  defineProperty(globalThis, "__tslab__", {
    configurable: false,
    enumerable: false,
    get() {
      return tslabState;
    },
    set(v) {
      if (tslabState === null && v !== null && typeof v === "object") {
        tslabState = v;
        const d = getOwnPropertyDescriptor(v, "exports");
        studentExports = d ? d.value : null;
      } else {
        event("a cell tried to replace the kernel's __tslab__ object");
      }
    },
  });

  // ---- the results channel ----
  const PREFIX = "##course-grade## ";
  const writeRecord = (json) => {
    const line = PREFIX + json + " " + macHex(json) + "\n";
    try {
      const out = process.stdout;
      apply(out.write, out, [line]);
    } catch (e) {
      /* a student replaced stdout: the grader sees missing records and flags it */
    }
  };

  const decrypt = (b64) => {
    const raw = bufferFrom(b64, "base64");
    if (raw.length < 29) throw new Error("short payload");
    const iv = apply(u8subarray, raw, [0, 12]);
    const tag = apply(u8subarray, raw, [12, 28]);
    const ct = apply(u8subarray, raw, [28]);
    const d = createDecipheriv("aes-256-gcm", encKey, iv);
    apply(decSetAuthTag, d, [tag]);
    const a = apply(decUpdate, d, [ct]);
    const b = apply(decFinal, d, []);
    return apply(bufToString, bufferConcat([a, b]), ["utf8"]);
  };

  const testRequire = (spec) => apply(createRequire, Module, [pathResolve(cwdAtStart, "__course_tests__.js")])(spec);

  let busy = false;
  async function run(payload) {
    if (typeof payload !== "string") return;
    let plain;
    try {
      plain = decrypt(payload);
    } catch (e) {
      event("__courseGrader.run was called with a payload the grader did not make");
      return;
    }
    if (busy) {
      event("__courseGrader.run was called while tests were running");
      return;
    }
    busy = true;
    try {
      const ctx = createContext(create(null), { name: "course-tests", codeGeneration: { strings: false, wasm: false } });
      const factory = runInContext("(function (module) {\n" + harnessSource + "\n;return module.exports;\n})", ctx, { filename: "course-harness.js" });
      const mod = runInContext("({ exports: {} })", ctx);
      const createHarness = factory(mod);
      createHarness.lockdown();
      const powers = create(null);
      powers.mode = "collect";
      powers.emit = writeRecord;
      powers.has = (name) => studentExports !== null && apply(hasOwn, studentExports, [name]);
      powers.get = (name) => studentExports[name];
      powers.require = testRequire;
      powers.evaluate = (src, filename) => runInContext(src, ctx, { filename: "" + filename });
      powers.setTimeout = (fn, ms) => _setTimeout(fn, ms);
      powers.clearTimeout = (t) => _clearTimeout(t);
      powers.events = eventsJson;
      const harness = createHarness(powers);
      await harness.runPayload(plain);
    } finally {
      busy = false;
    }
  }

  const api = create(null);
  api.run = run;
  freeze(api);
  defineProperty(globalThis, "__courseGrader", { value: api, writable: false, configurable: false, enumerable: false });

  if (!SANDBOX) return;

  // ---- sandbox: lock down what the permission model does not cover ----
  const lock = (obj, name, value) => {
    try {
      defineProperty(obj, name, { value, writable: false, configurable: false, enumerable: true });
    } catch (e) {
      obj[name] = value;
    }
  };
  const refuse = (what) =>
    function refused() {
      event(what);
      const e = new Error(`${what}: not allowed while grading`);
      e.code = "ERR_ACCESS_DENIED";
      throw e;
    };

  // Heap snapshots and V8 flags would expose K and the decrypted tests.
  for (const name of ["getHeapSnapshot", "writeHeapSnapshot", "setFlagsFromString", "setHeapSnapshotNearHeapLimit"]) {
    if (typeof v8[name] === "function") lock(v8, name, refuse(`v8.${name}()`));
  }

  // Signals: a kernel may signal itself (tslab does not need even that), nothing else.
  const kill = function kill(pid, signal) {
    if (Number(pid) === selfPid) return apply(realKill, process, [pid, signal]);
    event(`process.kill(${stringify(pid)}, ${stringify(signal === undefined ? "SIGTERM" : signal)})`);
    const e = new Error("process.kill: signalling other processes is not allowed while grading");
    e.code = "EPERM";
    throw e;
  };
  lock(process, "kill", kill);
  if (typeof process._kill === "function") {
    const realUnderscoreKill = process._kill;
    lock(process, "_kill", function _kill(pid, signal) {
      if (Number(pid) === selfPid) return apply(realUnderscoreKill, process, [pid, signal]);
      event(`process._kill(${stringify(pid)})`);
      return -1; // EPERM, as the real binding reports it
    });
  }

  // Native addons only from node_modules (zeromq, which the kernel itself needs, lives there).
  const dlopen = function dlopen(module, filename, flags) {
    let real = "";
    try {
      real = apply(realpathSync, fs, [pathResolve("" + filename)]);
    } catch (e) {
      real = "";
    }
    if (!ADDON_ROOT || !real || !apply(strStartsWith, real, [ADDON_ROOT + pathSep])) {
      event(`load native addon ${stringify("" + filename)}`);
      const e = new Error("native addons outside node_modules are not allowed while grading");
      e.code = "ERR_ACCESS_DENIED";
      throw e;
    }
    return apply(realDlopen, process, flags === undefined ? [module, real] : [module, real, flags]);
  };
  lock(process, "dlopen", dlopen);

  // Network: Node's own modules (zeromq's native sockets are out of reach of this, see docs).
  const net = require("net");
  const target = (a) => {
    if (typeof a === "string" || typeof a === "number") return stringify(a);
    if (a !== null && typeof a === "object") return stringify(`${a.host ?? a.path ?? ""}${a.port !== undefined ? `:${a.port}` : ""}`);
    return "";
  };
  for (const name of ["connect", "createConnection", "createServer"]) {
    lock(net, name, function refusedNet(a) {
      event(`net.${name}(${name === "createServer" ? "" : target(a)})`);
      const e = new Error(`net.${name}: the network is closed while grading`);
      e.code = "ERR_ACCESS_DENIED";
      throw e;
    });
  }
  const socketConnect = refuse("net.Socket#connect()");
  try {
    defineProperty(net.Socket.prototype, "connect", { value: socketConnect, writable: false, configurable: false });
  } catch (e) {
    /* ignore */
  }
  try {
    defineProperty(net.Server.prototype, "listen", { value: refuse("net.Server#listen()"), writable: false, configurable: false });
  } catch (e) {
    /* ignore */
  }
  const dgram = require("dgram");
  lock(dgram, "createSocket", refuse("dgram.createSocket()"));
  const http2 = require("http2");
  for (const name of ["connect", "createServer", "createSecureServer"]) lock(http2, name, refuse(`http2.${name}()`));
  const tls = require("tls");
  lock(tls, "connect", refuse("tls.connect()"));
  if (typeof globalThis.fetch === "function") lock(globalThis, "fetch", refuse("fetch()"));

  // Files: normalise paths, record refusals.
  const norm = (p) => {
    if (typeof p === "string") return pathResolve(p);
    if (bufferIsBuffer(p)) return pathResolve(apply(bufToString, p, ["utf8"]));
    if (p instanceof URLClass) return pathResolve(fileURLToPath(p));
    return p; // a file descriptor or something fs will reject itself
  };
  const denied = (err) => err !== null && typeof err === "object" && err.code === "ERR_ACCESS_DENIED";
  const describe = (op, a, b) => `${op} ${stringify(typeof a === "string" ? a : String(a))}${b !== undefined ? ` → ${stringify(String(b))}` : ""}`;
  // [name, how many leading path arguments]
  const PATH_FUNCS = [
    ["access", 1], ["appendFile", 1], ["chmod", 1], ["chown", 1], ["copyFile", 2], ["cp", 2], ["exists", 1],
    ["lchmod", 1], ["lchown", 1], ["link", 2], ["lstat", 1], ["lutimes", 1], ["mkdir", 1], ["mkdtemp", 1],
    ["open", 1], ["openAsBlob", 1], ["opendir", 1], ["readdir", 1], ["readFile", 1], ["readlink", 1],
    ["realpath", 1], ["rename", 2], ["rm", 1], ["rmdir", 1], ["stat", 1], ["statfs", 1], ["symlink", 2],
    ["truncate", 1], ["unlink", 1], ["utimes", 1], ["watch", 1], ["watchFile", 1], ["writeFile", 1],
    ["createReadStream", 1], ["createWriteStream", 1],
  ];
  const wrap = (obj, name, nPaths, kind) => {
    const orig = obj[name];
    if (typeof orig !== "function") return;
    const wrapped = function (...args) {
      for (let i = 0; i < nPaths && i < args.length; i++) args[i] = norm(args[i]);
      if (kind === "callback") {
        const last = args.length - 1;
        if (last >= 0 && typeof args[last] === "function") {
          const cb = args[last];
          args[last] = function (err, ...rest) {
            if (denied(err)) event(`${describe(name, args[0], nPaths > 1 ? args[1] : undefined)}: refused`);
            return apply(cb, this, [err, ...rest]);
          };
        }
      }
      try {
        const r = apply(orig, this, args);
        if (kind === "promise" && r && typeof r.then === "function") {
          return r.then(undefined, (err) => {
            if (denied(err)) event(`${describe(name, args[0], nPaths > 1 ? args[1] : undefined)}: refused`);
            throw err;
          });
        }
        return r;
      } catch (err) {
        if (denied(err)) event(`${describe(name, args[0], nPaths > 1 ? args[1] : undefined)}: refused`);
        throw err;
      }
    };
    for (const k of Object.keys(orig)) wrapped[k] = orig[k]; // e.g. realpathSync.native
    if (typeof orig.native === "function") wrapped.native = wrap.inner(orig.native, name, nPaths);
    obj[name] = wrapped;
  };
  wrap.inner = (fn, name, nPaths) =>
    function (...args) {
      for (let i = 0; i < nPaths && i < args.length; i++) args[i] = norm(args[i]);
      try {
        return apply(fn, this, args);
      } catch (err) {
        if (denied(err)) event(`${describe(name, args[0])}: refused`);
        throw err;
      }
    };
  const promises = fs.promises;
  for (const [name, n] of PATH_FUNCS) {
    wrap(fs, name, n, name.startsWith("create") || name === "watch" || name === "watchFile" ? "sync" : "callback");
    wrap(fs, `${name}Sync`, n, "sync");
    if (promises) wrap(promises, name, n, "promise");
  }
  const realChdir = process.chdir;
  process.chdir = function chdir(dir) {
    return apply(realChdir, process, [norm(dir)]);
  };
})();
