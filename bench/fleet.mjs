#!/usr/bin/env node
// Fleet benchmark: octoi against the SSH floors (OpenSSH with its default key exchange and with
// curve25519-sha256, which ssh2 negotiates; the project's ssh2 floor), against the same job done by
// hand over OpenSSH and against Ansible, on real lab hosts per fleet size, with octoi's start-up
// measured on its own first.
// Run as root from a checkout after `npm ci`:  npm run bench [-- options]
//   --hosts 10,50        fleet sizes, one fleet up at a time: one lab, or several above a lab's
//                        size (one /24), their inventories joined
//   --forks-sweep LIST   then --runs rounds of octoi fresh and no-op at each of these --forks (e.g. 10,25,100,200)
//   --runs 5             octoi and floor runs per size (medians with min–max)
//   --startup-runs 15    start-up measurements (process start to the first connection attempt)
//   --ansible-runs N     Ansible runs per variant (default 3 up to 10 hosts, 1 above)
//   --ansible LIST       Ansible variants: default,tuned,mitogen (default all three)
//   --no-ansible         skip Ansible
//   --forks 50           octoi's and the floor's concurrency (octoi's default)
//   --out FILE           results, without extension (default bench/results/fleet): FILE.md and FILE.json
//   --no-build           use dist/ as it is
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, totalmem, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prependSection } from './results-file.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10,50' },
    runs: { type: 'string', default: '5' },
    'startup-runs': { type: 'string', default: '15' },
    'ansible-runs': { type: 'string' },
    ansible: { type: 'string', default: 'default,tuned,mitogen' },
    'no-ansible': { type: 'boolean', default: false },
    forks: { type: 'string', default: '50' },
    'forks-sweep': { type: 'string', default: '' },
    out: { type: 'string', default: join(root, 'bench/results/fleet') },
    'no-build': { type: 'boolean', default: false },
  },
});
const sizes = values.hosts.split(',').map(Number);
const runs = Number(values.runs);
const startupRuns = Number(values['startup-runs']);
const forks = Number(values.forks);
const sweep = values['forks-sweep'].split(',').filter(Boolean).map(Number).filter((value) => value !== forks);
const ansibleVariants = values['no-ansible'] ? [] : values.ansible.split(',').filter(Boolean);
const ansibleRunsFor = (hosts) => Number(values['ansible-runs'] ?? (hosts <= 10 ? 3 : 1));
if (process.getuid?.() !== 0) fail('the lab needs root: sudo npm run bench');
if (![...sizes, runs, startupRuns, forks, ...sweep].every((n) => Number.isInteger(n) && n > 0)) fail('--hosts, --runs, --forks and --forks-sweep take whole numbers');
const unknownVariant = ansibleVariants.find((variant) => !['default', 'tuned', 'mitogen'].includes(variant));
if (unknownVariant) fail(`unknown Ansible variant ${unknownVariant}: use default, tuned, mitogen`);
requireCommand('/usr/bin/time', 'apt-get install time');
requireCommand('ssh', 'apt-get install openssh-client');
if (ansibleVariants.length > 0) requireCommand('ansible-playbook', 'apt-get install ansible, or run with --no-ansible');
if (ansibleVariants.includes('mitogen')) requireCommand('/usr/lib/python3/dist-packages/ansible_mitogen/plugins/strategy/mitogen_linear.py', 'apt-get install ansible-mitogen');

function fail(message) {
  console.error(`bench/fleet.mjs: ${message}`);
  process.exit(1);
}

function requireCommand(command, install) {
  try {
    execFileSync('sh', ['-c', `command -v ${command} || test -e ${command}`], { stdio: 'ignore' });
  } catch {
    fail(`${command} is missing: ${install}`);
  }
}

if (!values['no-build']) {
  try {
    execFileSync('npm', ['run', 'build'], { stdio: 'inherit', cwd: root });
  } catch {
    fail('the build failed (npm run build)');
  }
}
const { labUp, labDown, ensureImage } = await import(join(root, 'dist/lib/lab/index.js'));
const { cgroup2Mount } = await import(join(root, 'dist/lib/lab/cgroup.js'));
const { labCgroupName, labId } = await import(join(root, 'dist/lib/lab/names.js'));
const { maxHosts } = await import(join(root, 'dist/lib/lab/subnet.js'));
const { parse: parseYaml, stringify: stringifyYaml } = await import('yaml');

const work = mkdtempSync(join(tmpdir(), 'octoi-fleet-bench-'));
const octoi = join(root, 'bin/octoi');
const playbooks = {
  converge: join(root, 'playbooks/helloworld.yml'),
  changed: join(root, 'bench/playbooks/helloworld-changed.yml'),
  absent: join(root, 'bench/playbooks/helloworld-absent.yml'),
};
const ansibleDir = join(root, 'bench/ansible');

/** CPU seconds the fleet's hosts used so far (their labs' cgroups): sshd, systemd, the remote commands. */
let hostsCgroups = [];
function hostsCpuSeconds() {
  try {
    return hostsCgroups.reduce((sum, cgroup) => sum + Number(/usage_usec (\d+)/.exec(readFileSync(join(cgroup, 'cpu.stat'), 'utf8'))[1]) / 1e6, 0);
  } catch {
    return NaN;
  }
}

/** One process, timed from outside: wall clock here, peak RSS and CPU seconds (user + system) by GNU time. */
async function measure(label, command, args, env = {}) {
  const rssFile = join(work, 'rss');
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const hostsCpu0 = hostsCpuSeconds();
  let peakFds = 0;
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, command, ...args], { cwd: root, env: { ...process.env, ...env } });
    const sampler = setInterval(() => (peakFds = Math.max(peakFds, openFdsOf(child.pid))), 10);
    child.on('close', () => clearInterval(sampler));
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  const seconds = (performance.now() - t0) / 1000;
  const hostsCpuSecondsUsed = hostsCpuSeconds() - hostsCpu0;
  if (code !== 0) {
    throw new Error(`${label} exited ${code}\n$ ${[command, ...args].join(' ')}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`);
  }
  const [rssKb, user, system] = readFileSync(rssFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { seconds, rssMb: rssKb / 1024, cpuSeconds: user + system, hostsCpuSeconds: hostsCpuSecondsUsed, peakFds, load, stdout };
}

/** Open file descriptors of the process GNU time runs (its child), sampled while it runs. */
function openFdsOf(timePid) {
  try {
    const [pid] = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(' ');
    return pid ? readdirSync(`/proc/${pid}/fd`).length : 0;
  } catch {
    return 0;
  }
}

/** CPU time (ms) all of a process's threads have run so far. */
function cpuMsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).reduce((sum, task) => sum + Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]) / 1e6, 0);
  } catch {
    return NaN;
  }
}

/**
 * Process start to the first connection attempt: octoi is given one host on a loopback port
 * where this process listens, and the time runs from spawning octoi to accepting its connection
 * (closed at once: octoi then ends with the host unreachable), and the CPU time its threads had
 * used by then, which other work on the machine hardly changes. `node -e` connecting at once is
 * the part of it that Node itself costs.
 */
async function measureStartup() {
  const key = join(work, 'startup-key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const inventory = join(work, 'startup-inventory.yml');
  writeFileSync(inventory, `gateways:\n  hosts:\n    startup: { ansible_host: 127.0.0.1, ansible_port: ${port}, ansible_ssh_private_key_file: ${key} }\n`);
  const untilConnected = (command, args) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: root, stdio: 'ignore', env: { ...process.env, ANSIBLE_CONFIG: join(work, 'no-ansible.cfg') } });
    server.once('connection', (socket) => {
      resolve({ wall: performance.now() - t0, cpu: cpuMsOf(child.pid) });
      socket.destroy();
    });
    child.on('error', reject);
    child.on('exit', (code) => setTimeout(() => reject(new Error(`${command} ${args.join(' ')} exited ${code} before connecting`)), 1000).unref());
    return child;
  });
  const timed = async (command, args) => {
    await untilConnected(command, args);
    const samples = [];
    for (let run = 0; run < startupRuns; run += 1) {
      samples.push(await untilConnected(command, args));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = samples.map((sample) => sample.wall / 1000);
    const cpuSeconds = samples.map((sample) => sample.cpu / 1000);
    return { median: median(seconds), min: Math.min(...seconds), max: Math.max(...seconds), cpuMedian: median(cpuSeconds), cpuMin: Math.min(...cpuSeconds), cpuMax: Math.max(...cpuSeconds), load: loadOf() };
  };
  try {
    const octoiRun = await timed(octoi, ['play', 'playbooks/helloworld.yml', '-i', inventory, '--plain']);
    const nodeRun = await timed(process.execPath, ['-e', `require('node:net').connect(${port}, '127.0.0.1').on('error', () => {})`]);
    return { runs: startupRuns, octoi: octoiRun, node: nodeRun };
  } finally {
    server.close();
  }
}

function octoiArgs(playbook, inventory, json, concurrency = forks) {
  return ['play', relative(root, playbook), '-i', inventory, '--plain', '-f', String(concurrency), '--json', json];
}

/** Per-host counters of an octoi run, from its --json report; every host must have converged. */
function octoiCounters(json, hosts) {
  const report = JSON.parse(readFileSync(json, 'utf8'));
  const entries = Object.entries(report.hosts);
  const bad = entries.filter(([, entry]) => entry.status !== 'ok' && entry.status !== 'changed');
  if (entries.length !== hosts || bad.length > 0) {
    throw new Error(`octoi run did not converge every host: ${JSON.stringify(bad.slice(0, 3))}`);
  }
  const perHost = (key) => Math.max(...entries.map(([, entry]) => entry[key] ?? NaN));
  return { execs: perHost('execs'), uploads: perHost('uploads'), status: [...new Set(entries.map(([, e]) => e.status))].join('/') };
}

async function runOctoi(scenario, playbook, inventory, hosts, concurrency = forks) {
  const json = join(work, `${scenario}.json`);
  const args = octoiArgs(playbook, inventory, json, concurrency);
  const { stdout: _stdout, ...result } = await measure(`octoi ${scenario}`, octoi, args);
  return { ...result, ...octoiCounters(json, hosts), forks: concurrency, command: shownCommand(`./bin/octoi ${args.join(' ')}`) };
}

async function runFloor(inventory, hosts) {
  const json = join(work, 'floor.json');
  const args = [join(root, 'bench/floor.mjs'), '-i', inventory, '-f', String(forks), '--json', json];
  const { stdout: _stdout, ...result } = await measure('floor', process.execPath, args);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  if (report.hosts !== hosts) throw new Error(`floor reached ${report.hosts} hosts, not ${hosts}`);
  return { ...result, execs: Math.max(...Object.values(report.execs)), uploads: 0, command: shownCommand(`node ${relative(root, args[0])} ${args.slice(1).join(' ')}`) };
}

/**
 * `ssh HOST true` per host, with OpenSSH's default key exchange or the one given; with a script,
 * `ssh HOST sh -s` reading it instead.
 */
async function runOpenSshFloor(inventory, { kex, script, label = `OpenSSH floor ${kex ?? 'default KEX'}` } = {}) {
  const args = [join(root, 'bench/openssh-floor.mjs'), '-i', inventory, '-f', String(forks), ...(script ? ['--script', script] : []), ...(kex ? ['--', '-o', `KexAlgorithms=${kex}`] : [])];
  const { stdout: _stdout, ...result } = await measure(label, process.execPath, args);
  return { ...result, execs: 1, uploads: 0, command: shownCommand(`node ${relative(root, args[0])} ${args.slice(1).join(' ')}`) };
}

/**
 * The job written by hand, as one shell script over one OpenSSH login (curve25519), what no tool
 * doing it can go below. Fresh: the files of bench/ansible/files written in place,
 * `systemctl daemon-reload`, `systemctl enable --now` and an `ss` check; no diff, no lock, no
 * rollback, no atomic rename. Check: what a no-op must read (the files' digests, the socket's
 * state, the listener). The undo script (not timed) returns the host to fresh.
 */
function byHandScripts() {
  const files = [
    { path: '/etc/systemd/system/octoi-helloworld.socket', mode: '0644' },
    { path: '/etc/systemd/system/octoi-helloworld@.service', mode: '0644' },
    { path: '/opt/octoi-helloworld/octoi-helloworld.sh', mode: '0755' },
  ];
  const paths = files.map((file) => file.path);
  const written = ({ path, mode }) => [`cat > ${path} <<'EOF'`, readFileSync(join(ansibleDir, 'files', basename(path)), 'utf8').trimEnd(), 'EOF', `chmod ${mode} ${path}`];
  const install = [
    'set -e',
    'mkdir -p /opt/octoi-helloworld',
    ...files.flatMap(written),
    'systemctl daemon-reload',
    'systemctl enable --now octoi-helloworld.socket',
    'ss -H -tln sport = :13063 | grep -q .',
  ];
  const check = [
    `sha256sum ${paths.join(' ')}`,
    'systemctl show -p UnitFileState -p ActiveState octoi-helloworld.socket',
    'ss -H -tln sport = :13063 | grep -q .',
  ];
  const undo = [
    'systemctl disable --now octoi-helloworld.socket',
    `rm -rf ${paths.join(' ')} /opt/octoi-helloworld`,
    'systemctl daemon-reload',
  ];
  const scripts = { install, check, undo };
  return Object.fromEntries(Object.entries(scripts).map(([name, lines]) => {
    const file = join(work, `by-hand-${name}.sh`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return [name, file];
  }));
}

/** ANSIBLE_CONFIG picks the variant; fresh starts with no ControlPersist master, the re-run reuses the fresh run's. */
async function runAnsible(variant, scenario, inventory, hosts, controlDir) {
  const config = join(ansibleDir, `${variant}.cfg`);
  const args = ['-i', inventory, join(ansibleDir, 'helloworld.yml'), ...(variant === 'default' ? [] : ['-f', String(hosts)])];
  const env = { ANSIBLE_CONFIG: config, ANSIBLE_SSH_CONTROL_PATH_DIR: controlDir, ANSIBLE_NOCOLOR: '1' };
  const { stdout, ...result } = await measure(`ansible ${variant} ${scenario}`, 'ansible-playbook', args, env);
  const recap = stdout.split('\n').filter((line) => /ok=\d+/.test(line));
  if (recap.length !== hosts || recap.some((line) => !/unreachable=0\s+failed=0/.test(line))) {
    throw new Error(`ansible ${variant} ${scenario}: not every host succeeded\n${recap.join('\n')}`);
  }
  const shown = args.map((arg) => (arg.startsWith(root) ? relative(root, arg) : arg));
  return { ...result, command: shownCommand(`ANSIBLE_CONFIG=${relative(root, config)} ansible-playbook ${shown.join(' ')}`) };
}

/** The labs of the size being measured: taken down on Ctrl-C too. */
let currentLabs = [];
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    console.error(`bench/fleet.mjs: ${signal}: taking the labs down`);
    await Promise.all(currentLabs.map((dir) => labDown({ dir }).catch(() => undefined)));
    process.exit(130);
  });
}

/** A command as the results show it: the lab's inventory and the report file are temporary. */
function shownCommand(command) {
  return command.replace(/\S*inventory\.yml/, 'INVENTORY').replace(/--json \S+/, '--json FILE').replace(/--script \S+/, '--script SCRIPT');
}

const loadOf = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join('/');

/** Hosts per lab for a fleet: as few labs as hold it, as even as can be. */
function labSizes(hosts) {
  const labs = Math.ceil(hosts / maxHosts);
  return Array.from({ length: labs }, (_, index) => Math.floor(hosts / labs) + (index < hosts % labs ? 1 : 0));
}

/**
 * One inventory for several labs: every lab names its hosts gw01, gw02, ..., so the hosts of the
 * second lab on become lab2-gw01, ...; each keeps its own address, key and known_hosts.
 */
function joinInventories(paths) {
  if (paths.length === 1) return paths[0];
  const children = {};
  paths.forEach((path, index) => {
    const rename = (name) => (index === 0 ? name : `lab${index + 1}-${name}`);
    for (const [group, { hosts }] of Object.entries(parseYaml(readFileSync(path, 'utf8')).all.children)) {
      const members = Object.fromEntries(Object.entries(hosts).map(([name, vars]) => [rename(name), vars]));
      children[group] = { hosts: { ...children[group]?.hosts, ...members } };
    }
  });
  const joined = join(work, 'fleet-inventory.yml');
  writeFileSync(joined, stringifyYaml({ all: { children } }));
  return joined;
}

/** One fleet size on its own labs: floors and octoi interleaved round by round, then the forks sweep, then Ansible. */
async function benchSize(hosts) {
  const perLab = labSizes(hosts);
  const dirs = perLab.map(() => mkdtempSync(join(tmpdir(), 'octoi-fleet-lab-')));
  currentLabs = dirs;
  const mount = await cgroup2Mount();
  hostsCgroups = dirs.map((dir) => join(mount, labCgroupName(labId(dir))));
  const samples = [];
  const add = (tool, scenario, sample) => {
    samples.push({ tool, scenario, forks, ...sample });
    console.error(`${hosts} hosts  ${tool.padEnd(15)} ${scenario.padEnd(13)} -f ${String(sample.forks ?? forks).padEnd(4)} ${sample.seconds.toFixed(2)} s  ${sample.rssMb.toFixed(0)} MB  load ${sample.load}`);
  };
  const bootStarted = performance.now();
  try {
    const labs = [];
    for (const [index, dir] of dirs.entries()) labs.push(await labUp({ dir, hosts: perLab[index], onProgress: () => undefined }));
    const inventory = joinInventories(labs.map((lab) => lab.inventoryPath));
    const boot = (performance.now() - bootStarted) / 1000;
    console.error(`${hosts} hosts: ${labs.length} lab(s) up in ${boot.toFixed(1)} s (load ${loadOf()})`);
    const reset = () => measure('reset', octoi, octoiArgs(playbooks.absent, inventory, join(work, 'reset.json')));
    const byHand = byHandScripts();
    const curve = 'curve25519-sha256';
    // Warm-up, not timed: page cache, first logins of every host.
    await runFloor(inventory, hosts);
    await runOpenSshFloor(inventory);
    await reset();
    for (let round = 0; round < runs; round += 1) {
      add('floor', 'connect', await runFloor(inventory, hosts));
      add('openssh', 'default KEX', await runOpenSshFloor(inventory));
      add('openssh', 'curve25519', await runOpenSshFloor(inventory, { kex: curve }));
      await reset();
      add('openssh', 'by-hand fresh', await runOpenSshFloor(inventory, { kex: curve, script: byHand.install, label: 'by-hand fresh' }));
      await runOpenSshFloor(inventory, { kex: curve, script: byHand.undo, label: 'by-hand undo' });
      add('octoi', 'fresh', await runOctoi('fresh', playbooks.converge, inventory, hosts));
      add('octoi', 'no-op', await runOctoi('no-op', playbooks.converge, inventory, hosts));
      add('openssh', 'by-hand check', await runOpenSshFloor(inventory, { kex: curve, script: byHand.check, label: 'by-hand check' }));
      add('octoi', 'changed', await runOctoi('changed', playbooks.changed, inventory, hosts));
    }
    for (let round = 0; round < runs; round += 1) {
      for (const concurrency of sweep) {
        await reset();
        add('octoi', 'fresh', await runOctoi('fresh', playbooks.converge, inventory, hosts, concurrency));
        add('octoi', 'no-op', await runOctoi('no-op', playbooks.converge, inventory, hosts, concurrency));
      }
    }
    for (const variant of ansibleVariants) {
      for (let round = 0; round < ansibleRunsFor(hosts); round += 1) {
        await reset();
        const controlDir = join(work, `cp-${variant}-${hosts}-${round}`);
        mkdirSync(controlDir);
        add(`ansible ${variant}`, 'fresh', await runAnsible(variant, 'fresh', inventory, hosts, controlDir));
        add(`ansible ${variant}`, 're-run', await runAnsible(variant, 're-run', inventory, hosts, controlDir));
      }
    }
    return { hosts, labs: labs.length, boot, samples };
  } finally {
    for (const dir of dirs) {
      await labDown({ dir }).catch((error) => console.error(`lab down: ${error.message}`));
      rmSync(dir, { recursive: true, force: true });
    }
    currentLabs = [];
  }
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const f = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');

function summarize(result) {
  const groups = new Map();
  for (const sample of result.samples) {
    const key = `${sample.tool}|${sample.scenario}|${sample.forks}`;
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  return [...groups.values()].map((set) => {
    const seconds = set.map((s) => s.seconds);
    return {
      hosts: result.hosts,
      tool: set[0].tool,
      scenario: set[0].scenario,
      forks: set[0].forks,
      runs: set.length,
      median: median(seconds),
      min: Math.min(...seconds),
      max: Math.max(...seconds),
      rssMb: median(set.map((s) => s.rssMb)),
      rssMaxMb: Math.max(...set.map((s) => s.rssMb)),
      cpuSeconds: median(set.map((s) => s.cpuSeconds)),
      hostsCpuSeconds: median(set.map((s) => s.hostsCpuSeconds)),
      peakFds: Math.max(...set.map((s) => s.peakFds)),
      execs: set[0].execs,
      uploads: set[0].uploads,
      loads: set.map((s) => s.load),
      command: set[0].command,
    };
  });
}

function ratioLines(rows, hosts) {
  const at = (tool, scenario) => rows.find((row) => row.hosts === hosts && row.forks === forks && row.tool === tool && row.scenario === scenario)?.median;
  const floor = at('floor', 'connect');
  const curve = at('openssh', 'curve25519');
  const lines = [`OpenSSH default KEX / curve25519: ${f(at('openssh', 'default KEX') / curve)}×; ssh2 floor / OpenSSH curve25519: ${f(floor / curve)}×`];
  for (const scenario of ['fresh', 'no-op', 'changed']) lines.push(`octoi ${scenario} / OpenSSH curve25519 floor: ${f(at('octoi', scenario) / curve)}× (/ ssh2 floor: ${f(at('octoi', scenario) / floor)}×)`);
  lines.push(`by hand over OpenSSH: octoi fresh / by-hand fresh ${f(at('octoi', 'fresh') / at('openssh', 'by-hand fresh'))}×, octoi no-op / by-hand check ${f(at('octoi', 'no-op') / at('openssh', 'by-hand check'))}×`);
  for (const variant of ansibleVariants) {
    lines.push(`Ansible ${variant} / octoi: fresh ${f(at(`ansible ${variant}`, 'fresh') / at('octoi', 'fresh'), 1)}×, re-run ${f(at(`ansible ${variant}`, 're-run') / at('octoi', 'no-op'), 1)}×`);
  }
  return lines;
}

function machine() {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const ansible = ansibleVariants.length > 0 ? execFileSync('ansible-playbook', ['--version']).toString().split('\n')[0] : null;
  return {
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    cores: availableParallelism(),
    cpu,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: execFileSync('uname', ['-r']).toString().trim(),
    node: process.version,
    ansible,
  };
}

function markdown(info, rows, results, startup) {
  const out = [];
  out.push(`## ${info.date}: ${results.map((r) => r.hosts).join(' and ')} hosts`, '');
  out.push(`Machine: ${info.cores} cores (${info.cpu}), ${info.memoryGb} GB, Linux ${info.kernel}, Node ${info.node}${info.ansible ? `, ${info.ansible}` : ''}.`);
  out.push(`Lab hosts (\`octoi lab\`, at most ${maxHosts} a lab): ${results.map((r) => `${r.hosts} in ${r.labs} lab${r.labs > 1 ? 's' : ''} booted in ${f(r.boot, 1)} s`).join(', ')}.`);
  out.push(`The machine's ${info.cores} cores are shared with other work: the 1-minute load is given per row, and each figure as median (min–max).`);
  out.push(`octoi and floors: ${runs} runs each, interleaved round by round (ssh2 floor, OpenSSH floor with its default key exchange, OpenSSH floor with curve25519-sha256, reset, the fresh job by hand over OpenSSH and its undo, octoi fresh, no-op, the check by hand, changed); --forks ${forks}.`);
  if (ansibleVariants.length > 0) out.push(`Ansible: ${results.map((r) => `${ansibleRunsFor(r.hosts)} run(s) per variant at ${r.hosts} hosts`).join(', ')}.`);
  const { octoi: up, node } = startup;
  const ms = (median, min, max) => `${f(median * 1000, 0)} ms (${f(min * 1000, 0)}–${f(max * 1000, 0)})`;
  out.push(`Start-up, process start to the first connection attempt (${startup.runs} runs): octoi ${ms(up.median, up.min, up.max)} wall, ${ms(up.cpuMedian, up.cpuMin, up.cpuMax)} CPU; \`node -e\` connecting at once ${ms(node.median, node.min, node.max)} wall, ${ms(node.cpuMedian, node.cpuMin, node.cpuMax)} CPU; load ${up.load}.`);
  out.push('', '| hosts | run | median s (min–max) | / OpenSSH curve25519 | / ssh2 floor | cmds/host | uploads/host | controller CPU s | controller CPU ms/host | hosts CPU ms/host | peak RSS MB | peak fds | load (1 min) |');
  out.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const row of rows.filter((r) => r.forks === forks)) {
    const medianOf = (tool, scenario) => rows.find((r) => r.hosts === row.hosts && r.forks === forks && r.tool === tool && r.scenario === scenario)?.median;
    const ratio = (floor) => (row.tool === 'octoi' ? `${f(row.median / floor)}×` : '');
    const counters = row.tool.startsWith('ansible') ? ['', ''] : [row.execs, row.uploads];
    const perHost = (cpuSeconds) => f((cpuSeconds * 1000) / row.hosts, 1);
    const fds = row.tool === 'octoi' || row.tool === 'floor' ? row.peakFds : '';
    out.push(`| ${row.hosts} | ${row.tool} ${row.scenario} | ${f(row.median)} (${f(row.min)}–${f(row.max)}) | ${ratio(medianOf('openssh', 'curve25519'))} | ${ratio(medianOf('floor', 'connect'))} | ${counters.join(' | ')} | ${f(row.cpuSeconds)} | ${perHost(row.cpuSeconds)} | ${perHost(row.hostsCpuSeconds)} | ${f(row.rssMb, 0)}${row.runs > 1 ? ` (max ${f(row.rssMaxMb, 0)})` : ''} | ${fds} | ${f(Math.min(...row.loads), 1)}–${f(Math.max(...row.loads), 1)} |`);
  }
  out.push('');
  for (const result of results) out.push(`- ${result.hosts} hosts: ${ratioLines(rows, result.hosts).join('; ')}`);
  if (sweep.length > 0) out.push('', ...sweepTable(rows));
  out.push('', 'Commands (the inventory is the lab\'s `inventory.yml`):', '', '```');
  for (const command of new Set(rows.map((row) => row.command))) out.push(command);
  out.push('```', '');
  return out.join('\n');
}

/** octoi fresh and no-op at each --forks of the sweep, beside the main rounds' --forks. */
function sweepTable(rows) {
  const out = [`octoi at each --forks of the sweep (${runs} round${runs > 1 ? 's' : ''} after those above, each --forks in turn) and at --forks ${forks} (the rounds above); medians:`, ''];
  out.push('| hosts | --forks | fresh s | no-op s | no-op controller CPU ms/host | no-op peak RSS MB | no-op peak fds |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const octoiRows = rows.filter((row) => row.tool === 'octoi');
  for (const hosts of new Set(octoiRows.map((row) => row.hosts))) {
    for (const concurrency of [...new Set(octoiRows.map((row) => row.forks))].sort((a, b) => a - b)) {
      const at = (scenario) => octoiRows.find((row) => row.hosts === hosts && row.forks === concurrency && row.scenario === scenario);
      const noop = at('no-op');
      if (!noop) continue;
      out.push(`| ${hosts} | ${concurrency} | ${f(at('fresh')?.median)} | ${f(noop.median)} | ${f((noop.cpuSeconds * 1000) / hosts, 1)} | ${f(noop.rssMb, 0)} | ${noop.peakFds} |`);
    }
  }
  return out;
}

let results = [];
let startup;
try {
  await ensureImage({ onProgress: (line) => console.error(line) });
  startup = await measureStartup();
  console.error(`start-up to the first connection attempt: octoi ${f(startup.octoi.median * 1000, 0)} ms, node -e ${f(startup.node.median * 1000, 0)} ms (medians)`);
  for (const hosts of sizes) results.push(await benchSize(hosts));
} finally {
  rmSync(work, { recursive: true, force: true });
}
const info = machine();
const rows = results.flatMap(summarize);
const section = markdown(info, rows, results, startup);
prependSection(`${values.out}.md`, section, '# Fleet benchmark\n');
writeFileSync(`${values.out}.json`, `${JSON.stringify({ machine: info, runs, forks, sweep, startup, rows, samples: results }, null, 1)}\n`);
process.stdout.write(`${section}\n`);

