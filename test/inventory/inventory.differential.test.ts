/**
 * Differential test: the real `ansible-inventory --list`/`--graph` and `ansible PATTERN --list-hosts`
 * against octoi on every inventory case. Needs Ansible on PATH (CI installs it); fails without it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { join } from 'node:path';
import { OctoiError } from '../../lib/diagnostics.js';
import { ansibleJson, inventoryConnection, inventoryGraph, inventoryListJson, loadInventory, selectHosts, type Inventory } from '../../lib/inventory/index.js';
import { packageRoot } from '../../lib/paths.js';
import { Ansible, inBatches, inventoryCases } from './ansible-oracle.js';

const ansible = new Ansible();
after(() => ansible.dispose());

/** octoi's hosts for a pattern; [] where it reports that nothing matched, as Ansible lists none. */
function octoiHosts(inventory: Inventory, pattern: string, limit?: string): string[] {
  try {
    return selectHosts(inventory, pattern, limit === undefined ? [] : [limit]);
  } catch (error) {
    if (error instanceof OctoiError && error.kind === 'no-hosts-matched') return [];
    throw error;
  }
}

for (const testCase of inventoryCases()) {
  describe(`inventory case ${testCase.name}`, () => {
    test('--list prints the same JSON, byte for byte', async () => {
      const inventory = await loadInventory(testCase.sources, { playbookDir: testCase.playbookDir });
      const expected = await ansible.list(testCase.sources, testCase.playbookDir);
      assert.deepEqual(inventoryListJson(inventory), JSON.parse(expected));
      assert.equal(ansibleJson(inventoryListJson(inventory)), expected);
    });

    test('--graph prints the same tree', async () => {
      const inventory = await loadInventory(testCase.sources, { playbookDir: testCase.playbookDir });
      assert.equal(inventoryGraph(inventory), await ansible.graph(testCase.sources, testCase.playbookDir));
    });

    test(`--list-hosts selects the same hosts in the same order for ${testCase.patterns.length} patterns`, async () => {
      const inventory = await loadInventory(testCase.sources, { playbookDir: testCase.playbookDir });
      const expected = await inBatches(testCase.patterns, 4, (pattern) => ansible.listHosts(testCase.sources, pattern, undefined, testCase.playbookDir));
      const actual = testCase.patterns.map((pattern) => octoiHosts(inventory, pattern));
      assert.deepEqual(
        Object.fromEntries(testCase.patterns.map((pattern, i) => [pattern, actual[i]])),
        Object.fromEntries(testCase.patterns.map((pattern, i) => [pattern, expected[i]])),
      );
    });

    test('--limit narrows the same way', async () => {
      const inventory = await loadInventory(testCase.sources, { playbookDir: testCase.playbookDir });
      const expected = await inBatches(testCase.limits, 4, ([pattern, limit]) => ansible.listHosts(testCase.sources, pattern, limit, testCase.playbookDir));
      assert.deepEqual(
        testCase.limits.map(([pattern, limit]) => octoiHosts(inventory, pattern, limit)),
        expected,
      );
    });
  });
}

describe('example inventories shipped in inventories/', () => {
  for (const name of ['example.yml', 'example.ini']) {
    test(`${name} lists as ansible-inventory lists it`, async () => {
      const source = join(packageRoot(), 'inventories', name);
      assert.equal(ansibleJson(inventoryListJson(await loadInventory([source]))), await ansible.list([source]));
    });
  }
});

describe('variables beside the playbook and templated connection variables, against Ansible', () => {
  const cases = inventoryCases().filter((testCase) => testCase.playbookDir !== undefined);

  for (const testCase of cases) {
    test(`${testCase.name}: --host with --playbook-dir gives each host the variables ansible-inventory gives it`, async () => {
      const inventory = await loadInventory(testCase.sources, { playbookDir: testCase.playbookDir });
      const expected = await inBatches(inventory.hosts, 4, (host) => ansible.host(testCase.sources, host, testCase.playbookDir));
      assert.deepEqual(inventory.hosts.map((host) => inventory.hostVars(host)), expected);
    });

    test(`${testCase.name}: ansible_host, ansible_user and ansible_port render as a play renders them`, async () => {
      const inventory = await loadInventory(testCase.sources, { playbookDir: testCase.playbookDir });
      const expression = "[ansible_host | default(inventory_hostname), ansible_user | default(''), ansible_port | default(22) | string]";
      const expected = await ansible.rendered(testCase.sources, 'all', expression, testCase.playbookDir);
      const actual = Object.fromEntries(inventory.hosts.map((host) => {
        const connection = inventoryConnection(inventory, host);
        return [host, [connection.host ?? host, connection.user ?? '', String(connection.port ?? 22)]];
      }));
      assert.deepEqual(actual, expected);
    });
  }
});
