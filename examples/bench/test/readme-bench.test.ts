import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { README_BEGIN, README_END, readmeBenchBlock } from '../src/readme-table';
import type { BenchReport } from '../src/results';

/** The README's benchmark numbers are the committed results file's, generated, not typed. */
describe('README benchmark block', () => {
  it('is exactly what bench/results.json generates (run `pnpm bench:readme` after a bench run)', () => {
    const root = new URL('../../../', import.meta.url);
    const readme = readFileSync(fileURLToPath(new URL('README.md', root)), 'utf8');
    const report = JSON.parse(readFileSync(fileURLToPath(new URL('bench/results.json', root)), 'utf8')) as BenchReport;
    const begin = readme.indexOf(README_BEGIN);
    const end = readme.indexOf(README_END);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(readme.slice(begin, end + README_END.length)).toBe(readmeBenchBlock(report));
  });
});
