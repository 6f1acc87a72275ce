import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';

/**
 * All hosts run as root of one user namespace and share its inotify instance limit; the default
 * (128) stops sshd from starting at about a dozen hosts. The first lab up raises it and records
 * the machine's value; the last lab down puts it back.
 */
const limitFile = '/proc/sys/fs/inotify/max_user_instances';
const savedFile = '/run/octoi/inotify-max-user-instances';
const labInotifyInstances = 8192;

export async function raiseInotifyLimit(): Promise<void> {
  const current = Number((await readFile(limitFile, 'utf8')).trim());
  // High enough already (inside a lab host, where /proc/sys is read-only, the machine's lab raised it).
  if (current >= labInotifyInstances) return;
  if (!existsSync(savedFile)) {
    await mkdir('/run/octoi', { recursive: true });
    await writeFile(savedFile, `${current}\n`);
  }
  await writeFile(limitFile, `${labInotifyInstances}\n`);
}

export async function restoreInotifyLimit(): Promise<void> {
  if (!existsSync(savedFile)) return;
  const saved = (await readFile(savedFile, 'utf8')).trim();
  await writeFile(limitFile, `${saved}\n`);
  await rm(savedFile, { force: true });
}
