import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readExtraVars } from '../../lib/config/extra-vars.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { packageRoot } from '../../lib/paths.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'playbooks', 'extra-vars');

async function failure(options: string[]): Promise<OctoiError> {
  const error = await readExtraVars(options).catch((caught: unknown) => caught);
  assert.ok(error instanceof OctoiError, `expected an OctoiError, got ${String(error)}`);
  assert.equal(error.kind, 'invalid-input');
  return error;
}

describe('readExtraVars (-e / --extra-vars)', () => {
  it('reads NAME=VALUE words as text, quotes grouping words as a shell would', async () => {
    const vars = await readExtraVars(["port=8080 greeting='hello world' eq=a=b empty="]);
    assert.deepEqual(Object.fromEntries(vars), { port: '8080', greeting: 'hello world', eq: 'a=b', empty: '' });
  });

  it('reads inline JSON or YAML mappings with their types', async () => {
    const vars = await readExtraVars(['{"port": 8080, "site": {"name": "north"}, "on": true}', '{ list: [1, two] }']);
    assert.deepEqual(Object.fromEntries(vars), { port: 8080, site: { name: 'north' }, on: true, list: [1, 'two'] });
  });

  it('reads @FILE in YAML (1.1, as Ansible: yes is true) or JSON', async () => {
    const vars = await readExtraVars([`@${join(fixtures, 'vars.yml')}`, `@${join(fixtures, 'vars.json')}`]);
    assert.deepEqual(Object.fromEntries(vars), { port: 9090, enabled: true, site: { name: 'north' }, list: [1, 2] });
  });

  it('lets a later option win', async () => {
    const vars = await readExtraVars(['port=1 a=x', '{"port": 2}', 'port=3']);
    assert.deepEqual(Object.fromEntries(vars), { port: '3', a: 'x' });
  });

  it('keeps a __proto__ key as plain data', async () => {
    const vars = await readExtraVars(['{"__proto__": {"polluted": 1}}']);
    assert.deepEqual([...vars.keys()], ['__proto__']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('reports every bad option, saying what to write instead', async () => {
    const error = await failure(['port', 'bad-name=1', "a='open", '[1, 2]', `@${join(fixtures, 'list.yml')}`, `@${join(fixtures, 'absent.yml')}`, '{"a": ']);
    assert.deepEqual(
      error.diagnostics.map((d) => d.message.replace(fixtures, 'FIXTURES')),
      [
        '-e "port": "port" is not NAME=VALUE',
        '-e "bad-name=1": "bad-name=1" is not NAME=VALUE',
        '-e "a=\'open": cannot split into words: No closing quotation',
        '-e "[1, 2]": holds a list, not a mapping of variables',
        '-e "@FIXTURES/list.yml": holds a list, not a mapping of variables',
        'cannot read the file: ENOENT',
        error.diagnostics[6]!.message,
      ],
    );
    assert.match(error.diagnostics[6]!.message, /^-e "\{\\"a\\": ": invalid YAML/);
    assert.equal(error.diagnostics[5]?.position?.file, join(fixtures, 'absent.yml'));
    assert.ok(error.diagnostics.every((d) => d.hint));
  });
});
