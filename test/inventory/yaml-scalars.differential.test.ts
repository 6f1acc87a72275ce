/**
 * Differential test of YAML 1.1 scalars: the same inventory through `ansible-inventory --list` (PyYAML
 * SafeLoader resolvers under Ansible's loader) and through octoi. Needs Ansible on PATH, as CI has.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { ansibleJson, inventoryListJson, loadInventory } from '../../lib/inventory/index.js';
import { Ansible } from './ansible-oracle.js';

/** Plain scalars as written after `key: `, chosen where the YAML 1.1 readers disagree. */
const scalars = [
  // booleans: three casings of yes/no/true/false/on/off, nothing else
  'yes', 'Yes', 'YES', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', 'y', 'Y', 'n', 'N', 'yES', 'tRUE', 'oN',
  // null
  '~', 'null', 'Null', 'NULL', 'nULL', '',
  // integers: octal with a leading 0, binary, hex, underscores, base 60
  '0', '-0', '+0', '00', '0755', '08', '0_7', '0778', '0b1010', '0b_1', '-0b11', '0x1F', '0x_ff', '-0xff',
  '0xFFg', '0X1F', '0o17', '1_000', '1__2', '12', '+12', '190:20:30', '-1:30', '1:60', '1:5:9', '8:30', '08:30', '12:30',
  // floats: a dot is required, an exponent needs its sign
  '1.0', '1.', '.5', '-.5', '+.5', '1.5e+3', '1.5e3', '1e3', '1E3', '1.0e-2', '6.8523015e+5', '0.1', '-0.0', '1_0.5',
  '.inf', '-.inf', '+.inf', '.Inf', '.INF', '.nan', '.NaN', '.NAN', 'nan', 'inf', '190:20:30.15', '1:30.5', '3.14e+',
  // timestamps, printed as Python's isoformat()
  '2024-01-02', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2001-12-14 21:59:43', '2001-12-14T21:59:43Z',
  '2001-12-14T21:59:43.1234567+01:30', '2001-1-2T3:04:05', '2024-1-02', '2002-12-14 21:59:43.10 +5', '2001-12-14T21:59:43-00:00',
  // text that other readers turn into something else
  'e1', 'E3', '0x', '1e', '1.2.3', '12:60', '1_', '_1', '=a', '<<a', 'NaN', 'Infinity', '0.0.0.0',
  // quoted and explicitly tagged
  '"yes"', "'08'", '!!str yes', '!!str 0755', '"1e3"',
];

const hostNames = ['e1', 'e10', 'E3', '1e3', 'y', 'n', 'Y', 'N', '08', '0x1g', 'NaN', 'inf', '-.5', '1.2.3', '"1234"', "'yes'", '12:60'];

const scratch = mkdtempSync(join(tmpdir(), 'octoi-yaml-scalars-'));
const ansible = new Ansible();
after(() => {
  ansible.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Python's json writes NaN and Infinity, which JSON.parse refuses; both sides spell them the same way
 * before comparing. Integral floats (1500.0) compare equal to integers: JavaScript has one number type.
 */
function parsePythonJson(text: string): unknown {
  return JSON.parse(text.replace(/: (-?Infinity|NaN)(,?)$/gm, ': "$1"$2'));
}

describe('YAML 1.1 as Ansible reads it', () => {
  test(`${scalars.length} scalars as variables: the same values as ansible-inventory --list`, async () => {
    const lines = scalars.map((scalar, index) => `      v${String(index).padStart(3, '0')}: ${scalar}`);
    const file = write('scalars.yml', `all:\n  hosts:\n    h:\n${lines.join('\n')}\n`);
    const expected = parsePythonJson(await ansible.list([file])) as { _meta: { hostvars: { h: Record<string, unknown> } } };
    const actual = parsePythonJson(ansibleJson(inventoryListJson(await loadInventory([file])))) as typeof expected;
    const table = (vars: Record<string, unknown>): Record<string, unknown> =>
      Object.fromEntries(scalars.map((scalar, index) => [scalar, vars[`v${String(index).padStart(3, '0')}`]]));
    assert.deepEqual(table(actual._meta.hostvars.h), table(expected._meta.hostvars.h));
  });

  test('host names that look like numbers stay the exact text, one host each', async () => {
    const file = write('names.yml', `all:\n  hosts:\n${hostNames.map((name, i) => `    ${name}:\n      n: ${i}`).join('\n')}\n`);
    const expected = JSON.parse(await ansible.list([file])) as Record<string, unknown>;
    assert.equal((expected['ungrouped'] as { hosts: string[] }).hosts.length, hostNames.length);
    assert.deepEqual(inventoryListJson(await loadInventory([file])), expected);
  });

  test('text that is JSON is read as JSON first, as Ansible\'s loader does (1e3 is a number there)', async () => {
    const file = write('inventory.json', '{"all": {"hosts": {"h": {"a": 1e3, "b": "yes", "c": 2.5E-2, "d": [1, "08", null, true]}}}}');
    assert.deepEqual(inventoryListJson(await loadInventory([file])), JSON.parse(await ansible.list([file])));
    const vars = write('inline.yml', '{"all": {"hosts": {"h": {"a": 1e3}}}}');
    assert.equal((await loadInventory([vars])).hostVars('h')['a'], 1000);
  });

  for (const [kind, text, line] of [
    ['host', 'all:\n  hosts:\n    gw1:\n    1234:\n', 4],
    ['host', 'all:\n  hosts:\n    yes:\n', 3],
    ['host', 'all:\n  hosts:\n    1.5:\n', 3],
    ['host', 'all:\n  hosts:\n    ~:\n', 3],
    ['group', 'all:\n  children:\n    2024:\n      hosts:\n        a:\n', 3],
    ['group', 'true:\n  hosts:\n    a:\n', 1],
  ] as const) {
    test(`a ${kind} name YAML reads as no string is refused, as Ansible refuses it: ${JSON.stringify(text)}`, async () => {
      const file = write('refused.yml', text);
      await assert.rejects(ansible.list([file]), /must be a\s+string|expected a\s+string/);
      const error = await loadInventory([file]).then(() => assert.fail('loaded'), (caught: unknown) => caught);
      assert.ok(error instanceof OctoiError);
      const [diagnostic] = error.diagnostics;
      assert.match(diagnostic?.message ?? '', new RegExp(`^${kind} name \\S+ must be a string, but YAML 1.1 reads it as`));
      assert.match(diagnostic?.hint ?? '', /enclose it in quotation marks/);
      assert.equal(diagnostic?.position?.file, file);
      assert.equal(diagnostic?.position?.line, line);
    });
  }

  for (const scalar of ['=', '0x_', '0b_', '2024-02-30', '2024-13-01']) {
    test(`a scalar Ansible cannot construct (${scalar}) fails the file at its position, as in Ansible`, async () => {
      const file = write('broken.yml', `all:\n  hosts:\n    h:\n      ok: 1\n      bad: ${scalar}\n`);
      await assert.rejects(ansible.list([file]));
      const error = await loadInventory([file]).then(() => assert.fail('loaded'), (caught: unknown) => caught);
      assert.ok(error instanceof OctoiError);
      assert.ok(error.diagnostics.some((d) => d.position?.line === 5 && /Ansible cannot read/.test(d.message)), JSON.stringify(error.diagnostics));
    });
  }
});
