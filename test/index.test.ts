import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredService, describeAction, parsePlaybook, planHost, type HostFacts } from '../lib/index.js';

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
  existingDirectories: ['/etc/systemd/system'],
  runningInstances: {},
};

describe('the library API', () => {
  it('loads a playbook and plans a fresh host with the same steps the command line takes', async () => {
    const { plays } = await parsePlaybook('inline.yml', playbook);
    const services = plays[0]!.services.map(desiredService);
    const plan = planHost(services, freshHost);
    assert.deepEqual(plan.actions.map(describeAction), [
      '+ create /etc/systemd/system/hello.socket (0644)',
      '+ create /etc/systemd/system/hello@.service (0644)',
      '+ create /opt/hello/hello.sh (0755)',
      '+ enable hello.socket',
      '± daemon-reload',
      '+ start hello.socket',
    ]);
  });
});
