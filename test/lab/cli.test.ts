import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { packageRoot } from '../../lib/paths.js';
import { runCommand } from '../../lib/lab/run-command.js';
import { labDown } from '../../lib/lab/index.js';
import { requireRootForLab } from '../helpers/lab.js';

const cliModule = join(packageRoot(), 'dist', 'lib', 'cli', 'lab.js');
const entry = 'const { runLabCommand } = await import(process.argv[1]); process.exitCode = await runLabCommand(process.argv.slice(2));';

function octoiLab(args: string[], asUser?: string) {
  const node = [process.execPath, '--input-type=module', '-e', entry, cliModule, ...args];
  const argv = asUser ? ['setpriv', `--reuid=${asUser}`, '--regid=nogroup', '--clear-groups', ...node] : node;
  return runCommand(argv, { timeoutMs: 120_000 });
}

describe('octoi lab (command line)', () => {
  let dir = '';
  before(async () => {
    requireRootForLab();
    dir = await mkdtemp(join(tmpdir(), 'octoi-lab-cli-'));
  });
  after(async () => {
    await labDown({ dir });
    await rm(dir, { recursive: true, force: true });
  });

  it('says clearly that it needs root, and exits with the lab failure code', async () => {
    const result = await octoiLab(['up', '--hosts', '1', '--dir', join(dir, 'unprivileged')], 'nobody');
    assert.equal(result.exitCode, ExitCode.labFailed, result.stderr);
    assert.match(result.stderr, /octoi lab needs root/);
    assert.match(result.stderr, /hint: run it as root/);
  });

  it('boots hosts, prints the inventory path last, lists them, and takes them down', async () => {
    const up = await octoiLab(['up', '--hosts', '2', '--dir', dir]);
    assert.equal(up.exitCode, ExitCode.ok, up.stderr);
    const lines = up.stdout.trim().split('\n');
    assert.equal(lines.at(-1), join(dir, 'inventory.yml'));
    assert.ok(lines.some((line) => /^gw02 10\.\d+\.\d+\.3 ready in/.test(line)), up.stdout);

    const inventory = await octoiLab(['inventory', '--dir', dir]);
    assert.equal(inventory.stdout, `${join(dir, 'inventory.yml')}\n`);

    const status = await octoiLab(['status', '--dir', dir]);
    assert.equal(status.exitCode, ExitCode.ok);
    const rows = status.stdout.trim().split('\n').map((row) => row.split(/\s+/));
    assert.deepEqual(rows[0], ['HOST', 'ADDRESS', 'STATE', 'SSH', 'PID', 'RELEASE', 'INIT']);
    assert.deepEqual(rows.slice(1).map((row) => [row[0], row[2], row[3], row[5], row[6]]), [
      ['gw01', 'running', 'ready', 'bookworm/12', 'systemd'],
      ['gw02', 'running', 'ready', 'bookworm/12', 'systemd'],
    ]);

    const older = await octoiLab(['up', '--hosts', '3', '--release', 'bullseye', '--dir', dir]);
    assert.equal(older.exitCode, ExitCode.ok, older.stderr);
    assert.match(older.stdout, /is up with 2 hosts; booting 1 more/);
    const mixed = (await octoiLab(['status', '--dir', dir])).stdout.trim().split('\n').slice(1).map((row) => row.split(/\s+/));
    assert.deepEqual(mixed.map((row) => [row[0], row[3], row[5]]), [
      ['gw01', 'ready', 'bookworm/12'],
      ['gw02', 'ready', 'bookworm/12'],
      ['gw03', 'ready', 'bullseye/11'],
    ]);

    const again = await octoiLab(['up', '--hosts', '3', '--dir', dir]);
    assert.match(again.stdout, /is already up with 3 hosts/);

    const down = await octoiLab(['down', '--dir', dir]);
    assert.equal(down.exitCode, ExitCode.ok, down.stderr);
    assert.equal((await octoiLab(['status', '--dir', dir])).stdout, `no lab in ${dir}\n`);
  });

  it('rejects a release or init it does not know, naming the choices', async () => {
    const release = await octoiLab(['up', '--release', 'buster', '--dir', dir]);
    assert.equal(release.exitCode, ExitCode.invalidInput);
    assert.match(release.stderr, /--release buster is not one of bullseye, bookworm, trixie/);
    const init = await octoiLab(['up', '--init', 'openrc', '--dir', dir]);
    assert.equal(init.exitCode, ExitCode.invalidInput);
    assert.match(init.stderr, /--init openrc is not one of systemd, none/);
  });

  it('rejects an unknown command with usage', async () => {
    const result = await octoiLab(['launch', '--dir', dir]);
    assert.equal(result.exitCode, ExitCode.invalidInput);
    assert.match(result.stderr, /unknown lab command launch/);
  });
});
