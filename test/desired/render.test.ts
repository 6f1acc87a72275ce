import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadPlaybook, parsePlaybook } from '../../lib/config/playbook.js';
import type { ServiceSpec } from '../../lib/config/types.js';
import { packageRoot } from '../../lib/paths.js';
import { sha256 } from '../../lib/hash.js';
import { readFileSync } from 'node:fs';
import { HARDENING_LEVELS, hardeningDirectives } from '../../lib/units/hardening.js';
import { desiredService, MANAGED_HEADER, renderServiceUnit, renderSocketUnit } from '../../lib/desired/render.js';
import { secretGroupOf } from '../../lib/units/names.js';
import { parseUnitFile } from '../../lib/units/unit-file.js';
import { stringify } from 'yaml';
import { fixedServices } from '../helpers/plays.js';

const SEED_SOCKET = `[Unit]
Description=OCTOI HelloWorld Socket for Per-Connection Servers

[Socket]
ListenStream=13063
Accept=yes

[Install]
WantedBy=sockets.target
`;

const SEED_SERVICE = `[Unit]
Description=OCTOI HelloWorld Socket for Per-Connection Servers

[Service]
ExecStart=-/opt/octoi-helloworld/octoi-helloworld.sh
StandardInput=socket
StandardError=null
DynamicUser=true
`;

/** The seed's template at the default level, `strict`: 0.2 SAFE in `systemd-analyze security` (systemd 252). */
const SEED_SERVICE_STRICT = `${SEED_SERVICE}NoNewPrivileges=yes
CapabilityBoundingSet=
PrivateTmp=yes
PrivateDevices=yes
ProtectSystem=strict
ProtectHome=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
SystemCallArchitectures=native
UMask=0077
PrivateUsers=yes
DevicePolicy=closed
ProtectProc=invisible
ProcSubset=pid
MemoryDenyWriteExecute=yes
RemoveIPC=yes
KeyringMode=private
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
PrivateNetwork=yes
IPAddressDeny=any
RestrictAddressFamilies=AF_UNIX
`;

async function seedService(): Promise<ServiceSpec> {
  const playbook = await loadPlaybook(join(packageRoot(), 'playbooks', 'helloworld.yml'));
  const service = fixedServices(playbook.plays[0])[0];
  assert.ok(service);
  return service;
}

async function serviceFrom(fields: Record<string, unknown>): Promise<ServiceSpec> {
  const text = stringify([{ hosts: 'all', services: [{ name: 'svc', listen: 1, script: { content: '#!/bin/sh\n' }, ...fields }] }]);
  const service = fixedServices((await parsePlaybook('p.yml', text)).plays[0])[0];
  assert.ok(service);
  return service;
}

describe('desiredService', () => {
  it('renders the seed service exactly, strict by default, units under the managed-by header', async () => {
    const desired = desiredService(await seedService());
    assert.deepEqual(desired.files, [
      { path: '/etc/systemd/system/octoi-helloworld.socket', mode: 0o644, role: 'socket', content: `${MANAGED_HEADER}${SEED_SOCKET}`, earlierVersions: [sha256(SEED_SOCKET)] },
      // What octoi wrote before the header (and before hardening levels) is still its own.
      { path: '/etc/systemd/system/octoi-helloworld@.service', mode: 0o644, role: 'service', content: `${MANAGED_HEADER}${SEED_SERVICE_STRICT}`, earlierVersions: [sha256(SEED_SERVICE)] },
      { path: '/opt/octoi-helloworld/octoi-helloworld.sh', mode: 0o755, role: 'script', content: '#!/bin/sh\necho "Hello World"\n', earlierVersions: [] },
    ]);
    assert.equal(desired.socketUnit, 'octoi-helloworld.socket');
    assert.equal(desired.serviceTemplate, 'octoi-helloworld@.service');
    assert.equal(desired.adopt, false);
    assert.deepEqual(desired.listen, [{ host: null, family: 'any', port: 13063, unitValue: '13063' }]);
  });

  it('lists the same paths, empty, for an absent service', async () => {
    const desired = desiredService({ ...(await seedService()), state: 'absent' });
    assert.deepEqual(
      desired.files.map((file) => [file.path, file.content]),
      [
        ['/etc/systemd/system/octoi-helloworld.socket', ''],
        ['/etc/systemd/system/octoi-helloworld@.service', ''],
        ['/etc/systemd/system/octoi-helloworld.service', ''],
        ['/opt/octoi-helloworld/octoi-helloworld.sh', ''],
        ['/etc/octoi/octoi-helloworld.env', ''],
      ],
    );
  });

  it('installs a secret script readable by root and its own group alone, which the service joins', async () => {
    const spec = await serviceFrom({ script: { content: '#!/usr/bin/env python3\nprint("key")\n', secret: true } });
    const desired = desiredService(spec);
    assert.equal(desired.files[2]?.mode, 0o750);
    assert.equal(desired.files[2]?.secret, true);
    assert.equal(desired.files[2]?.group, secretGroupOf('svc'));
    assert.match(secretGroupOf('svc'), /^octoi-secret-[0-9a-f]{8}$/);
    assert.match(renderServiceUnit(spec), new RegExp(`^SupplementaryGroups=${secretGroupOf('svc')}$`, 'm'));
    assert.equal(desiredService(await serviceFrom({})).files[2]?.group, undefined, 'a script that is not secret stays root:root');
  });

  it('renders listeners, a fixed user, extra directives and escapes', async () => {
    const spec = await serviceFrom({
      description: 'Echo 100% %n',
      listen: [7, '127.0.0.1:8', '[::1]:9'],
      user: { user: 'nobody', group: 'nogroup' },
      script: { content: 'x', path: '/srv/echo dir/run.sh' },
      socket: { MaxConnections: 64, FreeBind: true },
      service: { Environment: ['A=%i', 'B=2'], PrivateTmp: false },
      privileged: true,
      hardening: 'none',
    });
    assert.deepEqual(desiredService(spec).files.map((file) => file.privileged), [undefined, ['PrivateTmp=no'], undefined], 'the loosened sandbox is flagged');
    assert.equal(
      renderSocketUnit(spec),
      `[Unit]
Description=Echo 100%% %%n

[Socket]
ListenStream=7
ListenStream=127.0.0.1:8
ListenStream=[::1]:9
Accept=yes
MaxConnections=64
FreeBind=yes

[Install]
WantedBy=sockets.target
`,
    );
    assert.equal(
      renderServiceUnit(spec),
      `[Unit]
Description=Echo 100%% %%n

[Service]
ExecStart=-"/srv/echo dir/run.sh"
StandardInput=socket
StandardError=null
User=nobody
Group=nogroup
Environment=A=%%i
Environment=B=2
PrivateTmp=no
`,
    );
  });

  it('renders accept: false as an Accept=no socket and one plain NAME.service that gets the listening socket', async () => {
    const desired = desiredService(await serviceFrom({ name: 'counter', accept: false, environment: { GREETING: 'say "hi" at 100%' }, hardening: 'none' }));
    assert.deepEqual(desired.files.map((file) => [file.path, file.role, file.mode]), [
      ['/etc/systemd/system/counter.socket', 'socket', 0o644],
      ['/etc/systemd/system/counter.service', 'service', 0o644],
      ['/opt/counter/counter.sh', 'script', 0o755],
    ]);
    assert.match(desired.files[0]!.content, /\nAccept=no\n/);
    // No StandardInput=socket: the service is handed the listening socket, not a connection; its stderr goes to the journal.
    assert.equal(desired.files[1]!.content, `${MANAGED_HEADER}[Unit]
Description=counter socket-activated service

[Service]
ExecStart=/opt/counter/counter.sh
DynamicUser=true
Environment="GREETING=say \\"hi\\" at 100%%"
`);
    assert.deepEqual(desired.leftovers, ['/etc/systemd/system/counter@.service', '/etc/octoi/counter.env']);
    assert.equal(desired.mainService, 'counter.service');
    assert.equal(desired.program, null);
  });

  it('runs an exec program with its arguments instead of a script, which is then not installed', async () => {
    const spec = await serviceFrom({ name: 'args', script: undefined, exec: ['/usr/bin/printf', '%s|', 'a b', '$HOME'] });
    const desired = desiredService(spec);
    assert.deepEqual(desired.files.map((file) => file.role), ['socket', 'service']);
    assert.match(desired.files[1]!.content, /\nExecStart=-\/usr\/bin\/printf "%%s\|" "a b" "\$\$HOME"\nStandardInput=socket\n/);
    assert.equal(desired.program, '/usr/bin/printf');
    assert.deepEqual(desired.leftovers, ['/etc/systemd/system/args.service', '/opt/args/args.sh', '/etc/octoi/args.env'], 'a script octoi installed before is removed');
  });

  it('puts a secret environment into a root-only EnvironmentFile=, never into the unit', async () => {
    const desired = desiredService(await serviceFrom({ name: 'sec', secret: true, environment: { TOKEN: 's3"cr$t', N: 1 } }));
    const [, service, , environment] = desired.files;
    assert.doesNotMatch(service!.content, /s3|TOKEN/);
    assert.match(service!.content, /\nEnvironmentFile=\/etc\/octoi\/sec\.env\n/);
    assert.deepEqual(environment, { path: '/etc/octoi/sec.env', mode: 0o600, role: 'environment', content: 'TOKEN="s3\\"cr\\$t"\nN="1"\n', earlierVersions: [], secret: true });
  });

  it('writes only User= when no group is given', async () => {
    const unit = renderServiceUnit(await serviceFrom({ user: { user: 'www-data' } }));
    assert.match(unit, /\nUser=www-data\n/);
    assert.doesNotMatch(unit, /Group=|DynamicUser=/);
  });

  it('refuses to render what validation would have rejected', async () => {
    const spec = await serviceFrom({});
    assert.throws(() => renderSocketUnit({ ...spec, description: 'a\nExecStartPre=/bin/sh' }), /contains a newline/);
    assert.throws(() => renderServiceUnit({ ...spec, serviceDirectives: [{ key: 'A', value: 'x\\' }] }), /ends with a backslash/);
    assert.throws(() => renderServiceUnit({ ...spec, serviceDirectives: [{ key: 'X=1\nY', value: 'x' }] }), /not a systemd directive name/);
    assert.throws(() => renderServiceUnit({ ...spec, exec: ['/bin/echo', 'a\nExecStartPre=/bin/sh'] }), /contains a newline/);
  });
});

interface BeforeHardening {
  source: string;
  cases: { name: string; playbook: string; socket: string; service: string }[];
}

const beforeHardening = JSON.parse(readFileSync(join(packageRoot(), 'test', 'fixtures', 'units', 'before-hardening.json'), 'utf8')) as BeforeHardening;

/** The `[Service]` directives of a rendered template, as systemd reads them. */
function serviceDirectives(unit: string): { key: string; value: string }[] {
  return parseUnitFile(unit)
    .filter((directive) => directive.section === 'Service')
    .map(({ key, value }) => ({ key, value }));
}

describe('hardening levels', () => {
  for (const { name, playbook, socket, service } of beforeHardening.cases) {
    it(`none renders ${name} byte for byte as octoi did before levels, set on the service or on the play`, async () => {
      const onService = fixedServices((await parsePlaybook('p.yml', playbook.replace(/\n(\s+)listen:/, '\n$1hardening: none\n$1listen:'))).plays[0])[0];
      const onPlay = fixedServices((await parsePlaybook('p.yml', playbook.replace(/^- hosts:/, '- hardening: none\n  hosts:'))).plays[0])[0];
      for (const spec of [onService, onPlay]) {
        assert.ok(spec);
        assert.equal(spec.hardening.level, 'none');
        assert.equal(renderSocketUnit(spec), socket);
        assert.equal(renderServiceUnit(spec), service);
      }
    });
  }

  it('strict goes further than baseline on every directive baseline sets, and changes no socket', async () => {
    const baseline = await serviceFrom({ hardening: 'baseline' });
    const strict = await serviceFrom({});
    assert.equal(strict.hardening.level, 'strict', 'strict is the default');
    assert.equal(renderSocketUnit(baseline), renderSocketUnit(strict));
    const strictKeys = new Set(serviceDirectives(renderServiceUnit(strict)).map((directive) => directive.key));
    for (const { key } of serviceDirectives(renderServiceUnit(baseline))) assert.ok(strictKeys.has(key), `${key} is set by baseline only`);
    assert.match(renderServiceUnit(baseline), /^ProtectSystem=full$/m);
    assert.doesNotMatch(renderServiceUnit(baseline), /PrivateNetwork|RestrictAddressFamilies|SystemCallFilter|MemoryDenyWriteExecute/);
  });

  it('network: true keeps the host network at strict: no private network, no address deny, internet families', async () => {
    const unit = renderServiceUnit(await serviceFrom({ network: true }));
    assert.doesNotMatch(unit, /PrivateNetwork|IPAddressDeny/);
    assert.match(unit, /^RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX$/m);
    assert.match(unit, /^SystemCallFilter=@system-service$/m, 'the rest of strict stays');
    for (const level of ['baseline', 'none']) {
      assert.equal(renderServiceUnit(await serviceFrom({ hardening: level, network: true })), renderServiceUnit(await serviceFrom({ hardening: level })), `${level} ignores network`);
    }
  });

  it("an extra service: directive replaces the level's directive of that name, every value of it, and adds nothing else", async () => {
    const spec = await serviceFrom({ service: { ProtectSystem: 'full', SystemCallFilter: ['@system-service', '@debug'], MemoryDenyWriteExecute: false, RuntimeMaxSec: 5 }, privileged: true });
    const directives = serviceDirectives(renderServiceUnit(spec));
    const values = (key: string): string[] => directives.filter((directive) => directive.key === key).map((directive) => directive.value);
    assert.deepEqual(values('ProtectSystem'), ['full']);
    assert.deepEqual(values('SystemCallFilter'), ['@system-service', '@debug']);
    assert.deepEqual(values('MemoryDenyWriteExecute'), ['no']);
    assert.deepEqual(values('RuntimeMaxSec'), ['5']);
    const strict = serviceDirectives(renderServiceUnit(await serviceFrom({})));
    const overridden = new Set(['ProtectSystem', 'SystemCallFilter', 'MemoryDenyWriteExecute']);
    assert.deepEqual(
      directives.filter((directive) => !overridden.has(directive.key) && directive.key !== 'RuntimeMaxSec'),
      strict.filter((directive) => !overridden.has(directive.key)),
    );
  });

  it("a service's own level wins over the play's", async () => {
    const text = stringify([{ hosts: 'all', hardening: 'baseline', services: [{ name: 'a', listen: 1, script: { content: 'x' } }, { name: 'b', listen: 2, hardening: 'strict', script: { content: 'x' } }] }]);
    const play = (await parsePlaybook('p.yml', text)).plays[0];
    assert.equal(play?.hardening, 'baseline');
    assert.deepEqual(fixedServices(play).map((service) => service.hardening.level), ['baseline', 'strict']);
  });

  it('the schema offers exactly the levels octoi renders', () => {
    const schema = JSON.parse(readFileSync(join(packageRoot(), 'schema', 'playbook.schema.json'), 'utf8')) as { $defs: { hardening: { enum: string[]; default: string } } };
    assert.deepEqual(schema.$defs.hardening.enum, [...HARDENING_LEVELS]);
    assert.equal(schema.$defs.hardening.default, 'strict');
  });

  it('refuses an unknown level at its line and column', async () => {
    const text = '- hosts: all\n  services:\n    - name: a\n      listen: 1\n      hardening: paranoid\n      script: { content: x }\n';
    await assert.rejects(parsePlaybook('p.yml', text), (error: Error & { diagnostics?: { position: { line: number; column: number }; message: string }[] }) => {
      const found = error.diagnostics?.find((diagnostic) => diagnostic.position.line === 5);
      assert.ok(found, JSON.stringify(error.diagnostics));
      assert.equal(found.position.column, 18);
      assert.match(found.message, /strict|baseline|none/);
      return true;
    });
  });
});

/** Any text the author might type, injection attempts included. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('x\nExecStartPre=/bin/sh', 'a\rB=1', 'nul\0', 'tail\\', '%n%i%%', '$(reboot)', '`id`', "'\"", '../../etc', '[Service]', '; rm -rf /', 'a\u0085b', 'a\u2028b'),
);

/** `Key=value` lines and section headers as systemd reads them, continuation lines joined. */
function unitLines(unit: string): string[] {
  assert.ok(unit.endsWith('\n'));
  const lines: string[] = [];
  let pending = '';
  for (const line of unit.slice(0, -1).split(/\r\n|\n\r|\n|\r|\0/)) {
    const whole = pending + line;
    const trailing = /\\+$/.exec(whole)?.[0].length ?? 0;
    if (trailing % 2 === 1) {
      pending = `${whole.slice(0, -1)} `;
      continue;
    }
    pending = '';
    if (whole.trim() !== '' && !/^[#;]/.test(whole.trim())) lines.push(whole);
  }
  return lines;
}

function keysOf(unit: string): string[] {
  return unitLines(unit).map((line) => (line.startsWith('[') ? line : line.slice(0, line.indexOf('='))));
}

describe('rendering never gains a line or directive (property)', () => {
  it('for any description, user, script path and extra directive that validation accepts', async () => {
    let accepted = 0;
    const runs = 400;
    const either = (valid: fc.Arbitrary<string>) => fc.oneof(valid, hostileText);
    await fc.assert(
      fc.asyncProperty(
        either(fc.string({ maxLength: 30 })),
        either(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,8}$/)),
        either(fc.stringMatching(/^[A-Za-z0-9._ -]{1,12}$/)),
        either(fc.string({ maxLength: 20 })),
        either(fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,10}$/)).filter((key) => key !== 'Environment'),
        async (description, user, path, value, key) => {
          const fields = {
            description,
            user: { user },
            script: { content: 'x', path: `/opt/svc/${path}` },
            socket: { Backlog: value },
            service: { [key]: value, Environment: [value, value] },
            // any directive name, also those only a privileged service may set
            privileged: true,
          };
          let spec: ServiceSpec;
          try {
            spec = await serviceFrom(fields);
          } catch {
            return; // rejected with diagnostics: nothing is rendered
          }
          accepted++;
          const [socket, service] = desiredService(spec).files.map((file) => file.content);
          const levelKeys = hardeningDirectives(spec.hardening).map((directive) => directive.key).filter((name) => name !== key);
          assert.deepEqual(keysOf(socket ?? ''), ['[Unit]', 'Description', '[Socket]', 'ListenStream', 'Accept', 'Backlog', '[Install]', 'WantedBy']);
          assert.deepEqual(keysOf(service ?? ''), ['[Unit]', 'Description', '[Service]', 'ExecStart', 'StandardInput', 'StandardError', 'User', ...levelKeys, key, 'Environment', 'Environment']);
          assert.equal(unitLines(socket ?? '')[1], `Description=${description.replaceAll('%', '%%')}`);
        },
      ),
      { numRuns: runs },
    );
    assert.ok(accepted > runs / 20, `only ${accepted} of ${runs} generated services were accepted`);
  });

  it('accepts the printable text it is given, so the property above is not vacuous', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((text) => !text.endsWith('\\') && !/[\u0000-\u001f\u007f-\u009f]/.test(text)), async (description) => {
        const spec = await serviceFrom({ description });
        assert.equal(spec.description, description);
      }),
      { numRuns: 100 },
    );
  });
});
