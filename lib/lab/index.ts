import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { OctoiError, type Diagnostic } from '../diagnostics.js';
import { forEachLimited } from '../concurrency.js';
import { cgroup2Mount, cgroupPopulated, removeCgroupTree, systemdOwnsCgroups } from './cgroup.js';
import {
  consoleTail,
  execInHost,
  hostCgroup,
  hostPid,
  launchHost,
  powerOffHost,
  prepareHost,
  sshBanner,
  sshBannerFrom,
  sshLogin,
  waitForLogin,
  waitForSshBanner,
  type SshAccess,
} from './host.js';
import { defaultRelease, ensureImage, type ImageOptions, type Release } from './image.js';
import { raiseInotifyLimit, restoreInotifyLimit } from './inotify.js';
import { renderInventory, renderSshConfig, type InventoryOptions } from './inventory.js';
import { ensureEd25519Key, knownHostsText } from './keys.js';
import { workstationBinds } from './workstation.js';
import { bastionName, hostName, hostPaths, labCgroupName, labId, labPaths, netnsName, netnsPrefix, scopeUnitName } from './names.js';
import {
  createHostNetwork,
  ensureBridge,
  ensureInnerNetwork,
  labBridges,
  labNetns,
  removeBridge,
  removeHostNetwork,
  removeInnerNetwork,
  type HostLink,
} from './network.js';
import { runChecked, runCommand, type CommandResult } from './run-command.js';
import { readLabRecord, writeLabRecord, type HostInit, type LabHostRecord, type LabRecord } from './state.js';
import { bastionAddress, chooseSubnet, hostAddress, maxHosts, parsePrefix, routedPrefixes, type Subnet24 } from './subnet.js';

export { buildImage, ensureImage, type Image, type ImageOptions, type Release } from './image.js';
export type { HostInit } from './state.js';

export interface LabHost {
  name: string;
  address: string;
  /** The host's PID 1 as seen from the machine. */
  pid: number;
  /** On the inner network: reached through the bastion only. */
  behindBastion?: boolean;
  release: Release;
  init: HostInit;
}

export interface LabState {
  dir: string;
  inventoryPath: string;
  knownHostsPath: string;
  privateKeyPath: string;
  /** `-F` file with the settings of the bastion as a jump host. */
  sshConfigPath: string;
  /** Holds the sudo password of the user deploy-pw (the same on every host). */
  sudoPasswordPath: string;
  hosts: LabHost[];
}

interface LabHostStatus {
  name: string;
  address: string;
  state: 'running' | 'stopped';
  /** sshd answered with its banner just now. */
  sshReady: boolean;
  pid?: number;
  release: Release;
  init: HostInit;
}

interface LabUpOptions extends ImageOptions {
  dir: string;
  hosts: number;
  /** Hosts on a second network that only the bastion host reaches (default: none, or as many as the lab has). */
  behindBastion?: number;
  /** Hosts booting at once; boot is CPU-bound, so more than a few per core only adds contention. */
  concurrency?: number;
  /** How long one host may take from launch to a successful login. */
  bootTimeoutMs?: number;
  /** Readiness is a real SSH login (default); false settles for sshd's banner. */
  loginCheck?: boolean;
  /** What the hosts this call adds run as PID 1 (default systemd); hosts already in the lab keep theirs. */
  init?: HostInit;
  /** The hosts this call adds are workstations: they run octoi and can boot a lab of their own. */
  workstation?: boolean;
}

const defaultBootTimeoutMs = 90_000;
const powerOffGraceMs = 10_000;

export function labInventoryPath(dir: string): string {
  return labPaths(dir).inventory;
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw OctoiError.single('lab', {
      message: 'octoi lab needs root: it creates network namespaces, mounts and cgroups for its hosts',
      hint: 'run it as root, e.g. `sudo octoi lab up`',
    });
  }
}

function checkDir(dir: string): void {
  // overlayfs takes its layers as a comma- and colon-separated option string.
  if (/[\s,:]/.test(labPaths(dir).dir)) {
    throw OctoiError.single('lab', {
      message: `the lab folder ${labPaths(dir).dir} contains a space, comma or colon, which overlayfs cannot take`,
      hint: 'choose another folder with --dir or OCTOI_LAB_DIR',
    });
  }
}

/**
 * Starts (or completes) a lab of `hosts` hosts in `dir` and waits until each host's sshd answers.
 * Hosts already running are left as they are; hosts that stopped are booted again.
 */
export async function labUp(options: LabUpOptions): Promise<LabState> {
  requireRoot();
  checkDir(options.dir);
  if (!Number.isInteger(options.hosts) || options.hosts < 1 || options.hosts > maxHosts) {
    throw OctoiError.single('lab', {
      message: `a lab has 1 to ${maxHosts} hosts, not ${options.hosts}`,
      field: 'hosts',
    });
  }
  const behindBastion = options.behindBastion ?? 0;
  if (!Number.isInteger(behindBastion) || behindBastion < 0 || behindBastion > maxHosts) {
    throw OctoiError.single('lab', { message: `up to ${maxHosts} hosts go behind the bastion, not ${behindBastion}`, field: 'bastion' });
  }
  const progress = options.onProgress ?? (() => undefined);
  const paths = labPaths(options.dir);
  await mkdir(paths.hostsDir, { recursive: true });
  const record = (await readLabRecord(options.dir)) ?? (await newRecord(options.dir));
  if (behindBastion > 0 && record.innerSubnet === undefined) record.innerSubnet = await freeSubnet(options.dir, [record.subnet]);
  growHosts(record, options.hosts, behindBastion, {
    release: options.release ?? defaultRelease,
    init: options.init ?? 'systemd',
    ...(options.workstation ? { workstation: true } : {}),
  });
  await writeLabRecord(options.dir, record);

  await raiseInotifyLimit();
  const labKey = await ensureEd25519Key(paths.privateKey, `octoi-lab-${record.id}`);
  const sudoPassword = await ensureSecret(paths.sudoPassword);
  await writeFile(paths.sshConfig, renderSshConfig(accessOptions(options.dir, record)));
  await ensureBridge(record.id, record.subnet);
  if (record.innerSubnet !== undefined) await ensureInnerNetwork(record.id, record.innerSubnet);
  const bastion = record.hosts.find((host) => host.name === bastionName);
  const cgroupRoot = await cgroup2Mount();
  const cgroupBase = systemdOwnsCgroups() ? undefined : join(cgroupRoot, labCgroupName(record.id));

  const running = new Set<string>();
  for (const host of record.hosts) {
    if ((await hostPid(options.dir, host.name)) !== undefined) running.add(host.name);
  }
  const toBoot = record.hosts.filter((host) => !running.has(host.name));
  const binds = toBoot.some((host) => host.workstation) ? await workstationBinds(options) : [];
  const imageRootfs = new Map<Release, string>();
  for (const release of new Set(toBoot.map(releaseOf))) imageRootfs.set(release, (await ensureImage({ ...options, release })).rootfs);
  if (toBoot.length === 0) {
    progress(`lab ${paths.dir} is already up with ${record.hosts.length} hosts`);
  } else if (running.size > 0) {
    progress(`lab ${paths.dir} is up with ${running.size} hosts; booting ${toBoot.length} more`);
  }

  const failures: Diagnostic[] = [];
  const started = Date.now();
  const timeoutMs = options.bootTimeoutMs ?? defaultBootTimeoutMs;
  const fail = async (name: string, message: string): Promise<void> => {
    failures.push({
      severity: 'error',
      host: name,
      message: `${message}; console:\n${await consoleTail(options.dir, name)}`,
      hint: `the whole console log is ${hostPaths(options.dir, name).consoleLog}`,
    });
  };
  await forEachLimited(toBoot, 8, async (host) => {
    // A host that stopped boots afresh: what is left of its last run goes first.
    const oldCgroup = await hostCgroup(options.dir, host.name);
    if (oldCgroup) {
      await powerOffHost(options.dir, host.name, 0);
      await removeCgroupTree(oldCgroup);
    }
    await prepareHost(options.dir, host.name, labKey);
  });
  await writeKnownHosts(options.dir, record.hosts);
  await forEachLimited(toBoot, options.concurrency ?? defaultConcurrency(), async (host) => {
    const netnsPath = await createHostNetwork(record.id, host.name, host.index, hostLinks(host));
    launchHost({
      labDir: options.dir,
      labId: record.id,
      name: host.name,
      netnsPath,
      lowerdir: imageRootfs.get(releaseOf(host)) ?? '',
      init: hostKind(host).init,
      binds: host.workstation ? binds : [],
      cgroupDir: cgroupBase === undefined ? undefined : join(cgroupBase, host.name),
      cgroup2Mount: cgroupRoot,
    });
    const launched = Date.now();
    const alive = async (): Promise<boolean> => {
      const cgroup = await hostCgroup(options.dir, host.name);
      // The launcher writes its cgroup within milliseconds; until then the host counts as starting.
      return cgroup === undefined ? Date.now() - launched < 5000 : cgroupPopulated(cgroup);
    };
    const access: SshAccess = { privateKey: paths.privateKey, knownHosts: paths.knownHosts, sshConfig: paths.sshConfig };
    if (host.behindBastion) {
      // The machine cannot see this host's sshd: the first login through the bastion is the sign of life.
      const login = await waitForLogin(host.address, { ...access, proxyJump: `root@${bastion?.address}` }, launched + timeoutMs, alive);
      if (login.exitCode !== 0) {
        await fail(host.name, `no login as root through the bastion to ${host.address} (${seconds(Date.now() - launched)} after launch): ${login.stderr.trim()}`);
        return;
      }
    } else {
      if (!(await waitForSshBanner(host.address, launched + timeoutMs, alive))) {
        await fail(host.name, `did not answer on ${host.address}:22 (${seconds(Date.now() - launched)} after launch)`);
        return;
      }
      if (options.loginCheck !== false) {
        const login = await sshLogin(host.address, access, Math.max(10_000, launched + timeoutMs - Date.now()));
        if (login.exitCode !== 0) {
          await fail(host.name, `sshd answers on ${host.address}:22 but a login as root with the lab's key failed: ${login.stderr.trim()}`);
          return;
        }
      }
    }
    const pid = await hostPid(options.dir, host.name);
    const password = pid === undefined ? undefined : await execInHost(pid, ['chpasswd'], { input: `deploy-pw:${sudoPassword}\n` });
    if (password?.exitCode !== 0) {
      await fail(host.name, `setting the sudo password of deploy-pw failed: ${password?.stderr.trim() ?? 'the host stopped'}`);
      return;
    }
    progress(`${host.name} ${host.address} ready in ${seconds(Date.now() - launched)} (${seconds(Date.now() - started)} since start)`);
  });

  const hosts = await writeAccessFiles(options.dir, record);
  if (failures.length > 0) throw new OctoiError('lab', failures);
  if (toBoot.length > 0) progress(`${hostCount(toBoot.length)} ready in ${seconds(Date.now() - started)}`);
  return { ...accessPaths(options.dir), hosts };
}

async function newRecord(dir: string): Promise<LabRecord> {
  return { version: 1, id: labId(dir), subnet: await freeSubnet(dir, []), hosts: [] };
}

function releaseOf(host: LabHostRecord): Release {
  return host.release ?? defaultRelease;
}

/** Records of labs made before hosts had releases and inits hold bookworm hosts running systemd. */
function hostKind(host: LabHostRecord): { release: Release; init: HostInit } {
  return { release: releaseOf(host), init: host.init ?? 'systemd' };
}

/** A /24 no route of this machine covers, other than `taken`. */
async function freeSubnet(dir: string, taken: readonly Subnet24[]): Promise<Subnet24> {
  const routes = routedPrefixes(await runChecked(['ip', '-4', '-o', 'route', 'show', 'table', 'all']));
  const subnet = chooseSubnet(dir, [...routes, ...taken.flatMap((used) => parsePrefix(`${used}.0/24`) ?? [])]);
  if (!subnet) {
    throw OctoiError.single('lab', {
      message: 'found no free /24 in 10.64.0.0/10 for the lab: every candidate overlaps a route of this machine',
    });
  }
  return subnet;
}

/**
 * Adds hosts until `lanHosts` sit on the lab's bridge and `behindBastion` behind the bastion, which
 * comes with the first of them. Both kinds share one index space (gw01, gw02, ...): names, veths
 * and the last octet of addresses stay unique however the lab grows. New hosts get `kind`'s
 * release and init; hosts already in the record keep theirs.
 */
function growHosts(record: LabRecord, lanHosts: number, behindBastion: number, kind: Pick<LabHostRecord, 'release' | 'init' | 'workstation'>): void {
  const add = (fields: Pick<LabHostRecord, 'behindBastion'>, subnet: Subnet24): void => {
    const index = Math.max(0, ...record.hosts.map((host) => host.index)) + 1;
    if (index > maxHosts) throw OctoiError.single('lab', { message: `a lab has at most ${maxHosts} hosts` });
    record.hosts.push({ name: hostName(index), index, address: hostAddress(subnet, index), ...fields, ...kind });
  };
  const count = (behind: boolean): number => record.hosts.filter((host) => host.name !== bastionName && (host.behindBastion ?? false) === behind).length;
  while (count(false) < lanHosts) add({}, record.subnet);
  const inner = record.innerSubnet;
  if (inner === undefined || behindBastion === 0) return;
  if (!record.hosts.some((host) => host.name === bastionName)) {
    record.hosts.push({ name: bastionName, index: 0, address: bastionAddress(record.subnet), innerAddress: bastionAddress(inner), release: kind.release ?? defaultRelease, init: 'systemd' });
  }
  while (count(true) < behindBastion) add({ behindBastion: true }, inner);
}

function hostLinks(host: LabHostRecord): HostLink[] {
  if (host.behindBastion) return [{ network: 'inner', address: host.address }];
  const lan: HostLink = { network: 'lan', address: host.address };
  return host.innerAddress === undefined ? [lan] : [lan, { network: 'inner', address: host.innerAddress }];
}

/** A random secret kept in `path` (mode 0600), created on first use. */
async function ensureSecret(path: string): Promise<string> {
  if (!existsSync(path)) await writeFile(path, `${randomBytes(12).toString('hex')}\n`, { mode: 0o600 });
  return (await readFile(path, 'utf8')).trim();
}

function accessPaths(dir: string): Omit<LabState, 'hosts'> {
  const paths = labPaths(dir);
  return {
    dir: paths.dir,
    inventoryPath: paths.inventory,
    knownHostsPath: paths.knownHosts,
    privateKeyPath: paths.privateKey,
    sshConfigPath: paths.sshConfig,
    sudoPasswordPath: paths.sudoPassword,
  };
}

function accessOptions(dir: string, record: LabRecord): InventoryOptions {
  const paths = labPaths(dir);
  const bastion = record.hosts.find((host) => host.name === bastionName);
  return {
    privateKeyPath: paths.privateKey,
    knownHostsPath: paths.knownHosts,
    sshConfigPath: paths.sshConfig,
    ...(bastion ? { bastionAddress: bastion.address } : {}),
  };
}

async function writeKnownHosts(dir: string, hosts: readonly { name: string; address: string }[]): Promise<void> {
  const keys: { address: string; publicKey: string }[] = [];
  for (const host of hosts) {
    const keyFile = join(hostPaths(dir, host.name).upper, 'etc', 'ssh', 'ssh_host_ed25519_key.pub');
    if (existsSync(keyFile)) keys.push({ address: host.address, publicKey: await readFile(keyFile, 'utf8') });
  }
  await writeFile(labPaths(dir).knownHosts, knownHostsText(keys));
}

/** known_hosts and the inventory list every host of the record that runs. */
async function writeAccessFiles(dir: string, record: LabRecord): Promise<LabHost[]> {
  const paths = labPaths(dir);
  const hosts: LabHost[] = [];
  for (const host of record.hosts) {
    const pid = await hostPid(dir, host.name);
    if (pid !== undefined) {
      hosts.push({ name: host.name, address: host.address, pid, ...hostKind(host), ...(host.behindBastion ? { behindBastion: true } : {}) });
    }
  }
  await writeKnownHosts(dir, hosts);
  await writeFile(paths.inventory, renderInventory(hosts, accessOptions(dir, record)));
  return hosts;
}

/**
 * Stops every host (systemd poweroff, then kill) and removes everything the lab made: cgroups,
 * network namespaces and veths, the bridge, mounts and its files. Safe after a crash, after a host
 * died and when called twice: what it removes is found by name, not only from the record.
 */
export async function labDown(options: { dir: string; onProgress?: (line: string) => void }): Promise<void> {
  requireRoot();
  const progress = options.onProgress ?? (() => undefined);
  const paths = labPaths(options.dir);
  const id = labId(options.dir);
  const record = await readLabRecord(options.dir);
  const names = await labHostNames(options.dir);
  if (names.length > 0) progress(`stopping ${hostCount(names.length)}`);
  await Promise.all(names.map((name) => powerOffHost(options.dir, name, powerOffGraceMs)));
  for (const name of names) {
    const cgroup = await hostCgroup(options.dir, name);
    if (systemdOwnsCgroups()) await runCommand(['systemctl', 'stop', scopeUnitName(id, name)]);
    if (cgroup) await removeCgroupTree(cgroup);
  }
  if (!systemdOwnsCgroups()) await removeCgroupTree(join(await cgroup2Mount(), labCgroupName(id)));
  for (const name of names) await removeHostNetwork(id, name);
  await removeInnerNetwork(id, record?.innerSubnet);
  await removeBridge(id);
  await unmountBelow(paths.dir);
  const files = [paths.inventory, paths.knownHosts, paths.sshConfig, paths.sudoPassword, paths.privateKey, `${paths.privateKey}.pub`];
  // The record goes last: it is what finds the lab's parts again if this is interrupted.
  for (const file of [...files, paths.stateFile]) {
    await rm(file, { force: true });
  }
  await rm(paths.hostsDir, { recursive: true, force: true });
  if (existsSync(paths.dir) && (await readdir(paths.dir)).length === 0) await rmdir(paths.dir);
  if ((await labBridges()).length === 0) await restoreInotifyLimit();
  progress(`lab ${paths.dir} is down`);
}

/** Hosts named in the record, in the hosts folder, or by a leftover network namespace. */
async function labHostNames(dir: string): Promise<string[]> {
  const names = new Set<string>();
  for (const host of (await readLabRecord(dir))?.hosts ?? []) names.add(host.name);
  const hostsDir = labPaths(dir).hostsDir;
  if (existsSync(hostsDir)) for (const name of await readdir(hostsDir)) names.add(name);
  const id = labId(dir);
  for (const netns of await labNetns(id)) names.add(netns.slice(netnsPrefix(id).length));
  return [...names].sort();
}

/** Hosts mount inside their own namespaces; anything left in the machine's is a leftover of a crash. */
async function unmountBelow(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/self/mounts', 'utf8'))
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' ') ?? '')
    .filter((target) => target === dir || target.startsWith(`${dir}/`));
  for (const target of mounts.reverse()) await runCommand(['umount', '-l', target]);
}

export async function labStatus(dir: string): Promise<LabHostStatus[]> {
  const record = await readLabRecord(dir);
  if (!record) return [];
  return Promise.all(
    record.hosts.map(async (host): Promise<LabHostStatus> => {
      const pid = await hostPid(dir, host.name);
      const kind = hostKind(host);
      if (pid === undefined) return { name: host.name, address: host.address, state: 'stopped', sshReady: false, ...kind };
      const sshReady = host.behindBastion
        ? await sshBannerFrom(netnsName(record.id, bastionName), host.address, 2000)
        : await sshBanner(host.address, 2000);
      return { name: host.name, address: host.address, state: 'running', sshReady, pid, ...kind };
    }),
  );
}

async function runningHostPid(dir: string, name: string): Promise<number> {
  const pid = await hostPid(dir, name);
  if (pid === undefined) {
    throw OctoiError.single('lab', { host: name, message: `host ${name} of the lab in ${labPaths(dir).dir} is not running` });
  }
  return pid;
}

/** Runs a command inside a host (nsenter into all its namespaces, no SSH). */
export async function hostExec(dir: string, name: string, command: string[]): Promise<CommandResult> {
  return execInHost(await runningHostPid(dir, name), command);
}

/** Powers one host off (killing it if it does not stop in time); the others stay up. */
export async function stopHost(dir: string, name: string): Promise<void> {
  requireRoot();
  await powerOffHost(dir, name, powerOffGraceMs);
}

function defaultConcurrency(): number {
  return 4 * availableParallelism();
}

function hostCount(count: number): string {
  return `${count} ${count === 1 ? 'host' : 'hosts'}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
