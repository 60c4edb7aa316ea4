import '@mta/ops-mta/register';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { checkCommand } from '../src/check';
import { goldenCommand } from '../src/golden';

const golden = fileURLToPath(new URL('../../../golden/', import.meta.url));

/** A valid mta-golden/1 manifest whose case list is empty. */
function emptyManifest(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mta-empty-golden-'));
  const manifest = JSON.parse(readFileSync(join(golden, 'public.json'), 'utf8')) as { cases: unknown[] };
  manifest.cases = [];
  writeFileSync(join(dir, 'public.json'), JSON.stringify(manifest));
  copyFileSync(join(golden, 'public.bin'), join(dir, 'public.bin'));
  return join(dir, 'public.json');
}

describe('a run that checks nothing fails (issue 13, item 4)', () => {
  it('mta check and mta golden refuse a manifest with no cases instead of printing OK and exiting 0', async () => {
    const path = emptyManifest();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await expect(checkCommand.run(['--case', path, '--backends', 'cpu'])).rejects.toThrow(/holds no cases.*nothing to check/);
      await expect(goldenCommand.run([path, '--device', 'cpu'])).rejects.toThrow(/holds no cases.*nothing to check/);
    } finally {
      log.mockRestore();
    }
  });

  it('mta check --backends "" is a usage error naming the flag', async () => {
    await expect(checkCommand.run(['--backends', ''])).rejects.toThrow(/--backends: expected a comma-separated list/);
    await expect(checkCommand.run(['--backends', ','])).rejects.toThrow(/--backends: expected a comma-separated list/);
  });
});
