import { describe, expect, it } from 'vitest';
import { CachingAllocator, WasmArena, sizeClassBytes } from '../src/index';

/**
 * The shared wasm-memory arena behind the cpu device's large buffers (the fused MTA kernels compute on them
 * in place): aligned ranges with slack, reuse and merging of given-back ranges, growth up to the cap and
 * `undefined` past it, and the caching allocator's use of it (class accounting, reuse, drops, fallback).
 */
describe('WasmArena', () => {
  it('hands out aligned, disjoint ranges of one shared memory, never at address 0', () => {
    const arena = new WasmArena({ maxBytes: 64 * 65536 });
    expect(arena.memory).not.toBeNull();
    const a = arena.take(100)!;
    const b = arena.take(70000)!;
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(a.byteOffset).toBeGreaterThan(0);
    for (const v of [a, b]) expect(v.byteOffset % 64).toBe(0);
    // At least 64 bytes of slack after each range.
    expect(b.byteOffset >= a.byteOffset + 100 + 64 || a.byteOffset >= b.byteOffset + 70000 + 64).toBe(true);
    expect(arena.owns(a) && arena.owns(b.subarray(5))).toBe(true);
    expect(arena.owns(new Uint8Array(8))).toBe(false);
    a.fill(1);
    expect(b.every((x) => x === 0)).toBe(true);
  });

  it('reuses and merges given-back ranges, and refuses what does not fit', () => {
    const arena = new WasmArena({ maxBytes: 16 * 65536 });
    const xs = [0, 1, 2].map(() => arena.take(3 * 65536)!);
    expect(arena.take(8 * 65536)).toBeUndefined();
    arena.give(xs[0]!);
    arena.give(xs[1]!);
    // The two neighbours merged: a request larger than either fits where they were.
    const merged = arena.take(5 * 65536)!;
    expect(merged.byteOffset).toBe(xs[0]!.byteOffset);
    expect(() => arena.give(xs[0]!.subarray(64))).toThrow(/no range starts/);
    arena.give(merged);
    arena.give(xs[2]!);
    expect(arena.liveBytes).toBe(0);
    expect(arena.take(14 * 65536)).toBeDefined();
  });

  it('lets the caching allocator keep shared-sized buffers in the arena, with class accounting', () => {
    const arena = new WasmArena({ maxBytes: 64 * 65536 });
    const a = new CachingAllocator(2 ** 20, 4096, false, arena);
    const small = a.alloc('float32', 100);
    const big = a.alloc('float32', 100_000);
    expect(arena.owns(small)).toBe(false);
    expect(arena.owns(big)).toBe(true);
    const bigClass = sizeClassBytes(400_000);
    expect(a.stats.liveBytes).toBe(small.buffer.byteLength + bigClass);
    big.fill(3);
    a.free('float32', big);
    expect(a.stats.pooledBytes).toBe(bigClass);
    // Reused as another dtype, zeroed on request, at the same range.
    const again = a.alloc('float64', 50_000, true);
    expect(again.byteOffset).toBe(big.byteOffset);
    expect(again.every((x) => x === 0)).toBe(true);
    a.free('float64', again);
    const before = arena.liveBytes;
    a.emptyCache();
    expect(arena.liveBytes).toBeLessThan(before);
    // A request past the arena's size falls back to a SharedArrayBuffer.
    const huge = a.alloc('float32', 2 ** 22);
    expect(arena.owns(huge)).toBe(false);
    expect(huge.buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});
