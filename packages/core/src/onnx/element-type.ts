import { TensorProto_DataType as DataType } from './proto.js';

/** The element types the exporter writes. float32 (or float16) carries data; the others are indices, shapes and masks. */
export type OnnxElemType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool';

const TO_PROTO: Readonly<Record<OnnxElemType, number>> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

export function isOnnxElemType(value: string): value is OnnxElemType {
  return Object.prototype.hasOwnProperty.call(TO_PROTO, value);
}

export function elemTypeToProto(elemType: OnnxElemType): number {
  if (!isOnnxElemType(elemType)) {
    throw new TypeError(
      `ONNX export: unsupported element type '${String(elemType)}'; expected one of ${Object.keys(TO_PROTO).join(', ')}.`,
    );
  }
  return TO_PROTO[elemType];
}

/** Any ONNX data type number to a readable name (the parser reports models we did not write, too). */
export function protoToElemName(dataType: number): string {
  const name = Object.entries(DataType).find(([, code]) => code === dataType)?.[0];
  if (name === undefined) return `unknown(${dataType})`;
  const known: Record<string, string> = { FLOAT: 'float32', FLOAT16: 'float16', DOUBLE: 'float64', INT32: 'int32', INT64: 'int64', BOOL: 'bool' };
  return known[name] ?? name.toLowerCase();
}
