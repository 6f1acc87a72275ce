import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readExtraVars } from '../../lib/config/extra-vars.js';
import { desiredStateByHost, renderPlayHeaders, renderServicesForHost, servicesOf } from '../../lib/desired/host-services.js';
import { loadPlaybook, parsePlaybook } from '../../lib/config/playbook.js';
import type { ServiceSpec } from '../../lib/config/types.js';
import { mergeVariables } from '../../lib/template/variables.js';
import { hostVariables } from '../../lib/desired/variables.js';
import { formatPosition, OctoiError } from '../../lib/diagnostics.js';
import { loadInventory } from '../../lib/inventory/index.js';
import { packageRoot } from '../../lib/paths.js';
import { targetPlays } from '../../lib/run/run-playbook.js';
import { desiredService, renderServiceUnit, renderSocketUnit } from '../../lib/desired/render.js';

const fixtures = join(packageRoot(), 'test', 'fixtures', 'playbooks', 'templated');

interface Expected {
  extraVars?: string[];
  plays?: { name: string; hosts: string }[];
  hosts?: Record<string, unknown[]>;
  diagnostics?: { at: string; field?: string; message: string; hint?: string }[];
}

/** What a test reads of a rendered service: every field a template can reach. */
function summary(spec: ServiceSpec) {
  return {
    name: spec.name,
    description: spec.description,
    listen: spec.listen.map((address) => address.unitValue),
    user: spec.user.kind === 'dynamic' ? 'dynamic' : `${spec.user.user}:${spec.user.group ?? ''}`,
    script: { path: spec.script.path, content: spec.script.content },
    socket: spec.socketDirectives.map(({ key, value }) => `${key}=${value}`),
    service: spec.serviceDirectives.map(({ key, value }) => `${key}=${value}`),
    ...(spec.check ? { check: spec.check } : {}),
  };
}

/** The steps `octoi play` takes before it contacts a host. */
async function prepare(name: string, extraVarsOptions: readonly string[]) {
  const file = join(fixtures, name);
  const extraVars = await readExtraVars(extraVarsOptions.map((option) => (option.startsWith('@') ? `@${join(fixtures, option.slice(1))}` : option)));
  const [playbook, inventory] = await Promise.all([loadPlaybook(file), loadInventory([join(fixtures, 'inventory', 'hosts.yml')])]);
  const plays = targetPlays(renderPlayHeaders(playbook, extraVars), inventory, []);
  return { file, extraVars, inventory, plays, desired: await desiredStateByHost(plays, inventory, extraVars) };
}

describe('templated playbooks, rendered per host: one case per fixture', async () => {
  const names = (await readdir(fixtures)).filter((name) => name.endsWith('.yml')).sort();
  for (const name of names) {
    it(name, async () => {
      const expected = JSON.parse(await readFile(join(fixtures, name.replace(/\.yml$/, '.expected.json')), 'utf8')) as Expected;
      if (expected.diagnostics) {
        const error = await prepare(name, expected.extraVars ?? []).then(
          () => assert.fail('the playbook was accepted'),
          (failure: unknown) => failure,
        );
        assert.ok(error instanceof OctoiError, String(error));
        assert.equal(error.kind, 'invalid-input');
        const file = join(fixtures, name);
        assert.deepEqual(error.diagnostics.map((d) => (d.position ? formatPosition(d.position) : '')), expected.diagnostics.map((e) => `${file}:${e.at}`), error.message);
        error.diagnostics.forEach((diagnostic, index) => {
          const want = expected.diagnostics![index]!;
          assert.ok(diagnostic.message.includes(want.message), `${diagnostic.message}\n  does not contain\n${want.message}`);
          assert.equal(diagnostic.field, want.field);
          if (want.hint) assert.equal(diagnostic.hint, want.hint);
        });
        return;
      }
      const { extraVars, inventory, plays, desired } = await prepare(name, expected.extraVars ?? []);
      if (expected.plays) assert.deepEqual(plays.map(({ play }) => ({ name: play.name, hosts: play.hosts })), expected.plays);
      const byHost: Record<string, unknown[]> = {};
      for (const [index, { play, hosts }] of plays.entries()) {
        for (const host of hosts) {
          const rendered = await renderServicesForHost(play, host, hostVariables(inventory, host, play, extraVars));
          assert.ok(rendered.services, JSON.stringify(rendered.diagnostics));
          byHost[host] = [...(byHost[host] ?? []), ...rendered.services.map(summary)];
          assert.deepEqual(servicesOf(desired, index, host), rendered.services.map(desiredService), 'desiredStateByHost renders the same');
        }
      }
      assert.deepEqual(byHost, expected.hosts);
    });
  }
});

describe('desiredStateByHost', () => {
  it('shares one rendering among the hosts of a play without templates', async () => {
    const playbook = await parsePlaybook('p.yml', '- hosts: all\n  services:\n    - { name: s, listen: 1, script: { content: x } }\n');
    const inventory = await loadInventory([join(fixtures, 'inventory', 'hosts.yml')]);
    assert.equal(playbook.plays[0]?.templates, undefined);
    const plays = targetPlays(playbook, inventory, []);
    const desired = await desiredStateByHost(plays, inventory, new Map());
    const [first, ...others] = plays[0]!.hosts.map((host) => servicesOf(desired, 0, host));
    assert.equal(others.length, 2);
    for (const services of others) assert.equal(services, first);
  });

  it("gives templated services the play's hardening level, rendered for each host", async () => {
    const playbook = await parsePlaybook('p.yml', '- hosts: all\n  hardening: none\n  services:\n    - { name: s, listen: "{{ port | default(7000) }}", script: { content: x } }\n    - { name: t, listen: 7001, hardening: baseline, script: { content: "{{ inventory_hostname }}" } }\n');
    const inventory = await loadInventory([join(fixtures, 'inventory', 'hosts.yml')]);
    const rendered = await renderServicesForHost(playbook.plays[0]!, 'gw01', hostVariables(inventory, 'gw01', playbook.plays[0]!, new Map()));
    assert.deepEqual(rendered.services?.map((service) => service.hardening.level), ['none', 'baseline']);
  });

  it('names every host in one diagnostic when many miss the same variable', async () => {
    const playbook = await parsePlaybook('p.yml', '- hosts: all\n  services:\n    - { name: s, listen: "{{ nowhere }}", script: { content: x } }\n');
    const inventory = await loadInventory([join(fixtures, 'inventory', 'hosts.yml')]);
    const error = await desiredStateByHost(targetPlays(playbook, inventory, []), inventory, new Map()).catch((failure: unknown) => failure);
    assert.ok(error instanceof OctoiError);
    assert.equal(error.diagnostics.length, 1);
    assert.match(error.message, /^p\.yml:3:26: error: hosts gw01, gw02, edge01: undefined variable `nowhere` in `\{\{ nowhere \}\}`/);
    assert.equal(error.diagnostics[0]?.host, 'gw01');
  });
});

describe('hostile variable values never reach a unit file unchecked', () => {
  const playbook = parsePlaybook(
    'hostile.yml',
    [
      '- hosts: all',
      '  services:',
      '    - name: "svc{{ v }}"',
      '      description: "{{ v }}"',
      '      listen: "{{ v }}"',
      '      user: { user: "u{{ v }}", group: "{{ v }}g" }',
      '      script: { path: "/opt/x/{{ v }}", content: "#!/bin/sh\\necho {{ v }}\\n" }',
      '      socket: { BindToDevice: "{{ v }}" }',
      '      service: { Environment: ["A={{ v }}", "{{ v }}"] }',
      '',
    ].join('\n'),
  );
  const hostile = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.array(fc.constantFrom('\n', '\r', '\0', '\\', '%', '%n', ';', '$(reboot)', '`id`', "'", '"', '{{ v }}', '[Service]', 'ExecStartPre=/bin/id', '../', '=', ' ', 'a', '1'), { maxLength: 12 }).map((parts) => parts.join('')),
    fc.integer({ min: -5, max: 70000 }),
  );

  it('a value either fails validation for the host or gives units with exactly the declared directives', async () => {
    const play = (await playbook).plays[0]!;
    await fc.assert(
      fc.asyncProperty(hostile, async (value) => {
        const rendered = await renderServicesForHost(play, 'h1', mergeVariables({ v: value }));
        if (rendered.diagnostics) {
          assert.ok(rendered.diagnostics.length > 0 && rendered.diagnostics.every((d) => d.host === 'h1' && d.message.startsWith('host h1: ') && d.position?.file === 'hostile.yml'));
          return;
        }
        const [spec] = rendered.services;
        assert.ok(spec);
        const keys = (unit: string) => unit.split('\n').filter((line) => line !== '' && !line.startsWith('['));
        assert.deepEqual(keys(renderSocketUnit(spec)).map((line) => line.split('=')[0]), ['Description', 'ListenStream', 'Accept', 'BindToDevice', 'WantedBy']);
        assert.deepEqual(keys(renderServiceUnit(spec)).map((line) => line.split('=')[0]), ['Description', 'ExecStart', 'StandardInput', 'StandardError', 'User', 'Group', 'Environment', 'Environment']);
        assert.equal(spec.script.content, `#!/bin/sh\necho ${String(value)}\n`, 'script content gets the value as it is');
      }),
      { numRuns: 500 },
    );
  });
});
