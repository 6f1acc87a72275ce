import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OctoiError, type Diagnostic } from '../../lib/diagnostics.js';
import { inventoryGraph, inventoryListJson, loadInventory, selectHosts } from '../../lib/inventory/index.js';
import { capturedOutputs, inventoryCases } from './ansible-oracle.js';

// Each case's expected.json is Ansible's own output, captured by capture-ansible-outputs.ts.
for (const testCase of inventoryCases()) {
  test(`${testCase.name}: loads as Ansible did (captured --list, --graph, --list-hosts)`, async () => {
    const expected = capturedOutputs(testCase);
    const inventory = await loadInventory(testCase.sources, { playbookDir: testCase.playbookDir });
    assert.deepEqual(inventoryListJson(inventory), expected.list);
    assert.equal(inventoryGraph(inventory), expected.graph);
    const selects = (pattern: string, limit: string[], hosts: string[] = []): void => {
      if (hosts.length > 0) assert.deepEqual(selectHosts(inventory, pattern, limit), hosts, pattern);
      else assert.throws(() => selectHosts(inventory, pattern, limit), { kind: 'no-hosts-matched' }, pattern);
    };
    for (const pattern of testCase.patterns) selects(pattern, [], expected.listHosts[pattern]);
    testCase.limits.forEach(([pattern, limit], i) => selects(pattern, [limit], expected.limited[i]));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'octoi-inventory-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(scratch, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function loadErrors(...sources: string[]): Promise<Diagnostic[]> {
  try {
    await loadInventory(sources);
  } catch (error) {
    assert.ok(error instanceof OctoiError);
    assert.equal(error.kind, 'invalid-input');
    return [...error.diagnostics];
  }
  assert.fail('the inventory loaded without error');
}

describe('precedence and variables', () => {
  test('group_vars files override inventory group vars; host_vars override the host', async () => {
    const inventory = await loadInventory(inventoryCases().filter((c) => c.name === 'precedence').flatMap((c) => c.sources));
    const h1 = inventory.hostVars('h1');
    assert.equal(h1['v_depth'], 'site');
    assert.equal(h1['v_file'], 'inventory-host');
    assert.equal(inventory.hostVars('h2')['v_file'], 'host_vars-h2');
    // zulu (priority 0) sorts before alpha/beta (1): beta, last by name at priority 1, wins.
    assert.equal(h1['v_same'], 'beta');
    assert.equal(inventory.hostVars('h3')['v_same'], 'prio');
    // ansible_group_priority from a group_vars file is a plain variable, not a priority.
    assert.equal(inventory.groups.get('alpha')?.priority, 1);
    assert.deepEqual(inventory.groupNames('h1'), ['alpha', 'beta', 'region', 'site', 'zulu']);
  });

  test('magic variables name the host, its groups and its inventory file', async () => {
    const file = write('magic.yml', 'web:\n  hosts:\n    www.example.com:\n    192.0.2.1:\n');
    const inventory = await loadInventory([file]);
    assert.deepEqual(inventory.magicVars('www.example.com'), {
      inventory_hostname: 'www.example.com',
      inventory_hostname_short: 'www',
      group_names: ['web'],
      inventory_file: file,
      inventory_dir: scratch,
    });
    assert.equal(inventory.magicVars('192.0.2.1')['inventory_hostname_short'], '192.0.2.1');
  });
});

describe('diagnostics', () => {
  test('YAML syntax errors point at FILE:LINE:COL', async () => {
    const file = write('broken.yml', 'all:\n  hosts:\n    gw1: [unclosed\n');
    const [first] = await loadErrors(file);
    assert.equal(first?.position?.file, file);
    assert.ok((first?.position?.line ?? 0) >= 3);
  });

  test('a hosts: list instead of a mapping is an error at its key', async () => {
    const file = write('list.yml', 'all:\n  children:\n    web:\n      hosts:\n        - gw1\n');
    const [first] = await loadErrors(file);
    assert.match(first?.message ?? '', /"hosts" of group web must be a mapping, not a list/);
    assert.deepEqual(first?.position, { file, line: 4, column: 7 });
  });

  test('an unexpected group key is a warning with a suggestion', async () => {
    const file = write('typo.yml', 'web:\n  host:\n    gw1:\n  hosts:\n    gw2:\n');
    const inventory = await loadInventory([file]);
    assert.deepEqual(inventory.hosts, ['gw2']);
    assert.equal(inventory.warnings[0]?.severity, 'warning');
    assert.equal(inventory.warnings[0]?.hint, 'did you mean "hosts"?');
    assert.deepEqual(inventory.warnings[0]?.position, { file, line: 2, column: 3 });
  });

  test('INI problems are all reported, each at FILE:LINE', async () => {
    const file = write('bad.ini', '[web]\ngw1 novalue\n[web:bogus]\n[db:vars]\nx=1\n[web:children]\nghost\n[web:vars]\nno equals sign\n');
    const problems = await loadErrors(file);
    assert.deepEqual(
      problems.map((d) => [d.position?.line, d.message]),
      [
        [2, 'expected a key=value host variable assignment, got: novalue'],
        [3, 'section [web:bogus] has unknown type: bogus'],
        [9, 'expected key=value, got: no equals sign'],
        [4, 'section [db:vars] is not valid for an undefined group: db'],
        [7, 'section [web:children] includes an undefined group: ghost'],
      ],
    );
    assert.ok(problems.every((d) => d.position?.column === 1 && d.hint));
  });

  test('a group that would become its own ancestor is an error', async () => {
    const file = write('loop.ini', '[a:children]\nb\n[b:children]\na\n');
    const [first] = await loadErrors(file);
    assert.match(first?.message ?? '', /recursive dependency loop/);
    assert.equal(first?.position?.line, 4);
  });

  test('bad ranges and invalid group priorities are errors', async () => {
    const file = write('range.yml', 'all:\n  hosts:\n    gw[01:9]:\n  children:\n    g:\n      vars:\n        ansible_group_priority: high\n');
    const messages = (await loadErrors(file)).map((d) => d.message);
    assert.deepEqual(messages, ['host range must specify equal-length begin and end formats', 'ansible_group_priority must be an integer, not "high"']);
  });

  test('a missing source and a non-mapping vars file are errors', async () => {
    assert.match((await loadErrors(join(scratch, 'nope.yml')))[0]?.message ?? '', /inventory source not found/);
    const dir = join(scratch, 'badvars');
    write('badvars/hosts.yml', 'web:\n  hosts:\n    gw1:\n');
    write('badvars/group_vars/web.yml', '- a\n- b\n');
    const [first] = await loadErrors(join(dir, 'hosts.yml'));
    assert.match(first?.message ?? '', /must hold a mapping/);
    assert.equal(first?.position?.file, join(dir, 'group_vars', 'web.yml'));
  });

  test('no source at all is an error', async () => {
    assert.match((await loadErrors())[0]?.message ?? '', /no inventory given/);
  });
});
