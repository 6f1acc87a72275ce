import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { packageRoot } from '../lib/paths.js';

const root = packageRoot();

/** The violations of the project's import rules in the tree at `baseDir`, as `rule: from → to`. */
async function violations(baseDir: string): Promise<string[]> {
  const options = await extractDepcruiseOptions(join(root, '.dependency-cruiser.cjs'));
  const tsConfig = extractTSConfig(join(baseDir, 'tsconfig.json'));
  const { output } = await cruise(['lib'], { ...options, baseDir, tsConfig: { fileName: join(baseDir, 'tsconfig.json') } }, undefined, { tsConfig });
  const result = output as ICruiseResult;
  return result.summary.violations.map(({ rule, from, to }) => `${rule.name}: ${from} → ${to}`);
}

describe('the import rules of ARCHITECTURE.md', () => {
  it('hold for the whole of lib/', async () => {
    assert.deepEqual(await violations(root), []);
  });

  describe('catch what breaks them', () => {
    const tree = mkdtempSync(join(tmpdir(), 'octoi-layers-'));
    after(() => rmSync(tree, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(tree, path)), { recursive: true });
      writeFileSync(join(tree, path), text);
    };
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['lib/**/*.ts'] }));
    write('lib/run/types.ts', 'export type HostStatus = "ok";\n');
    write('lib/units/names.ts', "import type { HostStatus } from '../run/types.js';\nexport const status: HostStatus = 'ok';\n");
    write('lib/hash.ts', "export { status } from './units/names.js';\n");
    write('lib/gadgets/tool.ts', "import { status } from '../units/names.js';\nexport const tool = status;\n");
    write('lib/plan/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
    write('lib/plan/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");

    it('an upward arrow, a root module leaning on a folder, a folder with no layer and a loop', async () => {
      const found = await violations(tree);
      assert.ok(found.includes('units-imports-only-below: lib/units/names.ts → lib/run/types.ts'), found.join('\n'));
      assert.ok(found.includes('root-modules-are-generic: lib/hash.ts → lib/units/names.ts'), found.join('\n'));
      assert.ok(found.includes('no-unknown-folder: lib/gadgets/tool.ts → lib/units/names.ts'), found.join('\n'));
      assert.ok(found.some((line) => line.startsWith('no-circular: lib/plan/a.ts → lib/plan/b.ts')), found.join('\n'));
    });
  });
});
