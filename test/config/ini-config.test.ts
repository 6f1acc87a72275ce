import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIniConfig } from '../../lib/config/ini-config.js';

// ini-config.differential.test.ts compares the reader with Python's configparser.

test('errors name the line', () => {
  const { diagnostics } = parseIniConfig('ansible.cfg', '[s]\na = 1\njust words\nA = 2\n');
  assert.deepEqual(diagnostics.map((d) => d.position?.line), [3, 4]);
  assert.match(diagnostics[1]?.message ?? '', /a is set twice in \[s\]/);
});
