import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { packageRoot } from '../../lib/paths.js';
import { shellCommand } from '../../lib/shell.js';
import { labSuite } from '../helpers/lab.js';

/**
 * The lab where systemd is PID 1 and cgroup v2 is the only hierarchy, as on a current desktop: a
 * workstation host logs in a user over SSH, and that user's octoi boots, converges and removes a lab.
 */
describe('a lab inside a workstation host: systemd as PID 1, cgroup v2 only', { timeout: 600_000 }, () => {
  const suite = labSuite([{ workstation: true }]);
  const nestedDir = '/srv/lab';
  const octoi = (...args: string[]) => shellCommand([process.execPath, join(packageRoot(), 'bin', 'octoi'), ...args]);
  const onWorkstation = async (command: string) => {
    const result = await suite.lab.ssh('gw01', command);
    return { ...result, output: `${command}\n${result.stdout}${result.stderr}` };
  };

  it('is a machine of the kind the lab meets on desktops: systemd PID 1, cgroup2 alone', async () => {
    const init = await onWorkstation('cat /proc/1/comm; stat -f -c %T /sys/fs/cgroup; grep -c " cgroup " /proc/mounts || true');
    assert.equal(init.stdout, 'systemd\ncgroup2fs\n0\n', init.output);
  });

  it('boots its own lab in delegated scopes, converges it, and leaves nothing when it is down', async () => {
    const tmpfs = await onWorkstation(`mkdir -p ${nestedDir} && mount -t tmpfs -o size=256m tmpfs ${nestedDir}`);
    assert.equal(tmpfs.exitCode, 0, tmpfs.output);
    const up = await onWorkstation(octoi('lab', 'up', '--hosts', '2', '--dir', `${nestedDir}/lab`));
    assert.equal(up.exitCode, ExitCode.ok, up.output);
    assert.match(up.stdout, /^2 hosts ready in/m);

    const scopes = await onWorkstation('systemctl list-units --type=scope --plain --no-legend --no-pager "octoi-*"');
    assert.equal(scopes.stdout.trim().split('\n').filter((line) => /^octoi-\w+-gw0[12]\.scope\s+loaded active running/.test(line)).length, 2, scopes.output);

    const play = await onWorkstation(octoi('play', join(packageRoot(), 'playbooks', 'helloworld.yml'), '-i', `${nestedDir}/lab/inventory.yml`, '--plain'));
    assert.equal(play.exitCode, ExitCode.ok, play.output);
    assert.match(play.stdout, /totals: 0 ok, 2 changed, 0 failed, 0 unreachable/);
    const served = await onWorkstation(`for host in $(${octoi('lab', 'status', '--dir', `${nestedDir}/lab`)} | awk 'NR > 1 { print $2 }'); do nc -w 5 "$host" 13063 < /dev/null; done`);
    assert.equal(served.stdout, 'Hello World\nHello World\n', served.output);

    const down = await onWorkstation(octoi('lab', 'down', '--dir', `${nestedDir}/lab`));
    assert.equal(down.exitCode, ExitCode.ok, down.output);
    const left = await onWorkstation(`systemctl list-units --all --plain --no-legend --no-pager "octoi-*"; ip netns list; ip -o link show type bridge; ls -A ${nestedDir}`);
    assert.equal(left.stdout, '', left.output);
  });
});
