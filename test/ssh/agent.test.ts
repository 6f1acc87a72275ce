import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SshError } from '../../lib/ssh/errors.js';
import { connect } from '../../lib/ssh/session.js';
import { loopbackTarget, startSshd, type Sshd } from '../helpers/sshd.js';

/** A real ssh-agent on a socket of its own, holding the server's authorized client key. */
describe('authentication through ssh-agent', () => {
  let work: string;
  let sshd: Sshd;
  let agent: ChildProcess;
  let socket: string;
  let knownHosts: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'octoi-agent-'));
    sshd = await startSshd();
    knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
    socket = join(work, 'agent.sock');
    agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    for (let tries = 0; spawnSync('ssh-add', ['-l'], { env: { SSH_AUTH_SOCK: socket } }).status === 2 && tries < 50; tries += 1) await sleep(50);
    const added = spawnSync('ssh-add', [sshd.clientKeyPath], { env: { SSH_AUTH_SOCK: socket }, encoding: 'utf8' });
    assert.equal(added.status, 0, added.stderr);
  });
  after(async () => {
    agent?.kill();
    await sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('logs in with a key only the agent holds', async () => {
    const target = loopbackTarget(sshd, knownHosts, { identityFiles: [], identitiesOnly: false });
    const session = await connect(target, { agent: socket });
    try {
      const result = await session.exec('echo agent');
      assert.equal(result.stdout, 'agent\n');
    } finally {
      await session.close();
    }
  });

  test('does not offer the agent when IdentitiesOnly is set', async () => {
    const target = loopbackTarget(sshd, knownHosts, { identityFiles: [], identitiesOnly: true });
    await assert.rejects(connect(target, { agent: socket }), (error) => error instanceof SshError && error.reason === 'auth');
  });
});
