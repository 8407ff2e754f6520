"use strict";
/**
 * Loaded with `node --require` into every kernel that `course grade` and `course check` start,
 * before tslab and before any notebook cell. It does not hold, receive or run any test.
 *
 *  1. It remembers tslab's `exports` object: where the notebook's top-level names live.
 *  2. It answers the grader on fd 3 (COURSE_GRADE_BRIDGE=3, a socketpair the grader made),
 *     one JSON request per line:
 *        {"id":1,"op":"get","name":"dot"}             → the value of a top-level name, as data
 *        {"id":2,"op":"call","h":0,"args":<tree>}     → calls a function of the notebook with
 *                                                       the arguments the grader chose
 *        {"id":3,"op":"events"}                        → what the second layer refused (evidence)
 *     and one JSON response per line: {"id","t":"value"|"missing"|"threw"|"error", "v":<tree>}.
 *     Values are encoded by ./codec.js; functions become handles the grader can call. The
 *     grader trusts none of it: an answer is only ever the student's answer, judged by tests
 *     that run in the grader's own process.
 *  3. With COURSE_GRADE_SANDBOX=1 (grading submissions) it is the second layer under the OS
 *     sandbox (bubblewrap, see ../src/isolation.ts) and Node's permission model: it normalises
 *     fs paths (a symlink inside an allowed folder cannot lead out of it), refuses signals to
 *     other processes, native addons from outside node_modules, Node's network modules, DNS,
 *     and process.report (which writes files below the permission model), and records each
 *     refusal. Records are evidence for staff, never verdicts.
 */
(function coursePreload() {
  const BRIDGE_FD = Number(process.env.COURSE_GRADE_BRIDGE || "");
  const SANDBOX = process.env.COURSE_GRADE_SANDBOX === "1";
  const ADDON_ROOTS = (process.env.COURSE_GRADE_ADDONS || "").split(require("path").delimiter).filter(Boolean);
  delete process.env.COURSE_GRADE_BRIDGE;
  delete process.env.COURSE_GRADE_SANDBOX;
  delete process.env.COURSE_GRADE_ADDONS;
  if (!(BRIDGE_FD >= 3)) return;

  const net = require("net");
  const fs = require("fs");
  const path = require("path");
  const url = require("url");
  const REPO = process.env.COURSE_GRADE_REPO || "";
  const TS_CACHE = process.env.COURSE_GRADE_TSCACHE || "";
  delete process.env.COURSE_GRADE_REPO;
  delete process.env.COURSE_GRADE_TSCACHE;
  const { createCodec } = require("./codec.js");

  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const hasOwn = Object.prototype.hasOwnProperty;
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const strIndexOf = String.prototype.indexOf;
  const strSlice = String.prototype.slice;
  const pathResolve = path.resolve;
  const pathSep = path.sep;
  const strStartsWith = String.prototype.startsWith;
  const selfPid = process.pid;

  // ---- evidence: what the second layer refused ----
  const events = [];
  const event = (text) => {
    if (events.length < 200) events[events.length] = "" + text;
    else if (events.length === 200) events[200] = "… and more";
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

  // ---- the bridge ----
  const handles = [];
  const codec = createCodec({
    functionNode(fn) {
      let name = "";
      let length = 0;
      try {
        name = typeof fn.name === "string" ? fn.name.slice(0, 100) : "";
        length = typeof fn.length === "number" ? fn.length : 0;
      } catch (e) {
        /* keep defaults */
      }
      if (handles.length >= 100000) return { $: "x", c: "function (too many functions sent)" };
      handles[handles.length] = fn;
      return { $: "f", h: handles.length - 1, n: name, l: length };
    },
    makeFunction() {
      throw new TypeError("the grader sends data, not functions");
    },
    makeOpaque(c) {
      throw new TypeError("the grader sends data, not " + c);
    },
  });
  const sock = new net.Socket({ fd: BRIDGE_FD, readable: true, writable: true });
  // The grader holds the other end: when it goes (killed, crashed), this kernel goes too — the
  // OS sandbox's --die-with-parent does the same from outside, this covers its start-up window.
  const exit = process.exit.bind(process);
  const bye = () => exit(0);
  sock.on("error", bye);
  sock.on("end", bye);
  sock.on("close", bye);
  const reply = (obj) => {
    let line;
    try {
      line = stringify(obj);
    } catch (e) {
      line = stringify({ id: obj.id, t: "error", m: "the answer could not be encoded: " + String(e && e.message) });
    }
    sock.write(line + "\n");
  };
  const encodeSafe = (v) => {
    try {
      return { ok: true, tree: codec.encodeTree(v) };
    } catch (e) {
      return { ok: false, message: String(e && e.message) };
    }
  };
  const isThenable = (r) => r !== null && (typeof r === "object" || typeof r === "function") && typeof r.then === "function";

  async function handle(req) {
    const id = req.id;
    if (req.op === "get") {
      const ex = studentExports;
      const name = "" + req.name;
      if (ex === null || !apply(hasOwn, ex, [name])) return reply({ id: id, t: "missing" });
      let v;
      try {
        v = ex[name];
      } catch (e) {
        const t = encodeSafe(e);
        return reply(t.ok ? { id: id, t: "threw", v: t.tree } : { id: id, t: "error", m: t.message });
      }
      const t = encodeSafe(v);
      return reply(t.ok ? { id: id, t: "value", v: t.tree } : { id: id, t: "error", m: t.message });
    }
    if (req.op === "call") {
      const fn = handles[req.h];
      if (typeof fn !== "function") return reply({ id: id, t: "error", m: "no such function handle" });
      let args;
      try {
        args = codec.decodeTree(req.args);
      } catch (e) {
        return reply({ id: id, t: "error", m: "bad arguments: " + String(e && e.message) });
      }
      let r;
      let async = false;
      try {
        r = apply(fn, undefined, args);
        if (isThenable(r)) {
          async = true;
          r = await r;
        }
      } catch (e) {
        const t = encodeSafe(e);
        return reply(t.ok ? { id: id, t: "threw", v: t.tree, async: async } : { id: id, t: "error", m: t.message });
      }
      const t = encodeSafe(r);
      return reply(t.ok ? { id: id, t: "value", v: t.tree, async: async } : { id: id, t: "error", m: t.message });
    }
    if (req.op === "events") return reply({ id: id, t: "value", v: codec.encodeTree(events.slice()) });
    return reply({ id: id, t: "error", m: "unknown request" });
  }

  let pending = "";
  sock.setEncoding("utf8");
  sock.on("data", (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = apply(strIndexOf, pending, ["\n"])) >= 0) {
      const line = apply(strSlice, pending, [0, nl]);
      pending = apply(strSlice, pending, [nl + 1]);
      let req;
      try {
        req = parse(line);
      } catch (e) {
        continue;
      }
      handle(req).catch((e) => reply({ id: req.id, t: "error", m: String(e && e.message) }));
    }
  });

  if (!SANDBOX) return;

  // ---- TypeScript without a child process ----
  // The course library is TypeScript, loaded through tsx, whose compiler (esbuild) runs in a
  // worker thread and a child process: both are refused here. TypeScript's own transpiler is
  // plain JavaScript (tslab already loads it), so `.ts` files compile in this process instead:
  // tsx's register() becomes this hook's.
  const Module = require("module");
  const repoRequire = Module.createRequire(path.join(REPO || process.cwd(), "package.json"));
  const tsCompile = require("./ts-compile.js");
  let ts = null;
  const compileTs = function (module, filename) {
    if (ts === null) ts = repoRequire("typescript");
    const source = fs.readFileSync(filename, "utf8");
    let js = null;
    if (TS_CACHE) {
      try {
        js = fs.readFileSync(path.join(TS_CACHE, tsCompile.cacheKey(ts, source, filename)), "utf8");
      } catch (e) {
        js = null; // not compiled ahead (a file changed since): compile it here
      }
    }
    if (js === null) js = tsCompile.transpile(ts, source, filename);
    module._compile(js, filename);
  };
  const installTs = () => {
    for (const ext of [".ts", ".cts", ".mts", ".tsx"]) Module._extensions[ext] = compileTs;
    return () => undefined;
  };
  try {
    const tsxApi = repoRequire.resolve("tsx/cjs/api");
    const stub = new Module(tsxApi, null);
    stub.filename = tsxApi;
    stub.loaded = true;
    stub.exports = { register: installTs, require: (id, from) => Module.createRequire(from)(id) };
    Module._cache[tsxApi] = stub;
  } catch (e) {
    /* no tsx here: nothing to replace */
  }
  installTs();

  // ---- the second layer: lock down what the OS sandbox and permission model leave to Node ----
  const lock = (obj, name, value) => {
    try {
      defineProperty(obj, name, { value, writable: false, configurable: false, enumerable: true });
    } catch (e) {
      try {
        obj[name] = value;
      } catch (e2) {
        /* cannot replace it: the OS sandbox still holds */
      }
    }
  };
  const refuse = (what) =>
    function refused() {
      event(what);
      const e = new Error(`${what}: not allowed while grading`);
      e.code = "ERR_ACCESS_DENIED";
      throw e;
    };

  // Signals: a kernel may signal itself, nothing else.
  const realKill = process.kill;
  lock(process, "kill", function kill(pid, signal) {
    if (Number(pid) === selfPid) return apply(realKill, process, [pid, signal]);
    event(`process.kill(${stringify(pid)}, ${stringify(signal === undefined ? "SIGTERM" : signal)})`);
    const e = new Error("process.kill: signalling other processes is not allowed while grading");
    e.code = "EPERM";
    throw e;
  });
  if (typeof process._kill === "function") {
    const realUnderscoreKill = process._kill;
    lock(process, "_kill", function _kill(pid, signal) {
      if (Number(pid) === selfPid) return apply(realUnderscoreKill, process, [pid, signal]);
      event(`process._kill(${stringify(pid)})`);
      return -1; // EPERM, as the real binding reports it
    });
  }

  // Native addons only from node_modules (zeromq, which the kernel itself needs, lives there).
  const realDlopen = process.dlopen;
  const realpathSync = fs.realpathSync;
  lock(process, "dlopen", function dlopen(module, filename, flags) {
    let real = "";
    try {
      real = apply(realpathSync, fs, [pathResolve("" + filename)]);
    } catch (e) {
      real = "";
    }
    let allowed = false;
    for (let i = 0; i < ADDON_ROOTS.length; i++) if (real && apply(strStartsWith, real, [ADDON_ROOTS[i] + pathSep])) allowed = true;
    if (!allowed) {
      event(`load native addon ${stringify("" + filename)}`);
      const e = new Error("native addons outside node_modules are not allowed while grading");
      e.code = "ERR_ACCESS_DENIED";
      throw e;
    }
    return apply(realDlopen, process, flags === undefined ? [module, real] : [module, real, flags]);
  });

  // process.report writes files below Node's permission model: refuse writing (getReport only
  // returns an object; libraries use it to tell glibc from musl).
  try {
    const real = process.report;
    const getReport = real && typeof real.getReport === "function" ? real.getReport.bind(real) : refuse("process.report.getReport()");
    const stub = Object.freeze({
      writeReport: refuse("process.report.writeReport()"),
      getReport,
      directory: "",
      filename: "",
      compact: false,
      signal: "SIGUSR2",
      reportOnFatalError: false,
      reportOnSignal: false,
      reportOnUncaughtException: false,
      excludeNetwork: true,
    });
    defineProperty(process, "report", { value: stub, writable: false, configurable: false, enumerable: true });
  } catch (e) {
    event("process.report could not be locked");
  }

  // Network: the OS sandbox has no network at all; Node's modules say so at once, and it is recorded.
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
  try {
    defineProperty(net.Socket.prototype, "connect", { value: refuse("net.Socket#connect()"), writable: false, configurable: false });
    defineProperty(net.Server.prototype, "listen", { value: refuse("net.Server#listen()"), writable: false, configurable: false });
  } catch (e) {
    /* the OS sandbox still holds */
  }
  const dgram = require("dgram");
  lock(dgram, "createSocket", refuse("dgram.createSocket()"));
  const http2 = require("http2");
  for (const name of ["connect", "createServer", "createSecureServer"]) lock(http2, name, refuse(`http2.${name}()`));
  const tls = require("tls");
  lock(tls, "connect", refuse("tls.connect()"));
  if (typeof globalThis.fetch === "function") lock(globalThis, "fetch", refuse("fetch()"));
  const dns = require("dns");
  const refuseDns = (name) =>
    function refusedDns(...args) {
      event(`dns.${name}(${args.filter((a) => typeof a !== "function").map((a) => stringify(a)).join(", ").slice(0, 200)})`);
      const e = new Error(`dns.${name}: the network is closed while grading`);
      e.code = "ERR_ACCESS_DENIED";
      throw e;
    };
  const DNS_FUNCS = ["lookup", "lookupService", "resolve", "resolve4", "resolve6", "resolveAny", "resolveCaa", "resolveCname", "resolveMx", "resolveNaptr", "resolveNs", "resolvePtr", "resolveSoa", "resolveSrv", "resolveTxt", "reverse", "setServers"];
  for (const name of DNS_FUNCS) {
    if (typeof dns[name] === "function") lock(dns, name, refuseDns(name));
    if (dns.promises && typeof dns.promises[name] === "function") lock(dns.promises, name, refuseDns(name));
    for (const R of [dns.Resolver, dns.promises && dns.promises.Resolver]) {
      if (R && typeof R.prototype[name] === "function") {
        try {
          defineProperty(R.prototype, name, { value: refuseDns(name), writable: false, configurable: false });
        } catch (e) {
          /* the OS sandbox still holds */
        }
      }
    }
  }

  // Files: normalise paths (Node checks the path as written, the OS follows symlinks), record refusals.
  const bufferIsBuffer = Buffer.isBuffer;
  const bufToString = Buffer.prototype.toString;
  const URLClass = URL;
  const fileURLToPath = url.fileURLToPath;
  const norm = (p) => {
    if (typeof p === "string") return pathResolve(p);
    if (bufferIsBuffer(p)) return pathResolve(apply(bufToString, p, ["utf8"]));
    if (p instanceof URLClass) return pathResolve(fileURLToPath(p));
    return p; // a file descriptor or something fs will reject itself
  };
  const denied = (err) => err !== null && typeof err === "object" && (err.code === "ERR_ACCESS_DENIED" || err.code === "EROFS");
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
  const record = (name, args, nPaths) => event(`${describe(name, args[0], nPaths > 1 ? args[1] : undefined)}: refused`);
  const wrapFn = (orig, name, nPaths, kind) => {
    const wrapped = function (...args) {
      for (let i = 0; i < nPaths && i < args.length; i++) args[i] = norm(args[i]);
      if (kind === "callback") {
        const last = args.length - 1;
        if (last >= 0 && typeof args[last] === "function") {
          const cb = args[last];
          args[last] = function (err, ...rest) {
            if (denied(err)) record(name, args, nPaths);
            return apply(cb, this, [err, ...rest]);
          };
        }
      }
      try {
        const r = apply(orig, this, args);
        if (kind === "promise" && r && typeof r.then === "function") {
          return r.then(undefined, (err) => {
            if (denied(err)) record(name, args, nPaths);
            throw err;
          });
        }
        return r;
      } catch (err) {
        if (denied(err)) record(name, args, nPaths);
        throw err;
      }
    };
    for (const k of Object.keys(orig)) wrapped[k] = orig[k]; // e.g. realpathSync.native
    if (typeof orig.native === "function") wrapped.native = wrapFn(orig.native, name, nPaths, "sync");
    return wrapped;
  };
  const promises = fs.promises;
  for (const [name, n] of PATH_FUNCS) {
    const kind = name.startsWith("create") || name === "watch" || name === "watchFile" ? "sync" : "callback";
    if (typeof fs[name] === "function") fs[name] = wrapFn(fs[name], name, n, kind);
    if (typeof fs[`${name}Sync`] === "function") fs[`${name}Sync`] = wrapFn(fs[`${name}Sync`], `${name}Sync`, n, "sync");
    if (promises && typeof promises[name] === "function") promises[name] = wrapFn(promises[name], name, n, "promise");
  }
  const realChdir = process.chdir;
  process.chdir = function chdir(dir) {
    return apply(realChdir, process, [norm(dir)]);
  };
})();
