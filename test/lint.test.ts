import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { ESLint } from 'eslint';
import { packageRoot } from '../lib/paths.js';

const root = packageRoot();
const folders = ['lib', 'test', 'examples'];

it('typescript-eslint finds nothing in lib/, test/ and examples/ (eslint.config.js)', async () => {
  const results = await new ESLint({ cwd: root }).lintFiles(folders);
  const sources = folders.flatMap((folder) => readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.ts')));
  assert.equal(results.length, sources.length, 'every .ts file of lib/, test/ and examples/ is linted');
  const findings = results.flatMap(({ filePath, messages }) =>
    messages.map(({ line, column, ruleId, message }) => `${relative(root, filePath)}:${line}:${column} ${ruleId ?? 'eslint'}: ${message}`));
  assert.deepEqual(findings, []);
});
