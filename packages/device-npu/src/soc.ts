import { InvalidArgumentError } from '@mta/core';

/**
 * SoC presets: the per-part numbers of the Ascend 910B (A2) family that the simulator and the planners read.
 * Every value carries its source and whether it is an estimate, so `mta plan --soc list` and docs/npu.md can
 * say which numbers are measured on a part and which are ours. Correctness decisions (UB fit, coverage,
 * alignment) depend only on the UB size and the core count; clock and HBM bandwidth only scale the time
 * estimate of explain().
 */
export const SOC_NAMES = ['910B1', '910B2', '910B3', '910B4'] as const;
export type SocName = (typeof SOC_NAMES)[number];

/** The Atlas 800I A2 inference server's part; what `--soc` defaults to. */
export const DEFAULT_SOC: SocName = '910B4';

/** The environment variable that picks a preset (e.g. `ASCEND_SOC=910B2`), read like ASCEND_UB_CAPACITY_BITS. */
export const SOC_ENV_VAR = 'ASCEND_SOC';

/** One number of a preset and where it comes from. */
export interface SocValue {
  readonly value: number;
  readonly source: string;
  /** true when no vendor file or device report gives this number for this part. */
  readonly estimate: boolean;
}

export interface SocPreset {
  readonly name: SocName;
  readonly product: string;
  readonly ubBytes: SocValue;
  readonly vectorCores: SocValue;
  readonly cubeCores: SocValue;
  readonly clockHz: SocValue;
  readonly gmBytesPerSecond: SocValue;
}

// Sources, cited once here and in docs/npu.md.
const CANN_INI_B2 = 'CANN platform_config/Ascend910B2.ini [SoCInfo] (quoted in huawei-csl/pto-dsl matmul optimisation guide)';
const CANN_INI_B4 = 'CANN platform_config/Ascend910B4.ini [SoCInfo] (quoted in huawei-csl/pto-dsl matmul optimisation guide)';
const LIGER_UB_910B4 = "Liger-Kernel ub_manager.py _DEFAULT_UB_CAPACITIES['Ascend910B4'] = 1572864 bits (commit 6a383424)";
const A2_UB = 'A2 (dav-c220) vector core UB 192 KiB: same Da Vinci core on every 910B part (tilelang-ascend carver "Ascend910B" UB 192*1024); not read from this part\'s ini';
const LIGER_CORES = 'Liger-Kernel get_npu_core_count() reads num_vectorcore; issue 14 reports 40 on 910B3/910B4';
const CLOCK = 'cube_freq=1500 (MHz) in an Ascend910B4.ini-shaped fixture of a CANN profiler test; not confirmed per part';
const CANN_INI_B3 = 'CANN platform_config/Ascend910B3.ini (CANN 8.5.0) as quoted by public AscendC operator projects: ub_size=196608, ai_core_cnt=20, vector_core_cnt=40';
const HBM_64 = '64 GiB HBM2e (4 stacks); bandwidth from public 910B figures (~1.6 TB/s), not a vendor datasheet';
const HBM_32 = '32 GiB HBM2e, half the HBM of 910B2 (CANN ini memory_size); bandwidth taken as half of ~1.6 TB/s';

const v = (value: number, source: string, estimate: boolean): SocValue => Object.freeze({ value, source, estimate });

export const SOC_PRESETS: Readonly<Record<SocName, SocPreset>> = Object.freeze({
  '910B1': Object.freeze({
    name: '910B1', product: 'Ascend 910B1 (Atlas 800T A2 class)',
    ubBytes: v(196_608, `${A2_UB}; note: Liger-Kernel's older table listed 910B1 as 2097152 bits (256 KiB)`, true),
    vectorCores: v(48, 'assumed equal to 910B2 (24 AI cores x 2 AIV); no ini seen for 910B1', true),
    cubeCores: v(24, 'assumed equal to 910B2; no ini seen for 910B1', true),
    clockHz: v(1.5e9, CLOCK, true),
    gmBytesPerSecond: v(1.6e12, HBM_64, true),
  }),
  '910B2': Object.freeze({
    name: '910B2', product: 'Ascend 910B2 (Atlas 800T/800I A2)',
    ubBytes: v(196_608, A2_UB, true),
    vectorCores: v(48, `${CANN_INI_B2}: vector_core_cnt=48`, false),
    cubeCores: v(24, `${CANN_INI_B2}: cube_core_cnt=24`, false),
    clockHz: v(1.5e9, CLOCK, true),
    gmBytesPerSecond: v(1.6e12, HBM_64, true),
  }),
  '910B3': Object.freeze({
    name: '910B3', product: 'Ascend 910B3 (Atlas 800T A2)',
    ubBytes: v(196_608, CANN_INI_B3, false),
    vectorCores: v(40, `${CANN_INI_B3}; ${LIGER_CORES}`, false),
    cubeCores: v(20, `${CANN_INI_B3} (one cube core per AI core)`, false),
    clockHz: v(1.8e9, 'npu-smi "Aicore freq 1800 MHz" on a 910B3, reported in a public kernel-tuning log; one device, not a datasheet', true),
    gmBytesPerSecond: v(1.6e12, HBM_64, true),
  }),
  '910B4': Object.freeze({
    name: '910B4', product: 'Ascend 910B4 (Atlas 800I A2, 32 GiB)',
    ubBytes: v(196_608, LIGER_UB_910B4, false),
    vectorCores: v(40, `${CANN_INI_B4}: vector_core_cnt=40; ${LIGER_CORES}`, false),
    cubeCores: v(20, `${CANN_INI_B4}: cube_core_cnt=20`, false),
    clockHz: v(1.5e9, CLOCK, true),
    gmBytesPerSecond: v(0.8e12, HBM_32, true),
  }),
});

/** A SoC name that is not one of the presets (from a flag, an option or ASCEND_SOC). */
export class UnknownSocError extends InvalidArgumentError {
  constructor(argument: string, actual: string) {
    super(argument, `one of ${SOC_NAMES.join(', ')} (an 'Ascend' prefix and any case are accepted)`, JSON.stringify(actual),
      `pick a preset (\`pnpm mta plan --soc list\` prints them) or leave it unset for ${DEFAULT_SOC}`);
    this.name = 'UnknownSocError';
  }
}

/** '910B4', '910b4' and 'Ascend910B4' name the same preset; anything else is an UnknownSocError. */
export function parseSocName(text: string, argument = 'soc'): SocName {
  const normal = text.trim().toUpperCase().replace(/^ASCEND/, '');
  const found = SOC_NAMES.find((n) => n === normal);
  if (!found) throw new UnknownSocError(argument, text);
  return found;
}

/** The preset named by ASCEND_SOC, or undefined when it is unset or empty. */
export function socFromEnv(env: Readonly<Record<string, string | undefined>>): SocName | undefined {
  const raw = env[SOC_ENV_VAR];
  if (raw === undefined || raw.trim() === '') return undefined;
  return parseSocName(raw, `environment variable ${SOC_ENV_VAR}`);
}

/** The plain numbers of a preset, as a spec takes them. */
export function socSpecFields(name: SocName): { soc: SocName; ubBytes: number; vectorCores: number; cubeCores: number; clockHz: number; gmBytesPerSecond: number } {
  const p = SOC_PRESETS[name];
  return {
    soc: name, ubBytes: p.ubBytes.value, vectorCores: p.vectorCores.value, cubeCores: p.cubeCores.value,
    clockHz: p.clockHz.value, gmBytesPerSecond: p.gmBytesPerSecond.value,
  };
}
