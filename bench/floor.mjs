#!/usr/bin/env node
// The floor of a fleet run: reach every host and run one trivial command, nothing else. It takes
// the same path as `octoi play` (inventory, target resolution, session pool, concurrency) so that
// the difference between the two is octoi's own work.
// node bench/floor.mjs -i INVENTORY [-f FORKS] [--json FILE]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveTargets } from '../dist/lib/run/targets.js';
import { loadInventory } from '../dist/lib/inventory/index.js';
import { selectHosts } from '../dist/lib/inventory/pattern.js';
import { forEachLimited } from '../dist/lib/concurrency.js';
import { SessionPool } from '../dist/lib/run/session-pool.js';

const { values } = parseArgs({
  options: {
    inventory: { type: 'string', short: 'i', multiple: true },
    forks: { type: 'string', short: 'f', default: '50' },
    json: { type: 'string' },
  },
});
const started = performance.now();
const inventory = await loadInventory(values.inventory ?? []);
const hosts = selectHosts(inventory, 'all', []);
const sessions = new SessionPool(await resolveTargets(inventory, hosts), { connectTimeoutMs: 15_000, commandTimeoutMs: 120_000 });
const failures = [];
const execs = {};
try {
  await forEachLimited(hosts, Number(values.forks), async (host) => {
    try {
      const session = await sessions.get(host);
      const result = await session.exec('true');
      if (result.exitCode !== 0) failures.push(`${host}: exit ${result.exitCode}`);
      execs[host] = session.counters.execs;
    } catch (error) {
      failures.push(`${host}: ${error.message}`);
    }
  });
} finally {
  await sessions.closeAll();
}
const report = { hosts: hosts.length, failures, execs, durationMs: Math.round(performance.now() - started) };
if (values.json) writeFileSync(values.json, JSON.stringify(report));
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exitCode = 3;
}
