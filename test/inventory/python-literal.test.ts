import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePythonLiteral } from '../../lib/inventory/python-literal.js';

// Expected values checked against Python 3.11's ast.literal_eval.
const literals: [string, unknown][] = [
  ['42', 42], ['-7', -7], ['+3', 3], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['1_000', 1000], ['00', 0], ['0_0', 0],
  ['2.5', 2.5], ['1e3', 1000], ['.5', 0.5], ['5.', 5], ['1_0.5e-1_0', 1.05e-9], [' 5', 5],
  ['True', true], ['False', false], ['None', null],
  ["'text'", 'text'], ['"dq"', 'dq'], ["'a' 'b'", 'ab'], ["u'x'", 'x'], ["r'a\\n'", 'a\\n'], ["'a\\nb'", 'a\nb'],
  ["'\\x41\\u00e9\\101'", 'AéA'], ["'''tri'''", 'tri'], ["'\\q'", '\\q'],
  ["[1, 'a', None]", [1, 'a', null]], ['(1, 2)', [1, 2]], ['(1)', 1], ['()', []], ['1, 2', [1, 2]], ['[1,]', [1]],
  ['[1, [2, (3,)]],', [[1, [2, [3]]]]], ["{'k': 'v', 'n': 2}", { k: 'v', n: 2 }], ['{1: 2}', { 1: 2 }],
  ["'hello world' # comment", 'hello world'], ['1 # c', 1],
];
const notLiterals = ['0644', 'true', 'yes', 'some text', 'a=b', '[1, a]', "- 'a'", "'unterminated", '1.2.3', '/path/x', ''];
// Python reads these as complex, bytes and set values; octoi keeps the text (see the module's comment).
const unsupported = ['1j', "b'x'", '{1, 2}'];

test('Python literals get their Python value', () => {
  for (const [text, value] of literals) assert.deepEqual(parsePythonLiteral(text), { ok: true, value }, text);
});

test('anything else is not a literal (the INI reader keeps the text)', () => {
  for (const text of [...notLiterals, ...unsupported]) assert.deepEqual(parsePythonLiteral(text), { ok: false }, text);
});
