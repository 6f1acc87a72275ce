import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { hostExec, labDown, labUp, type HostInit, type LabHost, type LabState, type Release } from '../../lib/lab/index.js';
import { runCommand, type CommandResult } from '../../lib/lab/run-command.js';

export interface TestLab extends LabState {
  /** Stops every host and removes the lab and its folder. Safe to call twice. */
  down(): Promise<void>;
  host(name: string): LabHost;
  /** Runs a command inside a host without SSH (nsenter). */
  exec(hostName: string, command: string[]): Promise<CommandResult>;
  /** Runs a shell command on a host over real SSH with the lab's key and strict host-key checking. */
  ssh(hostName: string, command: string): Promise<CommandResult>;
}

/** Fails loudly: lab tests must never pass by skipping when they cannot run. */
export function requireRootForLab(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('this test starts a lab (network namespaces, mounts, cgroups) and must run as root');
  }
}

/** What one lab host runs; unset fields take the lab's defaults (bookworm, systemd). */
export interface HostKind {
  release?: Release;
  init?: HostInit;
  workstation?: boolean;
}

/** gw01, gw02, gw03 on Debian 11, 12 and 13: what every core scenario runs on. */
export const everyRelease: readonly HostKind[] = [{ release: 'bullseye' }, { release: 'bookworm' }, { release: 'trixie' }];

/**
 * A fresh lab in a new temporary folder: `hosts` default hosts, or one host of each kind listed
 * (gw01 the first), and `behindBastion` more behind a bastion host.
 */
export async function startLab(hosts: number | readonly HostKind[], behindBastion = 0): Promise<TestLab> {
  requireRootForLab();
  const dir = await mkdtemp(join(tmpdir(), 'octoi-lab-'));
  const down = async (): Promise<void> => {
    await labDown({ dir });
    await rm(dir, { recursive: true, force: true });
  };
  const kinds = typeof hosts === 'number' ? Array.from({ length: hosts }, (): HostKind => ({})) : hosts;
  let state: LabState | undefined;
  try {
    // Hosts of one kind in a row boot together; each kind needs a call of its own.
    for (let count = 1; count <= kinds.length; count += 1) {
      const kind = kinds[count - 1] ?? {};
      const next = kinds[count];
      if (count < kinds.length && JSON.stringify(next) === JSON.stringify(kind)) continue;
      state = await labUp({ dir, hosts: count, behindBastion: count === kinds.length ? behindBastion : 0, ...kind });
    }
    if (!state) throw new Error('a test lab has at least one host');
  } catch (error) {
    await down();
    throw error;
  }
  const lab = state;
  const host = (name: string): LabHost => {
    const found = lab.hosts.find((h) => h.name === name);
    if (!found) throw new Error(`the lab has no host ${name}`);
    return found;
  };
  return {
    ...lab,
    down,
    host,
    exec: (hostName, command) => hostExec(dir, hostName, command),
    ssh: (hostName, command) => runCommand(sshArgv(lab, host(hostName).address, command), { timeoutMs: 60_000 }),
  };
}

export function sshArgv(lab: Pick<LabState, 'privateKeyPath' | 'knownHostsPath'>, address: string, command: string): string[] {
  return [
    'ssh', '-F', '/dev/null', '-i', lab.privateKeyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${lab.knownHostsPath}`,
    '-o', 'ConnectTimeout=15', `root@${address}`, command,
  ];
}

/** A lab and a scratch folder that live as long as the enclosing test suite. */
export interface LabSuite {
  readonly lab: TestLab;
  /** A folder for the suite's playbooks and reports. */
  readonly work: string;
  /** Writes `content` to `name` in the scratch folder and returns its path. */
  file(name: string, content: string): Promise<string>;
}

/** Registers hooks that start a lab (as startLab) and a scratch folder before the suite and remove both after it. */
export function labSuite(hosts: number | readonly HostKind[], behindBastion = 0): LabSuite {
  let lab: TestLab | undefined;
  let work: string | undefined;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'octoi-test-'));
    lab = await startLab(hosts, behindBastion);
  });
  after(async () => {
    await lab?.down();
    if (work) await rm(work, { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the lab suite has not started: use it inside tests or hooks');
    return value;
  };
  return {
    get lab() {
      return ready(lab);
    },
    get work() {
      return ready(work);
    },
    async file(name, content) {
      const path = join(ready(work), name);
      await writeFile(path, content);
      return path;
    },
  };
}
