/**
 * A minimal protobuf (proto2) wire codec driven by the field tables generated from onnx.proto
 * (schema.generated.ts). It knows exactly what onnx.proto uses: varint, 32- and 64-bit scalars, strings,
 * bytes, nested messages, repeated fields packed or not. No dependency, no node: imports, no code
 * generation at run time, so it runs in browsers. Unknown fields are skipped when decoding, as protobuf
 * requires of a reader of an older or newer schema.
 */

/** int64/uint64 fields: a number when it is a safe integer, else a bigint (decoders never lose bits). */
export type Int64 = number | bigint;

export type FieldKind = 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'enum' | 'float' | 'double' | 'string' | 'bytes' | 'message';
export type FieldRepeat = 'single' | 'repeated' | 'packed';
export type FieldSchema = readonly [number: number, name: string, kind: FieldKind, repeat: FieldRepeat, message?: string];
export type MessageSchema = readonly FieldSchema[];
export type Schemas = Readonly<Record<string, MessageSchema>>;

type Value = number | bigint | boolean | string | Uint8Array | ProtoMessage;
export interface ProtoMessage { [field: string]: Value | Value[] | null | undefined }

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const wireType = (kind: FieldKind): number =>
  kind === 'float' ? WIRE_FIXED32 : kind === 'double' ? WIRE_FIXED64 : kind === 'string' || kind === 'bytes' || kind === 'message' ? WIRE_BYTES : WIRE_VARINT;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Collects the encoding as chunks and joins them once, so nested messages are not copied per level. */
class Writer {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  length = 0;

  varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
      let v = value;
      while (v > 0x7f) {
        this.scratch.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.scratch.push(v);
    } else {
      // Negative numbers are 64-bit two's complement (10 bytes), as protobuf writes int32/int64.
      let v = BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(value));
      while (v > 0x7fn) {
        this.scratch.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.scratch.push(Number(v));
    }
    this.flushScratch();
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.append(data);
  }

  fixed(bytes: 4 | 8, write: (view: DataView) => void): void {
    const out = new Uint8Array(bytes);
    write(new DataView(out.buffer));
    this.append(out);
  }

  /** Appends another writer's output (a nested message), length-prefixed. */
  nested(child: Writer): void {
    this.varint(child.length);
    for (const c of child.chunks) this.append(c);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }

  private append(data: Uint8Array): void {
    this.chunks.push(data);
    this.length += data.length;
  }

  private flushScratch(): void {
    this.append(Uint8Array.from(this.scratch));
    this.scratch = [];
  }
}

function checkInteger(where: string, value: unknown): number | bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`protobuf: ${where} must be a safe integer or a bigint, got ${String(value)}`);
  return value;
}

function writeScalar(w: Writer, kind: FieldKind, value: Value, where: string): void {
  switch (kind) {
    case 'float': w.fixed(4, (v) => v.setFloat32(0, value as number, true)); return;
    case 'double': w.fixed(8, (v) => v.setFloat64(0, value as number, true)); return;
    case 'bool': w.varint(value ? 1 : 0); return;
    case 'string': w.bytes(utf8Encoder.encode(value as string)); return;
    case 'bytes': w.bytes(value as Uint8Array); return;
    default: w.varint(checkInteger(where, value));
  }
}

function encodeInto(w: Writer, schemas: Schemas, type: string, message: ProtoMessage): void {
  const schema = schemas[type];
  if (!schema) throw new TypeError(`protobuf: unknown message type ${type}`);
  for (const [number, name, kind, repeat, ref] of schema) {
    const value = message[name];
    if (value === undefined || value === null) continue;
    const where = `${type}.${name}`;
    const values = repeat === 'single' ? [value as Value] : (value as Value[]);
    if (repeat !== 'single' && !Array.isArray(value)) throw new TypeError(`protobuf: ${where} is repeated; expected an array`);
    if (repeat === 'packed') {
      if (values.length === 0) continue;
      const packed = new Writer();
      for (const v of values) writeScalar(packed, kind, v, where);
      w.varint((number << 3) | WIRE_BYTES);
      w.nested(packed);
      continue;
    }
    for (const v of values) {
      w.varint((number << 3) | wireType(kind));
      if (kind === 'message') {
        const child = new Writer();
        encodeInto(child, schemas, ref!, v as ProtoMessage);
        w.nested(child);
      } else {
        writeScalar(w, kind, v, where);
      }
    }
  }
}

export function encodeMessage(schemas: Schemas, type: string, message: ProtoMessage): Uint8Array {
  const w = new Writer();
  encodeInto(w, schemas, type, message);
  return w.finish();
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array, private readonly end = buf.length) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw new RangeError('protobuf: truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
    }
    throw new RangeError('protobuf: varint longer than 10 bytes');
  }

  /** A varint known to fit 32 bits (tags, lengths): no bigint on the hot path. */
  smallVarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw new RangeError('protobuf: truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
    throw new RangeError('protobuf: tag or length too large');
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) throw new RangeError(`protobuf: a length of ${n} runs past the end of the data`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  view(n: 4 | 8): DataView {
    const bytes = this.take(n);
    return new DataView(bytes.buffer, bytes.byteOffset, n);
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_FIXED64) this.take(8);
    else if (wire === WIRE_BYTES) this.take(this.smallVarint());
    else if (wire === WIRE_FIXED32) this.take(4);
    else throw new RangeError(`protobuf: unsupported wire type ${wire}`);
  }
}

const asInt64 = (v: bigint): Int64 => {
  const signed = BigInt.asIntN(64, v);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(signed) : signed;
};
const asUint64 = (v: bigint): Int64 => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

function readScalar(r: Reader, kind: FieldKind): Value {
  switch (kind) {
    case 'float': return r.view(4).getFloat32(0, true);
    case 'double': return r.view(8).getFloat64(0, true);
    case 'bool': return r.varint() !== 0n;
    case 'string': return utf8Decoder.decode(r.take(r.smallVarint()));
    // A copy: the caller's buffer may be reused, and a decoded model must not change with it.
    case 'bytes': return r.take(r.smallVarint()).slice();
    case 'int64': return asInt64(r.varint());
    case 'uint64': return asUint64(r.varint());
    case 'uint32': return Number(BigInt.asUintN(32, r.varint()));
    default: return Number(BigInt.asIntN(32, r.varint()));
  }
}

function decodeFrom(r: Reader, schemas: Schemas, type: string): ProtoMessage {
  const schema = schemas[type]!;
  const message: ProtoMessage = {};
  for (const [, name, , repeat] of schema) if (repeat !== 'single') message[name] = [];
  while (!r.done) {
    const tag = r.smallVarint();
    const number = Math.floor(tag / 8);
    const wire = tag % 8;
    const field = schema.find((f) => f[0] === number);
    if (!field) {
      r.skip(wire);
      continue;
    }
    const [, name, kind, repeat, ref] = field;
    const read = (): Value => {
      if (kind !== 'message') return readScalar(r, kind);
      const length = r.smallVarint();
      const sub = new Reader(r.take(length));
      return decodeFrom(sub, schemas, ref!);
    };
    // Readers accept a repeated scalar packed or not, whatever the schema says (protobuf's rule).
    if (repeat !== 'single' && wire === WIRE_BYTES && kind !== 'message' && kind !== 'string' && kind !== 'bytes') {
      const packed = new Reader(r.take(r.smallVarint()));
      const list = message[name] as Value[];
      while (!packed.done) list.push(readScalar(packed, kind));
      continue;
    }
    if (wire !== wireType(kind)) throw new RangeError(`protobuf: ${type}.${name} has wire type ${wire}, expected ${wireType(kind)}`);
    if (repeat === 'single') message[name] = read();
    else (message[name] as Value[]).push(read());
  }
  return message;
}

export function decodeMessage(schemas: Schemas, type: string, bytes: Uint8Array): ProtoMessage {
  if (!schemas[type]) throw new TypeError(`protobuf: unknown message type ${type}`);
  return decodeFrom(new Reader(bytes), schemas, type);
}
