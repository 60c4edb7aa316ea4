export { allFinite, maxAbs, relFrobenius } from './error-metrics';
export {
  GOLDEN_FORMAT, GoldenFormatError, loadGoldenManifest,
  type GoldenCase, type GoldenDType, type GoldenSuite, type GoldenTensor,
} from './manifest';
export { defaultGoldenManifestPath } from './default-path';
export { toMtaConfig } from './to-config';
