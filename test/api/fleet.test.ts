import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apply, loadAnsibleConfig, loadInventory, OctoiError, prepareFleet, resolveTargets, validatePlaybook, type Playbook } from '../../lib/index.js';
import { servicesOf } from '../../lib/desired/host-services.js';

const playbookText = (port: number) => `- hosts: gateways
  services:
    - name: "echo-{{ inventory_hostname }}"
      listen: ${port}
      script: { content: "#!/bin/sh\\necho {{ inventory_hostname }}\\n" }
- hosts: gw2
  services:
    - name: plain
      listen: 14000
      script: { content: "#!/bin/sh\\necho plain\\n" }
`;

describe('the library API before any host is contacted', () => {
  let dir: string;
  let inventoryFile: string;
  let sshConfig: string;
  const playbook = async (port: number): Promise<Playbook> => {
    const { playbook: loaded, diagnostics } = await validatePlaybook(join(dir, 'site.yml'), { text: playbookText(port) });
    assert.ok(loaded, JSON.stringify(diagnostics));
    return loaded;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'octoi-api-'));
    inventoryFile = join(dir, 'hosts.yml');
    sshConfig = join(dir, 'ssh_config');
    await writeFile(sshConfig, 'Host *\n  Port 2222\n');
    await writeFile(inventoryFile, [
      'gateways:',
      '  hosts:',
      '    gw1: { ansible_host: 192.0.2.1, ansible_user: deploy, ansible_become: true }',
      '    gw2: { ansible_host: 192.0.2.2, ansible_port: 22 }',
      '    gw3: { ansible_host: 192.0.2.3, ansible_connection: winrm }',
      '  bogus: 3',
      '',
    ].join('\n'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("loadInventory returns the inventory's warnings with it", async () => {
    const { inventory, warnings } = await loadInventory(inventoryFile);
    assert.deepEqual(inventory.hosts, ['gw1', 'gw2', 'gw3']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.message ?? '', /bogus/);
  });

  it('resolveTargets gives each host its SSH target, become, ssh_config and accept-new; a host octoi will not reach is refused', async () => {
    const { inventory } = await loadInventory(inventoryFile);
    const targets = await resolveTargets(inventory, 'all', { sshConfig, acceptNew: true });
    assert.deepEqual([...targets.keys()], ['gw1', 'gw2', 'gw3']);
    const gw1 = targets.get('gw1');
    assert.ok(gw1 && 'ssh' in gw1);
    assert.deepEqual([gw1.ssh.user, gw1.ssh.hostname, gw1.ssh.port, gw1.ssh.strictHostKeyChecking], ['deploy', '192.0.2.1', 2222, 'accept-new']);
    assert.deepEqual(gw1.become, {});
    const gw2 = targets.get('gw2');
    assert.ok(gw2 && 'ssh' in gw2);
    assert.equal(gw2.ssh.port, 22, "the inventory's port wins over ssh_config's");
    assert.equal(gw2.become, undefined);
    assert.ok(targets.get('gw3') && 'refusal' in targets.get('gw3')!);
    assert.deepEqual([...(await resolveTargets(inventory, 'all', { limit: ['gw2'], sshConfig })).keys()], ['gw2']);
  });

  it("resolveTargets takes ansible.cfg's host_key_checking = False as accept-new", async () => {
    const cfg = join(dir, 'ansible.cfg');
    await writeFile(cfg, '[defaults]\nhost_key_checking = False\nremote_user = ops\n');
    const ansibleConfig = loadAnsibleConfig({ env: { ANSIBLE_CONFIG: cfg }, cwd: dir, home: dir });
    const { inventory } = await loadInventory(inventoryFile);
    const target = (await resolveTargets(inventory, ['gw2'], { sshConfig, ansibleConfig })).get('gw2');
    assert.ok(target && 'ssh' in target);
    assert.deepEqual([target.ssh.user, target.ssh.strictHostKeyChecking], ['ops', 'accept-new']);
  });

  it("prepareFleet keeps only the plays' hosts among the targets and renders each one's services", async () => {
    const { inventory } = await loadInventory(inventoryFile);
    const targets = await resolveTargets(inventory, ['gw1', 'gw2'], { sshConfig });
    const { plays, desired } = await prepareFleet({ playbook: await playbook(14001), inventory, targets });
    assert.deepEqual(plays.map((target) => target.hosts), [['gw1', 'gw2'], ['gw2']]);
    assert.deepEqual(servicesOf(desired, 0, 'gw1').map((service) => service.name), ['echo-gw1']);
    assert.deepEqual(servicesOf(desired, 0, 'gw2').map((service) => service.name), ['echo-gw2']);
    assert.deepEqual(servicesOf(desired, 1, 'gw2').map((service) => service.name), ['plain']);
  });

  it('apply refuses a socket on the port it logs in on, naming the hosts, before connecting', async () => {
    const { inventory } = await loadInventory(inventoryFile);
    const targets = await resolveTargets(inventory, ['gw1', 'gw2'], { sshConfig });
    const events: string[] = [];
    const refused = await apply({ playbook: await playbook(22), inventory, targets }, { onEvent: (event) => events.push(event.type) }).then(
      () => assert.fail('the run started'),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof OctoiError);
    assert.equal(refused.kind, 'invalid-input');
    assert.deepEqual(refused.diagnostics.map((diagnostic) => diagnostic.host), ['gw2']);
    assert.deepEqual(events, [], 'no run started');
  });
});
