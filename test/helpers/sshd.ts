/**
 * Starts a real OpenSSH server on a free 127.0.0.1 port, for tests of the SSH layer.
 * Everything it needs (host keys, client key, authorized_keys, config) lives in a temp folder.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshTarget } from '../../lib/ssh/types.js';

export type HostKeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface SshdOptions {
  hostKeyTypes?: HostKeyType[];
  /** Extra `sshd_config` lines. */
  config?: string[];
  /** Reuse host keys (a folder made by an earlier server) instead of generating new ones. */
  hostKeyDir?: string;
}

export interface Sshd {
  port: number;
  pid: number;
  dir: string;
  hostKeyDir: string;
  /** `[127.0.0.1]:PORT TYPE BASE64` for the first host key type. */
  hostKeyLine: string;
  /** The same, one per host key type. */
  hostKeyLines: Record<string, string>;
  /** An unencrypted ed25519 key whose public half is authorized for root. */
  clientKeyPath: string;
  /** Kills the per-connection sshd processes, leaving the listener up. */
  killSessions(): void;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function generateKey(path: string, type: HostKeyType, passphrase = ''): string {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', 'octoi-test', '-f', path], {
    stdio: 'ignore',
  });
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function waitForListening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${log}`)), 10_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}:\n${log}`));
    });
  });
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'octoi-sshd-'));
  // sshd reads authorized_keys as the logging-in user, who may not be root
  chmodSync(dir, 0o755);
  const hostKeyDir = options.hostKeyDir ?? join(dir, 'hostkeys');
  mkdirSync(hostKeyDir, { recursive: true });
  const types = options.hostKeyTypes ?? ['ed25519'];
  const port = await freePort();
  const hostKeyLines: Record<string, string> = {};
  for (const type of types) {
    const path = join(hostKeyDir, `ssh_host_${type}_key`);
    let pub: string;
    try {
      pub = readFileSync(`${path}.pub`, 'utf8').trim();
    } catch {
      pub = generateKey(path, type);
    }
    const [keyType, base64] = pub.split(' ');
    if (keyType === undefined || base64 === undefined) throw new Error(`${path}.pub is not a public key line: ${pub}`);
    hostKeyLines[keyType] = `[127.0.0.1]:${port} ${keyType} ${base64}`;
  }
  const [hostKeyLine] = Object.values(hostKeyLines);
  if (hostKeyLine === undefined) throw new Error('sshd needs at least one host key type');
  const clientKeyPath = join(dir, 'client_ed25519');
  writeFileSync(join(dir, 'authorized_keys'), `${generateKey(clientKeyPath, 'ed25519')}\n`, { mode: 0o644 });
  const config = [
    `ListenAddress 127.0.0.1:${port}`,
    ...types.map((type) => `HostKey ${join(hostKeyDir, `ssh_host_${type}_key`)}`),
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PidFile none',
    'LogLevel VERBOSE',
    ...(options.config ?? []),
  ];
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, `${config.join('\n')}\n`);
  const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForListening(child, port).catch((error: unknown) => {
    killPid(child.pid!);
    throw error;
  });
  const pid = child.pid!;
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killSessions = (): void => childPids(pid).forEach(killPid);
  return {
    port,
    pid,
    dir,
    hostKeyDir,
    hostKeyLine,
    hostKeyLines,
    clientKeyPath,
    killSessions,
    async stop() {
      killSessions();
      if (child.exitCode === null && child.signalCode === null) {
        killPid(pid);
        await stopped;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A target for the server as root with its client key, checked strictly against `knownHostsFile`. */
export function loopbackTarget(sshd: Sshd, knownHostsFile: string, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    name: `loopback-${sshd.port}`,
    hostname: '127.0.0.1',
    port: sshd.port,
    user: 'root',
    identityFiles: [sshd.clientKeyPath],
    identitiesOnly: true,
    knownHostsFiles: [knownHostsFile],
    strictHostKeyChecking: 'yes',
    proxyJump: [],
    ...overrides,
  };
}
