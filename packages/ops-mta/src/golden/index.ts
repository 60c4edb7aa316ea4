/** All of the golden helpers, loader included (node:fs): for Node code and tests; index.ts re-exports only the platform-neutral parts. */
export { allFinite, maxAbs, relFrobenius } from './error-metrics.js';
export {
  GOLDEN_FORMAT, GoldenFormatError, loadGoldenManifest,
  type GoldenCase, type GoldenDType, type GoldenSuite, type GoldenTensor,
} from './manifest.js';
export { defaultGoldenManifestPath } from './default-path.js';
export { toMtaConfig, toMtaGeometry } from './to-config.js';
