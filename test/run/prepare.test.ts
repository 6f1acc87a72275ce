import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { servicesOf } from '../../lib/desired/host-services.js';
import { prepareRun } from '../../lib/run/prepare.js';
import { inventoryFixtures } from '../inventory/ansible-oracle.js';

test('a run reads group_vars/ and host_vars/ beside its playbook, over the inventory\'s of the same level', async () => {
  const dir = join(inventoryFixtures, 'playbook-vars');
  const run = await prepareRun({ playbookFile: join(dir, 'playbooks', 'site.yml'), inventories: [join(dir, 'inventory', 'hosts.ini')], limit: [], extraVars: [] });
  assert.deepEqual(run.hosts, ['w1', 'w2']);
  const scripts = run.hosts.map((host) => servicesOf(run.desired, 0, host)[0]?.files.find((file) => file.path.endsWith('.sh'))?.content);
  assert.deepEqual(scripts, ['#!/bin/sh\necho "playbook-group_vars-web-20 playbook-host_vars-w1"\n', '#!/bin/sh\necho "playbook-group_vars-web-20 none"\n']);
});
