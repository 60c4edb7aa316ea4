/**
 * What the browser page and the node server exchange for one job (`/job/<id>/...`):
 *  GET  model.onnx  the encoded model
 *  GET  feeds.json  FeedManifest: where each float32 input sits in feeds.bin
 *  GET  feeds.bin   the inputs, concatenated float32 little-endian
 *  POST result      uint32 LE header length, ResultHeader JSON, zero padding to 4 bytes, then each
 *                   output's float32 data in header order
 *  POST error       { message } JSON
 * Binary both ways, because outputs at L = 1024 are tens of MB.
 */
export interface FeedManifest {
  readonly inputs: readonly { readonly name: string; readonly dims: readonly number[]; readonly offset: number; readonly length: number }[];
  readonly runs: number;
}

export interface ResultHeader {
  readonly outputs: readonly { readonly name: string; readonly dims: readonly number[]; readonly length: number }[];
  readonly timings: { readonly sessionCreateMs: number; readonly runMs: readonly number[] };
  readonly userAgent: string;
}

export function encodeResult(header: ResultHeader, data: readonly Float32Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((4 + json.length) / 4) * 4;
  const total = dataStart + data.reduce((n, d) => n + d.byteLength, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  let offset = dataStart;
  for (const d of data) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), offset);
    offset += d.byteLength;
  }
  return out;
}

export function decodeResult(bytes: Uint8Array): { header: ResultHeader; data: Float32Array[] } {
  if (bytes.byteLength < 4) throw new Error(`browser result: ${bytes.byteLength} bytes is too short for a header.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + jsonLength))) as ResultHeader;
  let offset = Math.ceil((4 + jsonLength) / 4) * 4;
  const data = header.outputs.map((o) => {
    const end = offset + o.length * 4;
    if (end > bytes.byteLength) throw new Error(`browser result: output '${o.name}' runs past the end of the body.`);
    // Copy: the body buffer's offset need not be 4-aligned.
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + end));
    offset = end;
    return values;
  });
  return { header, data };
}
