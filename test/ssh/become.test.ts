/**
 * become against a real sudo: temporary users log in to a loopback sshd and sudo to root,
 * one without a password (NOPASSWD) and one with. Needs root (useradd) and sudo installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type RemoteSession } from '../../lib/ssh/session.js';
import { loopbackTarget, startSshd, type Sshd } from '../helpers/sshd.js';

const canTest = process.getuid?.() === 0 && existsSync('/usr/bin/sudo') && existsSync('/usr/sbin/useradd');
const suffix = randomBytes(3).toString('hex');
const password = `pw-${randomBytes(6).toString('hex')}`;
const users = { nopasswd: `octoi-np-${suffix}`, passwd: `octoi-pw-${suffix}` };
const sudoersFile = `/etc/sudoers.d/octoi-test-${suffix}`;
const created: string[] = [];

let work: string;
let sshd: Sshd;
let sessions: Record<keyof typeof users, RemoteSession>;

function userExists(name: string): boolean {
  try {
    execFileSync('id', [name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function createUser(name: string): void {
  if (userExists(name)) throw new Error(`user ${name} already exists; not touching it`);
  execFileSync('useradd', ['-M', '-s', '/bin/sh', name]);
  created.push(name);
  // sshd refuses a locked account, so the user gets a password
  execFileSync('chpasswd', { input: `${name}:${password}\n` });
}

describe('become through sudo', { skip: canTest ? false : 'needs root, sudo and useradd' }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'octoi-become-'));
    createUser(users.nopasswd);
    createUser(users.passwd);
    writeFileSync(sudoersFile, `${users.nopasswd} ALL=(ALL) NOPASSWD: ALL\n${users.passwd} ALL=(ALL) ALL\n`, { mode: 0o440 });
    sshd = await startSshd();
    const knownHosts = join(work, 'known_hosts');
    writeFileSync(knownHosts, `${sshd.hostKeyLine}\n`);
    sessions = {
      nopasswd: await connect(loopbackTarget(sshd, knownHosts, { user: users.nopasswd })),
      passwd: await connect(loopbackTarget(sshd, knownHosts, { user: users.passwd })),
    };
  });

  after(async () => {
    await Promise.all(Object.values(sessions ?? {}).map((session) => session.close()));
    await sshd?.stop();
    rmSync(sudoersFile, { force: true });
    for (const name of created) execFileSync('userdel', [name]);
    rmSync(work, { recursive: true, force: true });
  });

  test('the login user is not root; sudo -n makes it root, stdin reaches the command', async () => {
    assert.equal((await sessions.nopasswd.exec('id -un')).stdout, `${users.nopasswd}\n`);
    assert.equal((await sessions.nopasswd.exec('id -un', { become: {} })).stdout, 'root\n');
    const piped = await sessions.nopasswd.exec('cat', { become: {}, stdin: 'payload\n' });
    assert.deepEqual([piped.exitCode, piped.stdout], [0, 'payload\n']);
  });

  test('become_user other than root', async () => {
    assert.equal((await sessions.nopasswd.exec('id -un', { become: { user: 'nobody' } })).stdout, 'nobody\n');
  });

  test('a password is sent only when sudo asks, and never reaches the command or the output', async () => {
    const result = await sessions.passwd.exec('id -un; cat', { become: { password }, stdin: 'payload\n' });
    assert.deepEqual([result.exitCode, result.stdout], [0, 'root\npayload\n']);
    assert.ok(!result.stderr.includes(password) && !result.stderr.includes('octoi-sudo'), result.stderr);
    // NOPASSWD: sudo never prompts, so the password must not leak into the command's stdin
    const unasked = await sessions.nopasswd.exec('cat', { become: { password }, stdin: 'only this\n' });
    assert.equal(unasked.stdout, 'only this\n');
  });

  test('without a password, sudo -n fails instead of waiting; a wrong one fails too', async () => {
    const missing = await sessions.passwd.exec('id -un', { become: {}, timeoutMs: 10_000 });
    assert.notEqual(missing.exitCode, 0);
    assert.match(missing.stderr, /password is required/);
    const wrong = await sessions.passwd.exec('id -un', { become: { password: 'not-it' }, timeoutMs: 20_000 });
    assert.notEqual(wrong.exitCode, 0);
    assert.equal(wrong.stdout, '');
    assert.ok(!wrong.stderr.includes('not-it'));
  });
});
