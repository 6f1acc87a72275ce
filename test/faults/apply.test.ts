import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { labUp, stopHost } from '../../lib/lab/index.js';
import { hostPaths, labId, vethName } from '../../lib/lab/names.js';
import { runChecked } from '../../lib/lab/run-command.js';
import {
  assertConverged,
  assertNoPartialFiles,
  assertRerunConverges,
  bulkyBody,
  managedFiles,
  play,
  playbookText,
  slowDownSystemctl,
  slowSystemctlPid,
  startOctoi,
  tempFilesOn,
  waitForEvent,
  waitUntil,
  type ManagedFile,
  type PlayRun,
} from '../helpers/faults.js';
import { readJsonReport } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

const SERVICE = 'octoi-faults-apply';

describe('faults while applying, on a lab of 3 hosts', { timeout: 600_000 }, () => {
  const suite = labSuite(3);
  let version = 0;

  /** A new version of the service: a new port and output, optionally a bulky script. */
  const nextVersion = async (options: { bytes?: number; port?: number } = {}): Promise<{ file: string; files: ManagedFile[]; port: number; output: string }> => {
    version += 1;
    const port = options.port ?? 15200 + version;
    const output = `version-${version}`;
    const body = options.bytes ? bulkyBody(output, options.bytes) : `echo ${output}`;
    const file = join(suite.work, `v${version}.yml`);
    await writeFile(file, playbookText([{ name: SERVICE, port, body }]));
    return { file, files: await managedFiles(file), port, output };
  };
  const names = () => suite.lab.hosts.map((host) => host.name);
  const others = (faulty: string) => names().filter((name) => name !== faulty);

  /** The run that met the fault: the faulty host is named with `reason`, every other host converged. */
  const assertFaultReported = async (outcome: PlayRun, faulty: string, reason: string, files: ManagedFile[]): Promise<void> => {
    const { run, report } = outcome;
    assert.equal(report.hosts[faulty]?.error?.reason, reason, run.stdout + run.stderr);
    assert.ok([ExitCode.hostsFailed, ExitCode.hostsUnreachable].includes(run.exitCode as 2 | 3), `exit ${run.exitCode}`);
    for (const host of others(faulty)) assert.equal(report.hosts[host]?.status, 'changed', `${host}: ${run.stdout}`);
    await assertConverged(suite.lab, others(faulty), files);
  };


  it('a host powered off in the middle of apply: connection-lost, its files old or new, a re-run converges', async () => {
    const old = await nextVersion();
    assert.equal((await play(suite.lab.inventoryPath, old.file)).run.exitCode, ExitCode.ok);
    const next = await nextVersion();
    const faulty = 'gw03';
    await slowDownSystemctl(suite.lab, faulty, 'daemon-reload', 120);
    const events = join(suite.work, 'killed.events');
    const octoi = startOctoi(['play', next.file, '-i', suite.lab.inventoryPath, '--events', events, '--json', join(suite.work, 'killed.json'), '--plain', '--command-timeout', '60']);
    await waitUntil('the apply on gw03 reached daemon-reload', async () => (await slowSystemctlPid(suite.lab, faulty)) !== null);
    const upper = hostPaths(suite.lab.dir, faulty).upper;
    const killedAt = Date.now();
    await stopHost(suite.lab.dir, faulty);
    const run = await octoi.done;
    const seconds = (Date.now() - killedAt) / 1000;
    assert.ok(seconds < 30, `octoi took ${seconds} s to give the host up`);
    const report = await readJsonReport(join(suite.work, 'killed.json'));
    await assertFaultReported({ run, report, seconds }, faulty, 'connection-lost', next.files);
    // It was reached and logged in on: losing it afterwards fails the host (exit 2), it is not unreachable.
    assert.equal(run.exitCode, ExitCode.hostsFailed);
    const kinds = Object.fromEntries((report.hosts[faulty]?.actions ?? []).map((action) => [action.kind, action.outcome]));
    assert.equal(kinds['daemon-reload'], 'unknown', 'the step in progress when the host went away may or may not have run');
    assert.equal(kinds['restart-socket'], 'not-run');

    // The host is off: read what it left on its disk (the overlay's upper layer) from outside.
    for (const file of next.files) {
      const content = await readFile(join(upper, file.path)).catch(() => null);
      if (content === null) continue;
      const hash = createHash('sha256').update(content).digest('hex');
      const known = [...old.files, ...next.files].filter((candidate) => candidate.path === file.path).map((candidate) => candidate.sha256);
      assert.ok(known.includes(hash), `${faulty}:${file.path} is neither the old nor the new version`);
    }

    await labUp({ dir: suite.lab.dir, hosts: suite.lab.hosts.length });
    await assertRerunConverges(suite.lab, next.file);
  });

  it('the link of a host cut in the middle of an upload: connection-lost in the upload, nothing written, a re-run converges', async () => {
    const old = await nextVersion();
    assert.equal((await play(suite.lab.inventoryPath, old.file)).run.exitCode, ExitCode.ok);
    const next = await nextVersion({ bytes: 800_000 });
    const faulty = 'gw02';
    const veth = vethName(labId(suite.lab.dir), suite.lab.hosts.findIndex((host) => host.name === faulty) + 1);
    // a slow link makes the upload last seconds, so the cut lands in its middle
    await runChecked(['tc', 'qdisc', 'replace', 'dev', veth, 'root', 'tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms']);
    try {
      const events = join(suite.work, 'cut.events');
      const json = join(suite.work, 'cut.json');
      const octoi = startOctoi(['play', next.file, '-i', suite.lab.inventoryPath, '--events', events, '--json', json, '--plain']);
      await waitForEvent(events, (event) => event.type === 'host-step' && event.host === faulty && event.step === 'uploading');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const cutAt = Date.now();
      await runChecked(['ip', 'link', 'set', veth, 'down']);
      const run = await octoi.done;
      const seconds = (Date.now() - cutAt) / 1000;
      assert.ok(seconds < 45, `octoi took ${seconds} s to notice the dead link`);
      const report = await readJsonReport(json);
      await assertFaultReported({ run, report, seconds }, faulty, 'connection-lost', next.files);
      assert.equal(report.hosts[faulty]?.status, 'failed');
      assert.equal(report.hosts[faulty]?.phase, 'upload', 'the cut landed in the middle of the upload');
      await assertNoPartialFiles(suite.lab, [faulty], [old.files, next.files]);
      await assertConverged(suite.lab, [faulty], old.files);
      // The files travel inside the request, which the host runs only once all of it arrived.
      assert.deepEqual(await tempFilesOn(suite.lab, faulty, next.files), [], 'a request cut off halfway writes nothing');
    } finally {
      await runChecked(['ip', 'link', 'set', veth, 'up']);
      await runChecked(['tc', 'qdisc', 'del', 'dev', veth, 'root']);
    }
    await assertRerunConverges(suite.lab, next.file);
  });

  it('a full disk while writing: disk-full, the old files intact, a re-run converges once there is space', async () => {
    const faulty = 'gw01';
    const folder = `/opt/${SERVICE}`;
    const mounted = await suite.lab.exec(faulty, ['sh', '-c', `mkdir -p ${folder} && mount -t tmpfs -o size=256k,mode=0755 octoi-full ${folder}`]);
    assert.equal(mounted.exitCode, 0, mounted.stderr);
    try {
      const old = await nextVersion();
      assert.equal((await play(suite.lab.inventoryPath, old.file)).run.exitCode, ExitCode.ok);
      const next = await nextVersion({ bytes: 400_000 });
      const outcome = await play(suite.lab.inventoryPath, next.file);
      await assertFaultReported(outcome, faulty, 'disk-full', next.files);
      assert.match(outcome.report.hosts[faulty]?.error?.message ?? '', /no space left/);
      await assertNoPartialFiles(suite.lab, [faulty], [old.files, next.files]);
      await assertConverged(suite.lab, [faulty], old.files);
      const remounted = await suite.lab.exec(faulty, ['mount', '-o', 'remount,size=8m', folder]);
      assert.equal(remounted.exitCode, 0, remounted.stderr);
      await assertRerunConverges(suite.lab, next.file);
    } finally {
      await suite.lab.exec(faulty, ['umount', folder]);
    }
  });

  it('a socket that cannot start (its port taken on one host): unit-failed, a re-run converges once the port is free', async () => {
    const faulty = 'gw02';
    const next = await nextVersion({ port: 15250 });
    const squatter = await suite.lab.exec(faulty, ['systemd-run', '--unit=octoi-test-squatter', '--', 'nc', '-lk', '15250']);
    assert.equal(squatter.exitCode, 0, squatter.stderr);
    try {
      await waitUntil('the squatter listens', async () => /:15250\s/.test((await suite.lab.exec(faulty, ['ss', '-H', '-tln'])).stdout));
      const outcome = await play(suite.lab.inventoryPath, next.file);
      await assertFaultReported(outcome, faulty, 'unit-failed', next.files);
      assert.equal(outcome.run.exitCode, ExitCode.hostsFailed);
      assert.match(outcome.report.hosts[faulty]?.error?.message ?? '', new RegExp(`${SERVICE}\\.socket`));
    } finally {
      await suite.lab.exec(faulty, ['systemctl', 'stop', 'octoi-test-squatter.service']);
    }
    const rerun = await assertRerunConverges(suite.lab, next.file);
    assert.equal(rerun.report.hosts[faulty]?.status, 'changed');
    for (const host of suite.lab.hosts) assert.equal(await readFromPort(host.address, 15250), `${next.output}\n`);
  });
});
