/**
 * The time a run reports counts from the start of the octoi process, start-up included: a run held
 * up before octoi's own code begins reports at least that hold-up.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { freePort, generateKey } from '../helpers/sshd.js';

const HOLD_MS = 700;

describe('the run clock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'octoi-run-clock-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts with the process, before the command line is loaded', async () => {
    const key = join(dir, 'id_ed25519');
    generateKey(key, 'ed25519');
    const inventory = join(dir, 'inventory.yml');
    // Nothing listens on the port: the host is unreachable at once, and no other host is contacted.
    writeFileSync(inventory, `gateways:\n  hosts:\n    gw: { ansible_host: 127.0.0.1, ansible_port: ${await freePort()}, ansible_ssh_private_key_file: ${key} }\n`);
    const hold = join(dir, 'hold.cjs');
    writeFileSync(hold, `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${HOLD_MS});\n`);
    const report = join(dir, 'report.json');
    const env = { HOME: dir, SSH_AUTH_SOCK: '', ANSIBLE_CONFIG: join(dir, 'none.cfg'), NODE_OPTIONS: `--require ${hold}` };
    const result = await runOctoi(['play', 'playbooks/helloworld.yml', '-i', inventory, '--json', report], { env });
    assert.equal(result.exitCode, 3, result.stderr + result.stdout);
    const { durationMs } = await readJsonReport(report);
    assert.ok(durationMs >= HOLD_MS, `the run reported ${durationMs} ms, less than the ${HOLD_MS} ms held before octoi started`);
    const recapSeconds = Number(/RECAP \(1 host, (\d+\.\d) s\)/.exec(result.stdout)?.[1]);
    assert.ok(recapSeconds >= HOLD_MS / 1000, result.stdout);
  });
});
