import { existsSync } from 'node:fs';
import { readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OctoiError } from '../diagnostics.js';

/** Where the machine mounts its cgroup2 hierarchy: `/sys/fs/cgroup` (unified) or `/sys/fs/cgroup/unified` (hybrid). */
export async function cgroup2Mount(): Promise<string> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  const mountPoint = mounts
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[2] === 'cgroup2')?.[1];
  if (!mountPoint) {
    throw OctoiError.single('lab', {
      message: 'this machine has no cgroup2 hierarchy mounted; the lab needs one for its hosts',
      hint: 'mount it (mount -t cgroup2 none /sys/fs/cgroup/unified) or boot with a unified or hybrid cgroup layout',
    });
  }
  return mountPoint;
}

/** True when systemd is PID 1 and owns the cgroup tree: hosts then live in delegated scopes. */
export function systemdOwnsCgroups(): boolean {
  return existsSync('/run/systemd/system');
}

export async function cgroupPopulated(dir: string): Promise<boolean> {
  try {
    return /^populated 1$/m.test(await readFile(join(dir, 'cgroup.events'), 'utf8'));
  } catch {
    return false;
  }
}

export async function cgroupPids(dir: string): Promise<number[]> {
  try {
    return (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Kills every process in the cgroup and below (cgroup.kill, or signal by signal on kernels before 5.14). */
export async function killCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  if (existsSync(join(dir, 'cgroup.kill'))) {
    await writeFile(join(dir, 'cgroup.kill'), '1');
    return;
  }
  for (const sub of await subdirectories(dir)) await killCgroup(sub);
  for (const pid of await cgroupPids(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Removes a cgroup and the ones systemd made below it, deepest first. */
export async function removeCgroupTree(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const sub of await subdirectories(dir)) await removeCgroupTree(sub);
  try {
    await rmdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => join(dir, entry.name));
  } catch {
    return [];
  }
}
