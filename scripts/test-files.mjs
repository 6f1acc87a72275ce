#!/usr/bin/env node
// Prints the compiled test files of one suite, from the test sources (so a test file deleted or
// renamed since the last build is not run from a stale dist/): `unit` starts no lab and calls no
// reference tool, `differential` compares with the real Ansible, Python and OpenSSH, `lab` boots lab hosts
// (root), `lint` type-checks the whole tree again (slow, and not a test of behaviour), `all` is every test file once.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const suites = {
  lab: (file) => /^test\/(e2e|faults)\//.test(file) || ['test/lab/index.test.ts', 'test/lab/cli.test.ts'].includes(file),
  differential: (file) => file.endsWith('.differential.test.ts'),
  lint: (file) => ['test/lint.test.ts', 'test/exports.test.ts'].includes(file),
};
suites.unit = (file) => !suites.lab(file) && !suites.differential(file) && !suites.lint(file);
suites.all = () => true;

const suite = suites[process.argv[2]];
if (!suite || process.argv.length !== 3) {
  process.stderr.write(`usage: test-files.mjs ${Object.keys(suites).join('|')}\n`);
  process.exit(2);
}
const files = readdirSync(join(root, 'test'), { recursive: true })
  .map((file) => relative(root, join(root, 'test', file)))
  .filter((file) => file.endsWith('.test.ts') && suite(file))
  .sort();
process.stdout.write(`${files.map((file) => join('dist', file.replace(/\.ts$/, '.js'))).join('\n')}\n`);
