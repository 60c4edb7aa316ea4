import { describe, expect, it } from 'vitest';
import { withRelativePaths, type StoredReport } from '../src/summary';

/** Summaries get committed (docs/results/train-summary.json): their paths are relative to the summary. */
describe('withRelativePaths', () => {
  it('makes the output directory and every file relative to the summary directory, keeping relative ones', () => {
    const base = '/somewhere/runs/train';
    const report = {
      settings: { out: `${base}/mta-seed1` },
      files: { checkpoint: `${base}/mta-seed1/checkpoint.json`, log: `${base}/mta-seed1/log.json`, curves: 'mta-seed1/curves.svg', report: `${base}/mta-seed1/report.json` },
    } as unknown as StoredReport;
    const rel = withRelativePaths(report, base);
    expect(rel.settings.out).toBe('mta-seed1');
    expect(rel.files).toEqual({ checkpoint: 'mta-seed1/checkpoint.json', log: 'mta-seed1/log.json', curves: 'mta-seed1/curves.svg', report: 'mta-seed1/report.json' });
  });
});
