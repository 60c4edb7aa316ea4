import { configureNpuDevice, type SocName } from '@mta/device-npu';
import { resolveBackends, type EvalBackend } from '@mta/conformance';

export interface BackendSetup {
  /** Unified Buffer size of the npu device, in bytes. */
  readonly ubBytes?: number;
  /** SoC preset of the npu device (cores, UB, clock); unset: $ASCEND_SOC, else 910B4. */
  readonly soc?: SocName;
}

/**
 * Importing ops-mta registers the devices and their MTA kernels; the npu spec comes from the flags. It is
 * built only when the npu is one of the backends: building it reads ASCEND_UB_CAPACITY_BITS, and a bad value
 * there must not break a run that never touches the npu.
 */
export async function loadBackends(names: readonly string[], setup: BackendSetup = {}): Promise<EvalBackend[]> {
  if (names.includes('npu')) {
    configureNpuDevice({ poison: true, ...(setup.ubBytes !== undefined ? { ubBytes: setup.ubBytes } : {}), ...(setup.soc !== undefined ? { soc: setup.soc } : {}) });
  }
  return resolveBackends(names);
}

/** A backend this host cannot run, and why (no adapter): reported as skipped, never as passed. */
export interface SkippedBackend {
  readonly name: string;
  readonly reason: string;
}

/**
 * Asks each backend that needs an adapter whether this host has one. Under CI (`CI` set) a missing adapter
 * is not a skip: CI installs SwiftShader for exactly these backends, so its absence is a broken set-up.
 */
export async function probeBackends(backends: readonly EvalBackend[]): Promise<{ ready: EvalBackend[]; skipped: SkippedBackend[] }> {
  const ready: EvalBackend[] = [];
  const skipped: SkippedBackend[] = [];
  for (const b of backends) {
    const reason = await b.probe?.();
    if (reason === undefined) ready.push(b);
    else if (process.env['CI']) throw new Error(`backend '${b.name}': CI promises a WebGPU adapter (SwiftShader, libvulkan1; see .ci/run), but: ${reason}`);
    else skipped.push({ name: b.name, reason });
  }
  return { ready, skipped };
}
