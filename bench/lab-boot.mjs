#!/usr/bin/env node
// Boot benchmark of `octoi lab`: how long N hosts take to be SSH-ready, and where the CPU goes.
// Run as root from the project root:  node bench/lab-boot.mjs [--hosts 10,50] [--runs 3] [--no-build]
// Each run is a fresh lab in a temporary folder (image cached beforehand, not timed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10,50' },
    runs: { type: 'string', default: '3' },
    'no-build': { type: 'boolean', default: false },
  },
});
if (process.getuid?.() !== 0) {
  console.error('bench/lab-boot.mjs: the lab needs root');
  process.exit(1);
}
if (!values['no-build']) execFileSync('npx', ['tsc', '-p', root], { stdio: 'inherit', cwd: root });

const { labUp, labDown, hostExec, ensureImage } = await import(join(root, 'dist/lib/lab/index.js'));
const { cgroup2Mount } = await import(join(root, 'dist/lib/lab/cgroup.js'));
const { labId } = await import(join(root, 'dist/lib/lab/names.js'));

const ticks = 100; // USER_HZ on Linux
function machineCpuSeconds() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq] = fields;
  return (user + nice + system + irq + softirq) / ticks;
}
/** This process and the commands it ran and reaped (ip, ssh-keygen, ssh). */
function controllerCpuSeconds() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return fields.slice(11, 15).map(Number).reduce((a, b) => a + b, 0) / ticks;
}
function cgroupCpuSeconds(dir) {
  try {
    return Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))[1]) / 1e6;
  } catch {
    return NaN;
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');

await ensureImage({ onProgress: (line) => console.error(line) });
const rows = [];
for (const hosts of values.hosts.split(',').map(Number)) {
  for (const readiness of ['login', 'banner']) {
    for (let run = 1; run <= Number(values.runs); run += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'octoi-bench-'));
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const readyAt = [];
      const cpu0 = machineCpuSeconds();
      const ctl0 = controllerCpuSeconds();
      const t0 = performance.now();
      try {
        await labUp({
          dir,
          hosts,
          loginCheck: readiness === 'login',
          onProgress: (line) => / ready in /.test(line) && readyAt.push(performance.now() - t0),
        });
        const wall = (performance.now() - t0) / 1000;
        const cpu = machineCpuSeconds() - cpu0;
        const controller = controllerCpuSeconds() - ctl0;
        const hostsCpu = cgroupCpuSeconds(join(await cgroup2Mount(), `octoi-${labId(dir)}`));
        const analyze = await hostExec(dir, 'gw01', ['systemd-analyze']);
        const t1 = performance.now();
        await labDown({ dir });
        const down = (performance.now() - t1) / 1000;
        rows.push({ hosts, readiness, run, load, wall, first: readyAt[0] / 1000, cpu, hostsCpu, controller, down,
          gw01: analyze.stdout.split('\n')[0].replace('Startup finished in ', '') });
        console.error(JSON.stringify(rows.at(-1)));
      } finally {
        await labDown({ dir }).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

const machine = `${availableParallelism()} cores, ${execFileSync('uname', ['-r']).toString().trim()}`;
console.log(`Lab boot, ${new Date().toISOString().slice(0, 16)}Z, ${machine}; median of ${values.runs} runs each\n`);
console.log('| hosts | ready = | wall to all ready (s) | first host (s) | CPU, machine (s) | CPU, hosts (s) | CPU, launcher (s) | down (s) | load before | one host boot (systemd-analyze) |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const hosts of new Set(rows.map((r) => r.hosts))) {
  for (const readiness of ['login', 'banner']) {
    const set = rows.filter((r) => r.hosts === hosts && r.readiness === readiness);
    if (set.length === 0) continue;
    const m = (key) => median(set.map((r) => r[key]));
    const range = `${s(m('wall'))} (${s(Math.min(...set.map((r) => r.wall)))}–${s(Math.max(...set.map((r) => r.wall)))})`;
    console.log(`| ${hosts} | ${readiness} | ${range} | ${s(m('first'))} | ${s(m('cpu'))} | ${s(m('hostsCpu'))} | ${s(m('controller'))} | ${s(m('down'))} | ${set.map((r) => r.load).join('/')} | ${set[0].gw01} |`);
  }
}
