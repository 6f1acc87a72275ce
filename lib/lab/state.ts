import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { labPaths } from './names.js';
import type { Release } from './image.js';
import type { Subnet24 } from './subnet.js';

/** What `up` records in `<dir>/lab.json` before it creates anything, so `down` finds it all again. */
export interface LabRecord {
  version: 1;
  id: string;
  subnet: Subnet24;
  /** The network behind the bastion, when the lab has one. */
  innerSubnet?: Subnet24;
  hosts: LabHostRecord[];
}

export interface LabHostRecord {
  name: string;
  index: number;
  /** Where it is reached: from the machine, or for a host behind the bastion, from the bastion. */
  address: string;
  /** On the inner network only. */
  behindBastion?: boolean;
  /** The bastion's address on the inner network. */
  innerAddress?: string;
  /** Absent in records of labs made before hosts had releases: those are bookworm. */
  release?: Release;
  /** `none`: sshd is PID 1, no systemd (a host octoi must refuse). */
  init?: HostInit;
  /** Runs octoi and a lab of its own, with this machine's Node.js, octoi and host images. */
  workstation?: boolean;
}

/** What runs as the host's PID 1: systemd, or for hosts octoi cannot manage, sshd alone. */
export type HostInit = 'systemd' | 'none';


export async function readLabRecord(dir: string): Promise<LabRecord | undefined> {
  const file = labPaths(dir).stateFile;
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as LabRecord;
}

export async function writeLabRecord(dir: string, record: LabRecord): Promise<void> {
  const file = labPaths(dir).stateFile;
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
