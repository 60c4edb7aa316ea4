export { onnxAttr, type OnnxAttribute } from './attributes';
export { type OnnxElemType, isOnnxElemType } from './element-type';
export {
  OnnxGraphBuilder,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type OnnxDim,
  type OnnxGraphBuilderOptions,
  type OnnxNodeSpec,
} from './graph-builder';
export {
  decodeOnnxModel,
  parseOnnxModel,
  protoNumber,
  type OnnxLongLike,
  readOnnxModelFile,
  type OnnxModelProto,
  type OnnxModelSummary,
  type OnnxNodeProto,
  type OnnxValueSummary,
} from './parse';
export { type TensorValue } from './tensor-proto';
