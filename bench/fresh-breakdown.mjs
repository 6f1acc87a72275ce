#!/usr/bin/env node
// Where a fresh converge's time goes on the host: one lab host's sshd traced with strace while
// octoi converges it from nothing, every process the run starts there listed with its start (from
// the run's start) and its life, then totalled by program. systemd's own work (daemon-reload, the
// socket start) shows as the life of the systemctl call that waits for it.
// Run as root from a checkout after `npm run build`:  node bench/fresh-breakdown.mjs [--runs 3]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prependSection } from './results-file.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, out: { type: 'string', default: join(root, 'bench/results/fresh-breakdown.md') } } });
const runs = Number(values.runs);
if (process.getuid?.() !== 0) throw new Error('the lab needs root');
execFileSync('sh', ['-c', 'command -v strace'], { stdio: 'ignore' });
const { labUp, labDown, ensureImage } = await import(join(root, 'dist/lib/lab/index.js'));

const octoi = join(root, 'bin/octoi');
const play = (playbook, inventory) => execFileSync(octoi, ['play', playbook, '-i', inventory, '--plain'], { cwd: root, stdio: 'ignore' });

/** The host's sshd processes (its own PID namespace, named sshd): none when ssh is socket-activated. */
function sshdsOf(pid1) {
  const namespace = readlinkSync(`/proc/${pid1}/ns/pid`);
  return readdirSync('/proc').filter((entry) => {
    try {
      return /^\d+$/.test(entry) && readlinkSync(`/proc/${entry}/ns/pid`) === namespace && readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'sshd';
    } catch {
      return false;
    }
  });
}

/**
 * sshd and what it starts; systemd itself is traced only when ssh is socket-activated, since
 * ptrace stops it at every system call and slows its daemon-reload many times over.
 */
function tracedPids(pid1) {
  const sshds = sshdsOf(pid1);
  return sshds.length > 0 ? sshds : [String(pid1)];
}

/** One traced fresh converge: every process started on the host, with its start and life in ms. */
async function tracedFresh(host, inventory, work) {
  const traceFile = join(work, 'trace');
  const tracer = spawn('strace', ['-f', '-ttt', '-qq', '-s', '200', '-e', 'trace=execve,exit_group', '-o', traceFile, ...tracedPids(host.pid).flatMap((pid) => ['-p', pid])], { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const started = Date.now() / 1000;
  play(join(root, 'playbooks/helloworld.yml'), inventory);
  const wall = Date.now() / 1000 - started;
  await new Promise((resolve) => setTimeout(resolve, 300));
  tracer.kill('SIGINT');
  await new Promise((resolve) => tracer.on('close', resolve));
  const processes = new Map();
  for (const line of readFileSync(traceFile, 'utf8').split('\n')) {
    const exec = /^(\d+) (\d+\.\d+) execve\("([^"]*)", \[(.*?)\](?:, .*)? = 0$/.exec(line);
    if (exec) {
      const args = [...exec[4].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1]);
      processes.set(exec[1], { program: basename(exec[3]), args, start: Number(exec[2]) - started, end: NaN });
      continue;
    }
    const exit = /^(\d+) (\d+\.\d+) exit_group\(/.exec(line);
    if (exit && processes.has(exit[1])) processes.get(exit[1]).end = Number(exit[2]) - started;
  }
  if (processes.size === 0) throw new Error('strace saw no process start on the host: was it attached?');
  return { wall, processes: [...processes.values()].filter((p) => p.start >= 0).sort((a, b) => a.start - b.start) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (seconds) => (Number.isFinite(seconds) ? (seconds * 1000).toFixed(1) : '–');

const dir = mkdtempSync(join(tmpdir(), 'octoi-fresh-lab-'));
const work = mkdtempSync(join(tmpdir(), 'octoi-fresh-trace-'));
const traced = [];
try {
  await ensureImage({ onProgress: (line) => console.error(line) });
  const lab = await labUp({ dir, hosts: 1, onProgress: () => undefined });
  const [host] = lab.hosts;
  const absent = join(root, 'bench/playbooks/helloworld-absent.yml');
  play(join(root, 'playbooks/helloworld.yml'), lab.inventoryPath);
  for (let run = 0; run < runs; run += 1) {
    play(absent, lab.inventoryPath);
    traced.push(await tracedFresh(host, lab.inventoryPath, work));
    console.error(`run ${run + 1}: ${ms(traced.at(-1).wall)} ms, ${traced.at(-1).processes.length} processes on the host`);
  }
} finally {
  await labDown({ dir }).catch((error) => console.error(`lab down: ${error.message}`));
  rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

const out = [`## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: a fresh converge of one lab host, traced on the host`, ''];
out.push(`${runs} runs; octoi's whole run (process start to exit, strace attached to the host's sshd, which slows it and what it starts): ${traced.map((t) => `${ms(t.wall)} ms`).join(', ')}.`, '');
const typical = traced.find((t) => t.wall === median(traced.map((x) => x.wall)));
out.push('The median run, every process started on the host (start: ms after octoi was started; life: exec to exit):', '', '| start ms | life ms | process |', '| ---: | ---: | --- |');
for (const p of typical.processes) out.push(`| ${ms(p.start)} | ${ms(p.end - p.start)} | \`${[p.program, ...p.args.slice(1)].join(' ').slice(0, 110).replace(/\|/g, '\\|')}\` |`);
out.push('', 'By program, medians over the runs (processes per run, and their lives summed):', '', '| program | processes | life ms (summed) |', '| --- | ---: | ---: |');
const programs = [...new Set(traced.flatMap((t) => t.processes.map((p) => p.program)))];
const rows = programs.map((program) => {
  const of = traced.map((t) => t.processes.filter((p) => p.program === program));
  return { program, count: median(of.map((list) => list.length)), life: median(of.map((list) => list.reduce((sum, p) => sum + (p.end - p.start || 0), 0))) };
});
for (const row of rows.sort((a, b) => b.life - a.life)) out.push(`| ${row.program} | ${row.count} | ${ms(row.life)} |`);
out.push('');
const section = out.join('\n');
prependSection(values.out, section, '# Fresh converge, host side\n\nWritten by `node bench/fresh-breakdown.mjs`; the newest first.\n');
process.stdout.write(`${section}\n`);
