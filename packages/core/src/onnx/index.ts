export { onnxAttr, type OnnxAttribute } from './attributes.js';
export { type OnnxElemType, isOnnxElemType } from './element-type.js';
export {
  OnnxGraphBuilder,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type OnnxDim,
  type OnnxGraphBuilderOptions,
  type OnnxNodeSpec,
} from './graph-builder.js';
export {
  decodeOnnxModel,
  parseOnnxModel,
  protoNumber,
  type OnnxLongLike,
  type OnnxModelProto,
  type OnnxModelSummary,
  type OnnxNodeProto,
  type OnnxValueSummary,
} from './parse.js';
export { type TensorValue } from './tensor-proto.js';
export { assertValidOnnxModel, onnxModelProblems } from './check.js';
