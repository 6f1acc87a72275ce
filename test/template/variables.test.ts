import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePlaybook } from '../../lib/config/playbook.js';
import { mergeVariables } from '../../lib/template/variables.js';
import { hostVariables, playVariables } from '../../lib/desired/variables.js';
import { loadInventory } from '../../lib/inventory/index.js';
import { packageRoot } from '../../lib/paths.js';

const inventoryFile = join(packageRoot(), 'test', 'fixtures', 'playbooks', 'templated', 'inventory', 'hosts.yml');

describe('variables', () => {
  it('merges layers with the later one winning', () => {
    assert.deepEqual(Object.fromEntries(mergeVariables({ a: 1, b: 1 }, undefined, new Map([['b', 2]]), { c: 3 })), { a: 1, b: 2, c: 3 });
  });

  it('layers a host: inventory < magic variables < play vars < extra vars', async () => {
    const inventory = await loadInventory([inventoryFile]);
    const play = (await parsePlaybook('p.yml', '- hosts: all\n  vars: { port: 1, only_play: p, inventory_hostname: not-the-host }\n  services: []\n')).plays[0]!;
    const vars = hostVariables(inventory, 'gw02', play, mergeVariables({ only_play: 'extra' }));
    assert.equal(vars.get('greeting'), 'hello from host_vars', 'host_vars/ beats group_vars/ and the inventory');
    assert.deepEqual(vars.get('site'), { name: 'north', admins: ['ana', 'bo'] }, 'group_vars/gateways.yml');
    assert.equal(vars.get('ansible_host'), '10.0.0.2');
    assert.deepEqual(vars.get('group_names'), ['gateways']);
    assert.equal(vars.get('port'), 1, 'play vars beat inventory variables');
    assert.equal(vars.get('inventory_hostname'), 'not-the-host', 'play vars beat magic variables');
    assert.equal(vars.get('only_play'), 'extra', 'extra vars beat play vars');
  });

  it("gives a play's name and hosts only its vars and extra vars", async () => {
    const play = (await parsePlaybook('p.yml', '- hosts: all\n  vars: { a: 1 }\n  services: []\n')).plays[0]!;
    assert.deepEqual(Object.fromEntries(playVariables(play, mergeVariables({ b: 2 }))), { a: 1, b: 2 });
  });
});
