#!/usr/bin/env tsx
/**
 * `pnpm fuzz [--device host|webgpu] [--runs N] [--seed S] [--keep-going]`: the MTA API fuzz (mta-fuzz.ts) for
 * long runs. `host` (the default) draws cpu and npu calls, `webgpu` calls on the webgpu device (SwiftShader
 * stands in without a GPU; no adapter is an error). Prints the seed first, then the counts: matches against
 * the cpu float64 reference, named errors by class, raw errors. Stops at the first failure (fast-check shrinks
 * it and prints the case and the seed to rerun) unless --keep-going, which runs every case and lists each
 * distinct failure message once.
 */
import '@mta/ops-mta/register';
import fc from 'fast-check';
import { setFallback } from '@mta/core';
import { anyFuzzCaseIn, checkAnyCase } from './any-case.js';
import { FuzzFailure, HOST_SPACE, newCounts, WEBGPU_SPACE } from './mta-fuzz.js';
import { webgpuOrExit } from './webgpu-setup.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(flag('runs') ?? 1000);
const seed = Number(flag('seed') ?? Date.now() % 2 ** 31);
const device = flag('device') ?? 'host';
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs: expected a whole number >= 1, got ${flag('runs')}`);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed: expected a whole number, got ${flag('seed')}`);
if (device !== 'host' && device !== 'webgpu') throw new Error(`--device: expected host (cpu and npu) or webgpu, got ${device}`);
const keepGoing = process.argv.includes('--keep-going');
const space = device === 'webgpu' ? WEBGPU_SPACE : HOST_SPACE;
if (device === 'webgpu') console.log(`webgpu adapter: ${await webgpuOrExit()}`);
setFallback({ enabled: true, strict: false, onFirstFallback: () => undefined });
console.log(`mta fuzz: ${runs} runs on ${space.devices.join(', ')}, seed ${seed}${keepGoing ? ', keep going' : ''}`);

const counts = newCounts();
const failures = new Map<string, { count: number; example: string }>();
const t0 = performance.now();
let failed = false;
try {
  await fc.assert(fc.asyncProperty(anyFuzzCaseIn(space), async (c) => {
    if (!keepGoing) return void await checkAnyCase(c, counts);
    try {
      await checkAnyCase(c, counts);
    } catch (error) {
      const message = error instanceof FuzzFailure ? error.message : String(error);
      const key = message.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, '#').slice(0, 160);
      const f = failures.get(key) ?? { count: 0, example: `${message}\n      case: ${JSON.stringify(c)}` };
      f.count++;
      failures.set(key, f);
    }
  }), { numRuns: runs, seed });
} catch (error) {
  failed = true;
  console.error(String((error as Error).message));
}
const seconds = ((performance.now() - t0) / 1000).toFixed(1);
console.log(`${counts.match + counts.named + counts.raw} calls in ${seconds} s: ${counts.match} matched the cpu float64 reference, ` +
  `${counts.named} named errors, ${counts.raw} raw errors`);
console.log(`named errors by class: ${Object.entries(counts.namedByClass).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
console.log(`named errors by argument: ${Object.entries(counts.namedByArgument).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`);
for (const f of failures.values()) console.log(`FAILURE x${f.count}: ${f.example}`);
if (failures.size > 0 || failed) {
  console.log(`rerun: pnpm fuzz --device ${device} --seed ${seed} --runs ${runs}`);
  process.exitCode = 1;
}
if (device === 'webgpu') (await import('@mta/device-webgpu')).releaseWebgpu();
