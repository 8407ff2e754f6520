/**
 * A small reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
 *
 *   [8 bytes: little-endian u64 N][N bytes: JSON header][tensor bytes]
 *
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative
 * to the end of the header) plus an optional "__metadata__" string map. Tensors are little-endian
 * and C-contiguous. We decode F32, F16 and BF16 to Float32Array (the model computes in float32), and
 * I64 / I32 (e.g. the `position_ids` buffer older BERT files carry) to Int32Array.
 *
 * Sharded checkpoints (`model.safetensors.index.json`) are handled in checkpoint.ts.
 */

export type FloatDType = "F32" | "F16" | "BF16";
export type DType = FloatDType | "I64" | "I32";

export interface RawTensor {
  dtype: DType;
  shape: number[];
  /** Float tensors decode to Float32Array, integer tensors to Int32Array. */
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

const BYTES: Record<DType, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 };

// ---------------------------------------------------------------- half-precision conversions

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits → float32 value (exact: every f16 is representable in f32). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero / subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 value → binary16 bits, round to nearest even (as numpy / torch do). */
export function f32ToF16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // subnormal half (or zero)
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // may carry into the exponent: correct
  return sign | half;
}

/** bfloat16 bits → float32 value: the top 16 bits of a float32. */
export function bf16ToF32(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

/** float32 value → bfloat16 bits, round to nearest even (torch's rounding). */
export function f32ToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40; // keep NaN a NaN
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

// ---------------------------------------------------------------- read

/** Parses a whole safetensors file held in memory. */
export function parseSafetensors(buf: Uint8Array, source = "safetensors file"): SafetensorsFile {
  if (buf.byteLength < 8) throw new Error(`${source}: too short to be a safetensors file (${buf.byteLength} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > buf.byteLength) throw new Error(`${source}: header length ${n} runs past the end of the file (${buf.byteLength} bytes); the file is truncated or not safetensors`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n)));
  } catch (err) {
    throw new Error(`${source}: header is not valid JSON (${(err as Error).message})`);
  }
  const dataStart = 8 + n;
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = (entry ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in BYTES)) throw new Error(`${source}: tensor "${name}" has dtype ${dtype}; supported: ${Object.keys(BYTES).join(", ")}`);
    const dt = dtype as DType;
    const count = shape.reduce((a, b) => a * b, 1);
    const [begin, end] = data_offsets;
    if (end - begin !== count * BYTES[dt]) throw new Error(`${source}: tensor "${name}" has ${end - begin} bytes, expected ${count * BYTES[dt]} for ${dt}[${shape}]`);
    if (dataStart + end > buf.byteLength) throw new Error(`${source}: tensor "${name}" runs past the end of the file; the file is truncated`);
    tensors.set(name, { dtype: dt, shape: [...shape], data: decode(view, dataStart + begin, count, dt) });
  }
  return { tensors, metadata };
}

function decode(view: DataView, offset: number, count: number, dtype: DType): Float32Array | Int32Array {
  switch (dtype) {
    case "F32": {
      const out = new Float32Array(count);
      // Copy the bytes (the source may be unaligned); the platform is little-endian like the format.
      new Uint8Array(out.buffer).set(new Uint8Array(view.buffer, view.byteOffset + offset, count * 4));
      return out;
    }
    case "F16": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = f16ToF32(view.getUint16(offset + 2 * i, true));
      return out;
    }
    case "BF16": {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(offset + 2 * i, true) << 16;
      return out;
    }
    case "I32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, true);
      return out;
    }
    case "I64": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(offset + 8 * i, true));
      return out;
    }
  }
}

// ---------------------------------------------------------------- write

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
  /** Storage dtype; float data defaults to F32, integer data to I64. */
  dtype?: DType;
}

/**
 * Serialises tensors to safetensors bytes. Tensors are laid out in name order (as the Python
 * library does) and the header is padded with spaces to a multiple of 8 bytes.
 */
export function serializeSafetensors(tensors: TensorToWrite[], metadata: Record<string, string> = { format: "pt" }): Uint8Array {
  const sorted = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const dtypes: DType[] = [];
  for (const t of sorted) {
    const dtype: DType = t.dtype ?? (t.data instanceof Float32Array ? "F32" : "I64");
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor "${t.name}": shape [${t.shape}] needs ${count} values, data has ${t.data.length}`);
    const bytes = count * BYTES[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    dtypes.push(dtype);
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let headerBytes = enc.encode(json);
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) headerBytes = enc.encode(json + " ".repeat(pad));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  sorted.forEach((t, k) => {
    pos = encode(view, out, pos, t.data, dtypes[k]);
  });
  return out;
}

function encode(view: DataView, out: Uint8Array, pos: number, data: Float32Array | Int32Array, dtype: DType): number {
  const n = data.length;
  switch (dtype) {
    case "F32":
      if (!(data instanceof Float32Array)) throw new Error("F32 storage needs float data");
      out.set(new Uint8Array(data.buffer, data.byteOffset, n * 4), pos);
      return pos + 4 * n;
    case "F16":
      for (let i = 0; i < n; i++) view.setUint16(pos + 2 * i, f32ToF16(data[i]), true);
      return pos + 2 * n;
    case "BF16":
      for (let i = 0; i < n; i++) view.setUint16(pos + 2 * i, f32ToBf16(data[i]), true);
      return pos + 2 * n;
    case "I32":
      for (let i = 0; i < n; i++) view.setInt32(pos + 4 * i, data[i], true);
      return pos + 4 * n;
    case "I64":
      for (let i = 0; i < n; i++) view.setBigInt64(pos + 8 * i, BigInt(Math.round(data[i])), true);
      return pos + 8 * n;
  }
}
