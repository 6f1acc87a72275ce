import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SessionPool, type HostTarget } from '../../lib/run/session-pool.js';
import type { SshTarget } from '../../lib/ssh/types.js';
import { loopbackTarget, startSshd, type Sshd } from '../helpers/sshd.js';
import { connectionsTo } from '../helpers/tcp.js';

let work: string;
let jump: Sshd;
let host: Sshd;
let knownHosts: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'octoi-session-pool-'));
  [jump, host] = await Promise.all([startSshd({ config: ['AllowTcpForwarding yes'] }), startSshd()]);
  knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `${jump.hostKeyLine}\n${host.hostKeyLine}\n`);
});

after(async () => {
  await Promise.all([jump.stop(), host.stop()]);
  rmSync(work, { recursive: true, force: true });
});

function behindJump(names: readonly string[], file = knownHosts, overrides: Partial<SshTarget> = {}): Map<string, HostTarget> {
  const hop = loopbackTarget(jump, file, overrides);
  return new Map(names.map((name) => [name, { ssh: loopbackTarget(host, file, { ...overrides, name, proxyJump: [hop] }) }]));
}

async function echoFrom(pool: SessionPool, name: string): Promise<string> {
  return (await (await pool.get(name)).exec('echo reached')).stdout;
}

test('two pools in one process share no jump connection, and closing a pool ends its own', async () => {
  const first = new SessionPool(behindJump(['gw01', 'gw02']), {});
  const second = new SessionPool(behindJump(['gw03']), {});
  try {
    assert.deepEqual(await Promise.all([echoFrom(first, 'gw01'), echoFrom(first, 'gw02'), echoFrom(second, 'gw03')]),
      ['reached\n', 'reached\n', 'reached\n']);
    assert.equal(connectionsTo(jump.port), 2, 'one jump connection per pool');
    await first.closeAll();
    assert.equal(connectionsTo(jump.port), 1);
    assert.equal(await echoFrom(second, 'gw03'), 'reached\n', 'the other pool keeps its jump connection');
  } finally {
    await Promise.all([first.closeAll(), second.closeAll()]);
  }
  assert.equal(connectionsTo(jump.port), 0);
});

test('with accept-new, a key recorded for one host is known to the next host under the same name', async () => {
  const empty = join(work, 'accept_new_known_hosts');
  writeFileSync(empty, '');
  const pool = new SessionPool(behindJump(['gw01', 'gw02'], empty, { strictHostKeyChecking: 'accept-new' }), {});
  try {
    assert.equal(await echoFrom(pool, 'gw01'), 'reached\n');
    assert.equal(await echoFrom(pool, 'gw02'), 'reached\n');
  } finally {
    await pool.closeAll();
  }
  const recorded = readFileSync(empty, 'utf8').split('\n').filter((line) => line !== '').map((line) => line.split(' ')[0]);
  assert.deepEqual(recorded, [`[127.0.0.1]:${jump.port}`, `[127.0.0.1]:${host.port}`]);
});
