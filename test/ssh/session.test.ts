import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SshError, type SshFailureReason } from '../../lib/ssh/errors.js';
import { connect, Connector, type ConnectOptions } from '../../lib/ssh/session.js';
import type { SshTarget } from '../../lib/ssh/types.js';
import { freePort, generateKey, loopbackTarget, startSshd, type Sshd } from '../helpers/sshd.js';
import { connectionsTo } from '../helpers/tcp.js';

let work: string;
let sshd: Sshd;
let knownHosts: string;

function tempFile(name: string, content = ''): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

async function rejectsWith(promise: Promise<unknown>, reason: SshFailureReason): Promise<SshError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SshError, `expected an SshError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return error;
  }
  assert.fail(`expected a failure with reason ${reason}`);
}

/** The fingerprint as OpenSSH computes it, to check ours against. */
function opensshFingerprint(publicKeyLine: string): string {
  const file = tempFile('fingerprint.pub', `${publicKeyLine.split(' ').slice(1).join(' ')}\n`);
  const [, fingerprint] = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(' ');
  assert.ok(fingerprint !== undefined, 'ssh-keygen -l printed no fingerprint');
  return fingerprint;
}

/** A TCP server on 127.0.0.1 that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; close: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      server.close();
    },
  };
}

async function withSession<T>(target: SshTarget, use: (session: Awaited<ReturnType<typeof connect>>) => Promise<T>, options: ConnectOptions = {}): Promise<T> {
  const session = await connect(target, options);
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'octoi-session-'));
  sshd = await startSshd();
  knownHosts = tempFile('known_hosts', `${sshd.hostKeyLine}\n`);
});

after(async () => {
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('exec', () => {
  test('returns stdout, stderr and the exit code, untrimmed, and feeds stdin', async () => {
    await withSession(loopbackTarget(sshd, knownHosts), async (session) => {
      const result = await session.exec("printf ' out\\n'; printf 'err' >&2; exit 3");
      assert.deepEqual([result.exitCode, result.signal, result.stdout, result.stderr], [3, null, ' out\n', 'err']);
      assert.ok(result.durationMs >= 0);
      const echoed = await session.exec('cat; echo done', { stdin: 'héllo\n' });
      assert.equal(echoed.stdout, 'héllo\ndone\n');
      assert.equal(echoed.exitCode, 0);
      assert.equal(echoed.timedOut, false);
      assert.equal(session.counters.execs, 2);
    });
  });

  test('runs every command under /bin/sh, not the login shell', async () => {
    const loginShell = execFileSync('getent', ['passwd', 'root'], { encoding: 'utf8' }).trim().split(':')[6]!;
    const posixShell = realpathSync('/bin/sh');
    assert.notEqual(realpathSync(loginShell), posixShell, 'root logs in with another shell than /bin/sh here');
    await withSession(loopbackTarget(sshd, knownHosts), async (session) => {
      const result = await session.exec('readlink /proc/$$/exe');
      assert.equal(result.stdout, `${posixShell}\n`);
    });
  });

  test('a command killed by a signal reports it', async () => {
    await withSession(loopbackTarget(sshd, knownHosts), async (session) => {
      const result = await session.exec('kill -TERM $$');
      assert.equal(result.signal, 'SIGTERM');
      assert.equal(result.exitCode, 128 + 15);
    });
  });

  test('a command over its timeout fails with reason timeout, carrying what it printed so far', async () => {
    await withSession(loopbackTarget(sshd, knownHosts), async (session) => {
      const started = Date.now();
      const error = await rejectsWith(session.exec('echo so far; echo oops >&2; sleep 20', { timeoutMs: 1500 }), 'timeout');
      assert.ok(Date.now() - started < 4000);
      assert.deepEqual(error.output, { stdout: 'so far\n', stderr: 'oops\n', exitCode: null, signal: null, timedOut: true });
      assert.equal((await session.exec('echo still usable')).stdout, 'still usable\n');
    }, { commandTimeoutMs: 10_000 });
  });

  test('a dropped connection mid-command is connection-lost, never a success', async () => {
    const session = await connect(loopbackTarget(sshd, knownHosts));
    const marker = join(work, 'mid-command-started');
    const running = session.exec(`echo started; touch '${marker}'; sleep 20; echo finished`);
    // Killed once the command has surely begun, however slow the machine: a fixed wait raced it.
    while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    sshd.killSessions();
    const error = await rejectsWith(running, 'connection-lost');
    assert.equal(error.output?.stdout, 'started\n', 'the output so far is kept');
    assert.equal(error.output?.timedOut, false);
    await rejectsWith(session.exec('true'), 'connection-lost');
    await session.close();
  });

  test('aborting the signal interrupts a running command', async () => {
    const controller = new AbortController();
    const session = await connect(loopbackTarget(sshd, knownHosts), { signal: controller.signal });
    const running = session.exec('sleep 20');
    setTimeout(() => controller.abort(), 200);
    await rejectsWith(running, 'interrupted');
    await session.close();
  });
});

describe('connection failures', () => {
  test('a closed port is unreachable', async () => {
    const port = await freePort();
    await rejectsWith(connect(loopbackTarget(sshd, knownHosts, { port })), 'unreachable');
  });

  test('a port that accepts TCP but never speaks SSH times out within the bound', async () => {
    const { port, close } = await silentServer();
    const started = Date.now();
    try {
      await rejectsWith(connect(loopbackTarget(sshd, knownHosts, { port }), { connectTimeoutMs: 800 }), 'timeout');
      assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
    } finally {
      close();
    }
  });

  test('aborting while connecting is interrupted, not a timeout', async () => {
    const { port, close } = await silentServer();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    try {
      await rejectsWith(connect(loopbackTarget(sshd, knownHosts, { port }), { connectTimeoutMs: 10_000, signal: controller.signal }), 'interrupted');
    } finally {
      close();
    }
  });

  test('a key the server does not accept fails with reason auth', async () => {
    const otherKey = join(work, 'other_ed25519');
    generateKey(otherKey, 'ed25519');
    await rejectsWith(connect(loopbackTarget(sshd, knownHosts, { identityFiles: [otherKey] })), 'auth');
  });

  test('an encrypted key opens with the passphrase, and says what is missing without it', async () => {
    const encrypted = join(work, 'encrypted_ed25519');
    appendFileSync(join(sshd.dir, 'authorized_keys'), `${generateKey(encrypted, 'ed25519', 'secret words')}\n`);
    const target = loopbackTarget(sshd, knownHosts, { identityFiles: [encrypted] });
    const saved = process.env.OCTOI_SSH_PASSPHRASE;
    delete process.env.OCTOI_SSH_PASSPHRASE;
    try {
      const error = await rejectsWith(connect(target), 'auth');
      assert.match(error.message, /OCTOI_SSH_PASSPHRASE/);
      assert.doesNotMatch(error.message, /secret words/);
      await withSession(target, async (session) => assert.equal((await session.exec('echo in')).stdout, 'in\n'),
        { passphrase: 'secret words' });
      process.env.OCTOI_SSH_PASSPHRASE = 'secret words';
      await withSession(target, async (session) => assert.equal((await session.exec('echo env')).stdout, 'env\n'));
      process.env.OCTOI_SSH_PASSPHRASE = 'wrong';
      const wrong = await rejectsWith(connect(target), 'auth');
      assert.doesNotMatch(wrong.message, /wrong/);
    } finally {
      if (saved === undefined) delete process.env.OCTOI_SSH_PASSPHRASE;
      else process.env.OCTOI_SSH_PASSPHRASE = saved;
    }
  });

  test('a server that dies after connect raises no unhandled error', async () => {
    const doomed = await startSshd();
    const file = tempFile('doomed_known_hosts', `${doomed.hostKeyLine}\n`);
    const session = await connect(loopbackTarget(doomed, file), { keepaliveIntervalMs: 200 });
    await doomed.stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await rejectsWith(session.exec('true'), 'connection-lost');
    await session.close();
  });
});

describe('host keys', () => {
  test('an unknown key fails closed, showing the fingerprint and the line to add', async () => {
    const empty = tempFile('empty_known_hosts');
    const error = await rejectsWith(connect(loopbackTarget(sshd, empty)), 'host-key-unknown');
    assert.ok(error.message.includes(opensshFingerprint(sshd.hostKeyLine)), error.message);
    assert.ok(error.message.includes(sshd.hostKeyLine), error.message);
    assert.match(error.message, /--accept-new/);
    assert.equal(readFileSync(empty, 'utf8'), '');
  });

  test('accept-new records the key (file created 0600), then strict checking accepts it', async () => {
    const file = join(work, 'created', 'known_hosts');
    await withSession(loopbackTarget(sshd, file, { strictHostKeyChecking: 'accept-new' }), async (session) => {
      assert.equal((await session.exec('echo ok')).stdout, 'ok\n');
    });
    assert.equal(readFileSync(file, 'utf8'), `${sshd.hostKeyLine}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await withSession(loopbackTarget(sshd, file), async (session) => assert.equal((await session.exec('true')).exitCode, 0));
  });

  test('a changed key fails, even with accept-new, and known_hosts is left alone', async () => {
    const otherHostKey = generateKey(join(work, 'impostor_host_key'), 'ed25519').split(' ');
    const content = `[127.0.0.1]:${sshd.port} ${otherHostKey[0]} ${otherHostKey[1]}\n`;
    const file = tempFile('changed_known_hosts', content);
    for (const strictHostKeyChecking of ['yes', 'accept-new', 'no'] as const) {
      const error = await rejectsWith(connect(loopbackTarget(sshd, file, { strictHostKeyChecking })), 'host-key-changed');
      assert.ok(error.message.includes(`${file}:1`), error.message);
    }
    assert.equal(readFileSync(file, 'utf8'), content);
  });

  test('accept-new refuses a known host that answers with another key type, under its address or its alias', async () => {
    const ecdsaOnly = await startSshd({ hostKeyTypes: ['ecdsa'] });
    try {
      const ed25519 = generateKey(join(work, 'known_ed25519_key'), 'ed25519').split(' ');
      for (const [name, alias] of [[`[127.0.0.1]:${ecdsaOnly.port}`, undefined], ['gw-alias', 'gw-alias']] as const) {
        const content = `${name} ${ed25519[0]} ${ed25519[1]}\n`;
        const file = tempFile(`other_type_${alias ?? 'address'}`, content);
        const target = { ...loopbackTarget(ecdsaOnly, file, { strictHostKeyChecking: 'accept-new' }), ...(alias ? { hostKeyAlias: alias } : {}) };
        const error = await rejectsWith(connect(target), 'host-key-changed');
        assert.match(error.message, /it sent only ecdsa-sha2-nistp256 .* holds ssh-ed25519/);
        assert.equal(readFileSync(file, 'utf8'), content, 'nothing is recorded');
      }
    } finally {
      await ecdsaOnly.stop();
    }
  });

  test('a key marked @revoked is refused even when also listed plainly', async () => {
    const file = tempFile('revoked_known_hosts', `${sshd.hostKeyLine}\n@revoked ${sshd.hostKeyLine}\n`);
    await rejectsWith(connect(loopbackTarget(sshd, file, { strictHostKeyChecking: 'no' })), 'host-key-revoked');
  });

  test('hashed entries (as ssh-keygen -H writes them) are matched', async () => {
    const file = tempFile('hashed_known_hosts', `${sshd.hostKeyLine}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    assert.match(readFileSync(file, 'utf8'), /^\|1\|/);
    await withSession(loopbackTarget(sshd, file), async (session) => assert.equal((await session.exec('true')).exitCode, 0));
  });

  test('a host known only by its RSA key is asked for that type first', async () => {
    const multi = await startSshd({ hostKeyTypes: ['ed25519', 'rsa'] });
    try {
      const file = tempFile('rsa_known_hosts', `${multi.hostKeyLines['ssh-rsa']}\n`);
      await withSession(loopbackTarget(multi, file), async (session) => assert.equal((await session.exec('true')).exitCode, 0));
    } finally {
      await multi.stop();
    }
  });

  test('HostKeyAlias names the known_hosts entry', async () => {
    const [, type, base64] = sshd.hostKeyLine.split(' ');
    const file = tempFile('alias_known_hosts', `gateway-alias ${type} ${base64}\n`);
    await withSession(loopbackTarget(sshd, file, { hostKeyAlias: 'gateway-alias' }), async (session) =>
      assert.equal((await session.exec('true')).exitCode, 0));
  });
});

describe('ProxyJump', () => {
  let jump: Sshd;
  let jumpKnownHosts: string;

  before(async () => {
    jump = await startSshd({ config: ['AllowTcpForwarding yes'] });
    jumpKnownHosts = tempFile('jump_known_hosts', `${jump.hostKeyLine}\n`);
  });

  after(() => jump.stop());

  test('targets of one connector behind one jump host share one jump connection, closed with its last user', async () => {
    const second = await startSshd();
    const connector = new Connector();
    try {
      const secondKnownHosts = tempFile('second_known_hosts', `${second.hostKeyLine}\n`);
      const hop = loopbackTarget(jump, jumpKnownHosts);
      const sessions = await Promise.all([
        connector.connect(loopbackTarget(sshd, knownHosts, { proxyJump: [hop] })),
        connector.connect(loopbackTarget(second, secondKnownHosts, { proxyJump: [hop] })),
      ]);
      for (const session of sessions) {
        const result = await session.exec('echo "$SSH_CONNECTION"');
        assert.match(result.stdout, /^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+\n$/);
      }
      assert.equal(connectionsTo(jump.port), 1);
      // the targets' connections arrive from the jump host's sshd, not from this process
      assert.equal(connectionsTo(sshd.port), 1);
      await sessions[0].close();
      assert.equal(connectionsTo(jump.port), 1);
      await sessions[1].close();
      await connector.close();
      assert.equal(connectionsTo(jump.port), 0);
    } finally {
      await second.stop();
    }
  });

  test('connections opened on their own share no jump connection', async () => {
    const hop = loopbackTarget(jump, jumpKnownHosts);
    const sessions = await Promise.all([0, 1].map(() => connect(loopbackTarget(sshd, knownHosts, { proxyJump: [hop] }))));
    try {
      assert.equal(connectionsTo(jump.port), 2);
    } finally {
      await Promise.all(sessions.map((session) => session.close()));
    }
  });

  test('a chain of two jump hosts reaches the target', async () => {
    const hop = loopbackTarget(jump, jumpKnownHosts);
    await withSession(loopbackTarget(sshd, knownHosts, { proxyJump: [hop, hop] }), async (session) =>
      assert.equal((await session.exec('echo through')).stdout, 'through\n'));
  });

  test('a jump host that refuses forwarding makes the target unreachable, saying so', async () => {
    const closed = await startSshd({ config: ['AllowTcpForwarding no'] });
    try {
      const file = tempFile('closed_jump_known_hosts', `${closed.hostKeyLine}\n`);
      const target = loopbackTarget(sshd, knownHosts, { proxyJump: [loopbackTarget(closed, file)] });
      const error = await rejectsWith(connect(target), 'unreachable');
      assert.equal(error.host, target.name);
      assert.match(error.message, /jump host/);
    } finally {
      await closed.stop();
    }
  });

  test("the jump host's own key is checked against known_hosts", async () => {
    const hop = loopbackTarget(jump, tempFile('no_jump_known_hosts'));
    const target = loopbackTarget(sshd, knownHosts, { proxyJump: [hop] });
    const error = await rejectsWith(connect(target), 'host-key-unknown');
    assert.equal(error.host, target.name);
    assert.ok(error.message.includes(jump.hostKeyLine));
  });
});
