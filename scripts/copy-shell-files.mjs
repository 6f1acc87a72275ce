#!/usr/bin/env node
// Runs after tsc (npm run build): the shell code octoi runs on hosts and in its lab lives in .sh
// files beside the modules that use them; each is copied beside its compiled module, which reads
// it from there.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
for (const file of readdirSync(join(root, 'lib'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.sh')) continue;
  const target = join(root, 'dist', 'lib', file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, 'lib', file), target);
}
