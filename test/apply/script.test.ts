import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lockProblem } from '../../lib/apply/host-shell.js';
import { HostLockError } from '../../lib/host/failure.js';
import { confirmScript, failedUpload, parseSteps, STEP_FUNCTIONS, stepsScript, uploadScript, type ApplyOptions } from '../../lib/apply/script.js';
import { parseProbe } from '../../lib/facts/parse-probe.js';
import { hexName, PROBE_FUNCTIONS, probeCommands, probeScript } from '../../lib/facts/probe.js';
import { pendingRecord, tempPathFor } from '../../lib/host-layout.js';
import { planHost } from '../../lib/plan/plan.js';
import type { Action } from '../../lib/plan/types.js';
import { helloService, makeShellHost, type ShellHost } from '../facts/shell-host.js';

/** Split one line of `sh` into words the way the shell would: bare words and '...' quoting only. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `unterminated quote in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '\\') {
      word = (word ?? '') + line[++i];
    } else {
      assert.match(c, /[A-Za-z0-9_@%+=:,./-]/, `unquoted special character ${JSON.stringify(c)} in ${line}`);
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The step lines of a script, joined where a quoted word spans lines. */
function stepLines(script: string): string[][] {
  const lines: string[] = [];
  let pending = '';
  for (const line of script.split('\n')) {
    pending = pending ? `${pending}\n${line}` : line;
    // Outside quotes, `\'` is an escaped quote that opens nothing.
    if ((pending.replaceAll("\\'", '').split("'").length - 1) % 2 === 0) {
      if (pending.startsWith('octoi_step ')) lines.push(pending);
      pending = '';
    }
  }
  return lines.map(shellWords);
}

const EVIL = `/etc/systemd/system/x'; rm -rf / #$(id)\`id\`\n"q"`;
const TOKEN = 'c0ffee';

describe('stepsScript with hostile names', () => {
  const actions: Action[] = [
    { kind: 'remove-temp-file', path: `${EVIL}/.a.octoi-tmp.1` },
    { kind: 'create-directory', path: '/opt/s $(reboot)', service: 's' },
    { kind: 'adopt-file', path: `${EVIL}/b.socket`, service: 's', reason: 'identical to what octoi writes' },
    { kind: 'write-file', path: `${EVIL}/a.socket`, content: 'x', mode: 0o644, change: 'create', service: 's' },
    { kind: 'write-file', path: `/opt/s $(reboot)/s.sh`, content: 'y', mode: 0o750, change: 'update', service: 's', group: 'octoi-secret-1' },
    { kind: 'remove-file', path: '/opt/old;reboot', service: 's' },
    { kind: 'remove-drop-in', path: `${EVIL}/a.socket.d/x.conf`, service: 's' },
    { kind: 'remove-directory', path: '/opt/old dir', service: 's' },
    { kind: 'enable-socket', unit: 'a$(id).socket', service: 's' },
    { kind: 'daemon-reload' },
    { kind: 'start-socket', unit: 'd$(id).socket', service: 's', enabledNow: true },
    { kind: 'start-socket', unit: 'e.socket', service: 's', enabledNow: false },
    { kind: 'restart-socket', unit: "b'.socket", service: 's', reason: 'socket unit changed' },
    { kind: 'disable-socket', unit: '-c.socket', service: 's' },
    { kind: 'stop-instances', template: 'c@.service', service: 's' },
    { kind: 'reset-failed', units: ['c.socket', 'c@1.service'], service: 's' },
    { kind: 'stop-service', unit: "f'$(id).service", service: 's', reason: 'state: absent' },
    { kind: 'restart-service', unit: 'g;id.service', service: 's', reason: 'script changed' },
  ];
  const options: ApplyOptions = { runToken: TOKEN };
  const script = stepsScript(actions, 0, actions, options);
  const owned = '/var/lib/octoi/owned';

  it('is valid sh', () => {
    const check = spawnSync('/bin/sh', ['-n'], { input: `${PROBE_FUNCTIONS}${STEP_FUNCTIONS}${script}`, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
  });

  it('runs exactly the intended command for each action, in order, every word quoted', () => {
    const expected: string[][] = [
      ['rm', '-f', '--', `${EVIL}/.a.octoi-tmp.1`],
      ['octoi_mkdir', owned, '/opt/s $(reboot)', `dir ${hexName('/opt/s $(reboot)')}`],
      ['octoi_record', owned, 'add', `file ${hexName(`${EVIL}/b.socket`)}`],
      // The first install records every file written as octoi's, and the Accept=no restart as
      // pending, before anything changes.
      [
        'octoi_record_then', owned, `file ${hexName(`${EVIL}/a.socket`)}\nfile ${hexName('/opt/s $(reboot)/s.sh')}`,
        'octoi_record_then', '/var/lib/octoi/pending', `restart ${hexName('g;id.service')}`,
        'octoi_install', '0644', 'root:root', `${EVIL}/.a.socket.octoi-tmp.${TOKEN}`, `${EVIL}/a.socket`,
      ],
      ['octoi_install', '0750', 'root:octoi-secret-1', `/opt/s $(reboot)/.s.sh.octoi-tmp.${TOKEN}`, '/opt/s $(reboot)/s.sh', EVIL, '/opt/s $(reboot)'],
      ['octoi_remove', owned, '/opt/old;reboot', `file ${hexName('/opt/old;reboot')}`],
      ['rm', '-f', '--', `${EVIL}/a.socket.d/x.conf`],
      ['octoi_rmdir', owned, '/opt/old dir', `dir ${hexName('/opt/old dir')}`],
      ['systemctl', 'enable', '--no-reload', '--', 'a$(id).socket'],
      ['octoi_reload', '/var/lib/octoi/pending', `restart ${hexName("b'.socket")}`, `restart ${hexName('g;id.service')}`],
      ['octoi_start_new', 'd$(id).socket'],
      ['systemctl', 'start', '--', 'e.socket'],
      ['systemctl', 'restart', '--', "b'.socket"],
      ['systemctl', 'disable', '--no-reload', '--now', '--', '-c.socket'],
      ['systemctl', 'stop', '--', 'c@*.service'],
      ['systemctl', 'reset-failed', '--', 'c.socket', 'c@1.service'],
      ['systemctl', 'stop', '--', "f'$(id).service"],
      ['systemctl', 'try-restart', '--', 'g;id.service'],
    ];
    assert.deepEqual(stepLines(script), expected.map((argv, index) => ['octoi_step', String(index), ...argv]));
  });

  it('numbers the steps of a later part of the plan as in the plan', () => {
    assert.deepEqual(stepLines(stepsScript(actions.slice(14), 14, actions, options)).map((words) => words[1]), ['14', '15', '16', '17']);
  });

  it('carries each written file inside the script, base64 in a here-document after its upload call', () => {
    const upload = uploadScript(actions, options);
    const check = spawnSync('/bin/sh', ['-n'], { input: `${PROBE_FUNCTIONS}${STEP_FUNCTIONS}${upload}`, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    const temps = [`${EVIL}/.a.socket.octoi-tmp.${TOKEN}`, `/opt/s $(reboot)/.s.sh.octoi-tmp.${TOKEN}`];
    const calls = upload.split("'OCTOI_UPLOAD_END'\n").slice(0, -1).map((part) => shellWords(part.slice(part.lastIndexOf('octoi_upload ')).replace(/ <<$/, '')));
    assert.deepEqual(calls, [['octoi_upload', '3', temps[0]], ['octoi_upload', '4', temps[1], ...temps]]);
    assert.ok(upload.endsWith('OCTOI_UPLOAD_END\noctoi_marker uploaded\n'));
  });

  it('refuses paths that are not absolute and normalised', () => {
    for (const path of ['relative/x', '/opt/../etc/x', '/', '/opt/x/']) {
      const bad: Action[] = [{ kind: 'remove-directory', path, service: 's' }];
      assert.throws(() => stepsScript(bad, 0, bad, options), /refusing to touch/);
    }
  });
});

describe('tempPathFor', () => {
  it("names a hidden sibling that systemd ignores, with the run's token", () => {
    assert.equal(tempPathFor('/etc/systemd/system/x.socket', TOKEN), `/etc/systemd/system/.x.socket.octoi-tmp.${TOKEN}`);
  });
});

describe('parseSteps', () => {
  it('calls a step that began and never ended unknown: it may have run', () => {
    assert.deepEqual(parseSteps('::octoi:: step 0 begin\n::octoi:: step 0 ok\n::octoi:: step 1 begin\n'), [
      { action: 0, status: 'ok' },
      { action: 1, status: 'unknown' },
    ]);
  });
});

/** The host shell's definitions, then `script`, as octoi sends them. */
function hostScript(script: string): string {
  return `${PROBE_FUNCTIONS}${STEP_FUNCTIONS}${script}`;
}

function recordLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

describe('the steps run by /bin/sh', () => {
  let host: ShellHost;
  before(() => {
    host = makeShellHost();
  });
  after(() => host.cleanup());

  it('creates and records folders and files, installs atomically, stops at the first failed step, and reads the facts again', () => {
    const unitDir = join(host.root, 'etc', 'systemd', 'system');
    const desired = helloService(unitDir, join(host.root, 'opt', 'hello'));
    mkdirSync(unitDir, { recursive: true });
    mkdirSync(join(host.root, 'opt'));
    const leftover = join(unitDir, '.stale.octoi-tmp.0ld');
    writeFileSync(leftover, 'half-written');
    const before = parseProbe(host.run(probeScript([desired], { layout: host.layout })).stdout);
    const plan = planHost([desired], before);
    assert.deepEqual(plan.refusals, []);
    assert.deepEqual(
      plan.actions.map((a) => a.kind),
      ['remove-temp-file', 'create-directory', 'write-file', 'write-file', 'write-file', 'enable-socket', 'daemon-reload', 'start-socket'],
    );
    const options: ApplyOptions = { runToken: TOKEN, layout: host.layout };
    host.failSystemctl('daemon-reload', 'Failed to reload daemon: Access denied\n');
    // As octoi sends it: the folder first, the files uploaded into it, then the rest.
    const result = host.run(hostScript([
      stepsScript(plan.actions.slice(0, 2), 0, plan.actions, options),
      uploadScript(plan.actions, options),
      stepsScript(plan.actions.slice(2), 2, plan.actions, options),
      probeCommands([desired], { layout: host.layout }),
    ].join('')));
    assert.equal(result.status, 0, result.stderr);
    assert.equal(statSync(join(host.root, 'opt', 'hello')).mode & 0o7777, 0o755);
    assert.equal(failedUpload(result.stdout), undefined);
    assert.deepEqual(parseSteps(result.stdout), [
      { action: 0, status: 'ok' },
      { action: 1, status: 'ok' },      { action: 2, status: 'ok' },
      { action: 3, status: 'ok' },
      { action: 4, status: 'ok' },
      { action: 5, status: 'ok' },
      { action: 6, status: 'failed', exitCode: 5, stderr: 'Failed to reload daemon: Access denied' },
      { action: 7, status: 'skipped' },
    ]);
    assert.deepEqual(host.systemctlCalls().filter((call) => !call.startsWith('show ')), ['enable --no-reload -- hello.socket', 'daemon-reload']);
    const facts = parseProbe(result.stdout.slice(result.stdout.indexOf('::octoi:: probe 1')));
    for (const file of desired.files) {
      assert.deepEqual(facts.files[file.path], {
        path: file.path,
        exists: true,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        mode: file.mode,
        owner: 'root',
        group: 'root',
      });
    }
    assert.deepEqual(facts.leftoverTempFiles, [], 'no temp file is left behind');
    assert.deepEqual([...facts.owned.files].sort(), desired.files.map((file) => file.path).sort(), 'every installed file is recorded as octoi\'s');
    assert.deepEqual(facts.owned.directories, [join(host.root, 'opt', 'hello')], 'the folder octoi made is recorded');
    assert.deepEqual(recordLines(pendingRecord(host.layout)), [], 'no restart was planned, so none is pending');
    assert.deepEqual(
      planHost([desired], facts).actions.map((a) => a.kind),
      ['enable-socket', 'daemon-reload', 'start-socket'],
      'the next run only has the systemctl steps left (the stand-in systemctl changes no state)',
    );
  });

  it('records a restart as pending before the reload, and the confirmation clears only that line', () => {
    const shell = makeShellHost();
    after(() => shell.cleanup());
    const other = `restart ${hexName('other.socket')}`;
    mkdirSync(shell.layout.stateDirectory, { recursive: true, mode: 0o700 });
    writeFileSync(pendingRecord(shell.layout), `${other}\n`);
    const actions: Action[] = [{ kind: 'daemon-reload' }, { kind: 'restart-socket', unit: 'hello.socket', service: 'hello', reason: 'socket unit changed' }];
    shell.failSystemctl('restart', 'Job failed\n');
    const steps = parseSteps(shell.run(hostScript(stepsScript(actions, 0, actions, { runToken: TOKEN, layout: shell.layout }))).stdout);
    assert.equal(steps[1]?.status, 'failed');
    assert.deepEqual(recordLines(pendingRecord(shell.layout)), [other, `restart ${hexName('hello.socket')}`], 'the restart that did not happen stays pending');
    shell.run(hostScript(confirmScript(['hello.socket'], shell.layout)));
    assert.deepEqual(recordLines(pendingRecord(shell.layout)), [other], "another playbook's pending restart is kept");
  });

  it("records an Accept=no service's restart as pending before its script is replaced, so a run dying in between leaves it", () => {
    const shell = makeShellHost();
    after(() => shell.cleanup());
    const script = join(shell.root, 'opt', 'counter.sh');
    mkdirSync(join(shell.root, 'opt'));
    const actions: Action[] = [
      { kind: 'write-file', path: script, content: 'new', mode: 0o755, change: 'update', service: 'counter' },
      { kind: 'restart-service', unit: 'counter.service', service: 'counter', reason: 'script changed' },
    ];
    const options: ApplyOptions = { runToken: TOKEN, layout: shell.layout };
    // No upload arrived: the install fails, as a run cut off there would stop.
    const failed = parseSteps(shell.run(hostScript(stepsScript(actions, 0, actions, options))).stdout);
    assert.deepEqual(failed.map((step) => step.status), ['failed', 'skipped']);
    assert.deepEqual(recordLines(pendingRecord(shell.layout)), [`restart ${hexName('counter.service')}`], 'pending before the file changed');
    assert.ok(!existsSync(script));
    writeFileSync(tempPathFor(script, TOKEN), 'new', { mode: 0o600, flag: 'wx' });
    const done = parseSteps(shell.run(hostScript(stepsScript(actions, 0, actions, options))).stdout);
    assert.deepEqual(done.map((step) => step.status), ['ok', 'ok']);
    assert.equal(readFileSync(script, 'utf8'), 'new');
    assert.deepEqual(shell.systemctlCalls(), ['try-restart -- counter.service']);
    assert.deepEqual(recordLines(pendingRecord(shell.layout)), [`restart ${hexName('counter.service')}`], 'recorded once; the run clears it after verification');
  });

  it('disables a socket this run enabled when it fails to start', () => {
    const shell = makeShellHost();
    after(() => shell.cleanup());
    shell.failSystemctl('start', 'Job for hello.socket failed.\n');
    const actions: Action[] = [{ kind: 'start-socket', unit: 'hello.socket', service: 'hello', enabledNow: true }];
    const [step] = parseSteps(shell.run(hostScript(stepsScript(actions, 0, actions, { runToken: TOKEN, layout: shell.layout }))).stdout);
    assert.equal(step?.status, 'failed');
    assert.match(step?.stderr ?? '', /disabled hello.socket again/);
    assert.deepEqual(shell.systemctlCalls(), ['start -- hello.socket', 'disable --no-reload -- hello.socket', 'daemon-reload']);
  });

  it('uploads any bytes exactly into new 0600 temp files, and never opens a path that exists', () => {
    const shell = makeShellHost();
    after(() => shell.cleanup());
    const dir = join(shell.root, 'opt');
    mkdirSync(dir);
    const contents = ['', 'no newline at the end', '\n\n', "quotes ' \" $(id) `id` \\ %s OCTOI_UPLOAD_END\nOCTOI_UPLOAD_END\n", 'é ✓ \u0001\u007f'.repeat(5000)];
    const writes: Action[] = contents.map((content, index) => ({ kind: 'write-file', path: join(dir, `f${index}`), content, mode: 0o644, change: 'create', service: 's' }));
    const options: ApplyOptions = { runToken: TOKEN, layout: shell.layout };
    const result = shell.run(hostScript(uploadScript(writes, options)));
    assert.equal(result.status, 0, result.stderr);
    assert.equal(failedUpload(result.stdout), undefined, result.stdout);
    contents.forEach((content, index) => {
      const temp = tempPathFor(join(dir, `f${index}`), TOKEN);
      assert.equal(readFileSync(temp, 'utf8'), content);
      assert.equal(statSync(temp).mode & 0o7777, 0o600);
    });

    // The same temp names again: each exists now (a link would too), so the first fails and nothing more is written.
    const again = shell.run(hostScript(`${uploadScript(writes, { ...options, runToken: TOKEN })}${stepsScript(writes, 0, writes, options)}`));
    assert.match(failedUpload(again.stdout)?.stderr ?? '', /exists/);
    assert.equal(failedUpload(again.stdout)?.action, 0);
    assert.ok(parseSteps(again.stdout).every((step) => step.status === 'skipped'), again.stdout);
    assert.match(again.stdout, /::octoi:: uploaded\n/);

    const victim = join(shell.root, 'victim');
    symlinkSync(victim, tempPathFor(join(dir, 'f0'), 'l1nk'));
    const linked = shell.run(hostScript(uploadScript(writes.slice(0, 1), { ...options, runToken: 'l1nk' })));
    assert.match(failedUpload(linked.stdout)?.stderr ?? '', /exists/);
    assert.ok(!existsSync(victim), 'a dangling link planted at the temp path is not followed');
  });
});

describe('lockProblem', () => {
  it('names the run that holds the host, as it wrote itself into the holder file', () => {
    const holder = Buffer.from('pid 4242 on ctl01, started 2026-12-02T01:00:00.000Z\n').toString('hex');
    assert.throws(() => lockProblem(`::octoi:: lock busy ${holder}\n::octoi:: end\n`, 'gw01'), (error: unknown) => {
      assert.ok(error instanceof HostLockError);
      assert.equal(error.message, 'another octoi run (pid 4242 on ctl01, started 2026-12-02T01:00:00.000Z) holds gw01');
      return true;
    });
  });

  it('tells a login that may not lock from a host without flock, and passes a locked shell', () => {
    assert.throws(() => lockProblem('::octoi:: lock denied\n', 'gw01'), /the login user on gw01 cannot take octoi's lock in \/run\/octoi: changing a host needs root/);
    assert.throws(() => lockProblem('::octoi:: lock unavailable\n', 'gw01'), /flock \(util-linux\) is not installed/);
    assert.doesNotThrow(() => lockProblem('::octoi:: probe 1\n::octoi:: end\n', 'gw01'));
  });
});
