/**
 * A minimal ONNX protobuf reader/writer: enough to list a graph's nodes, initializers, inputs and outputs,
 * to expose intermediate values as extra outputs (for FLOP counting in `lamslide bench`), and to build small
 * graphs in memory (the bench's MatMul peak graph; test graphs). No dependency on a protobuf library.
 * Field numbers are from onnx/onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto).
 */

// ---------- wire-format reading ----------

export interface PbField {
  field: number;
  wire: number;
  /** varint value (wire 0) or fixed value bits (1, 5) as a number; for wire 2 the payload. */
  value: number | bigint;
  bytes?: Uint8Array;
}

const td = new TextDecoder();
const te = new TextEncoder();

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new Error('protobuf: varint too long');
  }
}

/** Splits a message into its top-level fields (in order; repeated fields appear several times). */
export function readFields(buf: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      pos = p2;
      out.push({ field, wire, value: v });
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new Error('protobuf: truncated length-delimited field');
      out.push({ field, wire, value: 0, bytes: buf.subarray(p2, end) });
      pos = end;
    } else if (wire === 5) {
      if (pos + 4 > buf.length) throw new Error('protobuf: truncated fixed32');
      out.push({ field, wire, value: new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true) });
      pos += 4;
    } else if (wire === 1) {
      if (pos + 8 > buf.length) throw new Error('protobuf: truncated fixed64');
      out.push({ field, wire, value: new DataView(buf.buffer, buf.byteOffset + pos, 8).getBigUint64(0, true) });
      pos += 8;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}

function str(f: PbField): string {
  return td.decode(f.bytes ?? new Uint8Array());
}

function int(f: PbField): number {
  return Number(typeof f.value === 'bigint' ? BigInt.asIntN(64, f.value) : f.value);
}

/** Repeated int64 (packed or not). */
function ints(fields: PbField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== field) continue;
    if (f.wire === 2 && f.bytes) {
      let p = 0;
      while (p < f.bytes.length) {
        const [v, p2] = readVarint(f.bytes, p);
        out.push(Number(BigInt.asIntN(64, v)));
        p = p2;
      }
    } else out.push(int(f));
  }
  return out;
}

// ---------- ONNX structure ----------

export interface OnnxDim {
  value?: number;
  param?: string;
}
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  shape: OnnxDim[] | undefined;
}
export interface OnnxNode {
  opType: string;
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, number | number[] | string>;
}
export interface OnnxInitializer {
  name: string;
  dims: number[];
  dataType: number;
}
export interface OnnxGraphInfo {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

function parseValueInfo(buf: Uint8Array): OnnxValueInfo {
  const f = readFields(buf);
  const name = f.filter((x) => x.field === 1).map(str)[0] ?? '';
  let elemType = 0;
  let shape: OnnxDim[] | undefined;
  const type = f.find((x) => x.field === 2)?.bytes;
  const tensor = type ? readFields(type).find((x) => x.field === 1)?.bytes : undefined;
  if (tensor) {
    const tf = readFields(tensor);
    elemType = int(tf.find((x) => x.field === 1) ?? { field: 1, wire: 0, value: 0 });
    const shp = tf.find((x) => x.field === 2)?.bytes;
    if (shp) {
      shape = readFields(shp)
        .filter((x) => x.field === 1)
        .map((d) => {
          const df = readFields(d.bytes ?? new Uint8Array());
          const v = df.find((x) => x.field === 1);
          const p = df.find((x) => x.field === 2);
          return v ? { value: int(v) } : p ? { param: str(p) } : {};
        });
    }
  }
  return { name, elemType, shape };
}

function parseNode(buf: Uint8Array): OnnxNode {
  const f = readFields(buf);
  const attributes: Record<string, number | number[] | string> = {};
  for (const a of f.filter((x) => x.field === 5)) {
    const af = readFields(a.bytes ?? new Uint8Array());
    const name = str(af.find((x) => x.field === 1) ?? { field: 1, wire: 2, value: 0 });
    const i = af.find((x) => x.field === 3);
    const fl = af.find((x) => x.field === 2);
    const s = af.find((x) => x.field === 4);
    const is = ints(af, 8);
    if (i) attributes[name] = int(i);
    else if (fl) attributes[name] = new DataView(new Uint32Array([Number(fl.value)]).buffer).getFloat32(0, true);
    else if (s) attributes[name] = str(s);
    else if (is.length) attributes[name] = is;
  }
  return {
    inputs: f.filter((x) => x.field === 1).map(str),
    outputs: f.filter((x) => x.field === 2).map(str),
    name: f.filter((x) => x.field === 3).map(str)[0] ?? '',
    opType: f.filter((x) => x.field === 4).map(str)[0] ?? '',
    domain: f.filter((x) => x.field === 7).map(str)[0] ?? '',
    attributes,
  };
}

function graphBytes(model: Uint8Array): Uint8Array {
  const g = readFields(model).find((x) => x.field === 7)?.bytes;
  if (!g) throw new Error('not an ONNX model: no graph field');
  return g;
}

/** The top-level fields of a ModelProto other than the graph (onnx.proto: ModelProto fields 1-6, 8, 14). */
export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  opsets: { domain: string; version: number }[];
  /** metadata_props (StringStringEntryProto key/value pairs); a repeated key keeps its last value */
  metadata: Record<string, string>;
}

function opsetsOf(mf: PbField[]): { domain: string; version: number }[] {
  return mf
    .filter((x) => x.field === 8)
    .map((o) => {
      const of = readFields(o.bytes ?? new Uint8Array());
      return { domain: of.filter((x) => x.field === 1).map(str)[0] ?? '', version: int(of.find((x) => x.field === 2) ?? { field: 2, wire: 0, value: 0 }) };
    });
}

/**
 * Reads the model-level fields without parsing the graph (a large graph is skipped over as one length-delimited
 * field), e.g. the lamslide.* metadata the model loader compares with the manifest.
 */
export function readModelInfo(model: Uint8Array): OnnxModelInfo {
  const mf = readFields(model);
  if (!mf.some((x) => x.field === 7 && x.wire === 2)) throw new Error('not an ONNX model: no graph field');
  const s1 = (field: number) => mf.filter((x) => x.field === field && x.wire === 2).map(str)[0] ?? '';
  const metadata: Record<string, string> = {};
  for (const e of mf.filter((x) => x.field === 14 && x.wire === 2)) {
    const ef = readFields(e.bytes ?? new Uint8Array());
    const key = ef.filter((x) => x.field === 1).map(str)[0];
    if (key !== undefined) metadata[key] = ef.filter((x) => x.field === 2).map(str)[0] ?? '';
  }
  return {
    irVersion: int(mf.find((x) => x.field === 1) ?? { field: 1, wire: 0, value: 0 }),
    producerName: s1(2),
    producerVersion: s1(3),
    domain: s1(4),
    modelVersion: int(mf.find((x) => x.field === 5) ?? { field: 5, wire: 0, value: 0 }),
    docString: s1(6),
    opsets: opsetsOf(mf),
    metadata,
  };
}

/** Reads the structure of a model (nodes of the main graph only; subgraphs are not descended into). */
export function parseOnnx(model: Uint8Array): OnnxGraphInfo {
  const mf = readFields(model);
  const g = readFields(graphBytes(model));
  return {
    irVersion: int(mf.find((x) => x.field === 1) ?? { field: 1, wire: 0, value: 0 }),
    opsets: opsetsOf(mf),
    nodes: g.filter((x) => x.field === 1).map((n) => parseNode(n.bytes ?? new Uint8Array())),
    initializers: g
      .filter((x) => x.field === 5)
      .map((t) => {
        const tf = readFields(t.bytes ?? new Uint8Array());
        return { name: tf.filter((x) => x.field === 8).map(str)[0] ?? '', dims: ints(tf, 1), dataType: int(tf.find((x) => x.field === 2) ?? { field: 2, wire: 0, value: 0 }) };
      }),
    inputs: g.filter((x) => x.field === 11).map((v) => parseValueInfo(v.bytes ?? new Uint8Array())),
    outputs: g.filter((x) => x.field === 12).map((v) => parseValueInfo(v.bytes ?? new Uint8Array())),
  };
}

// ---------- wire-format writing ----------

export class PbWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(v: bigint | number): void {
    let x = BigInt.asUintN(64, BigInt(v));
    const bytes: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) b |= 0x80;
      bytes.push(b);
    } while (x !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  int(field: number, v: number | bigint): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, te.encode(s));
  }

  message(field: number, w: PbWriter): this {
    return this.bytes(field, w.finish());
  }

  float(field: number, v: number): this {
    this.varint((field << 3) | 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;

export interface GraphSpec {
  nodes: { opType: string; inputs: string[]; outputs: string[]; attrs?: Record<string, number | number[] | string> }[];
  inputs: { name: string; elemType: number; shape: (number | string)[] }[];
  outputs: { name: string; elemType: number; shape?: (number | string)[] }[];
  initializers?: { name: string; dims: number[]; data: Float32Array | Int32Array | BigInt64Array }[];
  opset?: number;
  /** metadata_props of the model */
  metadata?: Record<string, string>;
}

function valueInfo(v: { name: string; elemType: number; shape?: (number | string)[] }): PbWriter {
  const tensor = new PbWriter().int(1, v.elemType);
  if (v.shape) {
    const shape = new PbWriter();
    for (const d of v.shape) shape.message(1, typeof d === 'number' ? new PbWriter().int(1, d) : new PbWriter().string(2, d));
    tensor.message(2, shape);
  }
  return new PbWriter().string(1, v.name).message(2, new PbWriter().message(1, tensor));
}

/** Serialises a small graph (default opset 17, IR version 8). */
export function buildOnnx(spec: GraphSpec): Uint8Array {
  const g = new PbWriter();
  spec.nodes.forEach((n, k) => {
    const w = new PbWriter();
    for (const i of n.inputs) w.string(1, i);
    for (const o of n.outputs) w.string(2, o);
    w.string(3, `${n.opType}_${k}`).string(4, n.opType);
    for (const [name, v] of Object.entries(n.attrs ?? {})) {
      const a = new PbWriter().string(1, name);
      if (typeof v === 'number' && Number.isInteger(v)) a.int(3, v).int(20, 2);
      else if (typeof v === 'number') a.float(2, v).int(20, 1);
      else if (typeof v === 'string') a.string(4, v).int(20, 3);
      else {
        for (const x of v) a.int(8, x);
        a.int(20, 7);
      }
      w.message(5, a);
    }
    g.message(1, w);
  });
  g.string(2, 'g');
  for (const t of spec.initializers ?? []) {
    const w = new PbWriter();
    for (const d of t.dims) w.int(1, d);
    const dt = t.data instanceof Float32Array ? ONNX_FLOAT : t.data instanceof Int32Array ? ONNX_INT32 : ONNX_INT64;
    w.int(2, dt).string(8, t.name);
    w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    g.message(5, w);
  }
  for (const i of spec.inputs) g.message(11, valueInfo(i));
  for (const o of spec.outputs) g.message(12, valueInfo(o));
  const model = new PbWriter()
    .int(1, 8)
    .string(2, 'lamslide')
    .message(7, g)
    .message(8, new PbWriter().string(1, '').int(2, spec.opset ?? 17));
  for (const [k, v] of Object.entries(spec.metadata ?? {})) model.message(14, new PbWriter().string(1, k).string(2, v));
  return model.finish();
}

/**
 * Returns a copy of `model` whose graph also outputs the named intermediate values (name only, no type:
 * onnxruntime infers it). Protobuf repeated fields may be appended, so the graph bytes are reused unchanged.
 */
export function withExtraOutputs(model: Uint8Array, names: string[]): Uint8Array {
  const mf = readFields(model);
  const extra = new PbWriter();
  for (const n of names) extra.message(12, new PbWriter().string(1, n));
  const out = new PbWriter();
  // Re-emit the model's fields in order, swapping in the extended graph.
  for (const f of mf) {
    if (f.field === 7 && f.bytes) {
      const e = extra.finish();
      const g = new Uint8Array(f.bytes.length + e.length);
      g.set(f.bytes, 0);
      g.set(e, f.bytes.length);
      out.bytes(7, g);
    } else if (f.wire === 2 && f.bytes) out.bytes(f.field, f.bytes);
    else if (f.wire === 0) out.int(f.field, f.value);
    else throw new Error(`withExtraOutputs: unexpected fixed-width field ${f.field} in ModelProto`);
  }
  return out.finish();
}
