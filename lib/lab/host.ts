import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { besideModule } from '../paths.js';
import { cgroupPids, cgroupPopulated, killCgroup } from './cgroup.js';
import { ensureEd25519Key } from './keys.js';
import { hostPaths, scopeUnitName } from './names.js';
import { runCommand, type CommandResult } from './run-command.js';
import type { HostInit } from './state.js';

const hostPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** systemd powers off on SIGRTMIN+4 (34 + 4 with glibc on Linux). */
const sigPowerOff = 38;

/** The image's non-root users (image-setup.sh) that log in with the lab's key. */
const loginUsers = ['deploy', 'deploy-pw'];

/**
 * A fresh upper layer holding what makes the host itself: name, machine id, its own SSH host
 * key and the lab's key for root and the login users. Returns the host's public key line.
 */
export async function prepareHost(labDir: string, name: string, authorizedKey: string): Promise<string> {
  const paths = hostPaths(labDir, name);
  await rm(paths.dir, { recursive: true, force: true });
  const sshDir = join(paths.upper, 'etc', 'ssh');
  const rootSsh = join(paths.upper, 'root', '.ssh');
  const usersKeys = join(sshDir, 'authorized_keys');
  for (const dir of [sshDir, rootSsh, usersKeys, paths.work, paths.root]) await mkdir(dir, { recursive: true });
  for (const user of loginUsers) await writeFile(join(usersKeys, user), `${authorizedKey}\n`, { mode: 0o644 });
  await chmod(join(paths.upper, 'root'), 0o700);
  await chmod(rootSsh, 0o700);
  await writeFile(join(paths.upper, 'etc', 'hostname'), `${name}\n`);
  await writeFile(join(paths.upper, 'etc', 'hosts'), `127.0.0.1 localhost\n::1 localhost\n127.0.1.1 ${name}\n`);
  await writeFile(join(paths.upper, 'etc', 'machine-id'), `${randomBytes(16).toString('hex')}\n`);
  await writeFile(join(rootSsh, 'authorized_keys'), `${authorizedKey}\n`, { mode: 0o600 });
  return ensureEd25519Key(join(sshDir, 'ssh_host_ed25519_key'), `root@${name}`);
}

interface LaunchOptions {
  labDir: string;
  labId: string;
  name: string;
  netnsPath: string;
  lowerdir: string;
  /** The host's cgroup2 directory; undefined when systemd delegates a scope for it. */
  cgroupDir: string | undefined;
  cgroup2Mount: string;
  init: HostInit;
  /** Paths of the machine the host sees read-only at the same place. */
  binds: readonly string[];
}

/** Starts the host's launcher in the background; it outlives this process. */
export function launchHost(options: LaunchOptions): void {
  const paths = hostPaths(options.labDir, options.name);
  const init = besideModule(import.meta.url, 'host-init.sh');
  const argv =
    options.cgroupDir === undefined
      ? ['systemd-run', '--scope', '--quiet', '--collect', '-p', 'Delegate=yes',
         `--unit=${scopeUnitName(options.labId, options.name)}`, '/bin/sh', init, 'launch']
      : ['/bin/sh', init, 'launch'];
  const [program = '', ...args] = argv;
  const child = spawn(program, args, {
    detached: true,
    stdio: 'ignore',
    env: {
      PATH: hostPath,
      OCTOI_INIT: init,
      OCTOI_HOST_NAME: options.name,
      OCTOI_NETNS: options.netnsPath,
      OCTOI_HOST_DIR: paths.dir,
      OCTOI_LOWER: options.lowerdir,
      OCTOI_CGROUP: options.cgroupDir ?? 'self',
      OCTOI_CGROUP2: options.cgroup2Mount,
      OCTOI_HOST_INIT: options.init,
      OCTOI_BINDS: options.binds.join('\n'),
    },
  });
  child.on('error', () => undefined);
  child.unref();
}

/** The host's cgroup2 directory as its launcher recorded it, if it was launched. */
export async function hostCgroup(labDir: string, name: string): Promise<string | undefined> {
  const file = hostPaths(labDir, name).cgroupFile;
  if (!existsSync(file)) return undefined;
  return (await readFile(file, 'utf8')).trim() || undefined;
}

/** PID (as the machine sees it) of the host's PID 1, or undefined when the host is not running. */
export async function hostPid(labDir: string, name: string): Promise<number | undefined> {
  const cgroup = await hostCgroup(labDir, name);
  if (!cgroup) return undefined;
  for (const pid of await cgroupPids(join(cgroup, 'supervisor'))) {
    for (const child of await childPids(pid)) {
      if (await isNamespaceInit(child)) return child;
    }
  }
  return undefined;
}

async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function isNamespaceInit(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    return nspid !== undefined && nspid.length > 1 && nspid[nspid.length - 1] === '1';
  } catch {
    return false;
  }
}

/**
 * Resolves once sshd on the address sends its banner, or false when the deadline passes or
 * `alive` says the host is gone.
 */
export async function waitForSshBanner(
  address: string,
  deadline: number,
  alive: () => Promise<boolean>,
): Promise<boolean> {
  while (Date.now() < deadline && (await alive())) {
    if (await sshBanner(address, Math.max(100, Math.min(3000, deadline - Date.now())))) return true;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return false;
}

export function sshBanner(address: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: 22 });
    let received = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\n')) finish(received.startsWith('SSH-'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/** Like sshBanner, asked from inside a network namespace (of the bastion, for hosts behind it). */
export async function sshBannerFrom(netns: string, address: string, timeoutMs: number): Promise<boolean> {
  const scan = await runCommand(['ip', 'netns', 'exec', netns, 'ssh-keyscan', '-T', String(Math.ceil(timeoutMs / 1000)), address], { timeoutMs: timeoutMs + 1000 });
  return scan.exitCode === 0 && scan.stdout.includes(address);
}

/**
 * A real login with the lab's key, checked against the lab's known_hosts, running `true`:
 * proves what users and tests rely on, not only that sshd listens.
 */
export async function sshLogin(address: string, access: SshAccess, timeoutMs: number): Promise<CommandResult> {
  return runCommand(
    ['ssh', '-q', '-F', access.sshConfig, '-i', access.privateKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
     '-o', `UserKnownHostsFile=${access.knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
     ...(access.proxyJump ? ['-o', `ProxyJump=${access.proxyJump}`] : []),
     '-o', `ConnectTimeout=${Math.ceil(timeoutMs / 1000)}`, `root@${address}`, 'true'],
    { timeoutMs },
  );
}

export interface SshAccess {
  privateKey: string;
  knownHosts: string;
  /** Settings of the jump host (`-F`); /dev/null for none. */
  sshConfig: string;
  /** `user@host` of the bastion, for hosts behind it. */
  proxyJump?: string;
}

/** Logs in again and again until it works: behind the bastion, a refused TCP connection cannot be seen from here. */
export async function waitForLogin(address: string, access: SshAccess, deadline: number, alive: () => Promise<boolean>): Promise<CommandResult> {
  for (;;) {
    const login = await sshLogin(address, access, Math.max(5000, deadline - Date.now()));
    if (login.exitCode === 0 || Date.now() >= deadline || !(await alive())) return login;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Runs a command inside the host (all its namespaces, its root), without SSH. */
export async function execInHost(pid: number, command: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
  return runCommand(
    ['nsenter', '-t', String(pid), '-m', '-u', '-i', '-n', '-p', '-C', '-r', '-w', '--',
     '/usr/bin/env', '-i', `PATH=${hostPath}`, 'HOME=/root', 'LANG=C.UTF-8', ...command],
    { timeoutMs: options.timeoutMs ?? 60_000, ...(options.input === undefined ? {} : { input: options.input }) },
  );
}

/** Asks the host's systemd to power off; after `graceMs` kills whatever is left of it. */
export async function powerOffHost(labDir: string, name: string, graceMs: number): Promise<void> {
  const cgroup = await hostCgroup(labDir, name);
  if (!cgroup) return;
  const pid = await hostPid(labDir, name);
  if (pid !== undefined) {
    try {
      process.kill(pid, sigPowerOff);
    } catch {
      // exited meanwhile
    }
  }
  const deadline = Date.now() + graceMs;
  while ((await cgroupPopulated(cgroup)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await killCgroup(cgroup);
  const killDeadline = Date.now() + 5000;
  while ((await cgroupPopulated(cgroup)) && Date.now() < killDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function consoleTail(labDir: string, name: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(hostPaths(labDir, name).consoleLog, 'utf8');
    // systemd colours its status lines; the escape codes are noise in a report.
    return text.replace(/\x1b\[[0-9;]*m/g, '').trimEnd().split(/\r?\n/).slice(-lines).join('\n');
  } catch {
    return '(no console log)';
  }
}
