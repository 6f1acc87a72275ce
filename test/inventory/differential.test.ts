/**
 * Differential test: the real `ansible-inventory --list`/`--graph` and `ansible PATTERN --list-hosts`
 * against octoi on every inventory case. Needs Ansible on PATH (CI installs it); fails without it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { join } from 'node:path';
import { OctoiError } from '../../lib/diagnostics.js';
import { ansibleJson, inventoryGraph, inventoryListJson, loadInventory, selectHosts, type Inventory } from '../../lib/inventory/index.js';
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
      const inventory = await loadInventory(testCase.sources);
      const expected = await ansible.list(testCase.sources);
      assert.deepEqual(inventoryListJson(inventory), JSON.parse(expected));
      assert.equal(ansibleJson(inventoryListJson(inventory)), expected);
    });

    test('--graph prints the same tree', async () => {
      const inventory = await loadInventory(testCase.sources);
      assert.equal(inventoryGraph(inventory), await ansible.graph(testCase.sources));
    });

    test(`--list-hosts selects the same hosts in the same order for ${testCase.patterns.length} patterns`, async () => {
      const inventory = await loadInventory(testCase.sources);
      const expected = await inBatches(testCase.patterns, 4, (pattern) => ansible.listHosts(testCase.sources, pattern));
      const actual = testCase.patterns.map((pattern) => octoiHosts(inventory, pattern));
      assert.deepEqual(
        Object.fromEntries(testCase.patterns.map((pattern, i) => [pattern, actual[i]])),
        Object.fromEntries(testCase.patterns.map((pattern, i) => [pattern, expected[i]])),
      );
    });

    test('--limit narrows the same way', async () => {
      const inventory = await loadInventory(testCase.sources);
      const expected = await inBatches(testCase.limits, 4, ([pattern, limit]) => ansible.listHosts(testCase.sources, pattern, limit));
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
