/**
 * Graph → ONNX ModelProto bytes, with `onnx-proto` (the ONNX protobuf schema compiled for
 * protobufjs; chosen because it is the ONNX schema package with the widest use on npm and its
 * encoder is plain generated code, no native parts). Nodes that no output needs are left out.
 *
 * Opset 17 (LayerNormalization, ScatterND with reduction); IR version 8.
 */
import { onnx } from "onnx-proto";
import { Attr, ConstTensor, Graph, onnxTypeCode, Val } from "./graph";

export const OPSET = 17;
const IR_VERSION = 8;

function valueInfo(name: string, v: Val): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: onnxTypeCode(v.dtype), shape: { dim: v.shape.map((d) => ({ dimValue: d })) } } } };
}

function tensorProto(name: string, t: ConstTensor): onnx.ITensorProto {
  const base = { name, dims: t.shape, dataType: onnxTypeCode(t.dtype) };
  switch (t.dtype) {
    case "float32": {
      const f = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
      return { ...base, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
    }
    case "int32":
      return { ...base, int32Data: Array.from(t.data) };
    case "bool":
      return { ...base, int32Data: Array.from(t.data, (x) => (x ? 1 : 0)) };
    case "int64":
      return { ...base, int64Data: Array.from(t.data) };
  }
}

function attribute(name: string, a: Attr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof a === "number") return { name, type: T.INT, i: a };
  if (typeof a === "string") return { name, type: T.STRING, s: new TextEncoder().encode(a) };
  if (Array.isArray(a)) return { name, type: T.INTS, ints: a };
  if ("float" in a) return { name, type: T.FLOAT, f: a.float };
  if ("floats" in a) return { name, type: T.FLOATS, floats: a.floats };
  return { name, type: T.TENSOR, t: tensorProto(`${name}_value`, a.tensor) };
}

/**
 * Serializes the graph with the given inputs (in order; unused ones are kept so the caller's
 * feeds stay valid) and the graph's declared outputs.
 */
export function serialize(g: Graph, name = "course"): Uint8Array {
  // Live nodes: those some declared output depends on.
  const live = new Set<Val>(g.outputs.map((o) => o.val));
  const keep: boolean[] = new Array(g.nodes.length).fill(false);
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => live.has(o))) continue;
    keep[i] = true;
    for (const x of n.inputs) if (x) live.add(x);
  }
  // Outputs that are graph inputs or repeated values need an Identity, since an ONNX output names a value.
  const nodes: onnx.INodeProto[] = [];
  g.nodes.forEach((n, i) => {
    if (!keep[i]) return;
    nodes.push({
      opType: n.op,
      domain: n.domain ?? "",
      input: n.inputs.map((x) => (x ? x.name : "")),
      output: n.outputs.map((o) => o.name),
      attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
    });
  });
  const outputs: onnx.IValueInfoProto[] = [];
  for (const o of g.outputs) {
    if (o.name !== o.val.name) nodes.push({ opType: "Identity", input: [o.val.name], output: [o.name] });
    outputs.push(valueInfo(o.name, o.val));
  }
  const initializer = g.constants.filter((c) => live.has(c.val)).map((c) => tensorProto(c.val.name, c.tensor));
  const graph: onnx.IGraphProto = {
    name,
    node: nodes,
    initializer,
    input: g.inputs.map((i) => valueInfo(i.val.name, i.val)),
    output: outputs,
  };
  const model = onnx.ModelProto.create({ irVersion: IR_VERSION, opsetImport: [{ domain: "", version: OPSET }, { domain: "com.microsoft", version: 1 }], producerName: "llm-learning-course", graph });
  return onnx.ModelProto.encode(model).finish();
}
