import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ExitCode } from '../../lib/exit-codes.js';
import type { Exposure } from '../../lib/facts/types.js';
import type { StatusReport } from '../../lib/report/status-table.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

/** The bound for the seed service at `strict` on Debian 12 (systemd 252). */
const STRICT_EXPOSURE_AT_MOST = 2.0;

interface TestService {
  name: string;
  listen: number;
  script: string;
  [field: string]: unknown;
}

const service = (name: string, listen: number, script: string, fields: Record<string, unknown> = {}): TestService => ({ name, listen, script, ...fields });

function playbook(services: readonly TestService[], playFields: Record<string, unknown> = {}): string {
  return stringify([
    {
      name: 'hardening',
      hosts: 'gateways',
      ...playFields,
      services: services.map(({ script, ...rest }) => ({ ...rest, script: { content: script } })),
    },
  ]);
}

const SEED = service('octoi-helloworld', 13063, '#!/bin/sh\necho "Hello World"\n');
const SLOW = service('octoi-hard-slow', 13064, '#!/bin/sh\necho "Hello World"\nsleep 5\n');
const OWN_FILE = service('octoi-hard-file', 13065, '#!/bin/sh\ncat /opt/octoi-hard-file/motd.txt\n');
const SSH_BANNER_SCRIPT = '#!/bin/bash\nif exec 3<>/dev/tcp/127.0.0.1/22; then IFS= read -r banner <&3; echo "$banner"; else echo "no network"; fi\n';
const NETWORK = service('octoi-hard-net', 13066, SSH_BANNER_SCRIPT, { network: true });
const NO_NETWORK = service('octoi-hard-nonet', 13067, SSH_BANNER_SCRIPT);
const FIXED_USER = service('octoi-hard-user', 13068, '#!/bin/sh\nid -un\nid -gn\n', { user: { user: 'octoi-gate', group: 'octoi-gate' } });
/** Holds its connection until the client speaks: a running instance the play must not cut. */
const HELD = service('octoi-hard-held', 13069, '#!/bin/sh\necho ready\nIFS= read -r line\necho "still here: $line"\n');

/** A connection that waits for the service's first line, then lets the test answer and read the rest. */
function holdConnection(host: string, port: number): Promise<{ answer(line: string): Promise<string>; closed(): boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = '';
    let closed = false;
    let onClose: (text: string) => void = () => {};
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('close', () => {
      closed = true;
      onClose(received);
    });
    socket.on('data', (chunk: string) => {
      const first = received === '';
      received += chunk;
      if (first) {
        resolve({
          answer: (line) =>
            new Promise((done) => {
              onClose = done;
              if (closed) done(received);
              else socket.write(`${line}\n`);
            }),
          closed: () => closed,
        });
      }
    });
  });
}

describe('hardened units on a lab host (Debian 12, systemd 252)', { timeout: 600_000 }, () => {
  const suite = labSuite(1);
  const host = () => suite.lab.hosts[0]!;
  const octoi = (...args: string[]) => runOctoi([...args, '-i', suite.lab.inventoryPath]);
  const status = async (playbookFile?: string): Promise<{ exitCode: number | null; stdout: string; report: StatusReport }> => {
    const json = join(suite.work, `status-${Date.now()}.json`);
    const run = await runOctoi(['status', '-i', suite.lab.inventoryPath, '--json', json, ...(playbookFile ? [playbookFile] : [])]);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    return { ...run, report: JSON.parse(await readFile(json, 'utf8')) as StatusReport };
  };
  const exposureOf = (report: StatusReport, name: string): Exposure | null | undefined => report.hosts[host().name]?.services[name]?.exposure;

  before(async () => {
    // What the script of one test reads, and the fixed user of another: the host's own, not octoi's.
    const prepared = await suite.lab.exec(host().name, [
      'sh', '-c', 'mkdir -p /opt/octoi-hard-file && echo "from my own folder" > /opt/octoi-hard-file/motd.txt && useradd --system --user-group --no-create-home octoi-gate',
    ]);
    assert.equal(prepared.exitCode, 0, prepared.stderr);
  });

  it('moves a deployment from none to strict as an ordinary unit change: plan shows it, play applies it, a held connection completes', async () => {
    const services = [SEED, HELD];
    const before = await suite.file('none.yml', playbook(services, { hardening: 'none' }));
    const after = await suite.file('strict.yml', playbook(services));
    const first = await octoi('play', before);
    assert.equal(first.exitCode, ExitCode.ok, first.stdout + first.stderr);
    const exposed = exposureOf((await status(before)).report, SEED.name);
    assert.ok(exposed && exposed.score > 8, `without hardening the seed is exposed: ${JSON.stringify(exposed)}`);

    const held = await holdConnection(host().address, HELD.listen);
    const json = join(suite.work, 'plan.json');
    const plan = await octoi('plan', after, '--json', json);
    assert.equal(plan.exitCode, ExitCode.changesPending, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /octoi-helloworld@\.service PrivateNetwork \(none\)→yes/);
    assert.match(plan.stdout, /octoi-helloworld@\.service CapabilityBoundingSet \(none\)→\(empty\)/);
    assert.doesNotMatch(plan.stdout, /\.socket /, 'the sockets stay as they are');
    // The score is the one the host runs now, before the change.
    assert.match(plan.stdout, new RegExp(`^EXPOSURE .*\\n  1 host \\(${host().name}\\): octoi-helloworld ${exposed.score.toFixed(1)} ${exposed.label}; octoi-hard-held \\d+\\.\\d [A-Z]+$`, 'm'));
    assert.deepEqual((await readJsonReport(json)).hosts[host().name]?.exposure?.[SEED.name], exposed);

    const apply = await octoi('play', after);
    assert.equal(apply.exitCode, ExitCode.ok, apply.stdout + apply.stderr);
    assert.equal(held.closed(), false, 'the running instance outlived the play');
    assert.equal(await held.answer('hello'), 'ready\nstill here: hello\n');

    const again = await octoi('plan', after);
    assert.equal(again.exitCode, ExitCode.ok, again.stdout + again.stderr);
    const strict = exposureOf((await status(after)).report, SEED.name);
    assert.ok(strict && strict.score <= STRICT_EXPOSURE_AT_MOST, `the seed at strict scores ${JSON.stringify(strict)}`);
    assert.equal(await readFromPort(host().address, SEED.listen), 'Hello World\n');
    const fresh = await holdConnection(host().address, HELD.listen);
    assert.equal(await fresh.answer('again'), 'ready\nstill here: again\n', 'a connection made at strict talks both ways');
  });

  it('at strict: the sleeping echo, a script reading its own folder, network: true reaching the host, a fixed user all work', async () => {
    const file = await suite.file('variants.yml', playbook([SLOW, OWN_FILE, NETWORK, NO_NETWORK, FIXED_USER]));
    const run = await octoi('play', file);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    const [slow, ownFile, network, noNetwork, fixedUser] = await Promise.all([SLOW, OWN_FILE, NETWORK, NO_NETWORK, FIXED_USER].map((s) => readFromPort(host().address, s.listen)));
    assert.equal(slow, 'Hello World\n');
    assert.equal(ownFile, 'from my own folder\n');
    assert.match(network ?? '', /^SSH-2\.0-OpenSSH_\S+/, 'network: true reaches sshd on the host');
    assert.equal(noNetwork, 'no network\n', 'without network: true the script has no network of its own');
    assert.equal(fixedUser, 'octoi-gate\noctoi-gate\n');
    const { report } = await status(file);
    for (const { name } of [SLOW, OWN_FILE, NETWORK, NO_NETWORK, FIXED_USER]) {
      const exposure = exposureOf(report, name);
      assert.ok(exposure && exposure.score <= STRICT_EXPOSURE_AT_MOST, `${name} at strict scores ${JSON.stringify(exposure)}`);
    }
  });

  it('a host without systemd-analyze shows the score as unknown and is still read', async () => {
    const moved = await suite.lab.exec(host().name, ['mv', '/usr/bin/systemd-analyze', '/usr/bin/systemd-analyze.away']);
    assert.equal(moved.exitCode, 0, moved.stderr);
    try {
      const { report, stdout } = await status();
      assert.equal(report.hosts[host().name]?.status, 'ok');
      assert.equal(exposureOf(report, SEED.name), null);
      assert.match(stdout, /^\S+\s+octoi-helloworld\s+enabled\s+active\s+\*:13063\s+\d+\s+\d+\s+\d+\s+unknown$/m);
      const plan = await octoi('plan', await suite.file('seed.yml', playbook([SEED])));
      assert.equal(plan.exitCode, ExitCode.ok, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /octoi-helloworld unknown$/m);
    } finally {
      await suite.lab.exec(host().name, ['mv', '/usr/bin/systemd-analyze.away', '/usr/bin/systemd-analyze']);
    }
  });
});
