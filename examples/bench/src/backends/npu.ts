/**
 * Our simulated Ascend NPU device running multiTokenAttention with impl 'auto'. Wall time here is the
 * simulator's time on the host CPU, not an NPU's; unsupported() gives the reason when the npu device or
 * its MTA kernels are not registered.
 *
 * After each run the simulator's explain() holds the run's GM traffic against the minimum the math needs,
 * per op ('mta.forward', 'mta.backward'), and its roofline time estimate: prepared runs expose them as
 * `extraInfo()` (bytes, ratio, estimated microseconds).
 */
import { npuSimulator } from '@mta/device-npu';
import type { BenchBackend } from '../types';
import { createDeviceBackend, type LastRunStats } from './device-backend';

const npuGmTraffic: LastRunStats = {
  reset: () => npuSimulator().clearRecords(),
  read() {
    const info: Record<string, number> = {};
    for (const g of npuSimulator().explain().groups) {
      // 'mta.forward' -> 'forward'
      const op = g.name.replace(/^mta\./, '');
      info[`${op}.gmReadBytes`] = g.readBytes;
      info[`${op}.gmWriteBytes`] = g.writeBytes;
      info[`${op}.gmMinBytes`] = g.minReadBytes + g.minWriteBytes;
      info[`${op}.gmTrafficRatio`] = g.trafficRatio;
      info[`${op}.estimatedNpuUs`] = g.estSeconds * 1e6;
    }
    return info;
  },
};

export function createNpuBackend(): BenchBackend {
  return createDeviceBackend({ device: 'npu', impl: 'auto', needsFusedKernel: true, lastRunStats: npuGmTraffic });
}
