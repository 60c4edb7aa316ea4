import { InvalidArgumentError, describeValue } from '@mta/core';
import { DEFAULT_SOC, type SocName, parseSocName, socFromEnv, socSpecFields } from './soc.js';

/**
 * The hardware numbers the simulator and planner work from. Every default below says where it comes
 * from; the ones marked ASSUMED are not taken from a vendor datasheet and only feed the time estimate,
 * never a correctness decision.
 */
export interface NpuSpec {
  /** Human-readable name of what is modelled. */
  readonly name: string;
  /** The SoC preset the numbers start from (soc.ts); options given explicitly override single fields. */
  readonly soc: SocName;
  /** Unified Buffer bytes per vector core. */
  readonly ubBytes: number;
  /** DMA and UB allocation granularity in bytes. */
  readonly alignmentBytes: number;
  /** Vector (AIV) cores a kernel can run on in parallel. */
  readonly vectorCores: number;
  /** Cube (AIC) cores; no simulated kernel uses them, reported so a plan shows the whole part. */
  readonly cubeCores: number;
  /** GM <-> UB bandwidth shared by all cores, bytes per second (roofline memory roof). */
  readonly gmBytesPerSecond: number;
  /** Bytes one vector instruction repeat processes per cycle on one core (64 float32 lanes). */
  readonly vectorBytesPerCycle: number;
  /** Vector core clock, cycles per second. */
  readonly clockHz: number;
  /** Fixed cost of launching one kernel, seconds (added once per launch to the estimate). */
  readonly launchOverheadSeconds: number;
}

/** 192 KiB = 1,572,864 bits: the 910B4 entry of Liger-Kernel's `_DEFAULT_UB_CAPACITIES` (ub_manager.py). */
export const DEFAULT_UB_BYTES = 196_608;

/**
 * Defaults: the 910B4 preset (soc.ts, where every number cites its source and says whether it is an estimate),
 * plus what no preset changes:
 * - alignmentBytes 32: AscendC `DataCopy` moves whole 32-byte blocks and UB addresses are 32-byte aligned.
 * - vectorBytesPerCycle 256: the Da Vinci vector unit is 2,048 bits wide (Hot Chips 2019 Ascend 910 material).
 * - launchOverheadSeconds 5e-6: ASSUMED order of magnitude of a kernel launch on an NPU stream.
 * Clock and GM bandwidth only scale the time estimate, never a correctness decision.
 */
export const DEFAULT_NPU_SPEC: NpuSpec = Object.freeze({
  name: `Ascend ${DEFAULT_SOC} vector cores`,
  ...socSpecFields(DEFAULT_SOC),
  alignmentBytes: 32,
  vectorBytesPerCycle: 256,
  launchOverheadSeconds: 5e-6,
});

/** The environment variable Liger-Kernel reads for the UB size, in bits. */
export const UB_ENV_VAR = 'ASCEND_UB_CAPACITY_BITS';

const UNIT_BYTES: Record<string, number> = {
  '': 1, b: 1, byte: 1, bytes: 1,
  kib: 1024, k: 1024, mib: 1024 * 1024, m: 1024 * 1024,
  kb: 1000, mb: 1_000_000,
  bit: 1 / 8, bits: 1 / 8,
};

/**
 * Parse a byte size: '196608' (bytes), '192KiB', '16KiB', '1.5MiB', '24576B', '1572864bits'.
 * 'K'/'M' alone mean KiB/MiB; 'kB'/'MB' mean powers of 1000. The result must be a whole number of bytes.
 */
export function parseByteSize(text: string, what = 'size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) {
    throw new Error(`${what}: cannot parse '${text}' as a byte size; expected e.g. '192KiB', '16KiB', '196608' or '1572864bits'`);
  }
  const unit = m[2]!.toLowerCase();
  const scale = UNIT_BYTES[unit];
  if (scale === undefined) {
    throw new Error(`${what}: unknown unit '${m[2]}' in '${text}'; use B, KiB, MiB, kB, MB or bits`);
  }
  const bytes = Number(m[1]) * scale;
  if (!Number.isInteger(bytes) || bytes <= 0) {
    throw new Error(`${what}: '${text}' is ${bytes} bytes; expected a positive whole number of bytes`);
  }
  return bytes;
}

/** The process environment on Node; none in a browser, which has no `process`. */
const processEnv = (): Readonly<Record<string, string | undefined>> => globalThis.process?.env ?? {};

/** UB bytes from `ASCEND_UB_CAPACITY_BITS` (bits, as Liger-Kernel reads it), or undefined when unset. */
export function ubBytesFromEnv(env: Readonly<Record<string, string | undefined>> = processEnv()): number | undefined {
  const raw = env[UB_ENV_VAR];
  if (raw === undefined || raw.trim() === '') return undefined;
  const bits = Number(raw.trim());
  if (!Number.isInteger(bits) || bits <= 0 || bits % 8 !== 0) {
    throw new InvalidArgumentError(
      `environment variable ${UB_ENV_VAR}`,
      'a positive whole number of bits divisible by 8 (e.g. 1572864 for 192 KiB)',
      JSON.stringify(raw),
      `set it to a UB size in bits, or unset it for the default ${DEFAULT_UB_BYTES * 8}`,
    );
  }
  return bits / 8;
}

export interface NpuSpecOptions extends Partial<Omit<NpuSpec, 'ubBytes' | 'soc'>> {
  /** SoC preset ('910B4', 'Ascend910B2', ...); overrides ASCEND_SOC. Single fields given beside it win over it. */
  readonly soc?: SocName | string;
  /** UB size: bytes, or a string parsed by `parseByteSize` ('16KiB'). Overrides the environment variable. */
  readonly ub?: number | string;
  /** UB size in bytes (same as a numeric `ub`; undefined means "not given"). */
  readonly ubBytes?: number;
  /** Environment to read `ASCEND_UB_CAPACITY_BITS` from (default `process.env`); pass `{}` to ignore it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Build a spec: explicit options win, then `ASCEND_UB_CAPACITY_BITS` (UB size), then the SoC preset (`soc`,
 * else `ASCEND_SOC`, else 910B4), then the defaults above.
 */
export function makeNpuSpec(options: NpuSpecOptions = {}): NpuSpec {
  const { ub, ubBytes: ubBytesOption, env, soc: socOption, ...rest } = options;
  if (ub !== undefined && ubBytesOption !== undefined) throw new Error('makeNpuSpec: give the UB size as `ub` or `ubBytes`, not both');
  const environment = env ?? processEnv();
  const soc = socOption !== undefined ? parseSocName(socOption, 'soc') : socFromEnv(environment) ?? DEFAULT_SOC;
  const preset = socSpecFields(soc);
  let ubBytes = preset.ubBytes;
  const fromEnv = ubBytesFromEnv(environment);
  if (fromEnv !== undefined) ubBytes = fromEnv;
  if (ubBytesOption !== undefined) ubBytes = ubBytesOption;
  if (ub !== undefined) ubBytes = typeof ub === 'number' ? ub : parseByteSize(ub, 'ub');
  // Options explicitly set to undefined do not erase defaults.
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<NpuSpec>;
  const spec: NpuSpec = { ...DEFAULT_NPU_SPEC, name: `Ascend ${soc} vector cores`, ...preset, ...given, ubBytes };
  validateSpec(spec);
  return Object.freeze(spec);
}

let current: NpuSpec | null = null;

/**
 * Set the process-wide npu spec (what a registered npu device uses unless told otherwise), e.g. from a
 * `--ub 16KiB` flag. Returns it. Device registration itself lives outside this package's simulator code.
 */
export function configureNpu(options: NpuSpecOptions = {}): NpuSpec {
  current = makeNpuSpec(options);
  return current;
}

/** The spec set by `configureNpu`, or the default (with `ASCEND_UB_CAPACITY_BITS` applied) when none was set. */
export function currentNpuSpec(): NpuSpec {
  if (!current) current = makeNpuSpec();
  return current;
}

export function validateSpec(spec: NpuSpec): void {
  const positiveInt = (v: number, what: string): void => {
    if (!Number.isInteger(v) || v <= 0) {
      throw new InvalidArgumentError(`NpuSpec.${what}`, 'a positive integer', describeValue(v), `pass a positive integer or leave ${what} out for the default`);
    }
  };
  positiveInt(spec.ubBytes, 'ubBytes');
  positiveInt(spec.alignmentBytes, 'alignmentBytes');
  positiveInt(spec.vectorCores, 'vectorCores');
  positiveInt(spec.cubeCores, 'cubeCores');
  // UB buffers are carved at alignment boundaries and addressed in float32 words: an alignment that is not a
  // whole number of 4-byte words puts buffers at fractional word offsets, which read and write the wrong
  // elements (silently wrong outputs and NaN gradients), so it is refused here, before any kernel runs.
  if (spec.alignmentBytes % 4 !== 0) {
    throw new InvalidArgumentError(
      'NpuSpec.alignmentBytes',
      'a positive multiple of 4 bytes (one float32 element), e.g. 32 as on Ascend',
      String(spec.alignmentBytes),
      'use a multiple of 4 (the default is 32)',
    );
  }
  if (spec.ubBytes % spec.alignmentBytes !== 0) {
    throw new InvalidArgumentError('NpuSpec.ubBytes', `a multiple of the ${spec.alignmentBytes}-byte alignment`, String(spec.ubBytes),
      `round the UB size to a multiple of ${spec.alignmentBytes} bytes`);
  }
  for (const k of ['gmBytesPerSecond', 'vectorBytesPerCycle', 'clockHz'] as const) {
    if (!(spec[k] > 0)) throw new Error(`NpuSpec.${k}: expected a positive number, got ${spec[k]}`);
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes.toLocaleString('en-US')} B`;
}
