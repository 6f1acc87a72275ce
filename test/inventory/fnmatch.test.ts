import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fnmatchRegExp } from '../../lib/inventory/fnmatch.js';

// Expected results checked against Python's fnmatch.fnmatchcase.
test('wildcards, sets and ranges match like Python fnmatch, case-sensitively', () => {
  const cases: [string, string, boolean][] = [
    ['gw*', 'gw01', true], ['gw*', 'GW01', false], ['gw?1', 'gw01', true], ['gw?1', 'gw1', false],
    ['gw0[1-3]', 'gw02', true], ['gw0[!1-3]', 'gw02', false], ['gw0[!1-3]', 'gw04', true],
    ['a[z-a]b', 'azb', false], ['a[]]b', 'a]b', true], ['a[b', 'a[b', true], ['a.b', 'axb', false],
    ['*.example.com', 'www.example.com', true], ['[!]', '!', false], ['x[-a]', 'x-', true],
  ];
  for (const [pattern, name, expected] of cases) assert.equal(fnmatchRegExp(pattern).test(name), expected, `${pattern} ${name}`);
});
