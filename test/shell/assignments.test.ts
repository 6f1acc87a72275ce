import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { shellAssignments } from '../../lib/shell.js';

describe('shellAssignments', () => {
  it('gives /bin/sh every value as it is, however it is spelled', () => {
    const values = { plain: 'a.b/c', quoted: "it's", spaced: ' two  words ', expanding: '$HOME `id` $(id) ~ *', lines: 'one\ntwo\n', empty: '' };
    const script = `${shellAssignments(values)}printf '%s\\0' "$plain" "$quoted" "$spaced" "$expanding" "$lines" "$empty"`;
    const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout.split('\0').slice(0, -1), Object.values(values));
  });

  it('refuses a name that is no shell variable', () => {
    assert.throws(() => shellAssignments({ 'a;rm': 'x' }), /not a shell variable name/);
    assert.throws(() => shellAssignments({ '1a': 'x' }), /not a shell variable name/);
  });
});
