import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The code of a worker whose entry module is `entry` (a path relative to `from`, the caller's import.meta.url,
 * without extension). From a build the worker is plain JavaScript next to the caller. From sources (tsx, vitest) it is
 * TypeScript: Node 20 applies no `--import` loader hooks inside workers, so a small bootstrap loads the
 * entry through tsx's programmatic `tsImport` (located through tsx's own export map).
 */
export function workerSource(from: string, entry: string, who: string): { code: string | URL; evalCode: boolean } {
  if (!from.endsWith('.ts')) return { code: new URL(`${entry}.js`, from), evalCode: false };
  const entryUrl = new URL(`${entry}.ts`, from).href;
  let api: string;
  try {
    const require = createRequire(from);
    const manifestPath = require.resolve('tsx/package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
    const target = manifest.exports?.['./esm/api']?.import?.default;
    if (target === undefined) throw new Error('tsx has no ./esm/api import export');
    api = pathToFileURL(join(dirname(manifestPath), target)).href;
  } catch (error) {
    throw new Error(`${who}: running from TypeScript sources needs tsx (>= 4) to load the worker (${(error as Error).message}); install tsx or use the built package.`);
  }
  const code = `(async () => {
    const { tsImport } = await import(${JSON.stringify(api)});
    await tsImport(${JSON.stringify(entryUrl)}, ${JSON.stringify(from)});
  })().catch((error) => { setTimeout(() => { throw error; }); });`;
  return { code, evalCode: true };
}
