import { configureNpuDevice } from '@mta/device-npu';
import { resolveBackends, type EvalBackend } from '@mta/conformance';

export interface BackendSetup {
  /** Unified Buffer size of the npu device, in bytes. */
  readonly ubBytes?: number;
}

/** Importing ops-mta registers the devices and their MTA kernels; the npu spec comes from the flags. */
export async function loadBackends(names: readonly string[], setup: BackendSetup = {}): Promise<EvalBackend[]> {
  configureNpuDevice({ poison: true, ...(setup.ubBytes !== undefined ? { ubBytes: setup.ubBytes } : {}) });
  return resolveBackends(names);
}
