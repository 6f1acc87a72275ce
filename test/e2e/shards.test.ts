import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { stopHost } from '../../lib/lab/index.js';
import type { JsonReport } from '../../lib/report/json.js';
import { readJsonReport, runOctoi, type CliResult } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { isRefused, readFromPort } from '../helpers/tcp.js';

function playbook(state: 'present' | 'absent'): string {
  return [
    '- name: shards',
    '  hosts: gateways',
    '  services:',
    '    - name: octoi-shards',
    '      listen: 14200',
    `      state: ${state}`,
    '      script:',
    '        content: |',
    '          #!/bin/sh',
    '          echo "one fleet"',
    '',
  ].join('\n');
}

/** Times differ from run to run; everything else a report says must not. */
const timeless = (text: string): string => text.replace(/\d+\.\d s\b/g, 'T s').replace(/time="[\d.]+"/g, 'time="T"');
function recapOf(stdout: string): string {
  assert.match(stdout, /^RECAP \(/m);
  return timeless(stdout.slice(stdout.indexOf('RECAP (')));
}

function withoutTimes(report: JsonReport): unknown {
  return JSON.parse(JSON.stringify(report), (key, value: unknown) => (key === 'durationMs' ? 0 : value));
}

describe('a play in two --shard parts, merged, on a lab of 3 hosts', { timeout: 600_000 }, () => {
  const suite = labSuite(3);
  const octoi = (...args: string[]) => runOctoi([...args, '-i', suite.lab.inventoryPath, '--plain']);
  const reports = (name: string) => ({ json: join(suite.work, `${name}.json`), junit: join(suite.work, `${name}.xml`) });

  /** Both parts at once, as the jobs of a CI matrix run, then `octoi report merge`. */
  async function shardedRun(name: string, ...args: string[]): Promise<{ parts: CliResult[]; merged: CliResult; files: { json: string; junit: string } }> {
    const parts = await Promise.all(
      [1, 2].map((index) => {
        const part = reports(`${name}-${index}`);
        return octoi(...args, '--shard', `${index}/2`, '--json', part.json, '--junit', part.junit);
      }),
    );
    const files = reports(`${name}-merged`);
    const merged = await runOctoi(['report', 'merge', reports(`${name}-1`).json, reports(`${name}-2`).json, '--json', files.json, '--junit', files.junit]);
    return { parts, merged, files };
  }

  it('a fresh converge in two parts merges into the recap, JSON and JUnit of one unsharded run', async () => {
    const present = await suite.file('present.yml', playbook('present'));
    const sharded = await shardedRun('fresh', 'play', present);
    for (const part of sharded.parts) assert.equal(part.exitCode, ExitCode.ok, part.stdout + part.stderr);
    assert.equal(sharded.merged.exitCode, ExitCode.ok, sharded.merged.stdout + sharded.merged.stderr);
    for (const host of suite.lab.hosts) assert.equal(await readFromPort(host.address, 14200), 'one fleet\n');

    const removed = await octoi('play', await suite.file('absent.yml', playbook('absent')));
    assert.equal(removed.exitCode, ExitCode.ok, removed.stdout + removed.stderr);
    for (const host of suite.lab.hosts) assert.ok(await isRefused(host.address, 14200), host.name);

    const whole = reports('fresh-whole');
    const unsharded = await octoi('play', present, '--json', whole.json, '--junit', whole.junit);
    assert.equal(unsharded.exitCode, ExitCode.ok, unsharded.stdout + unsharded.stderr);
    assert.match(sharded.merged.stdout, /^RECAP \(3 hosts, [\d.]+ s\)\n {2}gw01 {2}changed/);
    assert.equal(recapOf(sharded.merged.stdout), recapOf(unsharded.stdout));
    const [merged, single] = await Promise.all([readJsonReport(sharded.files.json), readJsonReport(whole.json)]);
    assert.deepEqual(withoutTimes(merged), withoutTimes(single));
    assert.equal(timeless(await readFile(sharded.files.junit, 'utf8')), timeless(await readFile(whole.junit, 'utf8')));
  });

  it('a host that cannot be reached: the merged parts exit 3, as the unsharded run does', async () => {
    await stopHost(suite.lab.dir, 'gw02');
    const check = await suite.file('check.yml', playbook('absent'));
    const sharded = await shardedRun('down', 'play', check, '--check', '--connect-timeout', '5');
    assert.deepEqual(sharded.parts.map((part) => part.exitCode), [ExitCode.ok, ExitCode.hostsUnreachable]);
    const unsharded = await octoi('play', check, '--check', '--connect-timeout', '5');
    assert.equal(unsharded.exitCode, ExitCode.hostsUnreachable, unsharded.stdout + unsharded.stderr);
    assert.equal(sharded.merged.exitCode, ExitCode.hostsUnreachable, sharded.merged.stdout + sharded.merged.stderr);
    assert.match(sharded.merged.stdout, /^ {2}gw02 {2}unreachable {2}/m);
    assert.equal(recapOf(sharded.merged.stdout), recapOf(unsharded.stdout));
  });
});
