import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shlexSplit, ShlexError } from '../../lib/source/shlex.js';

// Expected words checked against Python's shlex.split.
test('splits like POSIX shlex', () => {
  const cases: [string, boolean, string[]][] = [
    ['gw1 a=1 b="two words"', true, ['gw1', 'a=1', 'b=two words']],
    [`x='"kept"' y=a\\ b`, true, ['x="kept"', 'y=a b']],
    ['a=1 # comment "ignored', true, ['a=1']],
    ['a#b c', true, ['a']],
    ['a#b c', false, ['a#b', 'c']],
    [`"a\\"b\\\\c\\d" ''`, false, ['a"b\\c\\d', '']],
    ['-o "StrictHostKeyChecking yes"  -J bastion', false, ['-o', 'StrictHostKeyChecking yes', '-J', 'bastion']],
  ];
  for (const [text, comments, words] of cases) assert.deepEqual(shlexSplit(text, { comments }), words, text);
});

test('unclosed quotes and a trailing backslash are errors', () => {
  assert.throws(() => shlexSplit('a "b'), new ShlexError('No closing quotation'));
  assert.throws(() => shlexSplit('a \\'), new ShlexError('No escaped character'));
});
