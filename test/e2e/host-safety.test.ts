import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { runOctoi } from '../helpers/cli.js';
import {
  assertNoCrash,
  managedFiles,
  play,
  playbookText,
  restoreSystemctl,
  slowDownSystemctl,
  slowSystemctlPid,
  startOctoi,
  waitUntil,
  type ServiceOptions,
} from '../helpers/faults.js';
import { labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

/**
 * Host safety on a lab of 2 hosts (Debian 11 and 13): octoi touches only what it owns, never through a link, one run
 * per host at a time, never locks the operator out. Each case attacks a promise of the README's
 * Guarantees with what a careless operator or a local attacker would leave on a host.
 */
describe('host safety, on a lab of 2 hosts: Debian 11 (attacked) and 13', { timeout: 600_000 }, () => {
  const suite = labSuite([{ release: 'bullseye' }, { release: 'trixie' }]);
  let versions = 0;
  const playbook = async (services: ServiceOptions[]): Promise<string> => {
    versions += 1;
    return suite.file(`safety-${versions}.yml`, playbookText(services));
  };
  const sh = async (host: string, script: string): Promise<string> => {
    const result = await suite.lab.exec(host, ['sh', '-c', script]);
    assert.equal(result.exitCode, 0, `${script}: ${result.stderr}`);
    return result.stdout;
  };
  const address = (host: string): string => suite.lab.host(host).address;

  before(async () => {
    // A root-owned file an attacker would like octoi to overwrite.
    for (const host of ['gw01', 'gw02']) await sh(host, 'printf "root only\\n" > /etc/victim && chmod 0600 /etc/victim');
  });

  it('a link planted where a temp file goes is never opened, and a folder of that name does not block the host', async () => {
    const name = 'safety-links';
    await sh('gw01', `mkdir -p /opt/${name} && ln -s /etc/victim /opt/${name}/.${name}.sh.octoi-tmp && mkdir /etc/systemd/system/.${name}.socket.octoi-tmp`);
    const file = await playbook([{ name, port: 14101, body: 'echo linked' }]);
    const { run, report } = await play(suite.lab.inventoryPath, file);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.equal(await sh('gw01', 'cat /etc/victim; stat -c %a /etc/victim'), 'root only\n600\n', 'the link was not followed');
    assert.equal(await readFromPort(address('gw01'), 14101), 'linked\n');
    assert.equal(report.hosts.gw01?.status, 'changed');
    assert.equal(await sh('gw01', `test -d /etc/systemd/system/.${name}.socket.octoi-tmp && echo kept`), 'kept\n', 'octoi never made that folder and leaves it');
  });

  it('a script folder its service account owns fails that host before anything is written', async () => {
    const name = 'safety-srv';
    await sh('gw01', `mkdir -p /srv/${name} && chown deploy /srv/${name}`);
    const file = await playbook([{ name, port: 14102, body: 'echo srv', scriptExtra: [`path: /srv/${name}/run.sh`] }]);
    const { run, report } = await play(suite.lab.inventoryPath, file);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
    assert.equal(report.hosts.gw01?.error?.reason, 'refused');
    assert.match(report.hosts.gw01?.error?.message ?? '', new RegExp(`/srv/${name} is owned by uid 1000, not root`));
    assert.equal(report.hosts.gw02?.status, 'changed', 'the other host converges');
    assert.equal(await sh('gw01', `ls -A /srv/${name}; test -e /etc/systemd/system/${name}.socket || echo no-unit`), 'no-unit\n', 'nothing was written on gw01');
  });

  it('a target that is a symbolic link is refused, not written through', async () => {
    const name = 'safety-target-link';
    await sh('gw01', `ln -s /etc/victim /etc/systemd/system/${name}@.service`);
    const { run, report } = await play(suite.lab.inventoryPath, await playbook([{ name, port: 14103, body: 'echo t' }]));
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
    assert.match(report.hosts.gw01?.error?.message ?? '', /is a symbolic link; octoi never writes through or over it/);
    assert.equal(await sh('gw01', 'cat /etc/victim'), 'root only\n');
    await sh('gw01', `rm /etc/systemd/system/${name}@.service`);
  });

  it('state: absent removes only what octoi owns: a vendor folder and a unit it never wrote stay', async () => {
    await sh('gw01', 'mkdir -p /opt/vendorapp && echo data > /opt/vendorapp/data && printf "[Socket]\\nListenStream=14199\\n" > /etc/systemd/system/vendorapp.socket');
    const file = await suite.file('absent-vendor.yml', '- hosts: gateways\n  services:\n    - {name: vendorapp, state: absent}\n');
    const { run, report } = await play(suite.lab.inventoryPath, file);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
    assert.equal(report.hosts.gw01?.error?.reason, 'refused');
    assert.match(report.hosts.gw01?.error?.message ?? '', /vendorapp\.socket exists and octoi did not write it/);
    assert.equal(await sh('gw01', 'cat /opt/vendorapp/data; test -f /etc/systemd/system/vendorapp.socket && echo unit'), 'data\nunit\n');
    assert.equal(report.hosts.gw02?.status, 'ok', 'nothing of that name on gw02: nothing to do');
  });

  it("state: absent keeps octoi's own folder when something else was put in it", async () => {
    const name = 'safety-absent-folder';
    const present = await playbook([{ name, port: 14104, body: 'echo here' }]);
    assert.equal((await play(suite.lab.inventoryPath, present)).run.exitCode, ExitCode.ok);
    await sh('gw01', `echo notes > /opt/${name}/operator-notes`);
    const absent = await suite.file('absent-own.yml', `- hosts: gateways\n  services:\n    - {name: ${name}, state: absent}\n`);
    const { run } = await play(suite.lab.inventoryPath, absent);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout);
    assert.equal(await sh('gw01', `ls -A /opt/${name}`), 'operator-notes\n');
    assert.equal(await sh('gw02', `test -e /opt/${name} || echo gone`), 'gone\n', 'the folder octoi made and that holds nothing else is removed');
  });

  it('a name of the system is refused before connecting; a unit of the host\'s own is refused on that host', async () => {
    const dbus = await runOctoi(['play', await playbook([{ name: 'dbus', port: 14105, body: 'echo x' }]), '-i', suite.lab.inventoryPath, '--plain']);
    assert.equal(dbus.exitCode, ExitCode.invalidInput, dbus.stdout + dbus.stderr);
    assert.match(dbus.stderr, /dbus is a unit of the operating system/);
    assert.equal(await sh('gw01', 'systemctl is-active dbus.socket'), 'active\n');

    await sh('gw01', 'printf "[Socket]\\nListenStream=14198\\n" > /lib/systemd/system/gwvendor.socket && systemctl daemon-reload');
    const { run, report } = await play(suite.lab.inventoryPath, await playbook([{ name: 'gwvendor', port: 14106, body: 'echo v' }]));
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
    assert.match(report.hosts.gw01?.error?.message ?? '', /gwvendor is already a unit of this host, not octoi's: \/(usr\/)?lib\/systemd\/system\/gwvendor\.socket/);
    assert.equal(await sh('gw01', 'test -e /etc/systemd/system/gwvendor.socket || echo untouched'), 'untouched\n');
    assert.equal(report.hosts.gw02?.status, 'changed');
  });

  it('a second run waits for the first, then fails that host naming the holder; the first finishes unharmed', async () => {
    const name = 'safety-lock';
    const first = await playbook([{ name, port: 14107, body: 'echo first' }]);
    const second = await playbook([{ name, port: 14107, body: 'echo second' }]);
    await slowDownSystemctl(suite.lab, 'gw01', 'daemon-reload', 8);
    try {
      const running = startOctoi(['play', first, '-i', suite.lab.inventoryPath, '--limit', 'gw01', '--plain']);
      await waitUntil('gw01 waits in daemon-reload', async () => (await slowSystemctlPid(suite.lab, 'gw01')) !== null);
      const started = Date.now();
      const { run, report } = await play(suite.lab.inventoryPath, second, '--limit', 'gw01', '--lock-timeout', '2');
      assert.ok(Date.now() - started >= 2000, 'it waited for the lock');
      assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
      assert.equal(report.hosts.gw01?.error?.reason, 'host-locked');
      assert.match(report.hosts.gw01?.error?.message ?? '', new RegExp(`another octoi run \\(pid ${running.child.pid} on .+, started .+\\) holds gw01`));
      const done = await running.done;
      assertNoCrash(done);
      assert.equal(done.exitCode, ExitCode.ok, done.stdout + done.stderr);
    } finally {
      await restoreSystemctl(suite.lab, 'gw01');
    }
    assert.equal(await readFromPort(address('gw01'), 14107), 'first\n');
    const hashes = await sh('gw01', `sha256sum /opt/${name}/${name}.sh | cut -d' ' -f1`);
    const expected = (await managedFiles(first)).find((f) => f.path.endsWith('.sh'))?.sha256;
    assert.equal(hashes.trim(), expected, 'the script is exactly the first run\'s, not torn');
  });

  it('a listen on the SSH port is refused before connecting (exit 4)', async () => {
    const run = await runOctoi(['play', await playbook([{ name: 'safety-ssh', port: '0.0.0.0:22', body: 'echo x' }]), '-i', suite.lab.inventoryPath, '--plain']);
    assert.equal(run.exitCode, ExitCode.invalidInput, run.stdout + run.stderr);
    assert.match(run.stderr, /would listen on 0\.0\.0\.0:22, the SSH port octoi logs in on \(22\)/);
    assert.equal(await sh('gw01', 'test -e /etc/systemd/system/safety-ssh.socket || echo none'), 'none\n');
  });

  it('an extra that would run code as root is refused before connecting; with privileged: true plan flags it and it runs', async () => {
    const name = 'safety-root';
    const extra = ['service:', '  ExecStartPre: "+/bin/sh -c \'id -u > /run/safety-root-pre\'"'];
    const refused = await runOctoi(['play', await playbook([{ name, port: 14112, body: 'echo sandboxed', extra }]), '-i', suite.lab.inventoryPath, '--plain']);
    assert.equal(refused.exitCode, ExitCode.invalidInput, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /directive ExecStartPre=\+\/bin\/sh .* needs `privileged: true` on the service: the \+ or ! prefix runs the command with full privileges/);
    assert.equal(await sh('gw01', `test -e /etc/systemd/system/${name}@.service || echo none`), 'none\n');

    const allowed = await playbook([{ name, port: 14112, body: 'echo sandboxed', extra: ['privileged: true', ...extra] }]);
    const plan = await runOctoi(['plan', allowed, '-i', suite.lab.inventoryPath, '--plain', '--limit', 'gw01']);
    assert.match(plan.stdout, new RegExp(`create /etc/systemd/system/${name}@\\.service \\(0644\\) \\[privileged: ExecStartPre=\\+/bin/sh`), plan.stdout);
    const { run } = await play(suite.lab.inventoryPath, allowed);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.equal(await readFromPort(address('gw01'), 14112), 'sandboxed\n');
    assert.equal(await sh('gw01', 'cat /run/safety-root-pre'), '0\n', 'the privileged command ran as root, as declared');
  });

  it('a socket this run enabled that fails to start is disabled again: nothing of it acts at the next boot', async () => {
    const name = 'safety-busy-port';
    // Another program holds the port on gw01, so systemd cannot bind it there.
    await sh('gw01', 'setsid python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\'0.0.0.0\', 14108)); s.listen(); time.sleep(600)" >/dev/null 2>&1 < /dev/null & sleep 1');
    try {
      // Without rollback, which would remove the whole first deploy: the socket itself must not stay enabled.
      const { run, report } = await play(suite.lab.inventoryPath, await playbook([{ name, port: '0.0.0.0:14108', body: 'echo busy' }]), '--no-rollback');
      assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
      assert.equal(report.hosts.gw01?.error?.reason, 'unit-failed');
      assert.match(report.hosts.gw01?.error?.message ?? '', /disabled safety-busy-port\.socket again/);
      const enabled = await suite.lab.exec('gw01', ['systemctl', 'is-enabled', `${name}.socket`]);
      assert.equal(enabled.stdout.trim(), 'disabled');
      assert.equal(report.hosts.gw02?.status, 'changed');
    } finally {
      await suite.lab.exec('gw01', ['pkill', '-f', 's.bind((.0.0.0.0., 14108))']);
    }
  });

  it('a foreign drop-in is drift: plan shows it, play removes it, unless the service allows it by name', async () => {
    const name = 'safety-dropin';
    const file = await playbook([{ name, port: 14109, body: 'echo mine' }]);
    assert.equal((await play(suite.lab.inventoryPath, file)).run.exitCode, ExitCode.ok);
    await sh('gw01', `mkdir -p /etc/systemd/system/${name}@.service.d && printf "[Service]\\nUser=root\\nExecStart=\\nExecStart=-/bin/echo owned\\n" > /etc/systemd/system/${name}@.service.d/override.conf && systemctl daemon-reload`);
    assert.equal(await readFromPort(address('gw01'), 14109), 'owned\n', 'the drop-in changed what runs');
    const plan = await runOctoi(['plan', file, '-i', suite.lab.inventoryPath, '--plain']);
    assert.equal(plan.exitCode, ExitCode.changesPending, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /remove drop-in \/etc\/systemd\/system\/safety-dropin@\.service\.d\/override\.conf/);
    const { run } = await play(suite.lab.inventoryPath, file);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout);
    assert.equal(await readFromPort(address('gw01'), 14109), 'mine\n');

    await sh('gw01', `printf "[Service]\\nNice=5\\n" > /etc/systemd/system/${name}@.service.d/tuning.conf && systemctl daemon-reload`);
    const allowed = await playbook([{ name, port: 14109, body: 'echo mine', extra: ['allow_drop_ins: [tuning.conf]'] }]);
    const kept = await runOctoi(['plan', allowed, '-i', suite.lab.inventoryPath, '--plain']);
    assert.equal(kept.exitCode, ExitCode.ok, kept.stdout + kept.stderr);
  });

  it("a secret script is readable by root and the service's own group alone, and still runs, with a dynamic and with a fixed user", async () => {
    const dynamic = 'safety-secret';
    const fixed = 'safety-secret-fixed';
    const file = await playbook([
      { name: dynamic, port: 14110, body: 'echo token-1', scriptExtra: ['secret: true'] },
      { name: fixed, port: 14111, body: 'echo token-2; id -un', extra: ['user: {user: deploy, group: deploy}'], scriptExtra: ['secret: true'] },
    ]);
    const { run } = await play(suite.lab.inventoryPath, file);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.equal(await readFromPort(address('gw01'), 14110), 'token-1\n');
    assert.equal(await readFromPort(address('gw01'), 14111), 'token-2\ndeploy\n');
    assert.match(await sh('gw01', `stat -c '%a %U %G' /opt/${dynamic}/${dynamic}.sh`), /^750 root octoi-secret-[0-9a-f]{8}\n$/);
    const peek = await suite.lab.exec('gw01', ['setpriv', '--reuid=deploy', '--regid=deploy', '--init-groups', 'cat', `/opt/${fixed}/${fixed}.sh`]);
    assert.notEqual(peek.exitCode, 0, 'another user cannot read it');
  });
});
