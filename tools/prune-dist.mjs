// Run by each package's prepack after `tsc -b`, in the package's directory: deletes compiled files under
// dist/src whose TypeScript source is gone (a renamed or deleted module). tsc's incremental build never
// removes them, and `files: ["dist/src"]` would otherwise publish them.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;
const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));

if (existsSync('dist/src')) {
  for (const file of walk('dist/src')) {
    if (!OUTPUT.test(file)) continue;
    const source = join('src', relative('dist/src', file).replace(OUTPUT, '.ts'));
    if (!existsSync(source)) {
      rmSync(file);
      console.log(`prune-dist: removed ${file} (no ${source})`);
    }
  }
}
