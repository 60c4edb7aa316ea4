import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder, decodeOnnxModel, onnxAttr } from '../src/onnx/index';
import { decodeModelProto, encodeModelProto, type Onnx } from '../src/onnx/proto';
import { decodeMessage, encodeMessage } from '../src/onnx/protobuf';
import { ONNX_MESSAGES } from '../src/onnx/schema.generated';
import { referenceDecode, referenceEncode } from './support/reference-onnx';

/**
 * Our dependency-free codec against protobufjs reading the same official onnx.proto: byte-identical
 * encodings, equal decodings both ways, and the wire rules a reader must follow (packed or unpacked
 * repeated scalars, unknown fields skipped, 64-bit integers without loss, truncation detected).
 */
function sampleModel(): Onnx.ModelProto {
  const g = new OnnxGraphBuilder({ graphName: 'sample', producerName: 'codec-test', docString: 'ünïcödé ✓' });
  const x = g.addInput('x', ['batch', 3, 'L']);
  const w = g.addInitializer('w', { data: Float32Array.of(1.5, -2, 0.25), dims: [3, 1] });
  g.addInitializer('h', { data: Uint16Array.of(0x3c00, 0xc000), dims: [2], elemType: 'float16' });
  const idx = g.constInt64([-(2 ** 40), 7, -1]);
  const y = g.op('Custom', [x, w, idx], {
    i: onnxAttr.int(-3), is: onnxAttr.ints([0, -1, 2 ** 31, 2 ** 52]), f: onnxAttr.float(0.5), fs: onnxAttr.floats([0.25, -1e9]),
    s: onnxAttr.string('abc'), t: onnxAttr.tensor({ data: Int32Array.of(-5), dims: [1] }),
  });
  g.addOutput(y, ['batch', 3, 'L'], { name: 'y' });
  return g.toModelProto();
}

describe('ONNX protobuf codec (generated from onnx.proto) vs protobufjs', () => {
  it('encodes byte for byte as protobufjs does', () => {
    const model = sampleModel();
    expect(encodeModelProto(model)).toEqual(new Uint8Array(referenceEncode(model)));
  });

  it('decodes what protobufjs encodes, and protobufjs decodes what we encode', () => {
    const model = sampleModel();
    const ours = encodeModelProto(model);
    const viaReference = referenceDecode(ours);
    const viaOurs = decodeModelProto(new Uint8Array(referenceEncode(model)));
    const plain = (m: Onnx.ModelProto): unknown => JSON.parse(JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));
    expect(plain(viaOurs)).toEqual(plain(viaReference));
    expect(viaOurs.graph!.input![0]!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam ?? d.dimValue)).toEqual(['batch', 3, 'L']);
    expect(viaOurs.docString).toBe('ünïcödé ✓');
    expect(viaOurs.graph!.node![0]!.attribute!.find((a) => a.name === 'is')!.ints).toEqual([0, -1, 2 ** 31, 2 ** 52]);
  });

  it('keeps 64-bit integers beyond 2^53 exactly, as bigint', () => {
    const bytes = encodeMessage(ONNX_MESSAGES, 'TensorProto', { dims: [2n ** 62n, -(2n ** 63n), 5], name: 'big' });
    const decoded = decodeMessage(ONNX_MESSAGES, 'TensorProto', bytes);
    expect(decoded.dims).toEqual([2n ** 62n, -(2n ** 63n), 5]);
  });

  it('reads repeated scalars packed and unpacked, and skips unknown fields', () => {
    // float_data (field 4) unpacked: two fixed32 fields; dims (field 1) packed: one length-delimited run;
    // then field 99 (varint) and field 100 (bytes), which the schema does not know.
    const f = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const bytes = Uint8Array.of(0x25, ...f.subarray(0, 4), 0x25, ...f.subarray(4, 8), 0x0a, 2, 3, 4, 0x98, 0x06, 0x01, 0xa2, 0x06, 2, 0xff, 0xff, 0x42, 1, 0x41);
    const decoded = decodeMessage(ONNX_MESSAGES, 'TensorProto', bytes);
    expect(decoded.floatData).toEqual([1.5, -2]);
    expect(decoded.dims).toEqual([3, 4]);
    expect(decoded.name).toBe('A');
  });

  it('reports truncated or malformed bytes, which decodeOnnxModel turns into a parse failure', () => {
    const bytes = encodeModelProto(sampleModel());
    expect(() => decodeModelProto(bytes.subarray(0, bytes.length - 3))).toThrow(/runs past the end|truncated/);
    expect(() => decodeOnnxModel(bytes.subarray(0, 40), 'cut.onnx')).toThrow(/model file cut\.onnx failed to parse/);
    expect(() => encodeMessage(ONNX_MESSAGES, 'TensorProto', { dims: [1.5] })).toThrow(/TensorProto.dims must be a safe integer/);
  });
});
