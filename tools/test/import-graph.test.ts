import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles } from '../import-graph';

/** Imports point one way inside every package: no module reaches itself through runtime imports. */
const repo = join(__dirname, '..', '..');
const sourceRoots = [
  ...readdirSync(join(repo, 'packages')).map((p) => join(repo, 'packages', p, 'src')),
  ...readdirSync(join(repo, 'examples'), { withFileTypes: true }).filter((d) => d.isDirectory() && !['node_modules', 'dist'].includes(d.name) && !d.name.startsWith('.')).map((d) => join(repo, 'examples', d.name)),
];

describe('import graph', () => {
  for (const root of sourceRoots) {
    it(`${root.slice(repo.length + 1)} has no import circle`, () => {
      expect(importCycles(root)).toEqual([]);
    });
  }

  it('finds a circle when there is one, and ignores type-only imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-graph-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './sub/b.js';\nexport const a = () => b;\n");
    writeFileSync(join(dir, 'sub', 'b.ts'), "import { a } from '../a.js';\nexport const b = () => a;\n");
    writeFileSync(join(dir, 'c.ts'), "import type { D } from './d.js';\nexport type C = D;\n");
    writeFileSync(join(dir, 'd.ts'), "import { type C } from './c.js';\nexport type D = C;\n");
    expect(importCycles(dir)).toEqual([['a.ts', 'sub/b.ts', 'a.ts']]);
  });
});
