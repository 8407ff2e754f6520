"use strict";
/**
 * check() and assert: the tests of course exercises. One implementation, used two ways:
 *
 *  - in a notebook (public-test cells, `course run`): required as a CommonJS module through
 *    ./testing.ts; each check runs at once and prints ✓ or ✗;
 *  - by the grader: in its trusted test host (grading/src/test-host.ts), a worker of the
 *    grading process, never inside the student's kernel, so nothing a student's cell did to
 *    Object, Array, Math, JSON, console, … can change a verdict. Checks are collected first
 *    (a "plan"), then run one by one, one result per check.
 *
 * So this file must stay self-contained: no require(), no variables from outside the
 * functions below, plain ES2020. Everything the grader side needs comes in `powers`.
 */

/**
 * @param powers {object}
 *   mode: "immediate" (notebook: run each check at once) or "collect" (grader)
 *   print(line): where immediate-mode results go (console.log)
 *   strict: immediate mode throws on a failed check (headless runs: a failing solution fails CI)
 *   collect mode only: emit(json), has(name), get(name), require(spec), evaluate(src, file),
 *   setTimeout, clearTimeout, events() → JSON string
 */
function createHarness(powers) {
  // ---- intrinsics of this realm, captured before any test or student code runs ----
  const _apply = Reflect.apply;
  const _isArray = Array.isArray;
  const _keys = Object.keys;
  const _freeze = Object.freeze;
  const _create = Object.create;
  const _defineProperty = Object.defineProperty;
  const _toStringTag = Object.prototype.toString;
  const _isView = ArrayBuffer.isView;
  const _abs = Math.abs;
  const _isFinite = Number.isFinite;
  const _String = String;
  const _stringify = JSON.stringify;
  const _parse = JSON.parse;
  const _regexpTest = RegExp.prototype.test;
  const _regexpToString = RegExp.prototype.toString;
  const _strIncludes = String.prototype.includes;
  const _strSlice = String.prototype.slice;
  const _arrPush = Array.prototype.push;
  const _arrJoin = Array.prototype.join;
  const _arrSort = Array.prototype.sort;
  const _dateNow = Date.now;
  const _hasOwnProperty = Object.prototype.hasOwnProperty;
  const _dateGetTime = Date.prototype.getTime;
  const _Promise = Promise;
  const _Error = Error;

  const mode = powers.mode === "collect" ? "collect" : "immediate";
  const print = powers.print;
  const strict = !!powers.strict;
  const emit = powers.emit;

  const push = (arr, v) => _apply(_arrPush, arr, [v]);
  const _hasOwn = (o, k) => _apply(_hasOwnProperty, o, [k]);
  const join = (arr, sep) => _apply(_arrJoin, arr, [sep]);
  const tagOf = (v) => _apply(_toStringTag, v, []);
  const slice = (s, a, b) => _apply(_strSlice, s, b === undefined ? [a] : [a, b]);

  class AssertionError extends _Error {}
  // Not `this.name = …`: Error.prototype may be frozen (grader), and assigning a property
  // that a frozen prototype defines throws in strict mode.
  _defineProperty(AssertionError.prototype, "name", { value: "AssertionError", writable: true, configurable: true, enumerable: false });

  // ---- showing values in messages (defensive: student values may be proxies or throw) ----
  function show(v, depth) {
    depth = depth === undefined ? 0 : depth;
    try {
      const t = typeof v;
      if (t === "string") return _stringify(v.length > 200 ? slice(v, 0, 200) + "…" : v);
      if (t === "number") return v === 0 && 1 / v < 0 ? "-0" : _String(v);
      if (t === "boolean" || t === "undefined" || t === "bigint") return _String(v) + (t === "bigint" ? "n" : "");
      if (t === "symbol") return "Symbol()";
      if (t === "function") return "[function" + (typeof v.name === "string" && v.name ? " " + v.name : "") + "]";
      if (v === null) return "null";
      if (depth > 2) return _isArray(v) ? "[…]" : "{…}";
      if (_isArray(v) || _isView(v)) {
        const n = v.length;
        const parts = [];
        for (let i = 0; i < n && i < 10; i++) push(parts, show(v[i], depth + 1));
        if (n > 10) push(parts, "… " + (n - 10) + " more");
        return "[" + join(parts, ", ") + "]";
      }
      const tag = tagOf(v);
      if (tag === "[object Promise]" || typeof v.then === "function") return "a Promise (not its value: is an `await` missing?)";
      if (tag === "[object Date]") return "Date(" + _apply(_dateGetTime, v, []) + ")";
      if (tag === "[object RegExp]") return _apply(_regexpToString, v, []);
      if (tag === "[object Error]") return (typeof v.name === "string" ? v.name : "Error") + ": " + _String(v.message);
      const ks = _keys(v);
      const parts = [];
      for (let i = 0; i < ks.length && i < 10; i++) push(parts, ks[i] + ": " + show(v[ks[i]], depth + 1));
      if (ks.length > 10) push(parts, "… " + (ks.length - 10) + " more");
      return "{" + join(parts, ", ") + "}";
    } catch (e) {
      return "<a value that could not be shown>";
    }
  }

  function describeThrown(e) {
    try {
      if (e instanceof AssertionError) return e.message;
      if (e !== null && typeof e === "object") {
        const name = typeof e.name === "string" ? e.name : "Error";
        const message = typeof e.message === "string" ? e.message : show(e);
        return name + ": " + message;
      }
      return "threw " + show(e);
    } catch (x) {
      return "threw a value that could not be shown";
    }
  }

  function fail(message, custom) {
    throw new AssertionError(custom ? _String(custom) + " — " + message : message);
  }

  // ---- comparisons ----
  const sameNumber = (a, b) => a === b || (a !== a && b !== b); // NaN equals NaN; -0 equals 0
  const listLike = (v) => v !== null && typeof v === "object" && (_isArray(v) || _isView(v));

  /** Returns "" when equal, else a path and reason. */
  function deepDiff(a, b, path, depth) {
    if (depth > 100) return path + ": nested too deeply to compare";
    if (typeof a !== typeof b) return path + ": expected " + show(b) + ", got " + show(a);
    if (typeof b !== "object" || a === null || b === null) {
      return sameNumber(a, b) ? "" : path + ": expected " + show(b) + ", got " + show(a);
    }
    if (listLike(b) || listLike(a)) {
      if (!listLike(a) || !listLike(b)) return path + ": expected " + show(b) + ", got " + show(a);
      if (a.length !== b.length) return path + ": expected length " + b.length + ", got length " + a.length + " (" + show(a) + ")";
      for (let i = 0; i < b.length; i++) {
        const d = deepDiff(a[i], b[i], path + "[" + i + "]", depth + 1);
        if (d) return d;
      }
      return "";
    }
    const ta = tagOf(a);
    const tb = tagOf(b);
    if (ta !== tb) return path + ": expected " + show(b) + ", got " + show(a);
    if (tb === "[object Date]") return _apply(_dateGetTime, a, []) === _apply(_dateGetTime, b, []) ? "" : path + ": expected " + show(b) + ", got " + show(a);
    const ka = _apply(_arrSort, _keys(a), []);
    const kb = _apply(_arrSort, _keys(b), []);
    if (join(ka, ",") !== join(kb, ",")) return path + ": expected keys {" + join(kb, ", ") + "}, got {" + join(ka, ", ") + "}";
    for (let i = 0; i < kb.length; i++) {
      const d = deepDiff(a[kb[i]], b[kb[i]], path + "." + kb[i], depth + 1);
      if (d) return d;
    }
    return "";
  }

  function closeDiff(a, e, tol, path, depth) {
    if (depth > 20) return path + ": nested too deeply to compare";
    if (typeof e === "number") {
      if (typeof a !== "number") return path + ": expected a number close to " + show(e) + ", got " + show(a);
      if (a !== a && e !== e) return "";
      if (!_isFinite(e)) return a === e ? "" : path + ": expected " + show(e) + ", got " + show(a);
      return _abs(a - e) <= tol ? "" : path + ": expected " + show(e) + " ± " + tol + ", got " + show(a);
    }
    if (listLike(e)) {
      if (!listLike(a)) return path + ": expected a list like " + show(e) + ", got " + show(a);
      if (a.length !== e.length) return path + ": expected length " + e.length + ", got length " + a.length;
      for (let i = 0; i < e.length; i++) {
        const d = closeDiff(a[i], e[i], tol, path + "[" + i + "]", depth + 1);
        if (d) return d;
      }
      return "";
    }
    return path + ": closeTo compares numbers or lists of numbers; the expected value is " + show(e);
  }

  function assert(value, message) {
    if (!value) fail("expected a true value, got " + show(value), message);
  }
  const A = assert;
  A.ok = (value, message) => assert(value, message);
  A.equal = (actual, expected, message) => {
    if (!sameNumber(actual, expected)) fail("expected " + show(expected) + ", got " + show(actual), message);
  };
  A.notEqual = (actual, unexpected, message) => {
    if (sameNumber(actual, unexpected)) fail("expected something other than " + show(unexpected), message);
  };
  A.deepEqual = (actual, expected, message) => {
    const d = deepDiff(actual, expected, "", 0);
    if (d) fail(d[0] === ":" ? slice(d, 2) : "at " + (d[0] === "." ? slice(d, 1) : d), message);
  };
  A.closeTo = (actual, expected, tolerance, message) => {
    const tol = typeof tolerance === "number" && tolerance >= 0 ? tolerance : 1e-6;
    const d = closeDiff(actual, expected, tol, "", 0);
    if (d) fail(d[0] === ":" ? slice(d, 2) : "at " + d, message);
  };
  A.match = (actual, pattern, message) => {
    if (typeof actual !== "string") fail("expected a string matching " + show(pattern) + ", got " + show(actual), message);
    if (!_apply(_regexpTest, pattern, [actual])) fail("expected a string matching " + show(pattern) + ", got " + show(actual), message);
  };
  A.throws = (fn, expected, message) => {
    let threw = false;
    let err;
    try {
      fn();
    } catch (e) {
      threw = true;
      err = e;
    }
    if (!threw) fail("expected the call to throw an error, but it returned normally", message);
    if (expected === undefined) return;
    const text = describeThrown(err);
    const ok = typeof expected === "string" ? _apply(_strIncludes, text, [expected]) : _apply(_regexpTest, expected, [text]);
    if (!ok) fail("expected an error matching " + show(expected) + ", got " + text, message);
  };
  A.fail = (message) => fail(message === undefined ? "failed" : _String(message));
  _freeze(A);

  // ---- checks ----
  let hidden = false;
  const checks = [];

  function validate(name, fn, options) {
    if (typeof name !== "string" || !name) throw new TypeError("check(name, fn): name must be a non-empty string");
    if (typeof fn !== "function") throw new TypeError("check(" + _stringify(name) + ", fn): fn must be a function");
    let weight = 1;
    if (options !== undefined && options !== null) {
      const p = options.points;
      if (p !== undefined) {
        if (typeof p !== "number" || !(p >= 0) || !_isFinite(p)) throw new TypeError("check(" + _stringify(name) + "): options.points must be a number ≥ 0 (0: feedback only, no points)");
        weight = p;
      }
    }
    return weight;
  }

  const isThenable = (r) => r !== null && (typeof r === "object" || typeof r === "function") && typeof r.then === "function";

  function check(name, fn, options) {
    const weight = validate(name, fn, options);
    if (mode === "collect") {
      push(checks, { name: name, fn: fn, weight: weight, hidden: hidden });
      return undefined;
    }
    const report = (passed, message) => {
      if (passed) print("✓ " + name);
      else {
        print("✗ " + name + " — " + message);
        if (strict) throw new AssertionError("check failed: " + name + " — " + message);
      }
    };
    let r;
    try {
      r = fn();
    } catch (e) {
      report(false, describeThrown(e));
      return undefined;
    }
    if (isThenable(r)) {
      return new _Promise((resolve, reject) => {
        const done = (passed, message) => {
          try {
            report(passed, message);
            resolve(undefined);
          } catch (e) {
            reject(e);
          }
        };
        r.then(
          () => done(true, ""),
          (e) => done(false, describeThrown(e))
        );
      });
    }
    report(true, "");
    return undefined;
  }

  // ---- grader side ----
  const TESTING = _freeze({ check: check, assert: A, AssertionError: AssertionError });

  function testRequire(spec) {
    if (spec === "@course/lib/grading/testing" || spec === "@course/lib/grading/testing.ts") return TESTING;
    if (spec === "@course/lib") {
      // check/assert from here; anything else from the real library (the student's realm).
      let real;
      const target = _create(null);
      return new Proxy(target, {
        get(_t, k) {
          if (k === "check" || k === "assert" || k === "AssertionError") return TESTING[k];
          if (k === "__esModule") return undefined;
          if (real === undefined) real = powers.require("@course/lib");
          return real[k];
        },
      });
    }
    return powers.require(spec);
  }

  function runWithTimeout(fn, timeoutMs) {
    // Returns a promise of [passed, message].
    let r;
    try {
      r = fn();
    } catch (e) {
      return _Promise.resolve([false, describeThrown(e)]);
    }
    if (!isThenable(r)) return _Promise.resolve([true, ""]);
    return new _Promise((resolve) => {
      const timer = powers.setTimeout(() => resolve([false, "timed out after " + timeoutMs / 1000 + " s waiting for the check to finish"]), timeoutMs);
      const settle = (v) => {
        powers.clearTimeout(timer);
        resolve(v);
      };
      try {
        r.then(
          () => settle([true, ""]),
          (e) => settle([false, describeThrown(e)])
        );
      } catch (e) {
        settle([false, describeThrown(e)]);
      }
    });
  }

  /**
   * Runs one question's tests (payload JSON from the grader: nonce, q, parts, names,
   * timeoutMs) and emits records: plan, one result per check, end. Checks are collected
   * from every part first, so the plan (names and weights) is known before anything runs.
   */
  async function runPayload(text) {
    const p = _parse(text);
    const nonce = _String(p.nonce);
    const q = _String(p.q);
    let seq = 0;
    const out = (obj) => {
      obj.v = 1;
      obj.n = nonce;
      obj.s = seq++;
      obj.q = q;
      emit(_stringify(obj));
    };
    const has = (name) => powers.has(name);
    const get = (name) => powers.get(name);
    const partErrors = [];
    for (let i = 0; i < p.parts.length; i++) {
      const part = p.parts[i];
      hidden = !!part.hidden;
      let outer = "(function (__has, __get, __missing) {\n\"use strict\";\n";
      for (let j = 0; j < p.names.length; j++) {
        const n = p.names[j];
        if (n === "check" || n === "assert" || n === "require" || n === "exports" || n === "__setHidden") continue;
        outer += "const " + n + " = __has(" + _stringify(n) + ") ? __get(" + _stringify(n) + ") : __missing(" + _stringify(n) + ");\n";
      }
      outer += "return async function (exports, require, check, assert, __setHidden) {\n\"use strict\";\n" + part.code + "\n};\n})";
      const before = checks.length;
      try {
        const make = powers.evaluate(outer, part.file);
        // A name the notebook does not define: any use of it (call, property, comparison in
        // a message) throws a ReferenceError that tells the student what is missing.
        const missing = (name) => {
          const fail = () => {
            // When the grader knows why (a cell that failed), it says that, not "not defined".
            if (p.missing && _hasOwn(p.missing, name)) throw new ReferenceError(name + " is missing: " + _String(p.missing[name]));
            throw new ReferenceError(name + " is not defined in your notebook: keep the name (and signature) the exercise gives");
          };
          const traps = { get: fail, apply: fail, construct: fail, has: fail, set: fail, ownKeys: fail, getOwnPropertyDescriptor: fail, defineProperty: fail, deleteProperty: fail };
          return new Proxy(function () {}, traps);
        };
        const body = make(has, get, missing);
        await body(_create(null), testRequire, check, A, (flag) => {
          hidden = !!flag;
        });
      } catch (e) {
        push(partErrors, { part: i, hidden: !!part.hidden, message: describeThrown(e), before: before });
      }
    }
    hidden = false;
    const plan = [];
    for (let i = 0; i < checks.length; i++) push(plan, { i: i, name: checks[i].name, w: checks[i].weight, h: checks[i].hidden });
    // A test cell that failed outside any check counts as one failed check, so a broken
    // cell never silently drops points from the denominator.
    for (let k = 0; k < partErrors.length; k++) {
      const e = partErrors[k];
      push(plan, { i: plan.length, name: "test cell " + (e.part + 1) + " ran without errors", w: 1, h: e.hidden, error: e.message });
    }
    out({ t: "plan", checks: plan });
    const timeoutMs = typeof p.timeoutMs === "number" ? p.timeoutMs : 60000;
    // pass "public": only public checks run (the caller sends only public parts, without their
    // hidden regions); pass "hidden": only hidden checks run (public ones ran in an earlier pass).
    const pass = p.pass === "public" || p.pass === "hidden" ? p.pass : undefined;
    for (let i = 0; i < plan.length; i++) {
      if (pass !== undefined && plan[i].h !== (pass === "hidden")) continue;
      const t0 = _dateNow();
      let res;
      if (i < checks.length) res = await runWithTimeout(checks[i].fn, timeoutMs);
      else res = [false, plan[i].error];
      out({ t: "result", i: i, ok: !!res[0], msg: res[1] ? slice(res[1], 0, 2000) : "", ms: _dateNow() - t0 });
    }
    out({ t: "end", events: _parse(powers.events()) });
  }

  return _freeze({ check: check, assert: A, AssertionError: AssertionError, runPayload: runPayload, show: show });
}

module.exports = createHarness;
module.exports.createHarness = createHarness;
