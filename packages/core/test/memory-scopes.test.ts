import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachingAllocator, Tensor, getDevice, permute, registerDevice, reshape, slice, tensor, tidy } from '../src/index';

/**
 * The caching allocator, reference-counted storages and tidy scopes, on a throwaway device: core
 * computes views itself, so none of this needs a kernel.
 */
const DEVICE = 'core-memory-test';
let dispose: () => void;
beforeAll(() => { dispose = registerDevice({ name: DEVICE }); });
afterAll(() => dispose());

const live = (): number => getDevice(DEVICE).memoryStats().liveTensors;

describe('CachingAllocator', () => {
  it('hands a freed buffer out again for the same dtype and length, and counts bytes', () => {
    const a = new CachingAllocator();
    const first = a.alloc('float32', 8);
    expect(a.stats).toMatchObject({ liveBytes: 32, allocations: 1, poolHits: 0 });
    a.free('float32', first);
    expect(a.stats).toMatchObject({ liveBytes: 0, pooledBytes: 32 });
    expect(a.alloc('float64', 8)).not.toBe(first);
    const again = a.alloc('float32', 8);
    expect(again).toBe(first);
    expect(a.stats).toMatchObject({ poolHits: 1, allocations: 2, pooledBytes: 0, peakBytes: 96 });
  });

  it('zeroes reused buffers on request and drops buffers beyond its pool budget', () => {
    const a = new CachingAllocator(16);
    const buf = a.alloc('int32', 4);
    buf.fill(7);
    a.free('int32', buf);
    const reused = a.alloc('int32', 4, true);
    expect(Array.from(reused)).toEqual([0, 0, 0, 0]);
    const big = a.alloc('float64', 4);
    a.free('float64', big);
    expect(a.stats.pooledBytes).toBe(0);
    expect(a.alloc('float64', 4)).not.toBe(big);
    a.free('int32', reused);
    a.emptyCache();
    expect(a.stats.pooledBytes).toBe(0);
  });
});

describe('storages, views and scopes', () => {
  it('views count as live tensors and share storage; the buffer returns to the pool with the last view', () => {
    const before = live();
    const pooled = getDevice(DEVICE).memoryStats().pooledBytes;
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3], { device: DEVICE });
    const v = permute(x, [1, 0]);
    const s = slice(x, [1]);
    expect(live()).toBe(before + 3);
    expect(v.storage).toBe(x.storage);
    expect(s.offset).toBe(3);
    expect(s.toNumbers()).toEqual([4, 5, 6]);
    expect(v.toNumbers()).toEqual([1, 4, 2, 5, 3, 6]);
    x.dispose();
    v.dispose();
    expect(getDevice(DEVICE).memoryStats().pooledBytes).toBe(pooled);
    expect(s.toNumbers()).toEqual([4, 5, 6]);
    s.dispose();
    s.dispose(); // idempotent
    expect(live()).toBe(before);
    expect(getDevice(DEVICE).memoryStats().pooledBytes).toBe(pooled + 24);
  });

  it('tidy disposes what it created except what it returns or keeps; results join the enclosing scope', () => {
    const before = live();
    let kept: Tensor | undefined;
    let inner: Tensor | undefined;
    const outer = tidy(() => {
      inner = tidy(() => {
        tensor([1], { device: DEVICE });
        kept = tensor([2], { device: DEVICE }).keep();
        return reshape(tensor([3, 4], { device: DEVICE }), [2, 1]);
      });
      expect(inner.isDisposed).toBe(false);
      return { value: tensor([5], { device: DEVICE }) };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(outer.value.isDisposed).toBe(false);
    expect(kept!.isDisposed).toBe(false);
    outer.value.dispose();
    kept!.dispose();
    expect(live()).toBe(before);
  });

  it('tidy still pops its scope when the function throws', () => {
    expect(() => tidy(() => { tensor([1], { device: DEVICE }); throw new Error('boom'); })).toThrow('boom');
    const t = tensor([1], { device: DEVICE });
    const result = tidy(() => t);
    expect(result.isDisposed).toBe(false);
    t.dispose();
  });

  it('tidy frees what a throwing function made, views and nested scopes included', () => {
    const before = live();
    const outside = tensor([5], { device: DEVICE });
    expect(() => tidy(() => {
      const a = tensor([1, 2, 3, 4], { device: DEVICE });
      a.reshape([2, 2]).permute([1, 0]);
      tidy(() => tensor([9], { device: DEVICE }));
      throw new Error('boom');
    })).toThrow('boom');
    expect(live()).toBe(before + 1);
    expect(outside.isDisposed).toBe(false);
    outside.dispose();
  });

  it('`using` disposes at the end of the block', () => {
    const before = live();
    {
      using t = tensor([1, 2], { device: DEVICE });
      expect(live()).toBe(before + 1);
      expect(t.toNumbers()).toEqual([1, 2]);
    }
    expect(live()).toBe(before);
  });
});
