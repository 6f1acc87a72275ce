/**
 * Checks through a real OpenSSH server on loopback: the server opens each connection from its
 * side (direct-tcpip), as a host's sshd does for octoi.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ServiceCheck } from '../../lib/units/types.js';
import { checkFailureOf, runCheck, withChecks } from '../../lib/check/run-checks.js';
import { connect, type RemoteSession } from '../../lib/ssh/session.js';
import type { DesiredService } from '../../lib/units/types.js';
import { freePort, loopbackTarget, startSshd, type Sshd } from '../helpers/sshd.js';
import { connectionCounter } from '../helpers/tcp.js';

let work: string;
const servers: Server[] = [];

/** A loopback TCP service: `serve` gets each connection. */
async function service(serve: (socket: Socket) => void): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    serve(socket);
  });
  server.on('close', () => sockets.forEach((socket) => socket.destroy()));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function sessionTo(sshd: Sshd): Promise<RemoteSession> {
  const knownHosts = join(work, `known_hosts-${sshd.port}`);
  writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
  return connect(loopbackTarget(sshd, knownHosts));
}

const hello = (check: Partial<ServiceCheck> = {}) => ({ service: 'hello', host: '127.0.0.1', check: { expect: { kind: 'regex' as const, source: 'Hello World' }, timeoutSeconds: 10, ...check } });

describe('checks through the host\'s SSH connection', () => {
  let sshd: Sshd;
  let noForwarding: Sshd;
  let session: RemoteSession;
  let forbidden: RemoteSession;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'octoi-checks-'));
    [sshd, noForwarding] = await Promise.all([startSshd(), startSshd({ config: ['AllowTcpForwarding no'] })]);
    [session, forbidden] = await Promise.all([sessionTo(sshd), sessionTo(noForwarding)]);
  });

  after(async () => {
    await Promise.all([session?.close(), forbidden?.close()]);
    await Promise.all([sshd?.stop(), noForwarding?.stop()]);
    servers.forEach((server) => server.close());
    rmSync(work, { recursive: true, force: true });
  });

  it('passes when the service answers as expected', async () => {
    const port = await service((socket) => socket.end('Hello World\n'));
    const record = await runCheck(session, { ...hello(), port });
    assert.equal(record.outcome, 'passed', record.message);
    assert.deepEqual([record.address, record.expect, record.bytes], [`127.0.0.1:${port}`, '/Hello World/', 12]);
  });

  it('sends `send` and matches the reply', async () => {
    const port = await service((socket) => socket.once('data', (data) => socket.write(`you said ${String(data).trim()}\n`)));
    const record = await runCheck(session, { ...hello({ send: 'ping\n', expect: { kind: 'text', text: 'you said ping' } }), port });
    assert.equal(record.outcome, 'passed', record.message);
  });

  it('fails with what came back when the answer is wrong', async () => {
    const port = await service((socket) => socket.end('Hello Wrold\n'));
    const record = await runCheck(session, { ...hello(), port });
    assert.equal(record.failure, 'closed');
    assert.match(record.message ?? '', new RegExp(`^port ${port} on 127\\.0\\.0\\.1 answered 'Hello Wrold\\\\n' \\(12 bytes\\) and closed the connection after \\d+\\.\\d s; expected /Hello World/$`));
    const failure = checkFailureOf([record]);
    assert.equal(failure?.reason, 'check-failed');
    assert.equal(failure?.message, `hello: ${record.message}`);
  });

  it('fails at its timeout when the service says nothing', async () => {
    const port = await service(() => {});
    const record = await runCheck(session, { ...hello({ timeoutSeconds: 0.5 }), port });
    assert.equal(record.failure, 'timeout');
    assert.match(record.message ?? '', /answered nothing \(0 bytes\) after \d+\.\d s; expected \/Hello World\/ within 0\.5 s$/);
  });

  it('fails saying the host could not connect where nothing listens', async () => {
    const record = await runCheck(session, { ...hello(), port: await freePort() });
    assert.equal(record.failure, 'connect-failed');
    assert.match(record.message ?? '', /^port \d+ on 127\.0\.0\.1: the host could not connect: Connection refused$/);
  });

  it('names AllowTcpForwarding when the host\'s sshd forbids forwarding, and says what to change', async () => {
    const port = await service((socket) => socket.end('Hello World\n'));
    const record = await runCheck(forbidden, { ...hello(), port });
    assert.equal(record.failure, 'forwarding-forbidden');
    assert.match(record.message ?? '', /the host's sshd refuses to forward the connection \(open failed\): TCP forwarding is off there \(AllowTcpForwarding no\?\)$/);
    assert.match(checkFailureOf([record])?.hint ?? '', /AllowTcpForwarding local/);
  });

  it('a host that failed verification is not checked at all', async () => {
    const counter = await connectionCounter();
    try {
      const declared: DesiredService = {
        name: 'hello', state: 'present', socketUnit: 'hello.socket', serviceTemplate: 'hello@.service', accept: true, mainService: 'hello.service', leftovers: [], program: null, files: [], adopt: false, allowedDropIns: [], secretGroup: '',
        listen: [{ host: '127.0.0.1', family: 'ipv4', port: counter.port, unitValue: `127.0.0.1:${counter.port}` }], check: hello().check,
      };
      const steps: string[] = [];
      const options = { onStep: (step: string) => steps.push(step), keepWaiting: <T>(work: () => Promise<T>) => work() };
      const failed = await withChecks({ error: { reason: 'verify-failed' as const, message: 'not listening' } }, session, [declared], [], options);
      assert.deepEqual([failed.checks, counter.count(), steps], [undefined, 0, []]);
      const checked = await withChecks({}, session, [declared], [], options);
      assert.deepEqual([checked.checks?.length, checked.error?.reason, counter.count(), steps], [1, 'check-failed', 1, ['checking']]);
    } finally {
      await counter.close();
    }
  });
});
