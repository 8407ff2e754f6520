"use strict";
/**
 * Values that cross between a student's kernel and the grader — as DATA, never as code or
 * live objects. Both sides load this file: the kernel (sandbox/preload.js) encodes the
 * student's values and decodes the arguments the grader chose; the grader's test host
 * encodes arguments and decodes the student's answers into fresh objects of its own realm.
 *
 * Wire form: JSON text. Literals (null, booleans, strings, finite numbers other than -0) and
 * arrays stand for themselves; every other value is a tagged object {"$": tag, …}:
 *
 *   {"$":"o","v":{key: node}}         plain object (prototype Object.prototype or null)
 *   {"$":"n","v":"NaN"|"Infinity"|"-Infinity"|"-0"}    {"$":"u"} undefined    {"$":"b","v":"12"} bigint
 *   {"$":"t","c":"Float32Array","v":base64}   typed array     {"$":"a","v":base64} ArrayBuffer
 *   {"$":"d","v":ms} Date   {"$":"re","s":source,"f":flags}   {"$":"m","v":[[k, v]…]} Map   {"$":"s","v":[…]} Set
 *   {"$":"e","n":name,"m":message}    an Error (name and message only)
 *   {"$":"f","h":handle,"n":name,"l":length}   a function of the kernel: the grader may CALL it
 *                                     (arguments and result cross as data again)
 *   {"$":"x","c":className}           anything else (class instances, proxies that fail,
 *                                     symbols): it cannot cross; using it on the grader's side
 *                                     fails with a message that says so
 *   {"$":"r","i":k}                   the k-th container seen so far (shared parts, cycles)
 *
 * Containers (arrays and every tagged node except literals-like n/u/b/r) are numbered in
 * the order they first appear, depth first, on both sides — that is what "r" refers to.
 * Decoding is strict: unknown tags, bad base64 lengths, too deep or too large input throw.
 */

const TYPED = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"];

/**
 * @param {object} hooks
 *   functionNode(fn): a node for a function, or throws (the grader never sends functions)
 *   makeFunction(node): the value for an {"$":"f"} node, or throws (the kernel accepts none)
 *   makeOpaque(className): the value for an {"$":"x"} node
 *   maxNodes, maxDepth: limits (defaults 5,000,000 and 400)
 */
function createCodec(hooks) {
  // Intrinsics captured once: in the kernel this runs before any student code.
  const g = globalThis;
  const _Array = g.Array;
  const isArray = _Array.isArray;
  const getProto = g.Object.getPrototypeOf;
  const ObjectProto = g.Object.prototype;
  const keysOf = g.Object.keys;
  const defineProperty = g.Object.defineProperty;
  const hasOwn = g.Object.prototype.hasOwnProperty;
  const toStringTag = g.Object.prototype.toString;
  const apply = g.Reflect.apply;
  const stringify = g.JSON.stringify;
  const parse = g.JSON.parse;
  const isView = g.ArrayBuffer.isView;
  const _Map = g.Map;
  const _Set = g.Set;
  const _WeakMap = g.WeakMap;
  const _Date = g.Date;
  const _RegExp = g.RegExp;
  const _Error = g.Error;
  const _ArrayBuffer = g.ArrayBuffer;
  const _Uint8Array = g.Uint8Array;
  const _String = g.String;
  const _BigInt = g.BigInt;
  const isFinite = g.Number.isFinite;
  const mapEntries = g.Map.prototype.entries;
  const setValues = g.Set.prototype.values;
  const dateGetTime = g.Date.prototype.getTime;
  const regexpSource = g.Object.getOwnPropertyDescriptor(g.RegExp.prototype, "source").get;
  const regexpFlags = g.Object.getOwnPropertyDescriptor(g.RegExp.prototype, "flags").get;
  const abByteLength = g.Object.getOwnPropertyDescriptor(g.ArrayBuffer.prototype, "byteLength").get;
  const taProto = getProto(g.Uint8Array.prototype);
  const taTag = g.Object.getOwnPropertyDescriptor(taProto, Symbol.toStringTag).get;
  const taBuffer = g.Object.getOwnPropertyDescriptor(taProto, "buffer").get;
  const taOffset = g.Object.getOwnPropertyDescriptor(taProto, "byteOffset").get;
  const taLength = g.Object.getOwnPropertyDescriptor(taProto, "byteLength").get;
  const wmGet = g.WeakMap.prototype.get;
  const wmSet = g.WeakMap.prototype.set;
  const arrPush = g.Array.prototype.push;
  const B = typeof g.Buffer === "function" ? g.Buffer : null;
  const bufFrom = B ? B.from : null;
  const bufToString = B ? B.prototype.toString : null;
  const ctors = {};
  for (const n of TYPED) if (typeof g[n] === "function") ctors[n] = g[n];

  const maxNodes = hooks.maxNodes || 5000000;
  const maxDepth = hooks.maxDepth || 400;

  const toBase64 = (u8) => apply(bufToString, apply(bufFrom, B, [u8.buffer, u8.byteOffset, u8.byteLength]), ["base64"]);
  const fromBase64 = (s) => {
    if (typeof s !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new TypeError("bad base64 data");
    const b = apply(bufFrom, B, [s, "base64"]);
    const ab = new _ArrayBuffer(b.length);
    new _Uint8Array(ab).set(b);
    return ab;
  };
  const className = (v) => {
    try {
      const p = getProto(v);
      const c = p && apply(hasOwn, p, ["constructor"]) ? p.constructor : undefined;
      const n = typeof c === "function" ? c.name : "";
      return typeof n === "string" && n ? _String(n).slice(0, 80) : apply(toStringTag, v, []);
    } catch (e) {
      return "unreadable object";
    }
  };

  /** value → JSON text. */
  function encode(value) {
    return stringify(encodeTree(value));
  }

  /** value → wire tree (JSON-able). Values that cannot cross become {"$":"x"}; too large or deep ones throw. */
  function encodeTree(value) {
    const seen = new _WeakMap();
    let count = 0;
    let nextId = 0; // containers, numbered as decode() numbers them
    const claim = (v) => {
      const id = nextId++;
      if (v !== null && (typeof v === "object" || typeof v === "function")) apply(wmSet, seen, [v, id]);
      return id;
    };
    const node = (v, depth) => {
      if (++count > maxNodes) throw new RangeError("the value is too large to send (more than " + maxNodes + " parts)");
      const t = typeof v;
      if (v === null || t === "boolean" || t === "string") return v;
      if (t === "number") {
        if (v === 0 && 1 / v < 0) return { $: "n", v: "-0" };
        return isFinite(v) ? v : { $: "n", v: _String(v) };
      }
      if (t === "undefined") return { $: "u" };
      if (t === "bigint") return { $: "b", v: _String(v) };
      if (t === "symbol") {
        claim(v);
        return { $: "x", c: "Symbol" };
      }
      if (depth > maxDepth) throw new RangeError("the value is nested too deeply to send (more than " + maxDepth + " levels)");
      const known = apply(wmGet, seen, [v]);
      if (known !== undefined) return { $: "r", i: known };
      claim(v);
      if (t === "function") return hooks.functionNode(v);
      if (isArray(v)) {
        const n = v.length;
        if (n > maxNodes) throw new RangeError("the array is too long to send");
        const out = new _Array(n);
        for (let i = 0; i < n; i++) out[i] = node(v[i], depth + 1);
        return out;
      }
      if (isView(v)) {
        let tag;
        try {
          tag = apply(taTag, v, []);
        } catch (e) {
          tag = undefined; // a DataView
        }
        if (tag && ctors[tag]) return { $: "t", c: tag, v: toBase64(new _Uint8Array(apply(taBuffer, v, []), apply(taOffset, v, []), apply(taLength, v, []))) };
        return { $: "x", c: "DataView" };
      }
      let proto;
      try {
        proto = getProto(v);
      } catch (e) {
        return { $: "x", c: "unreadable object" };
      }
      if (proto === ObjectProto || proto === null) {
        const ks = keysOf(v);
        const out = {};
        for (let i = 0; i < ks.length; i++) defineProperty(out, ks[i], { value: node(v[ks[i]], depth + 1), enumerable: true, writable: true, configurable: true });
        return { $: "o", v: out };
      }
      const tag = apply(toStringTag, v, []);
      if (tag === "[object ArrayBuffer]") return { $: "a", v: toBase64(new _Uint8Array(v, 0, apply(abByteLength, v, []))) };
      if (tag === "[object Date]") return { $: "d", v: node(apply(dateGetTime, v, []), depth + 1) };
      if (tag === "[object RegExp]") return { $: "re", s: apply(regexpSource, v, []), f: apply(regexpFlags, v, []) };
      if (tag === "[object Map]") {
        const out = [];
        const it = apply(mapEntries, v, []);
        for (let e = it.next(); !e.done; e = it.next()) apply(arrPush, out, [[node(e.value[0], depth + 1), node(e.value[1], depth + 1)]]);
        return { $: "m", v: out };
      }
      if (tag === "[object Set]") {
        const out = [];
        const it = apply(setValues, v, []);
        for (let e = it.next(); !e.done; e = it.next()) apply(arrPush, out, [node(e.value, depth + 1)]);
        return { $: "s", v: out };
      }
      if (tag === "[object Error]" || v instanceof _Error) {
        let n = "Error";
        let m = "";
        try {
          n = _String(v.name).slice(0, 200);
          m = _String(v.message).slice(0, 4000);
        } catch (e) {
          /* keep defaults */
        }
        return { $: "e", n: n, m: m };
      }
      return { $: "x", c: className(v) };
    };
    return node(value, 0);
  }

  /** JSON text → value, strictly. Throws TypeError/RangeError on anything malformed. */
  function decode(text) {
    if (typeof text !== "string") throw new TypeError("expected JSON text");
    return decodeTree(parse(text));
  }

  /** Wire tree (already parsed JSON) → value, strictly. */
  function decodeTree(tree) {
    const refs = [];
    let count = 0;
    const bad = (why) => {
      throw new TypeError("malformed value from the other side: " + why);
    };
    const node = (n, depth) => {
      if (++count > maxNodes) throw new RangeError("the value is too large (more than " + maxNodes + " parts)");
      if (depth > maxDepth) throw new RangeError("the value is nested too deeply (more than " + maxDepth + " levels)");
      if (n === null || typeof n === "boolean" || typeof n === "string") return n;
      if (typeof n === "number") return n;
      if (isArray(n)) {
        const out = new _Array(n.length);
        apply(arrPush, refs, [out]);
        for (let i = 0; i < n.length; i++) out[i] = node(n[i], depth + 1);
        return out;
      }
      if (typeof n !== "object" || typeof n.$ !== "string") bad("not a value node");
      switch (n.$) {
        case "n":
          if (n.v === "NaN") return NaN;
          if (n.v === "Infinity") return Infinity;
          if (n.v === "-Infinity") return -Infinity;
          if (n.v === "-0") return -0;
          return bad("number " + _String(n.v));
        case "u":
          return undefined;
        case "b":
          if (typeof n.v !== "string" || !/^-?\d{1,10000}$/.test(n.v)) bad("bigint");
          return _BigInt(n.v);
        case "r":
          if (typeof n.i !== "number" || !(n.i >= 0 && n.i < refs.length) || n.i % 1 !== 0) bad("reference");
          return refs[n.i];
        case "o": {
          if (!n.v || typeof n.v !== "object" || isArray(n.v)) bad("object");
          const out = {};
          apply(arrPush, refs, [out]);
          const ks = keysOf(n.v);
          for (let i = 0; i < ks.length; i++) defineProperty(out, ks[i], { value: node(n.v[ks[i]], depth + 1), enumerable: true, writable: true, configurable: true });
          return out;
        }
        case "t": {
          const C = ctors[n.c];
          if (!C) bad("typed array class " + _String(n.c));
          const ab = fromBase64(n.v);
          if (ab.byteLength % C.BYTES_PER_ELEMENT !== 0) bad("typed array length");
          const out = new C(ab);
          apply(arrPush, refs, [out]);
          return out;
        }
        case "a": {
          const out = fromBase64(n.v);
          apply(arrPush, refs, [out]);
          return out;
        }
        case "d": {
          const slot = refs.length;
          apply(arrPush, refs, [null]);
          const ms = node(n.v, depth + 1);
          if (typeof ms !== "number") bad("date");
          const out = new _Date(ms);
          refs[slot] = out;
          return out;
        }
        case "re": {
          if (typeof n.s !== "string" || typeof n.f !== "string") bad("regular expression");
          const out = new _RegExp(n.s, n.f);
          apply(arrPush, refs, [out]);
          return out;
        }
        case "m": {
          if (!isArray(n.v)) bad("map");
          const out = new _Map();
          apply(arrPush, refs, [out]);
          for (let i = 0; i < n.v.length; i++) {
            if (!isArray(n.v[i]) || n.v[i].length !== 2) bad("map entry");
            out.set(node(n.v[i][0], depth + 1), node(n.v[i][1], depth + 1));
          }
          return out;
        }
        case "s": {
          if (!isArray(n.v)) bad("set");
          const out = new _Set();
          apply(arrPush, refs, [out]);
          for (let i = 0; i < n.v.length; i++) out.add(node(n.v[i], depth + 1));
          return out;
        }
        case "e": {
          const out = new _Error(typeof n.m === "string" ? n.m : "");
          defineProperty(out, "name", { value: typeof n.n === "string" ? n.n : "Error", writable: true, configurable: true, enumerable: false });
          apply(arrPush, refs, [out]);
          return out;
        }
        case "f": {
          const out = hooks.makeFunction(n);
          apply(arrPush, refs, [out]);
          return out;
        }
        case "x": {
          const out = hooks.makeOpaque(typeof n.c === "string" ? n.c.slice(0, 80) : "object");
          apply(arrPush, refs, [out]);
          return out;
        }
        default:
          return bad("tag " + _String(n.$).slice(0, 20));
      }
    };
    return node(tree, 0);
  }

  return { encode: encode, decode: decode, encodeTree: encodeTree, decodeTree: decodeTree };
}

module.exports = { createCodec: createCodec, TYPED_ARRAYS: TYPED };
