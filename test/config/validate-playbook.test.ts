import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatDiagnostic, OctoiError } from '../../lib/diagnostics.js';
import { loadPlaybook, validatePlaybook } from '../../lib/config/playbook.js';
import type { PlayServices, RenderedServices } from '../../lib/config/types.js';
import { mergeVariables } from '../../lib/template/variables.js';
import { packageRoot } from '../../lib/paths.js';

const invalid = join(packageRoot(), 'test', 'fixtures', 'playbooks', 'invalid');

const templated = `- hosts: gateways
  services:
    - name: "echo-{{ inventory_hostname }}"
      listen: "{{ port }}"
      script: { content: "#!/bin/sh\\necho {{ greeting }}\\n" }
`;

function render(services: PlayServices | undefined, host: string, variables: Record<string, unknown>): Promise<RenderedServices> {
  assert.equal(services?.kind, 'templated');
  return services.render(host, mergeVariables(variables));
}

describe('validatePlaybook: a playbook or its diagnostics, never a throw for a user error', () => {
  it('gives every invalid fixture the diagnostics loadPlaybook throws, each with file:line:col and field', async () => {
    const names = (await readdir(invalid)).filter((name) => name.endsWith('.yml'));
    assert.ok(names.length > 10);
    for (const name of names) {
      const file = join(invalid, name);
      const { playbook, diagnostics } = await validatePlaybook(file);
      assert.equal(playbook, null, name);
      const thrown = await loadPlaybook(file).then(
        () => assert.fail(`${name} was accepted`),
        (error: unknown) => error,
      );
      assert.ok(thrown instanceof OctoiError);
      assert.deepEqual(diagnostics, thrown.diagnostics, name);
      for (const diagnostic of diagnostics) {
        assert.equal(diagnostic.severity, 'error');
        assert.match(formatDiagnostic(diagnostic), new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: error: `), name);
      }
    }
  });

  it('reports each problem with its field, position and hint', async () => {
    const text = '- hosts: gateways\n  services:\n    - name: hello\n      listen: 99999\n      acept: true\n      script: { content: "#!/bin/sh\\n" }\n';
    const { playbook, diagnostics } = await validatePlaybook('site.yml', { text });
    assert.equal(playbook, null);
    assert.deepEqual(diagnostics, [
      { severity: 'error', message: '`listen` 99999 is out of range 1-65535', position: { file: 'site.yml', line: 4, column: 15 }, field: 'plays[0].services[0].listen' },
      { severity: 'error', message: 'unknown key `acept`', hint: 'did you mean `accept`?', position: { file: 'site.yml', line: 5, column: 7 }, field: 'plays[0].services[0].acept' },
    ]);
  });

  it('reports a file that cannot be read, and YAML that does not parse, at their position', async () => {
    const missing = await validatePlaybook('/nonexistent/site.yml');
    assert.equal(missing.playbook, null);
    assert.deepEqual(missing.diagnostics.map(formatDiagnostic), ['/nonexistent/site.yml:1:1: error: cannot read the file: ENOENT\n  hint: check the path']);
    const broken = await validatePlaybook('site.yml', { text: '- hosts: [gateways\n' });
    assert.equal(broken.playbook, null);
    assert.equal(broken.diagnostics[0]?.position?.file, 'site.yml');
    assert.ok(broken.diagnostics.every((diagnostic) => diagnostic.hint));
  });

  it('returns a valid playbook with no diagnostics', async () => {
    const { playbook, diagnostics } = await validatePlaybook(join(packageRoot(), 'playbooks', 'helloworld.yml'));
    assert.deepEqual(diagnostics, []);
    assert.equal(playbook?.plays.length, 1);
  });
});

describe("a play's services: fixed, or templated and rendered per host", () => {
  it('a play without templates, or with them only in name and hosts, has fixed services', async () => {
    const { playbook } = await validatePlaybook('site.yml', { text: '- name: "{{ site }} rollout"\n  hosts: gateways\n  vars: { site: lab }\n  services:\n    - name: hello\n      listen: 13063\n      script: { content: "#!/bin/sh\\n" }\n' });
    const services = playbook?.plays[0]?.services;
    assert.equal(services?.kind, 'fixed');
    assert.deepEqual(services.services.map((service) => service.name), ['hello']);
  });

  it('a templated play renders each host its own services', async () => {
    const { playbook } = await validatePlaybook('site.yml', { text: templated });
    const services = playbook?.plays[0]?.services;
    const gw01 = await render(services, 'gw01', { inventory_hostname: 'gw01', port: 14001, greeting: 'hi' });
    const gw02 = await render(services, 'gw02', { inventory_hostname: 'gw02', port: 14002, greeting: 'hello' });
    assert.deepEqual(gw01.services?.map((service) => [service.name, service.listen[0]?.port, service.script.content]), [['echo-gw01', 14001, '#!/bin/sh\necho hi\n']]);
    assert.deepEqual(gw02.services?.map((service) => [service.name, service.listen[0]?.port, service.script.content]), [['echo-gw02', 14002, '#!/bin/sh\necho hello\n']]);
  });

  it("a host whose variables leave a template undefined or invalid gets diagnostics naming it, the field and where it was written", async () => {
    const { playbook } = await validatePlaybook('site.yml', { text: templated });
    const services = playbook?.plays[0]?.services;
    const undefinedVariable = await render(services, 'gw03', { inventory_hostname: 'gw03', port: 14003 });
    assert.equal(undefinedVariable.services, undefined);
    assert.deepEqual(undefinedVariable.diagnostics?.map(({ host, field, position }) => ({ host, field, position })), [
      { host: 'gw03', field: 'plays[0].services[0].script.content', position: { file: 'site.yml', line: 5, column: 26 } },
    ]);
    assert.match(undefinedVariable.diagnostics?.[0]?.message ?? '', /greeting/);
    const badPort = await render(services, 'gw04', { inventory_hostname: 'gw04', port: 'eighty', greeting: 'hi' });
    assert.deepEqual(badPort.diagnostics?.map(({ host, field }) => ({ host, field })), [{ host: 'gw04', field: 'plays[0].services[0].listen' }]);
  });
});
