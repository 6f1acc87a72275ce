import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredService, describeAction, parsePlaybook, planHost, type HostFacts } from '../lib/index.js';
import { fixedServices } from './helpers/plays.js';

const playbook = `- name: hello
  hosts: gateways
  services:
    - name: hello
      listen: 13063
      script: { content: "#!/bin/sh\\necho hi\\n" }
`;

const freshHost: HostFacts = {
  files: {},
  units: {},
  listeners: [],
  listenerSource: 'ss',
  leftoverTempFiles: [],
  directories: {
    '/etc': { path: '/etc', kind: 'directory', uid: 0, mode: 0o755, entries: 90 },
    '/etc/systemd': { path: '/etc/systemd', kind: 'directory', uid: 0, mode: 0o755, entries: 9 },
    '/etc/systemd/system': { path: '/etc/systemd/system', kind: 'directory', uid: 0, mode: 0o755, entries: 40 },
    '/opt': { path: '/opt', kind: 'directory', uid: 0, mode: 0o755, entries: 0 },
    '/opt/hello': { path: '/opt/hello', kind: 'missing' },
  },
  owned: { files: [], directories: [], groups: [] },
  groups: [],
  pendingRestarts: [],
  foreignUnitFiles: {},
  dropIns: {},
  unsupported: [],
  unreadable: [],
  runningInstances: {},
};

describe('the library API', () => {
  it('loads a playbook and plans a fresh host with the same steps the command line takes', async () => {
    const { plays } = await parsePlaybook('inline.yml', playbook);
    const services = fixedServices(plays[0]).map(desiredService);
    const plan = planHost(services, freshHost);
    assert.deepEqual(plan.actions.map(describeAction), [
      '+ create directory /opt/hello (0755)',
      '+ create /etc/systemd/system/hello.socket (0644)',
      '+ create /etc/systemd/system/hello@.service (0644)',
      '+ create /opt/hello/hello.sh (0755)',
      '+ enable hello.socket',
      '± daemon-reload',
      '+ start hello.socket',
    ]);
  });
});
