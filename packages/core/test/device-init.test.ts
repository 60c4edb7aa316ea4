import { describe, expect, it } from 'vitest';
import { Device, initDevice, registerDevice, tensor } from '@mta/core';

/** Devices whose initialiser is asynchronous (a GPU asks for an adapter): shared, retried after failure. */
describe('asynchronous device initialisation', () => {
  it('concurrent initDevice() calls share one initialiser run', async () => {
    let runs = 0;
    const device = new Device({ name: 'async-init-shared', init: async () => { runs++; await new Promise((r) => setTimeout(r, 5)); } });
    const dispose = registerDevice(device);
    await Promise.all([initDevice(device), initDevice(device), device.init()]);
    expect(runs).toBe(1);
    expect(Array.from(tensor([1, 2], { device: 'async-init-shared' }).toArray())).toEqual([1, 2]);
    dispose();
  });

  it('allocating before the initialiser finished says to await initDevice', async () => {
    const device = new Device({ name: 'async-init-early', init: () => new Promise<void>((r) => setTimeout(r, 5)) });
    const dispose = registerDevice(device);
    expect(() => tensor([1], { device: 'async-init-early' })).toThrow(/initialises asynchronously: await initDevice\('async-init-early'\)/);
    expect(() => tensor([1], { device: 'async-init-early' })).toThrow(/still initialising/);
    await initDevice('async-init-early');
    expect(tensor([3], { device: 'async-init-early' }).toArray()[0]).toBe(3);
    dispose();
  });

  it('a failed initialiser rejects every waiter and can be retried', async () => {
    let attempts = 0;
    const device = new Device({
      name: 'async-init-flaky',
      init: async () => { attempts++; if (attempts === 1) throw new Error('no adapter yet'); },
    });
    const dispose = registerDevice(device);
    await expect(Promise.all([initDevice(device), initDevice(device)])).rejects.toThrow('no adapter yet');
    expect(attempts).toBe(1);
    await initDevice(device);
    expect(attempts).toBe(2);
    dispose();
  });
});
