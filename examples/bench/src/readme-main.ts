/** `pnpm bench:readme`: rewrites the README's benchmark block from the committed bench/results.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withBenchBlock } from './readme-table';
import type { BenchReport } from './results';

const root = new URL('../../../', import.meta.url);
const readmePath = fileURLToPath(new URL('README.md', root));
const report = JSON.parse(readFileSync(fileURLToPath(new URL('bench/results.json', root)), 'utf8')) as BenchReport;
writeFileSync(readmePath, withBenchBlock(readFileSync(readmePath, 'utf8'), report));
console.log(`rewrote the benchmark block of ${readmePath}`);
