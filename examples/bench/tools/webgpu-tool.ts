import { initDevice } from '@mta/core';
import { webgpuContext, type WebgpuContext } from '@mta/device-webgpu';
import { registerMtaWebgpu } from '@mta/ops-mta/webgpu';

/** The webgpu device with the MTA kernels registered and initialised: what every GPU tool starts with. */
export async function startWebgpu(): Promise<WebgpuContext> {
  registerMtaWebgpu();
  await initDevice('webgpu');
  return webgpuContext();
}

/** Usage of a raw buffer an experiment binds as storage and copies to and from (STORAGE | COPY_SRC | COPY_DST). */
export const RAW_STORAGE_USAGE = 0x0080 | 0x0004 | 0x0008;
